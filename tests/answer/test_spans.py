import pytest

from shanxi_qa.answer.spans import given_in, spans_of_type

SENTENCE = (
    "Jo Lin, a deputy from Harbor City, said 40 trams reached 70 kilometers per hour in May 2024."
)


@pytest.mark.parametrize(
    ("answer_type", "question", "spans"),
    [
        # "How many trams" counts trams: the speed is a measure, not a count.
        ("number", "How many trams are there?", ["40"]),
        ("date", "When did the trams reach that speed?", ["May 2024"]),
        ("person", "Who spoke about the trams?", ["Jo Lin"]),
        ("place", "Where is the deputy from?", ["Harbor City"]),
        ("other", "What did the deputy say?", []),
    ],
)
def test_the_values_of_the_asked_type(answer_type: str, question: str, spans: list[str]) -> None:
    found = spans_of_type(answer_type, SENTENCE, question)  # type: ignore[arg-type]
    assert [SENTENCE[a:b] for a, b in found] == spans


@pytest.mark.parametrize(
    ("span", "question", "given"),
    [
        ("Harbor City", "When did Harbor City open the line?", True),
        # Every content word of the span is in the question.
        ("a community center", "Which city is the community center in?", True),
        # Whole words only: "Li" is not in "clinics".
        ("Li", "How many clinics are there?", False),
        ("May 2024", "When did Harbor City open the line?", False),
    ],
)
def test_a_span_the_question_already_says(span: str, question: str, given: bool) -> None:
    assert given_in(span, question) is given


@pytest.mark.parametrize(
    ("text", "span", "completed"),
    [
        # A number cut before "percent" is given with it.
        ("exports grew 3.3 percent year-on-year", "3.3", "3.3 percent"),
        ("a rise of 2 percentage points", "2", "2 percentage points"),
        # Other units are left as the reader cut them (SQuAD's answers go both ways), and so
        # is a number whose line ends before the unit.
        ("over the next three years to rebuild", "three", "three"),
        ("22,000 litres per minute", "22,000", "22,000"),
        ("grew 3.3\n\npercent of them", "3.3", "3.3"),
        ("the percent sign", "the", "the"),
        # A name cut inside its capitalised run runs on to its end, not past it.
        (
            "Taiyuan Heavy Industry Transit Equipment was named",
            "Taiyuan",
            "Taiyuan Heavy Industry Transit Equipment",
        ),
        ("works with Mac OS X. Then", "Mac", "Mac OS X"),
        ("McKinsey & Company said", "McKinsey", "McKinsey & Company"),
        ("at Geely Auto's plant", "Geely", "Geely Auto"),
        ("in Taiyuan. The report", "Taiyuan", "Taiyuan"),
        ("the company in Taiyuan", "company", "company"),
    ],
)
def test_a_span_cut_short_is_completed(text: str, span: str, completed: str) -> None:
    from shanxi_qa.answer.spans import complete

    start = text.index(span)
    a, b = complete(text, start, start + len(span))
    assert text[a:b] == completed

import pytest

from shanxi_qa.spans import given_in, spans_of_type

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
    ("text", "span", "question", "completed"),
    [
        # A number cut before its unit is given with it.
        (
            "exports grew 3.3 percent year-on-year",
            "3.3",
            "How much did exports grow?",
            "3.3 percent",
        ),
        ("over the next three years to rebuild", "three", "Over how many years?", "three years"),
        (
            "a 1,000 kilometers per hour train",
            "1,000",
            "How fast is it?",
            "1,000 kilometers per hour",
        ),
        # "What kind of N?": the answer is given with N.
        (
            "the Longmenshan fault, a thrust structure along",
            "thrust",
            "What kind of structure is the fault?",
            "thrust structure",
        ),
        (
            "Fechnology, a high-tech company in Changzhi",
            "high-tech",
            "what kind of company is it",
            "high-tech company",
        ),
        # Nothing to complete: a word that is neither a unit nor the asked noun, or no number.
        ("626 specialized enterprises", "626", "How many specialized enterprises?", "626"),
        (
            "the welfare of residents continues",
            "the welfare of residents",
            "What continues to be a focus?",
            "the welfare of residents",
        ),
        ("a thrust structure", "thrust", "What is the fault?", "thrust"),
        ("in 2024\n\nYears later", "2024", "When?", "2024"),
    ],
)
def test_a_span_cut_before_its_unit_or_asked_noun_is_completed(
    text: str, span: str, question: str, completed: str
) -> None:
    from shanxi_qa.spans import complete

    start = text.index(span)
    a, b = complete(text, start, start + len(span), question)
    assert text[a:b] == completed

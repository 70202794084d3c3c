import pytest

from shanxi_qa.answer.checks import (
    count_bound,
    date_bound,
    failed_checks,
    has_answer_type,
    left_unnamed,
)
from shanxi_qa.answer.spans import holds_number
from shanxi_qa.language.question import parse_question


def test_a_count_must_stand_near_the_thing_counted() -> None:
    analysis = parse_question("How many wind farms are there?")
    assert not has_answer_type(
        analysis, "The report lists 12 mines in " + "x " * 80 + "and wind farms."
    )
    assert has_answer_type(analysis, "There are 12 wind farms.")


def test_names_already_in_the_question_do_not_count() -> None:
    analysis = parse_question("Who is the mayor of Harbor City?")
    assert not has_answer_type(analysis, "Harbor City is large.")
    # "Li" is a name of its own, not the letters inside "clinics".
    analysis = parse_question("who visited the clinics")
    assert has_answer_type(analysis, '"We visited clinics," Li said.')


def test_hard_checks_name_what_is_missing() -> None:
    base = {
        "sentence_coverage": 0.5,
        "dense": 0.5,
        "block_cue": 0.0,
        "photo_question": 0.0,
        "question_numbers": 0.0,
        "typed": 1.0,
        "predicate_coverage": 0.5,
        "type_missing": 0.0,
        "quantity_question": 0.0,
        "strict_focus_missing": 0.0,
        "numbers_missing": 0.0,
        "date_question": 0.0,
        "date_bound": 0.0,
        "asked_terms": 2.0,
        "left_unnamed": 0.0,
    }
    assert failed_checks(base) == []
    assert failed_checks({**base, "left_unnamed": 1.0}) == [
        "the sentence mentions the thing but never names it"
    ]
    # "what is the name of": nothing to look for.
    assert failed_checks({**base, "asked_terms": 0.0}) == ["the question names nothing to look for"]
    assert failed_checks({**base, "date_question": 1.0}) == ["the date is for something else"]
    assert failed_checks({**base, "date_question": 1.0, "date_bound": 1.0}) == []
    assert failed_checks({**base, "type_missing": 1.0}) == []  # names and places are not vetoed
    assert failed_checks({**base, "type_missing": 1.0, "quantity_question": 1.0}) == [
        "no number, date or credit of the asked kind in the sentence"
    ]
    assert failed_checks({**base, "dense": 0.1, "sentence_coverage": 0.0}) == [
        "the sentence shares next to nothing with the question"
    ]
    assert failed_checks({**base, "predicate_coverage": 0.0}) == [
        "only the names of the question are in the sentence"
    ]
    # A question about the page itself ("Who wrote the article?") shares no words with the byline.
    assert (
        failed_checks(
            {**base, "predicate_coverage": 0.0, "sentence_coverage": 0.0, "block_cue": 1.0}
        )
        == []
    )
    assert failed_checks({**base, "strict_focus_missing": 1.0, "numbers_missing": 1.0}) == [
        "the thing asked about is absent",
        "a number in the question is absent",
    ]


@pytest.mark.parametrize(
    ("question", "sentence", "holds"),
    [
        # A weight is in tons or kilograms; a length does not answer it.
        ("How much does each beam weigh?", "Each beam is 12 meters long.", False),
        ("How much does each beam weigh?", "Each beam weighs 3.5 tons.", True),
        # A measure counts something else than what "how many" asks about...
        ("How many pipes make up the tube?", "Each pipe is 6 meters wide.", False),
        ("How many children does she have?", "She serves children below 3 years old.", False),
        # The day of a date before a comma is no count.
        (
            "How many factories are listed?",
            "It was listed on Oct 8, the first such factory.",
            False,
        ),
        # An age counts no institutions.
        (
            "How many nurseries get funds?",
            "Nurseries for children under the age of 3 get funds.",
            False,
        ),
        ("How many nurseries get funds?", "Some 40 nurseries for children aged 2 get funds.", True),
        # ... unless the question counts in it.
        ("How many square kilometers does it cover?", "It covers 12 square kilometers.", True),
        # "how thick" asks for a thickness, and a count of sheets is not one.
        ("how thick is the copper sheet", "The plant rolls 40 copper sheets a day.", False),
        ("how thick is the copper sheet", "The copper sheet is 0.02 millimeters thick.", True),
        # Either end of a scale asks for the same measure; the adjective outranks a noun
        # elsewhere in the question.
        (
            "How young are the pupils the grant pays for?",
            "It serves pupils under 6 years old.",
            True,
        ),
        ("How young are the pupils the grant pays for?", "The grant is 5 million yuan.", False),
        ("How cheap is the ride?", "A ride costs 2 yuan.", True),
        ("How short is the bridge?", "The bridge opened in 2019.", False),
        ("What growth in investment is planned?", "Investment is to grow 6 percent.", True),
        # A rise is a rate or a sum, even of an investment.
        ("How much did investment rise?", "Investment rose 6 percent.", True),
        ("How much did investment rise?", "Investment rose in 12 cities.", False),
        # "high-speed" names a kind of train, not the speed asked about.
        ("How much is a high-speed train ticket?", "A ticket costs 90 yuan.", True),
        # "Which county" wants a name called a county, not any place.
        ("In which county is the line?", "The line is in Eastbay county.", True),
        ("In which county is the line?", "The line is the first in China.", False),
        ("Which city is Eastbay in?", "It lies in the coastal city of Harbor.", True),
        # How far up a ranking: places.
        ("How far did the city climb in the ranking?", "It rose five places.", True),
        ("How far did the city climb in the ranking?", "It rose in 2024.", False),
        # A photo "PROVIDED TO" the paper names no photographer.
        ("Who took the photo of the bridge?", "The new bridge. PROVIDED TO CITY NEWS", False),
        ("Who took the photo of the bridge?", "The new bridge. ANNA LEE / CITY NEWS", True),
    ],
)
def test_the_kind_of_quantity_or_name_asked_for(question: str, sentence: str, holds: bool) -> None:
    assert has_answer_type(parse_question(question), sentence) is holds


@pytest.mark.parametrize(
    ("text", "number", "holds"),
    [
        ("the 5g base stations", "fifth", True),  # "fifth-generation" is 5G
        ("in its 5th year", "fifth", True),
        ("growth in 2025", "fifth", False),  # a digit inside a larger number is not it
        ("the second phase", "second", True),
        ("ranking it first nationwide", "second", False),
        ("reached 108,000", "108,000", True),
    ],
)
def test_holds_number_reads_ordinals_in_words_or_digits(
    text: str, number: str, holds: bool
) -> None:
    assert holds_number(text, number) is holds


@pytest.mark.parametrize(
    ("question", "sentence", "bound"),
    [
        ("How many tram lines are there?", "The city now runs 6 tram lines.", True),
        ("How many tram lines are there?", "The number of tram lines reached 6 in May.", True),
        # The number counts something else, or stands apart from the lines.
        ("How many tram lines are there?", "The 6 buses serve tram lines too.", False),
        ("How many tram lines are there?", "Tram lines, the mayor said, cost 6 billion.", False),
        # "How much" wants an amount: "50 percent of the power" is not bound to it.
        ("How much power was sold?", "Wind gave 50 percent of the power.", False),
    ],
)
def test_a_count_is_bound_to_the_thing_counted(question: str, sentence: str, bound: bool) -> None:
    assert count_bound(parse_question(question), sentence) is bound


@pytest.mark.parametrize(
    ("question", "sentence", "bound"),
    [
        ("When did the ferry depart?", "The ferry departs Eastbay on Dec 6.", True),
        # The date is for the ferry's test, not for opening to passengers.
        (
            "When will the ferry open to passengers?",
            "The ferry, which has a top speed of 40 knots and room for 300 people, completed a"
            " test run in August.",
            False,
        ),
    ],
)
def test_a_date_is_bound_to_what_the_question_asks_happened(
    question: str, sentence: str, bound: bool
) -> None:
    analysis = parse_question(question)
    predicate = [
        t
        for w, t in zip(analysis.content_words, analysis.terms, strict=True)
        if w not in analysis.names
    ]
    assert date_bound(analysis, sentence, predicate) is bound


@pytest.mark.parametrize(
    ("question", "sentence", "unnamed"),
    [
        # "a tram depot" speaks of the depot without naming it.
        (
            "What is the name of the depot in Eastbay?",
            "Trams rest at a big depot in Eastbay.",
            True,
        ),
        ("What is the name of Jo Lin's tram company?", "Jo Lin works at a tram company.", True),
        # A name beside it, in apposition, in the noun phrase, or after "called".
        ("What is the name of the depot in Eastbay?", "Westyard, a big depot in Eastbay.", False),
        ("What is the name of the plan?", 'It made a "one-plus-N" plan.', False),
        ("What is the name of the depot?", "They built a depot called Westyard.", False),
        # "the depot" may be named before; other checks look after that.
        ("What is the name of the depot?", "The depot is in Eastbay.", False),
        ("Where is the depot?", "Trams rest at a big depot.", False),
    ],
)
def test_a_thing_whose_name_is_asked_must_be_named(
    question: str, sentence: str, unnamed: bool
) -> None:
    assert left_unnamed(question, sentence) is unnamed

import pytest

from shanxi_qa.question import analyse_question
from shanxi_qa.spans import extract_span


@pytest.mark.parametrize(
    ("question", "sentence", "span"),
    [
        # One of two alternatives, as the sentence says it.
        ("Is Eastbay a city or a county?", "Eastbay county lies east of the bay.", "county"),
        # A name after "known as".
        (
            "What do locals call the tram?",
            "The tram, known as the Green Snake in the city, opened in May.",
            "the Green Snake",
        ),
        # "in cities" is where, though a city is named elsewhere in the sentence.
        (
            "Where are trams popular, according to Jo Lin?",
            "Jo Lin, a deputy from Harbor City, said trams are popular in cities.",
            "cities",
        ),
        # The noun phrase built on the asked noun, when it says more than the question.
        (
            "What kind of buses will the city buy?",
            "The city will buy 40 electric double-decker buses.",
            "electric double-decker buses",
        ),
        (
            "Which index was among the best?",
            "Its regional transit index was among the best.",
            "regional transit index",
        ),
        # "5G" is a name, not the quantity 5; a number ends before its comma.
        (
            "How many 5G masts are there?",
            "The number of 5G masts reached 108,000, the report said.",
            "108,000",
        ),
        ("How many trams will run?", "By 2025, 40 trams will run, the plan says.", "40"),
        # A year, comma or not, answers "when"; the count beside it answers "how many".
        (
            "How many trams have run?",
            "Since the launch in 2017, the number of trams reached 87 by 2024.",
            "87",
        ),
        # "in August" is a time, not a place.
        (
            "Where was the line tested?",
            "The line was tested on the Eastbay loop in August.",
            "Eastbay",
        ),
        # A place the question already names does not answer it.
        (
            "In which city is the community tram depot?",
            "Workers at a community tram depot in Harbor City.",
            "Harbor City",
        ),
        (
            "How many stops does the line have?",
            "The line is 14 kilometers long and has 22 stops.",
            "22",
        ),
        (
            "How long is the line?",
            "The line is 14 kilometers long and has 22 stops.",
            "14 kilometers",
        ),
        (
            "How fast can the train go?",
            "It reached 350 kilometers per hour on a 40 kilometers track.",
            "350 kilometers per hour",
        ),
        (
            "How much did the bridge cost?",
            "The 3 km bridge cost 1.2 billion yuan ($170 million).",
            "1.2 billion yuan",
        ),
        ("When did the line open?", "The line opened on March 3 after 5 years of work.", "March 3"),
        (
            "Who opened the line?",
            "The line was opened by City Mayor Alan Smith on Monday.",
            "Alan Smith",
        ),
        (
            "Who took the photo?",
            "Passengers board a tram at Central Station. JOHN DOE / FOR THE DAILY NEWS",
            "JOHN DOE",
        ),
        (
            "Why was the terminal built?",
            "A new ferry terminal was built in the port district to reduce traffic on the bridge.",
            "to reduce traffic on the bridge",
        ),
        (
            "How many buses will the city buy by 2026?",
            "The city, the first in the region to do so, will buy 40 buses by 2026.",
            "40",  # not the ordinal "first", not the year given in the question
        ),
    ],
)
def test_extract_span_picks_the_shortest_answer_of_the_asked_type(
    question: str, sentence: str, span: str
) -> None:
    assert extract_span(analyse_question(question), sentence) == span

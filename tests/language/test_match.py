import pytest

from shanxi_qa.language.match import match_weight
from shanxi_qa.language.question import parse_question
from shanxi_qa.language.text import content_terms


@pytest.mark.parametrize(
    ("question_word", "text", "matches"),
    [
        ("work", "She is a worker at the mill.", True),
        ("builder", "The bridge was built and the builders left.", True),
        ("growth", "Sales grow every year.", True),
        ("payments", "They pay monthly.", False),  # "pay" is too short a base to trust
        ("mayor", "It opened in May.", False),
        ("state", "The stations opened.", False),
        ("developers", "They develop parks.", True),
        ("supply", "It is the largest supplier.", True),
        ("suppliers", "They supply power.", True),
    ],
)
def test_a_word_matches_its_derived_noun_but_not_a_short_lookalike(
    question_word: str, text: str, matches: bool
) -> None:
    analysis = parse_question(f"What about the {question_word}?")
    term = content_terms(question_word)[0]
    assert (match_weight(analysis, term, set(content_terms(text))) == 1.0) is matches

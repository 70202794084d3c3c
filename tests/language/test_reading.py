from __future__ import annotations

import pytest

from shanxi_qa.language.phrases import join_tokens, noun_phrases, tokens_of
from shanxi_qa.language.reading import read_question


def _parts(question: str) -> tuple[object, ...]:
    r = read_question(question)
    text = lambda span: r.text(span) if span else None  # noqa: E731
    return (
        r.wh_word,
        text(r.wh),
        text(r.focus),
        text(r.subject),
        r.subject_wh,
        [r.text(p) for p in r.phrases],
    )


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "How many wind farms does Shanxi run?",
            ("how", "How many wind farms", "wind farms", "Shanxi", False, ["wind farms", "Shanxi"]),
        ),
        (
            "Which agency co-launched the scheme?",
            ("which", "Which agency", "agency", None, True, ["agency", "the scheme"]),
        ),
        (
            "When did the service launch?",
            ("when", "When", None, "the service", False, ["the service"]),
        ),
        (
            "Who is the mayor of Harbor City?",
            ("who", "Who", None, "the mayor of Harbor City", False, ["the mayor of Harbor City"]),
        ),
    ],
)
def test_a_question_reads_into_wh_phrase_focus_and_subject(
    question: str, parts: tuple[object, ...]
) -> None:
    assert _parts(question) == parts


def test_noun_phrases_join_across_of_and_keep_titles_whole() -> None:
    tokens = tokens_of('the pipes of the vacuum tube completed in To Kill a Mockingbird, "really"')
    assert [join_tokens(tokens[a:b]) for a, b in noun_phrases(tokens)] == [
        "the pipes of the vacuum tube",
        "To Kill a Mockingbird",
        "really",
    ]
    assert join_tokens(tokens) == (
        'the pipes of the vacuum tube completed in To Kill a Mockingbird, "really"'
    )

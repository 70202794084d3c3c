import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shanxi_qa.language.text import (
    content_terms,
    refers_to_previous,
    split_sentences,
    stem,
    words,
)
from shanxi_qa.records import Sentence


def test_split_sentences_keeps_abbreviated_dates_and_initials_together() -> None:
    text = "It ended on Jan 21. The report, by J. Smith of Acme Corp. Ltd, was read. Why? Yes!"
    parts = [text[s.start : s.end] for s in split_sentences(text)]
    assert parts == [
        "It ended on Jan 21.",
        "The report, by J. Smith of Acme Corp. Ltd, was read.",
        "Why?",
        "Yes!",
    ]


def test_a_company_suffix_ends_a_sentence_when_a_sentence_opener_follows() -> None:
    text = "It was built with Acme Corp. The opening was in May. Ask Dr. Li at Beta Inc. Ltd. now."
    parts = [text[s.start : s.end] for s in split_sentences(text)]
    assert parts == [
        "It was built with Acme Corp.",
        "The opening was in May.",
        "Ask Dr. Li at Beta Inc. Ltd. now.",
    ]


def test_split_sentences_within_a_span_returns_offsets_into_the_whole_text() -> None:
    text = "Head.\n\nOne here. Two there.\n\nTail."
    assert split_sentences(text, 7, 27) == [Sentence(7, 16), Sentence(17, 27)]


def test_split_sentences_after_a_closing_quote() -> None:
    text = '"It works," he said. "We are proud." She agreed.'
    parts = [text[s.start : s.end] for s in split_sentences(text)]
    assert parts == ['"It works," he said.', '"We are proud."', "She agreed."]


@given(st.text(alphabet=st.sampled_from(list("ab .!?\"'\nAZ019")), max_size=200))
def test_sentences_are_trimmed_ordered_and_cover_every_visible_character(text: str) -> None:
    sentences = split_sentences(text)
    covered = "".join(text[s.start : s.end] for s in sentences)
    assert covered.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    for previous, current in itertools.pairwise(sentences):
        assert previous.end <= current.start
    for sentence in sentences:
        part = text[sentence.start : sentence.end]
        assert part == part.strip() and part


def test_words_split_compounds_and_drop_possessives() -> None:
    assert words("Shanxi's coal-based 1,599 high-tech firms") == [
        "shanxi",
        "coal",
        "based",
        "1,599",
        "high",
        "tech",
        "firms",
    ]


def test_stem_strips_the_adverb_ly_but_not_from_nouns_and_verbs_ending_in_it() -> None:
    assert [stem(w) for w in ["quickly", "supply", "supplies", "family", "assembly"]] == [
        "quick",
        "supply",
        "supply",
        "family",
        "assembly",
    ]


def test_stem_conflates_inflections() -> None:
    assert [
        stem(w) for w in ["mines", "mine", "reached", "reaching", "planned", "cities", "bus"]
    ] == [
        "min",
        "min",
        "reach",
        "reach",
        "plan",
        "city",
        "bus",
    ]


def test_content_terms_drop_stopwords() -> None:
    assert content_terms("How many smart coal mines does the province have?") == [
        "smart",
        "coal",
        "min",
        "provinc",
    ]


@pytest.mark.parametrize(
    ("sentence", "points_back"),
    [
        ("It opened in May.", True),
        ('"We are proud," she said.', True),
        ("The company has won praise abroad.", True),
        ("Volta Motors builds trams.", False),
        ("The report was delivered in May.", False),  # a report is not a named thing
        ("In this process, innovation is crucial.", True),
        ("Since the launch of the service in 2017, trams ran 874 times.", True),
        ("Sales will grow this year.", False),  # "this year" is now, not the sentence before
    ],
)
def test_refers_to_previous(sentence: str, points_back: bool) -> None:
    assert refers_to_previous(sentence, "Volta Motors opened a plant.") is points_back
    assert not refers_to_previous(sentence, "")  # nothing before it to point to

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shanxi_qa.index.chunk import ChunkerConfig, chunk_document, count_tiktokens
from shanxi_qa.records import Block, Document


def make_document(*paragraphs: tuple[str, str]) -> Document:
    """A document from (kind, text) pairs joined by blank lines, as the cleaner lays them out."""
    text, blocks = "", []
    for kind, paragraph in paragraphs:
        if text:
            text += "\n\n"
        blocks.append(Block(kind, len(text), len(text) + len(paragraph)))  # type: ignore[arg-type]
        text += paragraph
    return Document(source="corpus/doc.txt", text=text, blocks=blocks)


def word_count(text: str) -> int:
    return len(text.split())


def test_each_paragraph_is_a_chunk_and_front_matter_merges() -> None:
    document = make_document(
        ("headline", "Tram line opens"),
        ("byline", "By JANE ROE"),
        ("body", "The city opened its first tram line on Monday. It has twenty two stops in all."),
        ("body", "Buses will follow next year, the mayor said, with forty new electric vehicles."),
        ("caption", "A tram at the station. JOHN DOE / FOR THE NEWS"),
    )
    chunks = chunk_document(
        document, ChunkerConfig(max_tokens=40, min_tokens=5), count_tokens=word_count
    )
    assert [(c.paragraph, c.kind, c.text) for c in chunks] == [
        (1, "headline", "Tram line opens\n\nBy JANE ROE"),
        (
            3,
            "body",
            "The city opened its first tram line on Monday. It has twenty two stops in all.",
        ),
        (
            4,
            "body",
            "Buses will follow next year, the mayor said, with forty new electric vehicles.",
        ),
        (5, "caption", "A tram at the station. JOHN DOE / FOR THE NEWS"),
    ]
    # A caption is one sentence, credit included.
    assert [(s.start, s.end) for s in chunks[-1].sentences] == [(chunks[-1].start, chunks[-1].end)]


def test_short_body_paragraph_joins_the_next_one() -> None:
    document = make_document(
        ("body", "One short line."), ("body", "A longer paragraph follows here now.")
    )
    chunks = chunk_document(
        document, ChunkerConfig(max_tokens=40, min_tokens=5), count_tokens=word_count
    )
    assert len(chunks) == 1
    assert chunks[0].text == "One short line.\n\nA longer paragraph follows here now."
    assert len(chunks[0].sentences) == 2


def test_long_paragraph_splits_between_sentences() -> None:
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(6)]
    document = make_document(("body", " ".join(sentences)))
    chunks = chunk_document(
        document, ChunkerConfig(max_tokens=16, min_tokens=0), count_tokens=word_count
    )
    # Seven words a sentence and a budget of 16: two sentences a chunk.
    assert [c.text for c in chunks] == [" ".join(sentences[i : i + 2]) for i in (0, 2, 4)]
    assert all(c.paragraph == 1 for c in chunks)


def test_model_window_is_the_final_word_on_size() -> None:
    text = " ".join(f"w{i}" for i in range(60)) + "."
    document = make_document(("body", text))
    chunks = chunk_document(
        document,
        ChunkerConfig(max_tokens=100, min_tokens=0, model_window=20),
        count_tokens=word_count,
        count_model_tokens=lambda t: len(t.split()) + 2,
    )
    assert all(len(c.text.split()) + 2 <= 20 for c in chunks)
    assert " ".join(c.text for c in chunks) == text


def test_tiktoken_counts_offline() -> None:
    assert count_tiktokens("how many smart coal mines?") == 6


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"max_tokens": 4}, "max_tokens must be at least 16. Currently, max_tokens is 4"),
        ({"min_tokens": 300}, "min_tokens must be in [0, max_tokens)"),
    ],
)
def test_bad_config_is_refused_with_the_value(settings_: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace(")", r"\)")):
        ChunkerConfig(**settings_)


paragraph_text = st.lists(
    st.text(alphabet=st.sampled_from(list("abcdefgh XY.,!?")), min_size=1, max_size=60)
    .map(str.strip)
    .filter(bool),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(paragraph_text, st.integers(min_value=16, max_value=40))
def test_chunks_hold_offsets_and_respect_budgets(paragraphs: list[str], budget: int) -> None:
    document = make_document(*[("body", p) for p in paragraphs])
    config = ChunkerConfig(max_tokens=budget, min_tokens=4, model_window=24)
    chunks = chunk_document(
        document,
        config,
        count_tokens=count_tiktokens,
        count_model_tokens=lambda t: count_tiktokens(t) + 2,
    )
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start : chunk.end]
        assert count_tiktokens(chunk.text) + 2 <= config.model_window
        for sentence in chunk.sentences:
            assert chunk.start <= sentence.start < sentence.end <= chunk.end
    # Nothing is lost: every visible character lies in some chunk.
    visible = "".join(document.text.split())
    assert "".join("".join(c.text.split()) for c in chunks) == visible

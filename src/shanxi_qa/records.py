"""Typed records passed between pipeline stages.

The JSON that the CLI prints and the web API returns is ``dataclasses.asdict`` of
:class:`Answer`: one contract for every front end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# "heading" is a section heading inside the text (a Markdown or HTML h2, a PDF subhead); the
# document's own title is its "headline".
BlockKind = Literal["headline", "standfirst", "byline", "heading", "body", "caption"]
RetrievalMode = Literal["bm25", "dense", "hybrid"]
RETRIEVAL_MODES: tuple[RetrievalMode, ...] = ("bm25", "dense", "hybrid")

# How long work tells how far it is: ``report(what, done, total)``, e.g.
# ``("pages read", 12, 480)`` or ``("texts embedded", 300, 2100)``.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Block:
    """One paragraph of a cleaned document: ``document.text[start:end]``."""

    kind: BlockKind
    start: int
    end: int
    page: int | None = None  # 1-based page it starts on; None for formats without pages


@dataclass(frozen=True)
class Repair:
    """One change the cleaner made to the raw text, kept so every repair is visible."""

    rule: str  # e.g. "dehyphenate", "rehyphenate", "stitch", "unescape", "credit"
    before: str
    after: str


@dataclass
class Document:
    """A cleaned document. Offsets everywhere else point into ``text``."""

    source: str  # path relative to the corpus parent, e.g. "seeds/article.txt"
    text: str
    blocks: list[Block]
    repairs: list[Repair] = field(default_factory=list)

    def paragraph_of(self, offset: int) -> int:
        """1-based number of the block holding ``offset`` (0 when outside every block)."""
        for number, block in enumerate(self.blocks, start=1):
            if block.start <= offset < block.end:
                return number
        return 0

    def page_of(self, offset: int) -> int | None:
        """1-based page of the block holding ``offset``; None without pages or outside blocks."""
        number = self.paragraph_of(offset)
        return self.blocks[number - 1].page if number else None


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document, by offsets into the cleaned text."""

    start: int
    end: int


@dataclass
class Chunk:
    """A retrieval unit: one or more whole blocks, or part of a long block."""

    chunk_id: int
    source: str
    paragraph: int  # 1-based number of the first block the chunk covers
    kind: BlockKind
    start: int
    end: int
    text: str
    sentences: list[Sentence]
    tokens: int


@dataclass
class Hit:
    """A retrieved chunk with its fused score and per-retriever ranks (1-based, 0 = not found)."""

    chunk: Chunk
    score: float
    dense_rank: int = 0
    bm25_rank: int = 0


@dataclass
class Quote:
    """A verbatim quote: ``text == cleaned_document[start:end]``."""

    text: str
    source: str
    paragraph: int
    start: int
    end: int
    score: float
    context: str  # the whole paragraph the quote lies in
    context_start: int  # offset of ``context`` in the cleaned document
    page: int | None = None  # 1-based page of a paged document (PDF); None otherwise


# Confidence in words, for a reader at a glance: the confidence is calibrated (an answer given
# at 0.8 is right about 80% of the time on held-out articles), so the words mean what they say.
SURE_FROM = 0.8
LIKELY_FROM = 0.5


def certainty(confidence: float, abstained: bool) -> str:
    """``sure`` (right at least 8 times in 10), ``likely`` (more often right than not) or
    ``unsure``; an abstention is ``sure`` when its confidence that an answer exists is low."""
    if abstained:
        return "sure" if confidence < 1 - SURE_FROM else "unsure"
    if confidence >= SURE_FROM:
        return "sure"
    return "likely" if confidence >= LIKELY_FROM else "unsure"


@dataclass
class Answer:
    """What ``ask`` returns; ``asdict`` of it is the JSON contract."""

    question: str
    answer: str | None
    abstained: bool
    confidence: float
    quotes: list[Quote]
    # The standalone question actually answered when ``question`` was read as a follow-up of
    # the conversation ("how long are they?" -> "how long are the pipes ...?"); None when the
    # question was taken as it stands.
    resolved_question: str | None = None
    # Where the short answer lies: ``text[answer_start:answer_end] == answer`` in the cleaned
    # text of the first quote's document; None when abstaining.
    answer_start: int | None = None
    answer_end: int | None = None
    # The hard checks the sentence holding the best span failed (what the question insists
    # on that the sentence lacks); each one pulls the confidence down.
    checks: list[str] = field(default_factory=list)
    # The confidence in words: "sure", "likely" or "unsure" (see :func:`certainty`).
    certainty: str = ""

    def __post_init__(self) -> None:
        if not self.certainty:
            self.certainty = certainty(self.confidence, self.abstained)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

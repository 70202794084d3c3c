"""What the corpus holds, as `docs` and the chat list it: each document's kind, pages,
paragraphs, headline and when it was indexed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from shanxi_qa.index.loaded import LoadedIndex
from shanxi_qa.records import Document

# What ``docs`` calls each kind of file, by suffix.
KINDS = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}


HEADLINE_CHARS = 160


def kind_of(name: str) -> str:
    """The kind of document a file name says it is: text, markdown, html, pdf."""
    suffix = PurePosixPath(name).suffix.lower()
    return KINDS.get(suffix, suffix.lstrip(".") or "file")


def headline(document: Document) -> str:
    """The document's headline (and standfirst), or its first paragraph, on one line and
    shortened to :data:`HEADLINE_CHARS`."""
    pieces = [
        " ".join(document.text[block.start : block.end].split())
        for block in document.blocks
        if block.kind in ("headline", "standfirst")
    ]
    if not pieces and document.blocks:
        first = document.blocks[0]
        pieces = [" ".join(document.text[first.start : first.end].split())]
    text = ": ".join(piece for piece in pieces if piece)
    if len(text) <= HEADLINE_CHARS:
        return text
    return text[: HEADLINE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document, as ``docs`` lists it."""

    name: str  # the file name in the corpus folder
    source: str  # the name quotes give, "<corpus folder>/<file name>"
    kind: str  # text, markdown, html, pdf
    pages: int | None  # None for formats without pages
    paragraphs: int
    chunks: int
    headline: str
    indexed_at: str | None  # when this content was first indexed (ISO 8601)


def describe(index: LoadedIndex) -> list[DocumentInfo]:
    """Every document of a loaded index, by file name."""
    chunks: dict[str, int] = {}
    for chunk in index.chunks:
        chunks[chunk.source] = chunks.get(chunk.source, 0) + 1
    sources = index.manifest.get("sources")
    indexed = sources if isinstance(sources, dict) else {}
    built_at = index.manifest.get("built_at")
    infos = []
    for source, document in index.documents.items():
        name = PurePosixPath(source).name
        pages = [block.page for block in document.blocks if block.page is not None]
        record = indexed.get(name)
        when = record.get("indexed_at") if isinstance(record, dict) else built_at
        infos.append(
            DocumentInfo(
                name=name,
                source=source,
                kind=kind_of(name),
                pages=max(pages) if pages else None,
                paragraphs=len(document.blocks),
                chunks=chunks.get(source, 0),
                headline=headline(document),
                indexed_at=str(when) if when else None,
            )
        )
    return sorted(infos, key=lambda info: info.name)


def skipped_files(index: LoadedIndex) -> list[str]:
    """The build's one-line reasons for the corpus files it could not read."""
    skipped = index.manifest.get("skipped")
    return [str(line) for line in skipped] if isinstance(skipped, list) else []


def known_names(names: Sequence[str], shown: int = 10) -> str:
    """``known: a.txt, b.txt`` (the first ``shown`` names and how many more)."""
    ordered = sorted(names)
    if not ordered:
        return "the corpus holds no documents"
    listed = ", ".join(ordered[:shown])
    more = len(ordered) - shown
    return f"known: {listed}" + (
        f" and {more} more (shanxi-qa docs lists them)" if more > 0 else ""
    )

"""Example questions that fit the documents present: the chat's "Try asking".

A document may come with questions written for it: ``.examples.json`` in the folder that
really holds its file (``{"file name": ["question", ...]}``; the seed's are in ``seeds/``).
For any other document, questions are made from its own text, in one general way, and kept
only when the pipeline answers them from that document: a count ("How many penguins?") for
each number in a body sentence followed by what it counts. The newest documents come first,
so a document just added is what the examples are about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from shanxi_qa.language.numbers import NUMBER
from shanxi_qa.language.text import split_sentences
from shanxi_qa.language.vocabulary import (
    ARTICLES,
    AUXILIARIES,
    CONJUNCTIONS,
    PREPOSITIONS,
    UNITS,
)
from shanxi_qa.records import Document

if TYPE_CHECKING:
    from shanxi_qa.pipeline import Pipeline

EXAMPLES_FILE = ".examples.json"
SHOWN = 4
# Questions tried for one document (each is one question through the pipeline).
TRIED = 8
# What follows a number to be counted: up to three lowercase words, the last a plural.
_COUNTED = re.compile(r"[^\S\n]+((?:[a-z][a-z-]+[^\S\n]+){0,2}[a-z][a-z-]+s)\b")
_NOT_COUNTED = ARTICLES | AUXILIARIES | CONJUNCTIONS | PREPOSITIONS


def written_for(corpus_dir: Path, name: str) -> list[str]:
    """The questions written for the document ``name`` of ``corpus_dir``, if any."""
    home = (corpus_dir / name).resolve().parent
    try:
        data = json.loads((home / EXAMPLES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    questions = data.get(Path(name).name) if isinstance(data, dict) else None
    if not isinstance(questions, list):
        return []
    return [q for q in questions if isinstance(q, str) and q.strip()]


def _counts(document: Document) -> Iterator[str]:
    """ "How many X?" for every number of a body sentence followed by the plural it counts
    (not by a unit: "14 kilometers" measures)."""
    for block in document.blocks:
        if block.kind != "body":
            continue
        for sentence in split_sentences(document.text, block.start, block.end):
            text = document.text[sentence.start : sentence.end]
            for number in NUMBER.finditer(text):
                if not any(ch.isdigit() for ch in number.group()):
                    continue
                counted = _COUNTED.match(text, number.end())
                if counted is None:
                    continue
                words = counted.group(1).split()
                if any(word in _NOT_COUNTED for word in words) or words[-1] in UNITS:
                    continue
                yield f"How many {' '.join(words)}?"


def made_for(document: Document) -> list[str]:
    """Questions made from the document's text, in its order, each once."""
    seen: dict[str, None] = {}
    for question in _counts(document):
        seen.setdefault(question, None)
    return list(seen)


def examples_for(pipeline: Pipeline, shown: int = SHOWN) -> list[str]:
    """Up to ``shown`` example questions over the documents of ``pipeline``'s index, the
    newest documents first: the questions written for a document, or made from its text
    and answered from it."""
    index = pipeline.index
    sources = index.manifest.get("sources")
    indexed = sources if isinstance(sources, dict) else {}

    def when(source: str) -> str:
        record = indexed.get(PurePosixPath(source).name)
        return str(record.get("indexed_at", "")) if isinstance(record, dict) else ""

    written = {
        source: written_for(pipeline.config.corpus_dir, PurePosixPath(source).name)
        for source in index.documents
    }
    # Newest first; of the same moment, a document without questions written for it (the
    # user's, not the seed) first, then by name.
    ordered = sorted(sorted(index.documents), key=lambda s: (when(s), not written[s]), reverse=True)
    per_document: list[list[str]] = []
    for source in ordered:
        questions = written[source] or _answered(
            pipeline, source, made_for(index.documents[source])
        )
        if questions:
            per_document.append(questions)
    # One from each document in turn, until there are enough.
    chosen: list[str] = []
    for turn in range(shown):
        for questions in per_document:
            if turn < len(questions) and len(chosen) < shown:
                chosen.append(questions[turn])
    return chosen


def _answered(pipeline: Pipeline, source: str, questions: list[str]) -> list[str]:
    """The questions answered from ``source`` (not abstained), most confident first."""
    kept: list[tuple[float, int, str]] = []
    for order, question in enumerate(questions[:TRIED]):
        answer = pipeline.ask(question, source=source)
        if not answer.abstained and answer.quotes and answer.quotes[0].source == source:
            kept.append((-answer.confidence, order, question))
    return [question for _, _, question in sorted(kept)]

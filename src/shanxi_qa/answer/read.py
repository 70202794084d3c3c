"""Read: the trained extractive reader, run with onnxruntime (never torch).

The reader is all-MiniLM-L6-v2 fine-tuned with a SQuAD 2.0-style head by
``eval/train_reader.py``: for each word piece of a passage a start and an end logit, and the
``[CLS]`` position as the no-answer. :meth:`Reader.read` returns the best spans of a batch of
passages as character offsets into the passages' documents, with the no-answer score of the
window each span was read in, so the decision stage can weigh one against the other.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

MODEL_DIR = Path(__file__).with_name("models")
READER_FILE = MODEL_DIR / "reader.onnx"
READER_META = MODEL_DIR / "reader.json"
# The longest answer the reader may give, in word pieces.
MAX_ANSWER_PIECES = 30


class ReaderError(RuntimeError):
    """The shipped reader model is missing or damaged; the message is fit to show a user."""


@dataclass(frozen=True)
class Passage:
    """Text handed to the reader: ``document.text[start:start + len(text)]`` of ``source``."""

    source: str
    start: int
    text: str


@dataclass(frozen=True)
class Span:
    """A span the reader proposes, by offsets into its passage's document."""

    passage: int  # index into the passages read
    start: int
    end: int
    score: float  # start logit + end logit
    null: float  # the no-answer score of the window the span was read in


@dataclass(frozen=True)
class Reading:
    """What the reader made of the passages: its spans, best first, and the least no-answer
    score over every window read (SQuAD 2.0's threshold compares the two)."""

    spans: list[Span]
    null: float


class SpanReader(Protocol):
    """What the answerer needs of a reader (the trained one, or a test's fake)."""

    def read(self, question: str, passages: list[Passage], top: int = 8) -> Reading: ...


def reader_meta() -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads(READER_META.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReaderError(
            f"the reader's description {READER_META} is unreadable: {error}"
        ) from error
    return meta


def verify_model(path: Path = READER_FILE) -> None:
    """Check the shipped model against its recorded sha256."""
    meta = reader_meta()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != meta.get("sha256"):
        raise ReaderError(f"{path} does not match its checksum in {READER_META.name}")


# Characters that may open a whitespace-delimited token before its first word: a sign, a slash
# of a path, the dot of a file name ("-1", "/bin/sync", ".gitmodules").
_GLUED_PREFIX = re.compile(r"(?:[-+−~$#@.]|[\w.~-]*/)+")
_TRAILING = ",;:!?"
_OPENERS = "([{\"'“‘«"


def answer_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The span ``text[start:end]`` the reader chose, widened to whole words and to the
    characters glued before its first word that belong to it (a path's leading "/", a
    negative number's "-", a file name's dot), and without sentence punctuation at its end
    ("August." -> "August"; an abbreviation such as "U.S." keeps its dot)."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    token_start = start
    while token_start > 0 and not text[token_start - 1].isspace():
        if text[token_start - 1] in _OPENERS:
            break
        token_start -= 1
    prefix = text[token_start:start]
    if prefix and _GLUED_PREFIX.fullmatch(prefix):
        start = token_start
    while end > start + 1 and text[end - 1] in _TRAILING:
        end -= 1
    if end > start + 1 and text[end - 1] == ".":
        word_start = end - 1
        while word_start > start and not text[word_start - 1].isspace():
            word_start -= 1
        if "." not in text[word_start : end - 1]:
            end -= 1
    return start, end


class Reader:
    """The reader model in onnxruntime with its word-piece tokenizer."""

    def __init__(self, model_path: Path = READER_FILE, threads: int | None = None) -> None:
        # Two threads read the passages' batch about a third faster than one (18 against
        # 26 ms for three passages here); more than the machine's cores only contend.
        threads = threads or min(2, os.cpu_count() or 1)
        try:
            import onnxruntime  # noqa: F401  (its absence is reported here, not at the first question)
            from tokenizers import Tokenizer
        except ImportError as error:  # pragma: no cover - an install problem
            raise ReaderError(f"onnxruntime or tokenizers is missing: {error}") from error
        from shanxi_qa.index.embed import TOKENIZER_FILE, cpu_session, packaged_model_dir

        meta = reader_meta()
        if not model_path.is_file() or model_path.stat().st_size != meta.get("bytes"):
            raise ReaderError(
                f"the reader model {model_path} is missing or damaged; reinstall the package "
                "or rebuild it with eval/train_reader.py"
            )
        self.max_length = int(meta["max_length"])
        self.stride = int(meta["stride"])
        self.tokenizer = Tokenizer.from_file(str(packaged_model_dir() / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.plain = Tokenizer.from_file(str(packaged_model_dir() / TOKENIZER_FILE))
        self.plain.no_padding()
        self.plain.no_truncation()
        self.tokenizer.enable_truncation(
            self.max_length, stride=self.stride, strategy="only_second"
        )
        try:
            self.session = cpu_session(model_path, threads)
        except RuntimeError as error:
            raise ReaderError(f"cannot load the reader model {model_path}: {error}") from error

    def _clip(self, question: str) -> str:
        """A question longer than a quarter of the window is cut to its first word pieces, so
        every window keeps room for the passage."""
        encoding = self.plain.encode(question, add_special_tokens=False)
        limit = self.max_length // 4
        if len(encoding.ids) <= limit:
            return question
        return question[: encoding.offsets[limit - 1][1]]

    def read(self, question: str, passages: list[Passage], top: int = 8) -> Reading:
        """The ``top`` best spans over all passages (at most one per window position)."""
        if not passages:
            return Reading(spans=[], null=0.0)
        question = self._clip(question)
        windows: list[tuple[int, Any]] = []
        for number, passage in enumerate(passages):
            encoding = self.tokenizer.encode(question, passage.text)
            windows.extend((number, e) for e in [encoding, *encoding.overflowing])
        width = max(len(e.ids) for _, e in windows)
        ids = np.zeros((len(windows), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for row, (_, e) in enumerate(windows):
            ids[row, : len(e.ids)] = e.ids
            types[row, : len(e.ids)] = e.type_ids
            mask[row, : len(e.ids)] = 1
        starts, ends = self.session.run(
            ["start_logits", "end_logits"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
        )
        spans: list[Span] = []
        least_null = float("inf")
        for row, (number, e) in enumerate(windows):
            null = float(starts[row, 0] + ends[row, 0])
            least_null = min(least_null, null)
            context = np.array([i for i, s in enumerate(e.sequence_ids) if s == 1])
            if context.size == 0:
                continue
            s, t = starts[row, context], ends[row, context]
            scores = s[:, None] + t[None, :]
            i, j = np.indices(scores.shape)
            scores[(j < i) | (j - i >= MAX_ANSWER_PIECES)] = -np.inf
            flat = np.argsort(scores, axis=None)[::-1][:top]
            passage = passages[number]
            for k in flat:
                a, b = divmod(int(k), scores.shape[1])
                if not np.isfinite(scores[a, b]):
                    break
                lo = e.offsets[context[a]][0]
                hi = e.offsets[context[b]][1]
                lo, hi = answer_bounds(passage.text, lo, hi)
                spans.append(
                    Span(
                        passage=number,
                        start=passage.start + lo,
                        end=passage.start + hi,
                        score=float(scores[a, b]),
                        null=null,
                    )
                )
        spans.sort(key=lambda span: span.score, reverse=True)
        seen: set[tuple[str, int, int]] = set()
        unique = []
        for span in spans:
            key = (passages[span.passage].source, span.start, span.end)
            if key not in seen:
                seen.add(key)
                unique.append(span)
        return Reading(spans=unique[:top], null=least_null)


@lru_cache(maxsize=1)
def shared_reader() -> Reader:
    """One reader per process: the model is the same for every index."""
    return Reader()

"""The one front door: the CLI, the web chat and the evaluation all ask through :class:`Pipeline`."""

from __future__ import annotations

import json
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from shanxi_qa.answer.answerer import AnswerConfig, Answerer
from shanxi_qa.answer.decide import Decision
from shanxi_qa.answer.read import SpanReader
from shanxi_qa.conversation.followup import resolve
from shanxi_qa.conversation.turn import Turn, prefer_passage
from shanxi_qa.documents.journal import recover
from shanxi_qa.documents.library import open_library
from shanxi_qa.documents.listing import headline, known_names
from shanxi_qa.index.build import build_index
from shanxi_qa.index.chunk import ChunkerConfig
from shanxi_qa.index.embed import Encoder, Vectors
from shanxi_qa.index.layout import IndexStoreError, is_fresh
from shanxi_qa.index.loaded import LoadedIndex, load_index
from shanxi_qa.index.retrieve import RetrievalConfig, retrieve
from shanxi_qa.language.match import expand_terms, with_corpus_names
from shanxi_qa.language.question import QuestionParse, parse_question
from shanxi_qa.paths import DEFAULT_INDEX, DEFAULT_LIBRARY
from shanxi_qa.records import Answer, Document, Hit, RetrievalMode

DEFAULT_CORPUS = DEFAULT_LIBRARY
MAX_QUESTION_CHARS = 1000
# Earlier turns read for a follow-up: the last one is what a follow-up points to; the ones
# before it matter only to resolve a chain of follow-ups ("and in 2023?", "and the year before?").
MAX_HISTORY = 8

# An earlier turn: its question (answered again), or the record it got (used as it is).
HistoryItem = str | Answer


# Earlier turns kept per pipeline, by the conversation that led to them: a conversation
# asked one question at a time with its history as strings answers each question once.
TURN_CACHE = 256


@dataclass(frozen=True)
class Trace:
    """One question through the pipeline: the answer and what led to it."""

    answer: Answer
    hits: list[Hit]  # the chunks retrieved (more than were read when ranking is measured)
    decision: Decision | None  # the answer-or-abstain features (None: nothing retrieved)
    resolved_question: str | None  # the standalone question a follow-up was read as
    timings: dict[str, float]  # seconds: "analyse", "retrieve", "answer"


class QuestionError(ValueError):
    """The question cannot be asked as given; the message is fit to show a user."""


class SourceError(ValueError):
    """A document to search in that the index does not hold; the message lists those it does."""


def clean_question(question: str) -> str:
    """Check a question where it enters: control characters become spaces, length is capped."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    printable = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") else ch for ch in question
    )
    text = " ".join(printable.split())
    if not text:
        raise QuestionError("the question is empty: ask something about the documents")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}"
        )
    return text


def _stderr(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


_blas_limited = False


def one_blas_thread() -> None:
    """Run BLAS (numpy's and FAISS's OpenBLAS) on one thread in this process, once.

    A question's products are one vector against a few thousand rows (sentences, the
    vocabulary); OpenBLAS splits those over threads that then wait on each other, and on a
    busy machine an 8,500-row product takes 8 ms that way against 0.8 ms on one thread, for
    each word of the question. Each output is still one row's dot product, so the results
    are the same. Without threadpoolctl nothing changes.
    """
    global _blas_limited
    if _blas_limited:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with the project
        return
    threadpool_limits(limits=1, user_api="blas")
    _blas_limited = True


@dataclass
class PipelineConfig:
    corpus_dir: Path = DEFAULT_CORPUS
    index_dir: Path = DEFAULT_INDEX
    chunker: ChunkerConfig = field(default_factory=ChunkerConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    answer: AnswerConfig = field(default_factory=AnswerConfig)


class Pipeline:
    """Question in, quoted :class:`Answer` out, over an index kept fresh for its corpus."""

    def __init__(
        self,
        config: PipelineConfig | None = None,
        *,
        progress: bool = False,
        warn: Callable[[str], None] = _stderr,
        encoder: Encoder | None = None,
        encoder_factory: Callable[[], object] | None = None,
        reader: SpanReader | None = None,
    ) -> None:
        """``encoder`` embeds questions and ``reader`` reads passages (the packaged model and
        the trained reader by default; tests pass fakes); ``encoder_factory`` builds the
        index-time encoder."""
        self.config = config or PipelineConfig()
        self.index: LoadedIndex = self._open_index(progress, warn, encoder_factory)
        one_blas_thread()  # after the index is loaded, so FAISS's own BLAS is limited too
        if encoder is not None:
            self.index.query_encoder = encoder
        self.answerer = Answerer(self.index, self.config.answer, reader)
        self._turns: dict[tuple[object, ...], Turn] = {}

    def _open_index(
        self,
        progress: bool,
        warn: Callable[[str], None],
        encoder_factory: Callable[[], object] | None,
    ) -> LoadedIndex:
        config = self.config

        def build(force: bool) -> None:
            build_index(
                config.corpus_dir,
                config.index_dir,
                config.chunker,
                progress=progress,
                warn=warn,
                force=force,
                encoder_factory=encoder_factory,
            )

        open_library(config.corpus_dir, warn=warn)
        # A change to the corpus that a killed process left is finished or undone first.
        done = recover(config.corpus_dir, config.index_dir)
        if done:
            warn(f"{done} in {config.corpus_dir}")
        if not is_fresh(config.index_dir, config.corpus_dir, config.chunker):
            if progress:
                print(f"building the index for {config.corpus_dir} ...", file=sys.stderr)
            build(force=False)
        try:
            return load_index(config.index_dir)
        except IndexStoreError:
            # A damaged index is rebuilt once; a second failure is reported.
            build(force=True)
            return load_index(config.index_dir)

    def retrieve(
        self,
        question: str,
        mode: RetrievalMode | None = None,
        top_k: int | None = None,
        source: str | None = None,
    ) -> list[Hit]:
        """The chunks retrieved for ``question`` (for evaluation and debugging)."""
        only = self.resolve_source(source)
        analysis, vector = self.analyse(clean_question(question))
        return retrieve(self.index, analysis, vector, self._retrieval(mode, top_k), only)

    def ask(
        self,
        question: str,
        mode: RetrievalMode | None = None,
        top_k: int | None = None,
        history: Sequence[HistoryItem] | None = None,
        source: str | None = None,
    ) -> Answer:
        """Answer ``question`` from the documents, or abstain with the closest passage.

        ``history`` is the conversation so far, oldest first: a follow-up ("how long are
        they?") is read against its last turn (see :mod:`shanxi_qa.conversation.followup`). ``source``
        restricts the search to one document (a source or a file name, see
        :meth:`resolve_source`)."""
        return self.run(question, mode, top_k, history=history, source=source).answer

    def run(
        self,
        question: str,
        mode: RetrievalMode | None = None,
        top_k: int | None = None,
        ranked: int = 0,
        history: Sequence[HistoryItem] | None = None,
        source: str | None = None,
    ) -> Trace:
        """The answer with what led to it (see :class:`Trace`); ``ranked`` > top_k retrieves
        more for ranking metrics while the answer still reads only the top k. Serving
        (``ask``), evaluation and fitting the decision all come through here.

        ``history`` items are earlier questions, answered once per conversation (each read
        against the turn before it, and kept), or the :class:`Answer` records they got, used
        as they are (the chat keeps these). The record's ``resolved_question`` is the standalone question
        answered when ``question`` was read as a follow-up. ``source`` restricts retrieval
        (of every turn) to one document; one the index does not hold raises
        :class:`SourceError`."""
        text = clean_question(question)
        only = self.resolve_source(source)
        previous, path = self._previous_turn(history or (), mode, top_k, only)
        trace = self._answer(text, previous, mode, top_k, ranked, only)
        if not ranked:  # kept for the next question's history (asked the same way)
            self._keep((*path, text), Turn.of(trace.answer))
        return trace

    def _answer(
        self,
        text: str,
        previous: Turn | None,
        mode: RetrievalMode | None,
        top_k: int | None,
        ranked: int,
        source: str | None = None,
    ) -> Trace:
        started = time.perf_counter()
        resolved = resolve(text, previous)
        asked = resolved or text
        analysis, vector = self.analyse(asked)
        analysed = time.perf_counter()
        config = self._retrieval(mode, top_k)
        wanted = max(config.top_k, ranked)
        # A follow-up is most often about the passage just quoted: look a little deeper for it.
        deeper = 2 * config.top_k if resolved else 0
        hits = retrieve(
            self.index, analysis, vector, RetrievalConfig(config.mode, max(wanted, deeper)), source
        )
        if resolved:
            hits = prefer_passage(hits, previous, config.top_k)[:wanted]
        retrieved = time.perf_counter()
        said = previous.answered_at() if resolved and previous else None
        answer, decision = self.answerer.explain(
            analysis, vector, hits[: config.top_k], question=asked, said=said
        )
        if resolved:
            answer = replace(answer, question=text, resolved_question=resolved)
        timings = {
            "analyse": analysed - started,
            "retrieve": retrieved - analysed,
            "answer": time.perf_counter() - retrieved,
        }
        return Trace(answer, hits, decision, resolved, timings)

    def _previous_turn(
        self,
        history: Sequence[HistoryItem],
        mode: RetrievalMode | None,
        top_k: int | None,
        source: str | None = None,
    ) -> tuple[Turn | None, tuple[object, ...]]:
        """The last earlier turn, and the conversation that led to it (what it is kept by);
        an earlier question is answered once per conversation (the
        turn it gave is kept, by the questions that led to it)."""
        if isinstance(history, str):
            raise QuestionError("the history must be a list of earlier questions")
        turn: Turn | None = None
        items = list(history)
        path: tuple[object, ...] = (mode, top_k, source)
        for number, item in enumerate(
            items[-MAX_HISTORY:], start=max(1, len(items) - MAX_HISTORY + 1)
        ):
            if isinstance(item, Answer):
                turn = Turn.of(item)
                path += (json.dumps(item.to_dict(), sort_keys=True),)
                continue
            if not isinstance(item, str):
                raise QuestionError("the history must be a list of earlier questions")
            try:
                earlier = clean_question(item)
            except QuestionError as error:
                raise QuestionError(f"earlier question {number}: {error}") from error
            path += (earlier,)
            kept = self._turns.get(path)
            if kept is None:
                kept = Turn.of(self._answer(earlier, turn, mode, top_k, 0, source).answer)
                self._keep(path, kept)
            turn = kept
        return turn, path

    def _keep(self, path: tuple[object, ...], turn: Turn) -> None:
        if len(self._turns) >= TURN_CACHE:
            self._turns.pop(next(iter(self._turns)))
        self._turns[path] = turn

    def analyse(self, text: str) -> tuple[QuestionParse, Vectors]:
        """Analyse the question and embed it, with its words missing from the corpus vocabulary
        in the same batch (one model run)."""
        index = self.index
        analysis = parse_question(text)
        analysis = with_corpus_names(analysis, index.names)
        missing = [w for w in analysis.content_words if w not in index.vocabulary_row]
        vectors = index.encoder.encode([text, *missing])
        word_vectors = {
            w: index.vocabulary_vectors[index.vocabulary_row[w]]
            for w in analysis.content_words
            if w in index.vocabulary_row
        }
        word_vectors.update(zip(missing, vectors[1:], strict=True))
        expansions = expand_terms(
            analysis, index.vocabulary, index.vocabulary_vectors, word_vectors
        )
        return replace(analysis, expansions=expansions), vectors[0]

    def document(self, source: str) -> Document:
        """The cleaned document, by its source name or file name."""
        documents = self.index.documents
        if source in documents:
            return documents[source]
        by_name = [d for key, d in documents.items() if Path(key).name == Path(source).name]
        if len(by_name) == 1:
            return by_name[0]
        known = ", ".join(sorted(documents))
        raise KeyError(f"no document {source!r} in the index; known: {known}")

    def resolve_source(self, name: str | None) -> str | None:
        """The source a document filter names (its source, "seeds/a.txt", or its file name,
        "a.txt"); None for no filter. Raises :class:`SourceError` listing the documents."""
        if name is None:
            return None
        documents = self.index.documents
        if name in documents:
            return name
        by_name = [key for key in documents if Path(key).name == name]
        if len(by_name) == 1:
            return by_name[0]
        names = [Path(key).name for key in documents]
        raise SourceError(f"no document {name!r} in the index; {known_names(names)}")

    def headline(self, source: str) -> str:
        """The headline of a document of the index (its first paragraph when it has none)."""
        return headline(self.index.documents[source])

    def _retrieval(self, mode: RetrievalMode | None, top_k: int | None) -> RetrievalConfig:
        base = self.config.retrieval
        return RetrievalConfig(mode=mode or base.mode, top_k=top_k or base.top_k)

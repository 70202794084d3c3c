"""What the chat does for one server, whatever the page: answer, add, remove and list documents, follow the index another process made current, and suggest example questions."""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from shanxi_qa.conversation.examples import examples_for
from shanxi_qa.documents.corpus import CorpusError, add_documents, read_only_names, remove_document
from shanxi_qa.documents.listing import describe
from shanxi_qa.index.layout import IndexStoreError, current_build, read_manifest
from shanxi_qa.pipeline import MAX_HISTORY, Pipeline, QuestionError, SourceError
from shanxi_qa.records import Answer, Progress
from shanxi_qa.render import (
    answer_markdown,
    escape_markdown,
    headlines_of,
    one_line,
    source_panel_html,
)


def _polite_question_error(error: QuestionError) -> str:
    return f"Sorry, I cannot ask that: {escape_markdown(str(error))}."


def _log_failure(question: str) -> None:
    print(f"error: answering {question[:200]!r} failed:", file=sys.stderr)
    traceback.print_exc(file=sys.stderr)


SORRY = "Sorry, something went wrong while answering. Please try again or rephrase the question."


class ChatService:
    """The UI and API callbacks over one shared pipeline.

    ``Pipeline.ask`` reads a loaded index (FAISS search, BM25 scores, numpy arrays) and
    runs one ONNX Runtime session, which is thread-safe; but the query encoder is created
    lazily on first use and the third-party objects do not promise thread safety, so calls
    are serialised with a lock. An answer takes milliseconds, so the lock costs nothing a
    user would notice, and the queue's other workers keep the page responsive meanwhile.

    Adding or removing a document builds the new index outside that lock (questions are
    still answered from the old one meanwhile), then swaps in a pipeline over the new index
    under it; changes take turns under a lock of their own.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._lock = threading.Lock()
        self._changing = threading.Lock()
        self._examples: tuple[Path, list[str]] | None = None  # (index build, its examples)

    def ask(
        self, question: str, history: list[Any] | None = None, source: str | None = None
    ) -> Answer:
        """``history``: earlier questions, or the answer records they got, oldest first;
        ``source``: the one document to search (a file name), None for all."""
        self.follow_index()
        with self._lock:
            if history or source:
                return self.pipeline.ask(
                    question, history=(history or [])[-MAX_HISTORY:], source=source
                )
            return self.pipeline.ask(question)

    def api(
        self, question: str, history: list[str] | None = None, source: str | None = None
    ) -> dict[str, Any]:
        """``/ask``: the answer record, or ``{"question", "error"}`` for a question that fails."""
        try:
            return self.ask(question, history, source or None).to_dict()
        except (QuestionError, SourceError) as error:
            return {"question": question, "error": str(error)}
        except Exception:
            _log_failure(str(question))
            return {"question": question, "error": SORRY}

    def reply(
        self,
        question: str,
        conversation: list[Answer] | None = None,
        source: str | None = None,
    ) -> tuple[str, str | None, Answer | None]:
        """The bot's Markdown reply, the new source panel (None: leave the panel as is) and the
        answer record (None when the question could not be asked)."""
        try:
            answer = self.ask(question, list(conversation or []), source)
        except QuestionError as error:
            return _polite_question_error(error), None, None
        except SourceError as error:
            return f"Sorry, I cannot search there: {escape_markdown(str(error))}.", None, None
        except Exception:
            _log_failure(question)
            return escape_markdown(SORRY), None, None
        headlines = self.headlines()
        return answer_markdown(answer, headlines), source_panel_html(answer, headlines), answer

    def headlines(self) -> dict[str, str] | None:
        return headlines_of(self.pipeline)

    def examples(self) -> list[str]:
        """ "Try asking": questions that fit the documents of the index now served, the newest
        documents first (made once per index, see :mod:`shanxi_qa.conversation.examples`)."""
        self.follow_index()
        with self._lock:
            pipeline = self.pipeline
            if self._examples is None or self._examples[0] != pipeline.index.path:
                try:
                    questions = examples_for(pipeline)
                except Exception:
                    _log_failure("making example questions")
                    questions = []
                self._examples = (pipeline.index.path, questions)
            return list(self._examples[1])

    def document_names(self) -> list[str]:
        """The file names of the indexed documents, sorted."""
        self.follow_index()
        return sorted(Path(source).name for source in self.pipeline.index.documents)

    def add(self, path: Path, name: str, report: Progress | None = None) -> str:
        """Add the uploaded file ``path`` as ``name``; the reply for the chat (Markdown).
        ``report`` is told how far it is (pages read, texts embedded)."""
        shown = escape_markdown(name)
        try:
            with self._changing:
                config = self.pipeline.config
                (change,) = add_documents(
                    [(path, name)],
                    config.corpus_dir,
                    config.index_dir,
                    config.chunker,
                    report=report,
                )
                if change.status in ("added", "replaced"):
                    self._reload()
        except (CorpusError, IndexStoreError, OSError) as error:
            return f"Sorry, I could not add {shown}: {escape_markdown(one_line(str(error)))}."
        except Exception:
            _log_failure(f"adding {name}")
            return f"Sorry, something went wrong while adding {shown}; nothing was changed."
        if change.status == "refused":
            reason = change.message.removeprefix(f"{name}: ")
            return f"Sorry, I could not add {shown}: {escape_markdown(one_line(reason))}."
        if change.status == "unchanged":
            return escape_markdown(change.message) + "."
        info = next((i for i in describe(self.pipeline.index) if i.name == change.name), None)
        about = f" (*{escape_markdown(info.headline)}*)" if info and info.headline else ""
        paragraphs = f", {info.paragraphs} paragraphs" if info else ""
        pages = f", {info.pages} pages" if info and info.pages else ""
        return (
            f"Added **{escape_markdown(change.name)}**{about}{pages}{paragraphs}. Ask me about it."
        )

    def remove(self, name: str) -> str:
        """Remove the document ``name``; the reply for the chat (Markdown)."""
        shown = escape_markdown(name)
        try:
            with self._changing:
                config = self.pipeline.config
                change = remove_document(name, config.corpus_dir, config.index_dir, config.chunker)
                self._reload()
        except (CorpusError, IndexStoreError, OSError) as error:
            return f"Sorry, I could not remove {shown}: {escape_markdown(one_line(str(error)))}."
        except Exception:
            _log_failure(f"removing {name}")
            return f"Sorry, something went wrong while removing {shown}."
        return f"Removed **{escape_markdown(change.name)}**: answers no longer come from it."

    def removal_refused(self, name: str | None) -> str | None:
        """Why ``name`` cannot be removed (Markdown), or None when a removal can be asked."""
        if name is None:
            return "Pick a document in “Search in” first, then remove it."
        config = self.pipeline.config
        if name in read_only_names(config.corpus_dir):
            return f"**{escape_markdown(name)}** is part of the project: it cannot be removed."
        if name not in self.document_names():
            return f"**{escape_markdown(name)}** is no longer in the library."
        return None

    def follow_index(self) -> None:
        """Load the index another process made current (the CLI's ``add`` or ``remove``,
        another server) before the next question: one ``readlink`` when nothing changed."""
        try:
            served = current_build(self.pipeline.config.index_dir)
            if served is None or served == self.pipeline.index.path:
                return
        except Exception:
            _log_failure("looking for a new index")
            return
        if not self._changing.acquire(blocking=False):
            return  # a change of this server's own is under way and reloads when done
        try:
            if current_build(self.pipeline.config.index_dir) != self.pipeline.index.path:
                self._reload()
        except Exception:
            _log_failure("loading the new index")  # answers keep coming from the old one
        finally:
            self._changing.release()

    def _reload(self) -> None:
        """A pipeline over the index just built, swapped in under the answering lock; the
        query encoder is kept when the model is the same."""
        old = self.pipeline
        manifest = read_manifest(old.config.index_dir) or {}
        same_model = manifest.get("model_dir") == old.index.manifest.get("model_dir")
        encoder = old.index.query_encoder if same_model else None
        fresh = Pipeline(old.config, encoder=encoder)
        with self._lock:
            self.pipeline = fresh

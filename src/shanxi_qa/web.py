"""The browser chat and its JSON API, one Gradio app over one shared :class:`Pipeline`.

``python -m shanxi_qa chat`` starts it. The page shows a chat (short answer in bold, the
supporting quotes as block quotes with source and paragraph) beside a source panel with
the top quote highlighted in its paragraph. The same app serves ``/ask``: question in,
the JSON record of :meth:`Answer.to_dict` out, usable with ``gradio_client``::

    Client("http://127.0.0.1:7860").predict("how many smart coal mines?", api_name="/ask")
    Client(url).predict("how long are they?", ["how wide are the pipes?"], api_name="/ask")

The optional second argument, ``history``, is the conversation so far (earlier questions,
oldest first): a follow-up is read against it (:mod:`shanxi_qa.conversation.followup`). The chat keeps each
browser session's conversation (its answer records) in its own ``gr.State``, so two users never
share context; "Clear" starts a new conversation.

Documents can be added (the upload button beside the question box) and removed (pick one in
"Search in", then "Remove"): the corpus and the index change (:mod:`shanxi_qa.documents.corpus`), the
server loads the new index, and the list of sources at the top follows. A file that cannot be
added gets a polite message in the chat and changes nothing.

Everything shown comes from documents or users, so all of it is displayed as text: every
piece is HTML-escaped (and Markdown-escaped where it goes into Markdown) before it reaches
the page, and the only markup is the module's own.

Gradio is imported only here, so the other CLI commands never load it.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import re
import sys
import threading
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shanxi_qa.conversation.examples import examples_for
from shanxi_qa.documents.corpus import (
    CorpusError,
    add_documents,
    describe,
    read_only_names,
    remove_document,
)
from shanxi_qa.documents.corpus import headline as document_headline
from shanxi_qa.documents.files import MAX_FILE_BYTES
from shanxi_qa.index.layout import IndexStoreError, current_build, read_manifest
from shanxi_qa.pipeline import MAX_HISTORY, Pipeline, PipelineConfig, QuestionError, SourceError
from shanxi_qa.records import Answer, Document, Progress, Quote

if TYPE_CHECKING:
    import gradio

TITLE = "Ask the documents"
WARM_UP_QUESTION = "What is this document about?"
# Answering is a few milliseconds of CPU; a handful of workers keeps the page responsive.
CONCURRENCY_LIMIT = 4
# How much of a user's question is echoed in the chat (the whole text is still checked).
ECHO_CHARS = 300
ALL_DOCUMENTS = "All documents"

PANEL_PLACEHOLDER = (
    '<div class="source-panel empty"><p>The paragraph behind each answer appears here, '
    "with the quoted words highlighted.</p></div>"
)

CSS = """
#source-panel .source-panel { padding: 14px 16px; border-radius: 10px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
#source-panel .source-label { font-size: 0.9rem; font-weight: 600; margin-bottom: 8px;
  color: var(--body-text-color-subdued); }
#source-panel .abstained .source-label { color: #b45309; }
#source-panel .source-text { line-height: 1.6; margin: 0 0 10px 0; }
#source-panel mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px; }
#source-panel .abstained mark { background: #e5e7eb; }
#source-panel .source-caption { font-size: 0.85rem; color: var(--body-text-color-subdued); }
#chat [data-testid="bot"] strong { font-size: 1.1em; }
#source-panel .empty p { color: var(--body-text-color-subdued); margin: 0; }
#source-panel .source-title { font-style: italic; }
"""

# Characters that Markdown gives a meaning to. ``<``, ``>`` and ``&`` are left to
# ``html.escape``: a backslash before an entity would show the entity's name.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$^=:])")


def escape_markdown(text: str) -> str:
    """``text`` made safe for Markdown: shown literally, never formatted or run as HTML."""
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text), quote=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def corpus_description(pipeline: Pipeline, shown: int = 20) -> str:
    """One line (Markdown) naming every document the answers come from, with its headline
    (the first ``shown`` of a large corpus, and how many more)."""
    parts = []
    documents = sorted(pipeline.index.documents.items())
    for source, document in documents[:shown]:
        label = f"`{html.escape(source)}`" if "`" not in source else escape_markdown(source)
        headline = _headline(document)
        parts.append(f"{label} ({escape_markdown(headline)})" if headline else label)
    if not parts:
        return "The index holds no documents, so every question will be declined."
    more = len(documents) - shown
    tail = f"; and {more} more" if more > 0 else ""
    return "Answers come only from: " + "; ".join(parts) + tail + "."


def _headline(document: Document) -> str:
    """The document's headline (and standfirst), or its first paragraph, shortened."""
    return document_headline(document)


def headlines_of(pipeline: Pipeline) -> dict[str, str] | None:
    """Each document's headline by source, when there are several documents to tell apart."""
    documents = pipeline.index.documents
    if len(documents) < 2:
        return None
    return {source: _headline(document) for source, document in documents.items()}


def _where(quote: Quote) -> str:
    """``source, p. 3, paragraph 8``: the page only for documents that have pages."""
    parts = [quote.source, *([f"p. {quote.page}"] if quote.page is not None else [])]
    return ", ".join([*parts, f"paragraph {quote.paragraph}"])


def _quote_markdown(quote: Quote, headlines: Mapping[str, str] | None = None) -> str:
    title = (headlines or {}).get(quote.source)
    named = f"*{escape_markdown(title)}* · " if title else ""
    return (
        f"> {escape_markdown(_one_line(quote.text))}\n>\n"
        f"> — {named}*{escape_markdown(_where(quote))}*"
    )


def answer_markdown(answer: Answer, headlines: Mapping[str, str] | None = None) -> str:
    """The bot's reply: bold answer and quotes, or a plain refusal with the closest passage.

    ``headlines`` (source -> headline) names each quote's document beside its file."""
    parts: list[str] = []
    if answer.resolved_question:  # a follow-up, read against the conversation
        parts.append(f"*read as: {escape_markdown(_one_line(answer.resolved_question))}*")
    if answer.abstained:
        parts.append("The documents do not answer this question.")
        if answer.quotes:
            parts.append("**Closest passage (does not answer):**")
            parts.append(_quote_markdown(answer.quotes[0], headlines))
    else:
        parts.append(f"**{escape_markdown(_one_line(str(answer.answer)))}**")
        parts.extend(_quote_markdown(quote, headlines) for quote in answer.quotes)
    parts.append(f"*{answer.certainty}, confidence {answer.confidence:.2f}*")
    return "\n\n".join(parts)


def _span_in_context(quote: Quote) -> tuple[int, int] | None:
    """Where the quote lies in ``quote.context``, or None when the offsets do not fit."""
    start = quote.start - quote.context_start
    end = quote.end - quote.context_start
    if 0 <= start <= end <= len(quote.context) and quote.context[start:end] == quote.text:
        return start, end
    found = quote.context.find(quote.text)
    return (found, found + len(quote.text)) if found >= 0 and quote.text else None


def source_panel_html(answer: Answer, headlines: Mapping[str, str] | None = None) -> str:
    """The top quote's paragraph with the quoted span in ``<mark>``; all text escaped."""
    if not answer.quotes:
        return (
            '<div class="source-panel abstained"><div class="source-label">No passage</div>'
            "<p>Nothing in the documents comes close to this question.</p></div>"
        )
    quote = answer.quotes[0]
    span = _span_in_context(quote)
    if span is None:  # should not happen: show the quote itself, marked
        before, marked, after = "", quote.text, ""
    else:
        before = quote.context[: span[0]]
        marked = quote.context[span[0] : span[1]]
        after = quote.context[span[1] :]
    css_class = "source-panel abstained" if answer.abstained else "source-panel"
    label = "Closest passage (does not answer)" if answer.abstained else "Source paragraph"
    title = (headlines or {}).get(quote.source)
    named = f'<span class="source-title">{html.escape(title)}</span> · ' if title else ""
    return (
        f'<div class="{css_class}">'
        f'<div class="source-label">{label}</div>'
        f'<p class="source-text">{html.escape(before)}<mark>{html.escape(marked)}</mark>'
        f"{html.escape(after)}</p>"
        f'<div class="source-caption">{named}{html.escape(_where(quote))}</div></div>'
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
            return f"Sorry, I could not add {shown}: {escape_markdown(_one_line(str(error)))}."
        except Exception:
            _log_failure(f"adding {name}")
            return f"Sorry, something went wrong while adding {shown}; nothing was changed."
        if change.status == "refused":
            reason = change.message.removeprefix(f"{name}: ")
            return f"Sorry, I could not add {shown}: {escape_markdown(_one_line(reason))}."
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
            return f"Sorry, I could not remove {shown}: {escape_markdown(_one_line(str(error)))}."
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


def _echo(question: str) -> str:
    text = question if len(question) <= ECHO_CHARS else question[:ECHO_CHARS] + "…"
    return escape_markdown(text) if text.strip() else "*(empty question)*"


def _source_choice(choice: str | None) -> str | None:
    return None if not choice or choice == ALL_DOCUMENTS else choice


def build_app(pipeline: Pipeline) -> gradio.Blocks:
    """The chat page and the ``/ask`` endpoint over ``pipeline`` (shared by all requests).

    Gradio 6 takes the theme and CSS at launch: pass ``css=CSS`` as :func:`run_cli` does.
    """
    import gradio as gr
    from gradio.events import api as api_endpoint

    from shanxi_qa.index.layout import corpus_suffixes

    service = ChatService(pipeline)

    def example_samples() -> list[list[str]]:
        return [[question] for question in service.examples()]

    def example_update() -> Any:
        samples = example_samples()
        return gr.Dataset(samples=samples or [[""]], visible=bool(samples))

    def sources() -> tuple[str, Any, Any]:
        """The list of sources, the document filter and the examples, as they are now."""
        choices = [ALL_DOCUMENTS, *service.document_names()]
        examples = example_update()
        return corpus_description(service.pipeline), gr.Dropdown(choices=choices), examples

    def add_question(
        question: str, history: list[dict[str, Any]] | None
    ) -> tuple[str, list[dict[str, Any]], str]:
        history = [*(history or []), {"role": "user", "content": _echo(question or "")}]
        return "", history, question or ""

    def answer_question(
        question: str,
        history: list[dict[str, Any]] | None,
        conversation: list[Answer] | None,
        choice: str | None,
    ) -> tuple[list[dict[str, Any]], Any, list[Answer]]:
        reply, panel, answer = service.reply(question, conversation, _source_choice(choice))
        history = [*(history or []), {"role": "assistant", "content": reply}]
        turns = list(conversation or [])
        if answer is not None:
            turns = [*turns, answer][-MAX_HISTORY:]
        return history, gr.skip() if panel is None else panel, turns

    def upload(
        path: str | None,
        history: list[dict[str, Any]] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's way to ask for it
    ) -> tuple[list[dict[str, Any]], str, Any, Any]:
        history = list(history or [])
        if not path:
            return history, *sources()
        name = Path(path).name
        history.append({"role": "user", "content": f"*Add a document:* {escape_markdown(name)}"})

        def report(what: str, done: int, total: int) -> None:
            progress((done, total), desc=what, unit="")

        history.append({"role": "assistant", "content": service.add(Path(path), name, report)})
        # The corpus holds its own copy: Gradio's cached upload goes, added or refused.
        with contextlib.suppress(OSError):
            Path(path).unlink()
        return history, *sources()

    def ask_to_remove(
        choice: str | None, history: list[dict[str, Any]] | None
    ) -> tuple[list[dict[str, Any]], Any, str, str]:
        """First step of a removal: the question to confirm, or why there is nothing to ask."""
        name = _source_choice(choice)
        refusal = service.removal_refused(name)
        if refusal is not None or name is None:
            reply = refusal or ""
            history = [*(history or []), {"role": "assistant", "content": reply}]
            return history, gr.Column(visible=False), "", ""
        question = (
            f"Remove **{escape_markdown(name)}** from the library? Its file is deleted and "
            "answers no longer come from it."
        )
        return list(history or []), gr.Column(visible=True), question, name

    def remove(
        name: str, history: list[dict[str, Any]] | None
    ) -> tuple[list[dict[str, Any]], str, Any, Any, Any, str]:
        history = list(history or [])
        if name:
            history.append(
                {"role": "user", "content": f"*Remove the document:* {escape_markdown(name)}"}
            )
            history.append({"role": "assistant", "content": service.remove(name)})
        choices = [ALL_DOCUMENTS, *service.document_names()]
        dropdown = gr.Dropdown(choices=choices, value=ALL_DOCUMENTS)
        hidden = gr.Column(visible=False)
        examples = example_update()
        return history, corpus_description(service.pipeline), dropdown, examples, hidden, ""

    def clear() -> tuple[list[dict[str, Any]], str, str, str, list[Answer]]:
        return [], PANEL_PLACEHOLDER, "", "", []

    def ask(question: str, history: list[str] | None = None) -> dict[str, Any]:
        """Answer a question from the documents; returns the answer record as JSON.
        ``history``: the earlier questions of the conversation, oldest first (optional)."""
        return service.api(question, history)

    app = gr.Blocks(title=TITLE, analytics_enabled=False)
    with app:
        gr.Markdown(f"# {TITLE}")
        corpus_line = gr.Markdown(corpus_description(pipeline), elem_id="corpus-line")
        with gr.Row(equal_height=True):
            source_filter = gr.Dropdown(
                choices=[ALL_DOCUMENTS, *service.document_names()],
                value=ALL_DOCUMENTS,
                label="Search in",
                interactive=True,
                scale=4,
                elem_id="source-filter",
            )
            remove_button = gr.Button(
                "Remove this document",
                variant="secondary",
                size="md",
                scale=1,
                min_width=180,
                elem_id="remove-document",
            )
        with gr.Column(visible=False, elem_id="remove-confirm") as confirm_box:
            confirm_text = gr.Markdown("", elem_id="remove-question")
            with gr.Row():
                confirm_yes = gr.Button(
                    "Yes, remove it", variant="stop", size="sm", elem_id="remove-yes"
                )
                confirm_no = gr.Button(
                    "Keep it", variant="secondary", size="sm", elem_id="remove-no"
                )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    label="Chat",
                    height=460,
                    sanitize_html=True,
                    render_markdown=True,
                    latex_delimiters=[],
                    allow_tags=False,
                    feedback_options=None,
                    buttons=["copy"],
                    placeholder="Ask a question: every answer is quoted from the documents.",
                    elem_id="chat",
                )
                with gr.Row():
                    textbox = gr.Textbox(
                        placeholder="Ask a question about the documents and press Enter",
                        show_label=False,
                        container=False,
                        scale=5,
                        autofocus=True,
                        submit_btn="Ask",
                        elem_id="question",
                    )
                    upload_button = gr.UploadButton(
                        "Add a document",
                        file_types=list(corpus_suffixes()),
                        file_count="single",
                        type="filepath",
                        variant="secondary",
                        size="md",
                        scale=1,
                        min_width=150,
                        elem_id="upload",
                    )
                    clear_button = gr.Button(
                        "Clear",
                        variant="secondary",
                        size="md",
                        scale=1,
                        min_width=90,
                        elem_id="clear",
                    )
                initial = example_samples()
                examples = gr.Examples(
                    examples=initial or [[""]],
                    inputs=[textbox],
                    label="Try asking",
                    visible=bool(initial),
                )
            with gr.Column(scale=2, min_width=320):
                panel = gr.HTML(PANEL_PLACEHOLDER, elem_id="source-panel", js_on_load=None)
        pending = gr.State("")
        to_remove = gr.State("")  # the document a removal waits to be confirmed for
        # This browser session's conversation: the answer records, oldest first.
        conversation = gr.State([])

        def wire(event: Any) -> None:
            event.then(
                answer_question,
                [pending, chatbot, conversation, source_filter],
                [chatbot, panel, conversation],
                api_visibility="private",
                show_progress="minimal",
            )

        wire(
            textbox.submit(
                add_question,
                [textbox, chatbot],
                [textbox, chatbot, pending],
                queue=False,
                api_visibility="private",
            )
        )
        wire(
            examples.load_input_event.then(
                add_question,
                [textbox, chatbot],
                [textbox, chatbot, pending],
                queue=False,
                api_visibility="private",
            )
        )
        upload_button.upload(
            upload,
            [upload_button, chatbot],
            [chatbot, corpus_line, source_filter, examples.dataset],
            api_visibility="private",
            show_progress="full",  # pages read, texts embedded
            concurrency_limit=1,
        )
        remove_button.click(
            ask_to_remove,
            [source_filter, chatbot],
            [chatbot, confirm_box, confirm_text, to_remove],
            queue=False,
            api_visibility="private",
        )
        confirm_yes.click(
            remove,
            [to_remove, chatbot],
            [chatbot, corpus_line, source_filter, examples.dataset, confirm_box, to_remove],
            api_visibility="private",
            show_progress="minimal",
            concurrency_limit=1,
        )
        confirm_no.click(
            lambda: (gr.Column(visible=False), ""),
            None,
            [confirm_box, to_remove],
            queue=False,
            api_visibility="private",
        )
        clear_button.click(
            clear,
            None,
            [chatbot, panel, textbox, pending, conversation],
            queue=False,
            api_visibility="private",
        )
        chatbot.clear(
            lambda: (PANEL_PLACEHOLDER, "", []),
            None,
            [panel, pending, conversation],
            queue=False,
            api_visibility="private",
        )
        # A page opened after another session added or removed a document lists it as it is.
        app.load(
            sources, None, [corpus_line, source_filter, examples.dataset], api_visibility="private"
        )
        api_endpoint(ask, api_name="ask")  # served as /ask
    return app


def _theme() -> Any:
    """The default theme with a font Gradio ships in all three weights (served locally)."""
    import gradio as gr

    sans = gr.themes.LocalFont("IBM Plex Sans", weights=(400, 600, 700))
    return gr.themes.Default(font=(sans, "ui-sans-serif", "system-ui", "sans-serif"))


def run_cli(args: argparse.Namespace) -> int:
    """``shanxi-qa chat``: load the pipeline once, warm it, and serve until interrupted."""
    host = getattr(args, "host", None) or "127.0.0.1"
    port = int(getattr(args, "port", None) or 7860)
    print(f"loading the index for {args.corpus} ...", file=sys.stderr)
    pipeline = Pipeline(PipelineConfig(corpus_dir=args.corpus, index_dir=args.index), progress=True)
    try:  # the first question loads the ONNX model: do it now, not for the first user
        pipeline.ask(WARM_UP_QUESTION)
    except Exception as error:
        print(f"warning: warm-up question failed: {error}", file=sys.stderr)
    app = build_app(pipeline)
    app.queue(default_concurrency_limit=CONCURRENCY_LIMIT).launch(
        theme=_theme(),
        server_name=host,
        server_port=port,
        css=CSS,
        ssr_mode=False,
        show_error=False,
        footer_links=["api"],
        # Refused while it streams in, before it is stored: no upload can fill the disk.
        max_file_size=MAX_FILE_BYTES,
    )
    return 0

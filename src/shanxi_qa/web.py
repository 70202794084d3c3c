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

Documents can be added (the upload button beside the question box, with its progress) and
removed (pick one in "Search in", then "Remove this document", and confirm): the library and
the index change (:mod:`shanxi_qa.documents.corpus`), the server loads the new index, and the
list of sources, the filter and "Try asking" follow. A file that cannot be
added gets a polite message in the chat and changes nothing.

Everything shown comes from documents or users, so all of it is displayed as text: every
piece is HTML-escaped (and Markdown-escaped where it goes into Markdown) before it reaches
the page, and the only markup is the module's own.

Gradio is imported only here, so the other CLI commands never load it."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shanxi_qa.chat import ChatService
from shanxi_qa.documents.files import MAX_FILE_BYTES
from shanxi_qa.pipeline import MAX_HISTORY, Pipeline, PipelineConfig
from shanxi_qa.records import Answer
from shanxi_qa.render import PANEL_PLACEHOLDER, corpus_description, escape_markdown

if TYPE_CHECKING:
    import gradio


TITLE = "Ask the documents"


WARM_UP_QUESTION = "What is this document about?"


# Answering is a few milliseconds of CPU; a handful of workers keeps the page responsive.
CONCURRENCY_LIMIT = 4


# How much of a user's question is echoed in the chat (the whole text is still checked).
ECHO_CHARS = 300


ALL_DOCUMENTS = "All documents"


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


def _echo(question: str) -> str:
    text = question if len(question) <= ECHO_CHARS else question[:ECHO_CHARS] + "…"
    return escape_markdown(text) if text.strip() else "*(empty question)*"


def _source_choice(choice: str | None) -> str | None:
    return None if not choice or choice == ALL_DOCUMENTS else choice


def build_app(pipeline: Pipeline) -> gradio.Blocks:
    """The chat page and the ``/ask`` endpoint over ``pipeline`` (shared by all requests).

    Gradio 6 takes the theme and CSS at launch: pass ``css=CSS`` as :func:`serve` does.
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


def serve(config: PipelineConfig, host: str = "127.0.0.1", port: int = 7860) -> None:
    """``shanxi-qa chat``: load the pipeline once, warm it, and serve until interrupted."""
    print(f"loading the index for {config.corpus_dir} ...", file=sys.stderr)
    pipeline = Pipeline(config, progress=True)
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

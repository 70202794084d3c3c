"""The chat's Markdown and HTML: an answer with its quotes, the source panel with the quoted span marked, the list of documents. Document text is always escaped, never run as HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from shanxi_qa.documents.listing import headline as document_headline
from shanxi_qa.pipeline import Pipeline
from shanxi_qa.records import Answer, Document, Quote

PANEL_PLACEHOLDER = (
    '<div class="source-panel empty"><p>The paragraph behind each answer appears here, '
    "with the quoted words highlighted.</p></div>"
)


# Characters that Markdown gives a meaning to. ``<``, ``>`` and ``&`` are left to
# ``html.escape``: a backslash before an entity would show the entity's name.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$^=:])")


def escape_markdown(text: str) -> str:
    """``text`` made safe for Markdown: shown literally, never formatted or run as HTML."""
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text), quote=True)


def one_line(text: str) -> str:
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
        f"> {escape_markdown(one_line(quote.text))}\n>\n"
        f"> — {named}*{escape_markdown(_where(quote))}*"
    )


def answer_markdown(answer: Answer, headlines: Mapping[str, str] | None = None) -> str:
    """The bot's reply: bold answer and quotes, or a plain refusal with the closest passage.

    ``headlines`` (source -> headline) names each quote's document beside its file."""
    parts: list[str] = []
    if answer.resolved_question:  # a follow-up, read against the conversation
        parts.append(f"*read as: {escape_markdown(one_line(answer.resolved_question))}*")
    if answer.abstained:
        parts.append("The documents do not answer this question.")
        if answer.quotes:
            parts.append("**Closest passage (does not answer):**")
            parts.append(_quote_markdown(answer.quotes[0], headlines))
    else:
        parts.append(f"**{escape_markdown(one_line(str(answer.answer)))}**")
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

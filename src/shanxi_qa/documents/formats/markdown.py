"""Markdown with markdown-it-py: headings become the headline and headings, and only the text is kept."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from shanxi_qa.documents.formats.html import collapse
from shanxi_qa.documents.paragraphs import (
    Paragraph,
    byline_like,
)
from shanxi_qa.records import BlockKind

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


class _TagStripper(HTMLParser):
    """The text of an HTML fragment, without its tags, scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _strip_tags(html: str) -> str:
    stripper = _TagStripper()
    stripper.feed(html)
    stripper.close()
    return collapse(" ".join(stripper.parts))


def _inline_text(token: Any) -> tuple[str, bool]:
    """The plain text of an inline token, and whether it is nothing but an image."""
    parts: list[str] = []
    only_image = bool(token.children)
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
            only_image = only_image and not child.content.strip()
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)  # its alt text
        elif child.type == "html_inline":
            continue
    return collapse("".join(parts)), only_image


def read_markdown(text: str) -> list[Paragraph]:
    """The paragraphs of a Markdown text, without markup.

    The first ``#`` heading (or a heading that opens the text, when there is no ``#``) is
    the headline and a "By ..." paragraph right after it the byline; every other heading
    is a ``heading`` block. Paragraphs, list items, quotes, table rows (cells joined by
    "; ") and code blocks are body text; a paragraph that is only an image gives its alt
    text as a caption. A YAML front-matter block is left out.
    """
    from markdown_it import MarkdownIt

    text = _FRONT_MATTER_RE.sub("", text, count=1)
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    tokens = parser.parse(text)
    found: list[tuple[str, str]] = []  # (heading level "h1".. or "p" / "image", text)
    row: list[str] | None = None
    for position, token in enumerate(tokens):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            found.append(("p", "; ".join(cell for cell in row if cell)))
            row = None
        elif token.type == "inline":
            content, only_image = _inline_text(token)
            opener = tokens[position - 1] if position else None
            if row is not None:
                row.append(content)
            elif opener is not None and opener.type == "heading_open":
                found.append((opener.tag, content))
            else:
                found.append(("image" if only_image else "p", content))
        elif token.type in ("fence", "code_block"):
            found.append(("p", collapse(token.content)))
        elif token.type == "html_block":
            found.append(("p", _strip_tags(token.content)))
    found = [(tag, content) for tag, content in found if content]

    headings = [i for i, (tag, _) in enumerate(found) if tag.startswith("h")]
    headline = next((i for i in headings if found[i][0] == "h1"), None)
    if headline is None and headings and headings[0] == 0:
        headline = 0
    paragraphs: list[Paragraph] = []
    for i, (tag, content) in enumerate(found):
        kind: BlockKind | None = None
        if i == headline:
            kind = "headline"
        elif tag.startswith("h"):
            kind = "heading"
        elif tag == "image":
            kind = "caption"
        elif headline is not None and i == headline + 1 and byline_like(content):
            kind = "byline"
        paragraphs.append(Paragraph(content, kind))
    return paragraphs

"""Web pages with lxml: everything a reader sees in the page's main part, without navigation, scripts, banners, sidebars, forms and footers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shanxi_qa.documents.files import IngestError
from shanxi_qa.documents.paragraphs import (
    Paragraph,
    byline_like,
)


def collapse(text: str) -> str:
    return " ".join(text.split())


# Elements that are never part of what a reader sees as the page's text.
_HTML_DROP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
        "canvas", "nav", "aside", "footer", "form", "button", "select", "input", "textarea",
        "dialog", "head", "title", "meta", "link", "menu",
    }
)  # fmt: skip


_HTML_DROP_ROLES = frozenset(
    {
        "navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog",
        "search", "menu", "menubar", "toolbar",
    }
)  # fmt: skip


# A class or id naming one of these marks page furniture: "nav-panel", "cookie-banner",
# "sphinxsidebar", "top-bar", "navfooter" (DocBook), "toc" (the contents, a list of links).
_HTML_DROP_NAMES = frozenset(
    {
        "nav", "navbar", "navigation", "navheader", "navfooter", "menu", "menubar",
        "breadcrumb", "breadcrumbs", "cookie", "cookies", "consent", "gdpr", "banner",
        "sidebar", "sphinxsidebar", "footer", "share", "sharing", "social", "newsletter",
        "subscribe", "signup", "advert", "advertisement", "ads", "popup", "modal", "toolbar",
        "topbar", "skip", "pagination", "pager", "toc", "comments", "related", "headerlink",
    }
)  # fmt: skip


_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


# Elements that start a paragraph of their own; everything else is text inside one.
_HTML_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "caption", "center", "dd", "details",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "header", "hgroup",
        "hr", "li", "main", "ol", "p", "section", "summary", "table", "tbody", "thead",
        "tfoot", "ul", "html",
    }
)  # fmt: skip


_HTML_CELL_BLOCKS = frozenset({"p", "div", "pre", "ul", "ol", "dl", "table", "blockquote"})


_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)


_NAME_SPLIT_RE = re.compile(r"[-_]+")


def _is_page_furniture(element: Any) -> bool:
    """Navigation, banners, sidebars, footers, forms and hidden parts of a page."""
    tag = element.tag.lower()
    if tag in _HTML_DROP_TAGS:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower().split()
    if (tag == "header" or "header" in names) and not element.xpath(".//h1"):
        return True  # a site header or a manual's navigation; an article's holds its title
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if re.search(r"display\s*:\s*none", element.get("style") or "", re.I):
        return True
    if (element.get("role") or "").lower() in _HTML_DROP_ROLES:
        return True
    for name in names:
        parts = _NAME_SPLIT_RE.split(name)
        if "".join(parts) in _HTML_DROP_NAMES or any(part in _HTML_DROP_NAMES for part in parts):
            return True
    return False


def _pre_pieces(element: Any) -> list[str]:
    """The text of a ``<pre>`` with its line breaks and indentation, cut at blank lines (a
    blank line is a paragraph break in the cleaned text)."""
    lines = [line.rstrip() for line in element.text_content().expandtabs(8).split("\n")]
    pieces: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            pieces.append("\n".join(current))
            current = []
    return pieces


def _row_text(row: Any) -> str | None:
    """A table row as one line, its cells joined by "; "; ``None`` when a cell holds
    paragraphs of its own (a table used for layout), to be read as blocks."""
    cells = [cell for cell in row if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th")]
    for cell in cells:
        if any(
            isinstance(inner.tag, str) and inner.tag.lower() in _HTML_CELL_BLOCKS
            for inner in cell.iterdescendants()
        ):
            return None
    texts = []
    for cell in cells:
        buffer: list[str] = []
        found: list[tuple[str, str]] = []
        _html_walk(cell, found, buffer)
        texts.append(collapse(" ".join([*(text for _, text in found), *buffer])))
    return "; ".join(text for text in texts if text)


def _html_walk(element: Any, found: list[tuple[str, str]], buffer: list[str]) -> None:
    """Append the blocks under ``element`` to ``found`` as (tag, text) in document order:
    ``"head:h1"``... for a heading, ``"pre"`` for preformatted text, ``"p"`` for the rest.
    ``buffer`` collects the inline text of the paragraph being read."""

    def flush() -> None:
        text = collapse("".join(buffer))
        buffer.clear()
        if text:
            found.append(("p", text))

    if element.text:
        buffer.append(element.text)
    for child in element:
        if not isinstance(child.tag, str):
            pass  # a comment or processing instruction
        elif _is_page_furniture(child):
            pass
        else:
            tag = child.tag.lower()
            if tag == "pre":
                flush()
                found.extend(("pre", piece) for piece in _pre_pieces(child))
            elif tag in _HTML_HEADINGS:
                flush()
                text = collapse(child.text_content())
                if text:
                    found.append((f"head:{tag}", text))
            elif tag == "tr":
                flush()
                row = _row_text(child)
                if row is None:
                    _html_walk(child, found, buffer)
                    flush()
                elif row:
                    found.append(("p", row))
            elif tag in ("br", "td", "th"):
                buffer.append(" ")
                _html_walk(child, found, buffer)
                buffer.append(" ")
            elif tag in _HTML_BLOCKS:
                flush()
                _html_walk(child, found, buffer)
                flush()
            else:
                _html_walk(child, found, buffer)  # inline: bold, a link, code...
        if child.tail:
            buffer.append(child.tail)


def _main_part(root: Any) -> Any:
    """The page's main content: its one ``<main>`` (or ``role="main"``), else its one
    ``<article>``, else its body."""
    for query in ("//main | //*[@role='main']", "//article"):
        found = root.xpath(query)
        if len(found) == 1:
            return found[0]
    body = root.find("body")
    return body if body is not None else root


def _author_of(root: Any) -> str:
    for query in (
        "//meta[@name='author']/@content",
        "//*[@rel='author']",
        "//*[@itemprop='author']",
    ):
        for value in root.xpath(query):
            text = collapse(value if isinstance(value, str) else value.text_content())
            if text:
                return text
    return ""


def _title_of(root: Any) -> str:
    for value in root.xpath("//meta[@property='og:title']/@content | //title"):
        text = collapse(value if isinstance(value, str) else value.text_content())
        if text:
            return text
    return ""


def _byline(author: str) -> str:
    names = [name.strip() for name in author.split(";") if name.strip()]
    if len(names) > 1:
        return "By " + ", ".join(names[:-1]) + " and " + names[-1]
    return "By " + names[0]


def _parse_html(path: Path, data: bytes) -> Any:
    import lxml.etree
    import lxml.html

    declared = _CHARSET_RE.search(data[:4096])
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "utf-8"
    parser = lxml.html.HTMLParser(encoding=encoding, remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError, TypeError, LookupError) as err:
        reason = " ".join(str(err).split())[:120] or type(err).__name__
        raise IngestError(f"{path}: HTML page cannot be read ({reason})") from err


def read_html(path: Path, data: bytes) -> list[Paragraph]:
    """The text of a saved web page: headline, byline, then its text and headings.

    Everything a reader sees in the page's main part (its ``<main>`` or ``<article>``, else
    its body) is kept, in order: paragraphs, headings, list items, the terms and
    descriptions of definition lists, table rows (cells joined by "; ") and preformatted
    text with its line breaks and indentation. Scripts, styles, comments, forms, hidden
    parts, navigation, banners, sidebars and footers (by their element, ARIA role, or a
    class or id naming them) are left out. The headline is the page's first ``<h1>`` when
    the text opens with one, else the page title; the byline is the page's own "By ..."
    line, or one made from the author the page names. Raises :class:`IngestError` when
    the page holds no text (only scripts, say).
    """
    if not re.search(rb"<(?:html|body)[\s>]", data[:65536], re.I):
        # A fragment saved without its page ("<p>...</p>") is read as the body of one.
        data = b"<html><body>" + data + b"</body></html>"
    root = _parse_html(path, data)
    found: list[tuple[str, str]] = []
    buffer: list[str] = []
    _html_walk(_main_part(root), found, buffer)
    text = collapse("".join(buffer))
    if text:
        found.append(("p", text))
    if not any(tag in ("p", "pre") for tag, _ in found):
        raise IngestError(
            f"{path}: no article text found in the HTML page (only scripts, menus or boilerplate)"
        )

    paragraphs: list[Paragraph] = []
    title = _title_of(root)
    author = _author_of(root)
    if found[0][0] == "head:h1":
        paragraphs.append(Paragraph(found.pop(0)[1], "headline"))
    elif title:
        paragraphs.append(Paragraph(title, "headline"))
        if found[0][0].startswith("head") and found[0][1].casefold() == title.casefold():
            found.pop(0)
    # The page's own byline near the top ("By Ken Ito, Health reporter"), else one made
    # from the author it names.
    own = next(
        (
            i
            for i, (tag, text) in enumerate(found[:3])
            if tag == "p"
            and len(text.split()) <= 15
            and (byline_like(text) or (author and text.startswith("By ") and author in text))
        ),
        None,
    )
    if own is not None:
        paragraphs.append(Paragraph(found.pop(own)[1], "byline"))
    elif author:
        paragraphs.append(Paragraph(_byline(author), "byline"))
    for tag, text in found:
        if tag.startswith("head"):
            paragraphs.append(Paragraph(text, "heading"))
        else:
            paragraphs.append(Paragraph(text))
    return paragraphs

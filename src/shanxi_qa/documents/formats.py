"""Readers for the document formats: each turns one file into paragraphs for the cleaner.

- **PDF** with pdfminer.six's layout analysis: the characters come grouped into lines with
  their positions and type sizes, and the page's drawn rectangles and images come too. The
  lines are put in reading order by cutting the page along its widest empty bands
  (recursive XY-cut: the band under a headline, the gutter between two columns, the space
  between lines), then grouped into paragraphs by spacing, type size and indents; the
  largest type on the first page is the headline, a short paragraph just under a picture
  is its caption, and running heads and page numbers are dropped. What the layout cannot tell
  (words split at line ends, sentences cut by a column or page break) is left to the same
  rules as a plain-text extraction (:func:`shanxi_qa.documents.ingest.clean_paragraphs`).
- **HTML** with lxml: everything a reader sees in the page's main part is kept (paragraphs,
  headings, lists, definition lists, table rows, preformatted text with its line breaks),
  and navigation, scripts, cookie banners, sidebars, forms and footers are dropped; the
  page's first ``<h1>`` (or its title) and its byline (or author) become the headline and
  the byline.
- **Markdown** with markdown-it-py: headings become ``headline`` (the first ``#``) and
  ``heading`` blocks, and only the text is kept (no ``**``, ``#`` or link syntax).

The libraries are imported inside the readers, so nothing on the question path loads them.
Every failure is an :class:`~shanxi_qa.documents.files.IngestError` whose one-line message names
the file and says why.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from shanxi_qa.documents.files import IngestError
from shanxi_qa.documents.ingest import normalise_paragraph
from shanxi_qa.documents.paragraphs import HEADLINE_MAX_WORDS, STANDFIRST_MAX_WORDS, Paragraph
from shanxi_qa.documents.words import ends_sentence, word_counts
from shanxi_qa.records import BlockKind, Progress, Repair

__all__ = [
    "MAX_PDF_PAGES",
    "read_html",
    "read_markdown",
    "read_pdf",
]

# pdfminer's layout analysis reads about 13 dense pages a second on one busy core (300
# two-column pages in 23 s): 500 pages stay within a minute.
MAX_PDF_PAGES = 500

# Type at least this much larger than the body's is a title (headline or heading).
TITLE_SIZE_RATIO = 1.3
HEADING_SIZE_RATIO = 1.15
# A picture is a drawn rectangle, curve or image at least this large (points) each way;
# thinner ones are rules and underlines.
PICTURE_MIN_SIDE = 20.0
# Boxes closer than this (points) touch: lines set solid have no gap between them.
MIN_GAP = 0.5
# A page cut deeper than this (only a freak layout is) reads the rest top to bottom.
MAX_CUT_DEPTH = 60
# Empty bands within this many points of the widest are cut at once (the equal gaps between
# the lines of a column).
CUT_TIE = 1.0
# A caption starts within this many of its own line heights under the picture.
CAPTION_GAP_LINES = 2.5
CAPTION_MAX_WORDS = 60
# Running heads and page numbers sit in this top or bottom share of the page.
MARGIN_SHARE = 0.08

_BYLINE_RE = re.compile(r"^By\s+[A-Z][\w'’.\-]*(?:,?\s+(?:[A-Z][\w'’.\-]*|and|&))*$")
_PAGE_NUMBER_RE = re.compile(
    r"^(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlc]{1,7})\s*[-–—]?(?:\s+of\s+\d{1,4})?$", re.I
)
_CID_RE = re.compile(r"\(cid:\d+\)")
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_LIGATURE_RE = re.compile("[" + "".join(_LIGATURES) + "]")
_SOFT_HYPHEN = "\u00ad"


def _byline_like(text: str) -> bool:
    return len(text.split()) <= 10 and _BYLINE_RE.match(text) is not None


# --------------------------------------------------------------------------------------------
# PDF


@dataclass
class _Box:
    """A rectangle on a page in PDF points (y grows upwards)."""

    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class _Line(_Box):
    text: str = ""
    size: float = 0.0  # median type size of its characters
    bold: bool = False
    chars: int = 0


@dataclass
class _TextBlock(_Box):
    """A paragraph on the page: lines of one column, in one type size."""

    lines: list[_Line] = field(default_factory=list)
    page: int = 1
    kind: BlockKind | None = None

    @property
    def size(self) -> float:
        sizes = [line.size for line in self.lines for _ in range(max(line.chars, 1))]
        return statistics.median(sizes) if sizes else 0.0

    @property
    def bold(self) -> bool:
        return all(line.bold for line in self.lines)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def words(self) -> int:
        return sum(len(line.text.split()) for line in self.lines)


def _union(boxes: Sequence[_Box]) -> tuple[float, float, float, float]:
    return (
        min(b.x0 for b in boxes),
        min(b.y0 for b in boxes),
        max(b.x1 for b in boxes),
        max(b.y1 for b in boxes),
    )


def _block_of(lines: list[_Line], page: int) -> _TextBlock:
    x0, y0, x1, y1 = _union(lines)
    return _TextBlock(x0, y0, x1, y1, lines=lines, page=page)


def _same_row(a: _Line, b: _Line) -> bool:
    """Two pieces of one printed line (pdfminer splits a line at a wide justified space)."""
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap > 0.5 * min(a.y1 - a.y0, b.y1 - b.y0) and b.x0 >= a.x1 - 1


def _paragraphs(ordered: Sequence[_Line], page: int) -> list[_TextBlock]:
    """Group lines in reading order into paragraphs.

    A line continues the paragraph when it is in the same type size, right under the line
    before (a gap under half a line) and in the same column. A new paragraph starts after a
    sentence that ends a visibly short line, and at an indented first line.
    """
    groups: list[list[_Line]] = []
    for line in ordered:
        if groups and _same_row(groups[-1][-1], line):
            last = groups[-1][-1]
            groups[-1][-1] = _Line(
                last.x0,
                min(last.y0, line.y0),
                line.x1,
                max(last.y1, line.y1),
                text=f"{last.text} {line.text}",
                size=last.size if last.chars >= line.chars else line.size,
                bold=last.bold and line.bold,
                chars=last.chars + line.chars,
            )
            continue
        if groups and _continues(groups[-1], line):
            groups[-1].append(line)
        else:
            groups.append([line])
    return [_block_of(group, page) for group in groups]


def _continues(lines: list[_Line], line: _Line) -> bool:
    previous = lines[-1]
    size = max(previous.size, line.size, 1.0)
    if abs(previous.size - line.size) > 0.15 * size:
        return False
    height = max(previous.y1 - previous.y0, line.y1 - line.y0, 1.0)
    gap = previous.y0 - line.y1
    if not -0.2 * height <= gap <= 0.5 * height:
        return False
    if line.x0 >= previous.x1 or previous.x0 >= line.x1:
        return False  # another column
    left = min(other.x0 for other in lines)
    right = max(max(other.x1 for other in lines), line.x1)
    if ends_sentence(previous.text) and previous.x1 < right - 0.15 * (right - left):
        return False  # the short last line of a paragraph
    # A first line set in from the left, still reaching the right edge (centred lines
    # step in on both sides).
    return not (line.x0 >= previous.x0 + 0.8 * size and line.x1 >= right - size)


def _gaps(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Every empty stretch between the spans: (its width, its middle), in order."""
    ordered = sorted(spans)
    found = []
    reach = ordered[0][1]
    for low, high in ordered[1:]:
        if low - reach >= MIN_GAP:
            found.append((low - reach, (low + reach) / 2))
        reach = max(reach, high)
    return found


def _reading_order(boxes: list[_Box], depth: int = 0) -> list[_Box]:
    """Recursive XY-cut: split the boxes along the widest empty band, across or down the
    page, and read the parts top to bottom or left to right. A headline over two columns is
    cut off by the band under it, the columns by the gutter between them, and a column into
    its lines. Bands as wide as the widest (within a point) are cut at once."""
    if len(boxes) <= 1:
        return boxes
    if depth >= MAX_CUT_DEPTH:
        return sorted(boxes, key=lambda b: (-b.y1, b.x0))
    across = _gaps((-b.y1, -b.y0) for b in boxes)  # bands, top first
    down = _gaps((b.x0, b.x1) for b in boxes)  # columns, left first
    widest_across = max((width for width, _ in across), default=0.0)
    widest_down = max((width for width, _ in down), default=0.0)
    if not across and not down:
        return sorted(boxes, key=lambda b: (-b.y1, b.x0))
    parts: list[list[_Box]]
    if widest_down > widest_across:
        cuts = [middle for width, middle in down if width >= widest_down - CUT_TIE]
        parts = [[] for _ in range(len(cuts) + 1)]
        for box in boxes:
            parts[bisect_left(cuts, box.x0)].append(box)
    else:
        cuts = [middle for width, middle in across if width >= widest_across - CUT_TIE]
        parts = [[] for _ in range(len(cuts) + 1)]
        for box in boxes:
            parts[bisect_left(cuts, -box.y1)].append(box)
    if max(len(part) for part in parts) == len(boxes):
        return sorted(boxes, key=lambda b: (-b.y1, b.x0))  # nothing was cut
    return [box for part in parts for box in _reading_order(part, depth + 1)]


def _is_picture(box: _Box, page_box: _Box) -> bool:
    width, height = box.x1 - box.x0, box.y1 - box.y0
    page_area = (page_box.x1 - page_box.x0) * (page_box.y1 - page_box.y0)
    # A frame around the whole page is no picture.
    return min(width, height) >= PICTURE_MIN_SIDE and width * height < 0.5 * page_area


def _overlap(a: _Box, b: _Box) -> float:
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))


def _contains(outer: _Box, inner: _Box) -> bool:
    mid_x, mid_y = (inner.x0 + inner.x1) / 2, (inner.y0 + inner.y1) / 2
    return outer.x0 <= mid_x <= outer.x1 and outer.y0 <= mid_y <= outer.y1


def _line_of(item: Any) -> _Line:
    from pdfminer.layout import LTChar

    chars = [c for c in item if isinstance(c, LTChar)]
    sizes = [c.size for c in chars]
    bold = bool(chars) and all(
        any(mark in c.fontname for mark in ("Bold", "Black", "Heavy")) for c in chars
    )
    return _Line(
        item.x0,
        item.y0,
        item.x1,
        item.y1,
        text=item.get_text().rstrip("\n"),
        size=statistics.median(sizes) if sizes else 0.0,
        bold=bold,
        chars=len(chars),
    )


@dataclass
class _Page:
    number: int
    box: _Box
    lines: list[_Line]
    pictures: list[_Box]
    images: int  # images and figures found, text or not
    blocks: list[_TextBlock] = field(default_factory=list)


def _layout_page(layout: Any, number: int) -> _Page:
    """The page's text lines and its pictures, as pdfminer found them."""
    from pdfminer.layout import LTCurve, LTFigure, LTImage, LTTextBox, LTTextLine

    page_box = _Box(*layout.bbox)
    lines: list[_Line] = []
    pictures: list[_Box] = []
    images = 0

    def visit(items: Iterable[Any]) -> None:
        nonlocal images
        for item in items:
            if isinstance(item, LTTextBox):
                found = (_line_of(line) for line in item if isinstance(line, LTTextLine))
                lines.extend(line for line in found if line.text.strip())
            elif isinstance(item, LTImage | LTFigure):
                images += 1
                if _is_picture(_Box(*item.bbox), page_box):
                    pictures.append(_Box(*item.bbox))
                if isinstance(item, LTFigure):
                    visit(item)
            elif isinstance(item, LTCurve) and _is_picture(_Box(*item.bbox), page_box):
                pictures.append(_Box(*item.bbox))  # LTRect is an LTCurve

    visit(layout)
    # A rectangle drawn around text is a frame (a sidebar, a box-out), not a picture.
    pictures = [p for p in pictures if not any(_contains(p, line) for line in lines)]
    return _Page(number, page_box, lines, pictures, images)


def _arrange(page: _Page) -> None:
    """Put the page's lines in reading order and group them into paragraphs."""
    # The pictures take part in the cut, so a column holding one is still a column.
    ordered = [
        box for box in _reading_order([*page.lines, *page.pictures]) if isinstance(box, _Line)
    ]
    page.blocks = _paragraphs(ordered, page.number)


def _furniture(pages: Sequence[_Page]) -> set[int]:
    """ids of the running heads, feet and page numbers: lines in the page margins that are a
    page number, or that repeat (numbers aside) on several pages: in the margin of three
    pages or more, or as the top or bottom row of two pages (a running head that names a
    two-page chapter).

    Found line by line, before the lines are put into paragraphs, so a running head never
    becomes part of the text it stands over."""

    def in_margin(line: _Line, page: _Page) -> bool:
        height = page.box.y1 - page.box.y0
        return (
            line.y0 >= page.box.y1 - MARGIN_SHARE * height
            or line.y1 <= page.box.y0 + MARGIN_SHARE * height
        )

    def shape(line: _Line) -> str:
        return re.sub(r"\d+", "#", " ".join(line.text.split()).lower())

    def edge_rows(page: _Page) -> set[int]:
        """The lines level with the page's topmost or bottommost line."""
        if not page.lines:
            return set()
        top = max(line.y0 for line in page.lines)
        bottom = min(line.y1 for line in page.lines)
        return {
            id(line) for line in page.lines if line.y1 > top + MIN_GAP or line.y0 < bottom - MIN_GAP
        }

    in_margins: Counter[str] = Counter()
    on_edges: Counter[str] = Counter()
    for page in pages:
        edges = edge_rows(page)
        margin = [line for line in page.lines if in_margin(line, page)]
        in_margins.update({shape(line) for line in margin})
        on_edges.update({shape(line) for line in margin if id(line) in edges})
    found = set()
    for page in pages:
        edges = edge_rows(page)
        for line in page.lines:
            if not in_margin(line, page):
                continue
            key = shape(line)
            if (
                _PAGE_NUMBER_RE.match(" ".join(line.text.split()))
                or in_margins[key] >= 3
                or (on_edges[key] >= 2 and id(line) in edges)
            ):
                found.add(id(line))
    return found


def _body_size(pages: Sequence[_Page]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for block in page.blocks:
            for line in block.lines:
                sizes[round(line.size * 2) / 2] += line.chars
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _mark_captions(page: _Page) -> None:
    """A short paragraph starting just under a picture, and mostly under it, captions it."""
    for picture in page.pictures:
        below = [
            block
            for block in page.blocks
            if block.kind is None
            and block.y1 <= picture.y0 + 0.5 * block.size
            and picture.y0 - block.y1 <= CAPTION_GAP_LINES * max(block.size, 1.0)
            and _overlap(block, picture) >= 0.5 * (block.x1 - block.x0)
            and block.words <= CAPTION_MAX_WORDS
        ]
        if below:
            max(below, key=lambda block: block.y1).kind = "caption"


_SECTION_NUMBER_RE = re.compile(r"^(?:[A-Z]\.|\d+\.?)(?:\d+\.?)*\s+")
# A person's name: two to four capitalised words or initials ("Thomas Leonard", "J. R. Doe").
_NAME_RE = re.compile(r"^[A-Z][\w'’\-]*\.?(?:\s+[A-Z][\w'’\-]*\.?){1,3}$")
# An address after an author's name: "(help@example.org)", "<jane@example.org>".
_CONTACT_RE = re.compile(r"\s*[(<][^()<>@\s]+@[^()<>@\s]+[)>]\s*$")


def _author_lines(block: _TextBlock) -> bool:
    """A title page's author block: every line a name, optionally with an address, and
    either several names or an address (one capitalised line alone could be a subtitle)."""
    lines = [" ".join(line.text.split()) for line in block.lines]
    names = [_CONTACT_RE.sub("", line) for line in lines]
    if not all(_NAME_RE.match(name) for name in names):
        return False
    return len(lines) > 1 or names[0] != lines[0]


def _mark_titles(ordered: Sequence[_TextBlock], body_size: float, *, bold_body: bool) -> None:
    """Headline, standfirst, byline and headings by type size and position.

    The headline is the largest type on the first page with text, when it is at least 1.3
    times the body's. Right after it may come a standfirst (larger than the body, up to 30
    words) and a byline ("By Jane Roe"). Elsewhere a short paragraph in large type (or in
    bold, unless the body is set in bold) without a full stop is a section heading.
    """
    if not ordered or body_size <= 0:
        return
    first_page = ordered[0].page
    candidates = [
        b
        for b in ordered
        if b.page == first_page and b.kind is None and b.words <= 2 * HEADLINE_MAX_WORDS
    ]
    headline = max(candidates, key=lambda b: b.size, default=None)
    if headline is not None and headline.size >= TITLE_SIZE_RATIO * body_size:
        # The first of several paragraphs in that size: a headline set on two lines of its own.
        headline = next(b for b in candidates if b.size == headline.size)
        headline.kind = "headline"
        after = ordered[ordered.index(headline) + 1 :][:3]
        for position, block in enumerate(after):
            if block.kind is not None:
                continue
            if _byline_like(" ".join(block.text.split())) or _author_lines(block):
                block.kind = "byline"
            elif (
                position == 0
                and block.size >= 1.1 * body_size
                and block.words <= STANDFIRST_MAX_WORDS
                and block.size < headline.size
            ):
                block.kind = "standfirst"
            elif block.words > STANDFIRST_MAX_WORDS:
                break  # the text has begun
    for block in ordered:
        if block.kind is not None or block.words > 15:
            continue
        flat = " ".join(block.text.split())
        larger = block.size >= HEADING_SIZE_RATIO * body_size
        bold = block.bold and not bold_body
        # A numbered heading ("2.1 Directory layout") starts with its words after the number.
        words = _SECTION_NUMBER_RE.sub("", flat)
        if (larger or bold) and not ends_sentence(flat) and words[:1].isupper():
            block.kind = "heading"


def _plain_glyphs(text: str, repairs: list[Repair]) -> str:
    """Ligature glyphs to letters; a soft hyphen (a typesetter's break point) disappears,
    joining the word it split at a line end."""
    for match in _LIGATURE_RE.finditer(text):
        repairs.append(Repair("ligature", match.group(0), _LIGATURES[match.group(0)]))
    text = _LIGATURE_RE.sub(lambda m: _LIGATURES[m.group(0)], text)
    if _SOFT_HYPHEN in text:
        for match in re.finditer(rf"\S*{_SOFT_HYPHEN}\s*\S*", text):
            before = match.group(0)
            repairs.append(Repair("dehyphenate", before, re.sub(rf"{_SOFT_HYPHEN}\s*", "", before)))
        text = re.sub(rf"{_SOFT_HYPHEN}\n?", "", text)
    return text


def _pdf_kind_of(data: bytes) -> str:
    signatures = {
        b"\x89PNG": "a PNG image",
        b"\xff\xd8\xff": "a JPEG image",
        b"GIF8": "a GIF image",
        b"PK\x03\x04": "a ZIP archive (a Word or other office file?)",
        b"\xd0\xcf\x11\xe0": "an old Office document",
    }
    for magic, name in signatures.items():
        if data.startswith(magic):
            return name
    if data.lstrip()[:1] == b"<":
        return "HTML or XML text"
    return "something else"


def _pdf_pages(data: bytes, path: Path, report: Progress | None = None) -> list[_Page]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psexceptions import PSException

    # pdfminer logs every oddity of a damaged file; the one-line reason below is enough.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        count = sum(1 for _ in PDFPage.create_pages(document))
        if count > MAX_PDF_PAGES:
            raise IngestError(
                f"{path}: PDF has {count} pages, over the {MAX_PDF_PAGES}-page limit; "
                "split it into smaller files"
            )
        if count == 0:
            raise IngestError(f"{path}: PDF has no pages")
        manager = PDFResourceManager()
        # boxes_flow=None: pdfminer groups lines into boxes, the reading order is ours.
        device = PDFPageAggregator(manager, laparams=LAParams(boxes_flow=None))
        interpreter = PDFPageInterpreter(manager, device)
        pages = []
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            interpreter.process_page(page)
            pages.append(_layout_page(device.get_result(), number))
            if report is not None:
                report("pages read", number, count)
        return pages
    except PDFPasswordIncorrect as err:
        raise IngestError(
            f"{path}: encrypted PDF that needs a password; save an unencrypted copy"
        ) from err
    except PDFEncryptionError as err:
        reason = " ".join(str(err).split())[:120]
        raise IngestError(f"{path}: encrypted PDF that cannot be opened ({reason})") from err
    except IngestError:
        raise
    except (PDFException, PSException, ValueError, KeyError, TypeError, AttributeError) as err:
        reason = " ".join(str(err).split())[:120] or type(err).__name__
        raise IngestError(f"{path}: damaged PDF, cannot be read ({reason})") from err


def read_pdf(
    path: Path, data: bytes, report: Progress | None = None
) -> tuple[list[Paragraph], list[Repair]]:
    """The paragraphs of a PDF in reading order, with their pages and layout kinds.

    Raises :class:`IngestError` for a file that is no PDF, is encrypted with a password, is
    damaged, has more than ``MAX_PDF_PAGES`` pages, or has no text layer (a scan).
    """
    if b"%PDF-" not in data[:1024]:
        raise IngestError(f"{path}: not a PDF (the file holds {_pdf_kind_of(data)})")
    pages = _pdf_pages(data, path, report)
    furniture = _furniture(pages)
    dropped = sorted(
        {
            " ".join(line.text.split())
            for page in pages
            for line in page.lines
            if id(line) in furniture
        }
    )
    ordered: list[_TextBlock] = []
    for page in pages:
        page.lines = [line for line in page.lines if id(line) not in furniture]
        _arrange(page)
    body_size = _body_size(pages)
    for page in pages:
        _mark_captions(page)
        ordered += page.blocks
    chars = [(line.chars, line.bold) for block in ordered for line in block.lines]
    bold_chars = sum(count for count, bold in chars if bold)
    _mark_titles(ordered, body_size, bold_body=bold_chars > 0.5 * sum(c for c, _ in chars))

    text = "".join(block.text for block in ordered)
    if not text.strip():
        if any(page.images for page in pages):
            raise IngestError(
                f"{path}: PDF has no text layer (a scan or images only); run OCR on it first"
            )
        raise IngestError(f"{path}: PDF holds no text")
    unmapped = sum(len(m.group(0)) for m in _CID_RE.finditer(text))
    if unmapped > 0.1 * len(text):
        raise IngestError(
            f"{path}: PDF fonts carry no character map, so its text cannot be read; "
            "export it again with embedded Unicode fonts"
        )

    repairs = [Repair("page-furniture", text, "") for text in dropped]
    # A word hyphenated at a line end is judged by how the whole document writes it.
    words = word_counts(_LIGATURE_RE.sub(lambda m: _LIGATURES[m.group(0)], text))
    paragraphs = []
    for block in ordered:
        cleaned = normalise_paragraph(_plain_glyphs(block.text, repairs), repairs, words)
        if cleaned:
            paragraphs.append(Paragraph(cleaned, block.kind, block.page))
    return paragraphs, repairs


# --------------------------------------------------------------------------------------------
# HTML


def _collapse(text: str) -> str:
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
        texts.append(_collapse(" ".join([*(text for _, text in found), *buffer])))
    return "; ".join(text for text in texts if text)


def _html_walk(element: Any, found: list[tuple[str, str]], buffer: list[str]) -> None:
    """Append the blocks under ``element`` to ``found`` as (tag, text) in document order:
    ``"head:h1"``... for a heading, ``"pre"`` for preformatted text, ``"p"`` for the rest.
    ``buffer`` collects the inline text of the paragraph being read."""

    def flush() -> None:
        text = _collapse("".join(buffer))
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
                text = _collapse(child.text_content())
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
            text = _collapse(value if isinstance(value, str) else value.text_content())
            if text:
                return text
    return ""


def _title_of(root: Any) -> str:
    for value in root.xpath("//meta[@property='og:title']/@content | //title"):
        text = _collapse(value if isinstance(value, str) else value.text_content())
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
    text = _collapse("".join(buffer))
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
            and (_byline_like(text) or (author and text.startswith("By ") and author in text))
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


# --------------------------------------------------------------------------------------------
# Markdown

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
    return _collapse(" ".join(stripper.parts))


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
    return _collapse("".join(parts)), only_image


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
            found.append(("p", _collapse(token.content)))
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
        elif headline is not None and i == headline + 1 and _byline_like(content):
            kind = "byline"
        paragraphs.append(Paragraph(content, kind))
    return paragraphs

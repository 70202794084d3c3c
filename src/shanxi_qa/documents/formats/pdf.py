"""PDF with pdfminer.six's layout analysis: running heads and page numbers dropped, the headline, headings, captions and bylines marked, paragraphs in reading order."""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from shanxi_qa.documents.files import IngestError
from shanxi_qa.documents.formats.pdf_layout import (
    MIN_GAP,
    Line,
    Page,
    TextBlock,
    arrange,
    layout_page,
    overlap,
)
from shanxi_qa.documents.ingest import normalise_paragraph
from shanxi_qa.documents.paragraphs import (
    HEADLINE_MAX_WORDS,
    STANDFIRST_MAX_WORDS,
    Paragraph,
    byline_like,
)
from shanxi_qa.documents.words import ends_sentence, word_counts
from shanxi_qa.records import Progress, Repair

# pdfminer's layout analysis reads about 13 dense pages a second on one busy core (300
# two-column pages in 23 s): 500 pages stay within a minute.
MAX_PDF_PAGES = 500


# Type at least this much larger than the body's is a title (headline or heading).
TITLE_SIZE_RATIO = 1.3


HEADING_SIZE_RATIO = 1.15


# A caption starts within this many of its own line heights under the picture.
CAPTION_GAP_LINES = 2.5


CAPTION_MAX_WORDS = 60


# Running heads and page numbers sit in this top or bottom share of the page.
MARGIN_SHARE = 0.08


_PAGE_NUMBER_RE = re.compile(
    r"^(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlc]{1,7})\s*[-–—]?(?:\s+of\s+\d{1,4})?$", re.I
)


_CID_RE = re.compile(r"\(cid:\d+\)")


_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}


_LIGATURE_RE = re.compile("[" + "".join(_LIGATURES) + "]")


_SOFT_HYPHEN = "\u00ad"


def _furniture(pages: Sequence[Page]) -> set[int]:
    """ids of the running heads, feet and page numbers: lines in the page margins that are a
    page number, or that repeat (numbers aside) on several pages: in the margin of three
    pages or more, or as the top or bottom row of two pages (a running head that names a
    two-page chapter).

    Found line by line, before the lines are put into paragraphs, so a running head never
    becomes part of the text it stands over."""

    def in_margin(line: Line, page: Page) -> bool:
        height = page.box.y1 - page.box.y0
        return (
            line.y0 >= page.box.y1 - MARGIN_SHARE * height
            or line.y1 <= page.box.y0 + MARGIN_SHARE * height
        )

    def shape(line: Line) -> str:
        return re.sub(r"\d+", "#", " ".join(line.text.split()).lower())

    def edge_rows(page: Page) -> set[int]:
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


def _body_size(pages: Sequence[Page]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for block in page.blocks:
            for line in block.lines:
                sizes[round(line.size * 2) / 2] += line.chars
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _mark_captions(page: Page) -> None:
    """A short paragraph starting just under a picture, and mostly under it, captions it."""
    for picture in page.pictures:
        below = [
            block
            for block in page.blocks
            if block.kind is None
            and block.y1 <= picture.y0 + 0.5 * block.size
            and picture.y0 - block.y1 <= CAPTION_GAP_LINES * max(block.size, 1.0)
            and overlap(block, picture) >= 0.5 * (block.x1 - block.x0)
            and block.words <= CAPTION_MAX_WORDS
        ]
        if below:
            max(below, key=lambda block: block.y1).kind = "caption"


_SECTION_NUMBER_RE = re.compile(r"^(?:[A-Z]\.|\d+\.?)(?:\d+\.?)*\s+")


# A person's name: two to four capitalised words or initials ("Thomas Leonard", "J. R. Doe").
_NAME_RE = re.compile(r"^[A-Z][\w'’\-]*\.?(?:\s+[A-Z][\w'’\-]*\.?){1,3}$")


# An address after an author's name: "(help@example.org)", "<jane@example.org>".
_CONTACT_RE = re.compile(r"\s*[(<][^()<>@\s]+@[^()<>@\s]+[)>]\s*$")


def _author_lines(block: TextBlock) -> bool:
    """A title page's author block: every line a name, optionally with an address, and
    either several names or an address (one capitalised line alone could be a subtitle)."""
    lines = [" ".join(line.text.split()) for line in block.lines]
    names = [_CONTACT_RE.sub("", line) for line in lines]
    if not all(_NAME_RE.match(name) for name in names):
        return False
    return len(lines) > 1 or names[0] != lines[0]


def _mark_titles(ordered: Sequence[TextBlock], body_size: float, *, bold_body: bool) -> None:
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
            if byline_like(" ".join(block.text.split())) or _author_lines(block):
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


def _pdf_pages(data: bytes, path: Path, report: Progress | None = None) -> list[Page]:
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
            pages.append(layout_page(device.get_result(), number))
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
    ordered: list[TextBlock] = []
    for page in pages:
        page.lines = [line for line in page.lines if id(line) not in furniture]
        arrange(page)
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

"""A PDF page's layout: its lines and pictures as boxes, put in reading order by cutting the page along its widest empty bands (recursive XY-cut), and grouped into paragraphs."""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shanxi_qa.documents.words import ends_sentence
from shanxi_qa.records import BlockKind

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


@dataclass
class _Box:
    """A rectangle on a page in PDF points (y grows upwards)."""

    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Line(_Box):
    text: str = ""
    size: float = 0.0  # median type size of its characters
    bold: bool = False
    chars: int = 0


@dataclass
class TextBlock(_Box):
    """A paragraph on the page: lines of one column, in one type size."""

    lines: list[Line] = field(default_factory=list)
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


def _block_of(lines: list[Line], page: int) -> TextBlock:
    x0, y0, x1, y1 = _union(lines)
    return TextBlock(x0, y0, x1, y1, lines=lines, page=page)


def _same_row(a: Line, b: Line) -> bool:
    """Two pieces of one printed line (pdfminer splits a line at a wide justified space)."""
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap > 0.5 * min(a.y1 - a.y0, b.y1 - b.y0) and b.x0 >= a.x1 - 1


def _paragraphs(ordered: Sequence[Line], page: int) -> list[TextBlock]:
    """Group lines in reading order into paragraphs.

    A line continues the paragraph when it is in the same type size, right under the line
    before (a gap under half a line) and in the same column. A new paragraph starts after a
    sentence that ends a visibly short line, and at an indented first line.
    """
    groups: list[list[Line]] = []
    for line in ordered:
        if groups and _same_row(groups[-1][-1], line):
            last = groups[-1][-1]
            groups[-1][-1] = Line(
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


def _continues(lines: list[Line], line: Line) -> bool:
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


def overlap(a: _Box, b: _Box) -> float:
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))


def _contains(outer: _Box, inner: _Box) -> bool:
    mid_x, mid_y = (inner.x0 + inner.x1) / 2, (inner.y0 + inner.y1) / 2
    return outer.x0 <= mid_x <= outer.x1 and outer.y0 <= mid_y <= outer.y1


def _line_of(item: Any) -> Line:
    from pdfminer.layout import LTChar

    chars = [c for c in item if isinstance(c, LTChar)]
    sizes = [c.size for c in chars]
    bold = bool(chars) and all(
        any(mark in c.fontname for mark in ("Bold", "Black", "Heavy")) for c in chars
    )
    return Line(
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
class Page:
    number: int
    box: _Box
    lines: list[Line]
    pictures: list[_Box]
    images: int  # images and figures found, text or not
    blocks: list[TextBlock] = field(default_factory=list)


def layout_page(layout: Any, number: int) -> Page:
    """The page's text lines and its pictures, as pdfminer found them."""
    from pdfminer.layout import LTCurve, LTFigure, LTImage, LTTextBox, LTTextLine

    page_box = _Box(*layout.bbox)
    lines: list[Line] = []
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
    return Page(number, page_box, lines, pictures, images)


def arrange(page: Page) -> None:
    """Put the page's lines in reading order and group them into paragraphs."""
    # The pictures take part in the cut, so a column holding one is still a column.
    ordered = [
        box for box in _reading_order([*page.lines, *page.pictures]) if isinstance(box, Line)
    ]
    page.blocks = _paragraphs(ordered, page.number)

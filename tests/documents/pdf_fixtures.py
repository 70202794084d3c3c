"""PDF pages made for the tests with fpdf2, every line placed by hand.

The text is made up for the tests. Each fixture keeps the lines it wrote, so a test can
say exactly what the reading order must give back.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

HEADLINE = "Riverton library reopens after the flood"
BYLINE = "By Maria Lopez"
# Left column: two paragraphs; the second one's last sentence runs on into the right column.
LEFT_COLUMN = [
    [
        "The public library of Riverton opened its doors",
        "again on Monday, eight months after the spring",
        "flood had filled the whole of its base-",
        "ment with water. Workers replaced the floors,",
        "the shelves and the heating system at a cost of",
        "2.4 million dollars, the town council said.",
    ],
    [
        "The new reading room holds 120 seats and a",
        "corner for children with picture books in four",
        "languages. Volunteers spent three weeks carrying",
        "the saved books back from a school gym where",
        "they had been dried. About 9,000 volumes could",
        "not be rescued and were replaced with gifts from",
        "neighbouring towns and from a fund that supports",
        "public buildings in the",
    ],
]
# Right column: the end of that sentence, then a paragraph cut by a picture and its caption.
RIGHT_COLUMN_TOP = [
    "river valley.",
    "The head librarian, Tom Becker, said the library",
    "now keeps its rare maps on the second floor, well",
    "above the highest flood mark recorded in the town.",
    "Visitors can borrow laptops at the front desk, and",
    "the study rooms stay open",
]
CAPTION = "Children read in the new corner of the Riverton library."
RIGHT_COLUMN_BOTTOM = ["until nine in the evening on weekdays."]

PAGE_TWO_HEADING = "Opening hours"
PAGE_TWO = [
    [
        "From May the library will also open on Sunday afternoons, from one to five",
        "o'clock. The council expects about 400 visitors on a typical Sunday.",
    ],
    [
        "A mobile library van will visit the three villages of the valley every",
        "second Thursday, Tom Becker said.",
    ],
]

# The cleaned text those lines must give, block by block: (kind, page, text).
EXPECTED_BLOCKS = [
    ("headline", 1, HEADLINE),
    ("byline", 1, BYLINE),
    (
        "body",
        1,
        "The public library of Riverton opened its doors again on Monday, eight months after "
        "the spring flood had filled the whole of its basement with water. Workers replaced "
        "the floors, the shelves and the heating system at a cost of 2.4 million dollars, the "
        "town council said.",
    ),
    (
        "body",
        1,
        "The new reading room holds 120 seats and a corner for children with picture books in "
        "four languages. Volunteers spent three weeks carrying the saved books back from a "
        "school gym where they had been dried. About 9,000 volumes could not be rescued and "
        "were replaced with gifts from neighbouring towns and from a fund that supports "
        "public buildings in the river valley.",
    ),
    (
        "body",
        1,
        "The head librarian, Tom Becker, said the library now keeps its rare maps on the "
        "second floor, well above the highest flood mark recorded in the town. Visitors can "
        "borrow laptops at the front desk, and the study rooms stay open until nine in the "
        "evening on weekdays.",
    ),
    ("caption", 1, CAPTION),
    ("heading", 2, PAGE_TWO_HEADING),
    (
        "body",
        2,
        "From May the library will also open on Sunday afternoons, from one to five o'clock. "
        "The council expects about 400 visitors on a typical Sunday.",
    ),
    (
        "body",
        2,
        "A mobile library van will visit the three villages of the valley every second "
        "Thursday, Tom Becker said.",
    ),
]

LEADING = 13.0  # points from one baseline to the next
PARAGRAPH_GAP = 9.0  # extra space between paragraphs
LEFT_X, RIGHT_X, COLUMN_TOP = 48.0, 310.0, 150.0


def _lines(pdf: FPDF, x: float, y: float, lines: list[str]) -> float:
    for line in lines:
        pdf.text(x, y, line)
        y += LEADING
    return y


def _page_number(pdf: FPDF, number: int) -> None:
    pdf.set_font("Helvetica", "", 9)
    pdf.text(292, 810, str(number))


def newspaper_page(pdf: FPDF) -> None:
    """Page 1: a headline over two columns, a picture box with a caption in the right one."""
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 24)
    pdf.text(LEFT_X, 80, HEADLINE)
    pdf.set_font("Helvetica", "", 10)
    pdf.text(LEFT_X, 108, BYLINE)

    # The right column goes into the file first: the order of the text in the file is no
    # guide, the positions on the page are.
    y = _lines(pdf, RIGHT_X, COLUMN_TOP, RIGHT_COLUMN_TOP[:1]) + PARAGRAPH_GAP
    y = _lines(pdf, RIGHT_X, y, RIGHT_COLUMN_TOP[1:])
    pdf.rect(RIGHT_X, y, 235, 110)  # the picture
    y += 110 + 14
    pdf.set_font("Helvetica", "I", 8)
    pdf.text(RIGHT_X, y, CAPTION)
    pdf.set_font("Helvetica", "", 10)
    _lines(pdf, RIGHT_X, y + 24, RIGHT_COLUMN_BOTTOM)
    y = COLUMN_TOP
    for paragraph in LEFT_COLUMN:
        y = _lines(pdf, LEFT_X, y, paragraph) + PARAGRAPH_GAP
    _page_number(pdf, 1)


def second_page(pdf: FPDF) -> None:
    """Page 2: a bold heading and two paragraphs in one column."""
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.text(LEFT_X, 80, PAGE_TWO_HEADING)
    pdf.set_font("Helvetica", "", 10)
    y = 104.0
    for paragraph in PAGE_TWO:
        y = _lines(pdf, LEFT_X, y, paragraph) + PARAGRAPH_GAP
    _page_number(pdf, 2)


def new_pdf() -> FPDF:
    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    return pdf


def write_library_pdf(path: Path) -> Path:
    """The two pages above, as one PDF."""
    pdf = new_pdf()
    newspaper_page(pdf)
    second_page(pdf)
    pdf.output(str(path))
    return path


def write_text_pdf(
    path: Path,
    pages: list[list[str]],
    *,
    password: str | None = None,
    top: float = 80.0,
    bold: bool = False,
) -> Path:
    """A plain PDF: one column of the given lines per page from ``top`` down, optionally
    encrypted or all in bold."""
    pdf = new_pdf()
    if password is not None:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        _lines(pdf, LEFT_X, top, lines)
    pdf.output(str(path))
    return path


def write_image_pdf(path: Path, image: Path) -> Path:
    """A PDF whose only page is a picture, as a scan without OCR is."""
    pdf = new_pdf()
    pdf.add_page()
    pdf.image(str(image), x=40, y=40, w=300)
    pdf.output(str(path))
    return path


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    """A small grey PNG image, written with the standard library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


JUSTIFIED_TITLE = "Harbor district plans a second ferry pier"
JUSTIFIED_PARAGRAPHS = [
    "The harbor district of Eastbay will build a second ferry pier on the north side of the "
    "bay, the port authority said on Wednesday. The pier is meant to take the evening boats "
    "away from the old landing, where passengers now queue on a narrow quay beside the fish "
    "market.",
    "Construction is to start in the autumn and to last about fourteen months. The authority "
    "put the cost at 11.8 million dollars, of which the regional government will pay two "
    "thirds from its fund for public transport on water.",
    "Fishermen who moor their boats along the north quay worried at a meeting last month that "
    "the works would close their berths for a whole season. The authority promised to keep "
    "half of the berths open at all times and to move the others only during the winter.",
    "The new pier will have a covered waiting hall with room for 300 people, a ticket office "
    "and racks for 80 bicycles. Ferries to the islands of Moss and Little Moss will leave from "
    "there every twenty minutes in summer.",
    "A footbridge across the canal will link the pier to the tram stop at Dock Street, so that "
    "riders can change between the ferry and the tram without crossing the harbor road, which "
    "carries heavy trucks to the container terminal day and night.",
    "The district council will vote on the plan in June. If it agrees, the first boats could "
    "use the pier before the summer season of the year after next, the head of the authority, "
    "Ines Varga, told reporters.",
]


def write_justified_pdf(path: Path) -> Path:
    """A headline over two justified columns laid out by fpdf2 itself: wide word spaces
    make pdfminer cut some lines in pieces, which must be read as one line again."""
    pdf = new_pdf()
    pdf.set_auto_page_break(True, margin=50)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 22)
    pdf.multi_cell(0, 28, JUSTIFIED_TITLE)
    pdf.ln(10)
    pdf.set_font("Times", "", 10)
    with pdf.text_columns(ncols=2, gutter=18, text_align="J", l_margin=40, r_margin=300) as cols:
        for paragraph in JUSTIFIED_PARAGRAPHS:
            cols.write(paragraph + "\n")
            cols.ln(6)
    pdf.output(str(path))
    return path


def write_manual_pdf(
    path: Path,
    pages: list[list[tuple[str, list[str]]]],
    *,
    running_head: str | None = "Chapter 2: Building the index",
    footer: str | None = "Harbor Tools Manual",
) -> Path:
    """A born-digital manual: on each page a running head with the page number at the top,
    a footer at the bottom, and paragraphs of lines from ``top`` down. A paragraph is
    ``(font, lines)``: ``"text"`` in Helvetica, ``"code"`` in Courier (a code sample)."""
    pdf = new_pdf()
    for number, paragraphs in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", "", 9)
        if running_head is not None:
            pdf.text(LEFT_X, 40, running_head)
            pdf.text(520, 40, str(number))
        if footer is not None:
            pdf.text(LEFT_X, 815, f"{footer} - page {number}")
        y = 90.0
        for font, lines in paragraphs:
            if font == "code":
                pdf.set_font("Courier", "", 10)
            else:
                pdf.set_font("Helvetica", "", 10)
            y = _lines(pdf, LEFT_X, y, lines) + PARAGRAPH_GAP
    pdf.output(str(path))
    return path

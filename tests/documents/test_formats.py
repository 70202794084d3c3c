"""PDF, HTML and Markdown documents (shanxi_qa.documents.formats, read through shanxi_qa.documents.ingest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shanxi_qa.documents import formats, load
from shanxi_qa.documents.files import CORPUS_SUFFIXES, IngestError
from shanxi_qa.documents.formats.pdf_layout import _Box, _reading_order
from shanxi_qa.documents.ingest import clean_paragraphs
from shanxi_qa.documents.load import load_corpus, load_document
from shanxi_qa.documents.paragraphs import Paragraph
from shanxi_qa.records import Block, Document, Repair
from tests.documents.pdf_fixtures import (
    EXPECTED_BLOCKS,
    JUSTIFIED_PARAGRAPHS,
    JUSTIFIED_TITLE,
    png_bytes,
    write_image_pdf,
    write_justified_pdf,
    write_library_pdf,
    write_text_pdf,
)


def blocks_of(document: Document) -> list[tuple[str, int | None, str]]:
    return [(b.kind, b.page, document.text[b.start : b.end]) for b in document.blocks]


def assert_offsets(document: Document) -> None:
    assert document.text == "\n\n".join(document.text[b.start : b.end] for b in document.blocks)


# --- PDF -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_library_pdf(tmp_path_factory.mktemp("pdf") / "library.pdf")


def test_a_two_column_page_reads_in_order(library_pdf: Path) -> None:
    document = load_document(library_pdf, "corpus/library.pdf")
    # Headline over both columns, byline, the left column, then the right one: the sentence
    # cut by the column break and the one cut by the picture are whole again, the word
    # broken at a line end ("base-" / "ment") is one word, the caption under the picture is
    # a caption after its page's text, and page 2's bold line is a heading. The page
    # numbers at the foot of each page are gone.
    assert blocks_of(document) == EXPECTED_BLOCKS
    assert document.text == "\n\n".join(text for _, _, text in EXPECTED_BLOCKS)
    assert_offsets(document)
    rules = [(r.rule, r.before, r.after) for r in document.repairs if r.rule != "whitespace"]
    assert rules == [
        ("page-furniture", "1", ""),
        ("page-furniture", "2", ""),
        # "basement" is a word: the hyphen at the line end was the typesetter's.
        ("dehyphenate", "base-\nment", "basement"),
        (
            "stitch",
            "that supports public buildings in the\n\nriver valley.",
            "that supports public buildings in the river valley.",
        ),
        (
            "stitch",
            "and the study rooms stay open\n\nuntil nine in the evening on",
            "and the study rooms stay open until nine in the evening on",
        ),
        ("reorder", "Children read in the new corner of the", "caption after the body"),
    ]


def test_justified_columns_set_by_the_pdf_library_read_back_whole(tmp_path: Path) -> None:
    # fpdf2 lays the text out itself, justified: pdfminer cuts 14 of its lines in two at a
    # wide word space, and each is one line again, in its column.
    document = load_document(write_justified_pdf(tmp_path / "pier.pdf"), "corpus/pier.pdf")
    assert blocks_of(document) == [
        ("headline", 1, JUSTIFIED_TITLE),
        *(("body", 1, paragraph) for paragraph in JUSTIFIED_PARAGRAPHS),
    ]
    assert [r for r in document.repairs if r.rule != "whitespace"] == []


def test_page_of_gives_the_page_an_offset_is_on(library_pdf: Path) -> None:
    document = load_document(library_pdf, "corpus/library.pdf")
    assert document.page_of(document.text.index("Riverton library reopens")) == 1
    assert document.page_of(document.text.index("until nine in the evening")) == 1
    assert document.page_of(document.text.index("about 400 visitors")) == 2
    assert document.page_of(len(document.text)) is None  # past the end
    text_document = Document("corpus/a.txt", "Trams run.", [Block("body", 0, 10)])
    assert text_document.page_of(3) is None  # no pages


def test_running_heads_and_page_numbers_are_dropped(tmp_path: Path) -> None:
    pages = [
        [
            "Riverton Weekly, March 2026",
            "",
            "",
            "",
            "",
            f"Text on page {number} says the ferry runs {number} times a day.",
        ]
        for number in (1, 2, 3)
    ]
    # The running head stands 40 points from the top of the page, in its top margin.
    path = write_text_pdf(tmp_path / "weekly.pdf", pages, top=40)
    document = load_document(path, "corpus/weekly.pdf")
    assert blocks_of(document) == [
        ("body", number, f"Text on page {number} says the ferry runs {number} times a day.")
        for number in (1, 2, 3)
    ]
    assert [r for r in document.repairs if r.rule == "page-furniture"] == [
        Repair("page-furniture", "Riverton Weekly, March 2026", "")
    ]


def test_a_short_line_deep_in_a_pdf_is_not_its_headline(tmp_path: Path) -> None:
    # The text rule that finds a plain-text page's headline anywhere looks only at the top
    # of a PDF's first page.
    pages = [
        ["The ferry runs every hour on weekdays and twice an hour on Sundays."],
        ["Timetable changes in May", "", "From May the first boat leaves at six."],
    ]
    document = load_document(write_text_pdf(tmp_path / "ferry.pdf", pages), "c/ferry.pdf")
    assert blocks_of(document) == [
        ("body", 1, "The ferry runs every hour on weekdays and twice an hour on Sundays."),
        ("body", 2, "Timetable changes in May"),
        ("body", 2, "From May the first boat leaves at six."),
    ]


def test_bold_marks_a_heading_only_where_the_body_is_not_bold(tmp_path: Path) -> None:
    lines = ["Ferry times", "", "The ferry runs every hour.", "", "Night boats", "", "None run."]
    plain = load_document(write_text_pdf(tmp_path / "plain.pdf", [lines]), "c/plain.pdf")
    bold = load_document(write_text_pdf(tmp_path / "bold.pdf", [lines], bold=True), "c/b.pdf")
    # Set all in bold, "Night boats" is one more line of text; the first line is still the
    # headline by the text rule, as in a plain-text page.
    assert [(b.kind, plain.text[b.start : b.end]) for b in plain.blocks] == [
        ("headline", "Ferry times"),
        ("body", "The ferry runs every hour."),
        ("body", "Night boats"),
        ("body", "None run."),
    ]
    assert [(b.kind, bold.text[b.start : b.end]) for b in bold.blocks] == [
        ("headline", "Ferry times"),
        ("body", "The ferry runs every hour."),
        ("body", "Night boats"),
        ("body", "None run."),
    ]


def test_reading_order_takes_the_gutter_before_aligned_paragraph_gaps() -> None:
    # A headline over two columns whose paragraph gaps line up at the same height (y 500 to
    # 506): the gutter (x 290 to 310) is the wider gap, so each column is read whole.
    headline = _Box(40, 760, 560, 790)
    left_top, left_bottom = _Box(40, 506, 290, 720), _Box(40, 300, 290, 500)
    right_top, right_bottom = _Box(310, 506, 560, 720), _Box(310, 300, 560, 500)
    boxes = [right_bottom, left_bottom, right_top, headline, left_top]
    assert _reading_order(boxes) == [headline, left_top, left_bottom, right_top, right_bottom]


# --- HTML ------------------------------------------------------------------------------------

SAVED_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Mountain village gets its first clinic - Valley Times</title>
<script src="/js/app.js"></script>
<script>var tracking = {id: 42, consent: false};</script>
<style>.consent-overlay { position: fixed; }</style>
</head>
<body>
<div class="top-bar"><a href="/">Valley Times</a> | <a href="/login">Log in</a> |
 <a href="/weather">Weather</a> | <a href="/jobs">Jobs</a></div>
<div class="consent-overlay" role="dialog" id="cookie-banner">
 <div class="consent-text">Your privacy matters to us. We and our 214 partners store and
 access information on your device, such as cookies, to show personalised ads and content.
 You can accept or manage your choices at any time.</div>
 <a class="btn">Accept all cookies</a> <a class="btn">Privacy settings</a>
</div>
<nav class="menu"><ul><li><a href="/news">News</a></li><li><a href="/region">Region</a></li>
<li><a href="/culture">Culture</a></li><li><a href="/travel">Travel</a></li></ul></nav>
<div class="wrapper"><div class="content-col">
<div class="headline-box"><h1 class="title">Mountain village gets its first clinic</h1>
<div class="meta">By <a href="/authors/ken-ito" rel="author">Ken Ito</a>, Health reporter</div>
</div>
<div class="story-body">
<p>Residents of Alder Peak no longer need to drive two hours to see a doctor. A clinic with
three examination rooms and a small pharmacy opened in the village school's old gymnasium
on Saturday.</p>
<p>The clinic is staffed by a family doctor and two nurses who come up the mountain road
four days a week. On the other days patients can speak to a doctor by video call.</p>
<h2>Paid for by the region</h2>
<p>The regional health office paid 480,000 euros for the building work and the equipment.
It plans to open two more clinics of the same kind in remote villages by the end of next
year.</p>
<script>document.write('<div class="ad">Advertisement</div>');</script>
</div>
<div class="newsletter"><h3>Get the Valley Times in your inbox</h3>
<p>Sign up for our free morning newsletter.</p><form><input type="email"></form></div>
</div>
<aside class="sidebar"><h3>Most read</h3><ol><li><a href="/1">Snow closes the pass again</a></li>
<li><a href="/2">Cheese festival draws record crowds</a></li></ol></aside>
</div>
<footer>Valley Times, 12 Market Street. <a href="/privacy">Privacy</a>
<a href="/cookies">Cookie policy</a></footer>
</body></html>
"""


def test_a_saved_web_page_keeps_the_article_and_drops_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "clinic.html"
    path.write_text(SAVED_PAGE, encoding="utf-8")
    document = load_document(path, "corpus/clinic.html")
    assert blocks_of(document) == [
        ("headline", None, "Mountain village gets its first clinic"),
        # The page's own byline, as written.
        ("byline", None, "By Ken Ito, Health reporter"),
        (
            "body",
            None,
            "Residents of Alder Peak no longer need to drive two hours to see a doctor. A "
            "clinic with three examination rooms and a small pharmacy opened in the village "
            "school's old gymnasium on Saturday.",
        ),
        (
            "body",
            None,
            "The clinic is staffed by a family doctor and two nurses who come up the mountain "
            "road four days a week. On the other days patients can speak to a doctor by video "
            "call.",
        ),
        ("heading", None, "Paid for by the region"),
        (
            "body",
            None,
            "The regional health office paid 480,000 euros for the building work and the "
            "equipment. It plans to open two more clinics of the same kind in remote villages "
            "by the end of next year.",
        ),
    ]
    assert_offsets(document)
    for boilerplate in ("cookies", "Log in", "Travel", "newsletter", "Most read", "tracking"):
        assert boilerplate not in document.text


def test_an_html_fragment_is_read_as_a_page(tmp_path: Path) -> None:
    path = tmp_path / "note.htm"
    path.write_text("<p>Trams run every day &amp; night.</p>", encoding="utf-8")
    assert load_document(path, "corpus/note.htm").text == "Trams run every day & night."


# --- Markdown --------------------------------------------------------------------------------

MARKDOWN = """\
---
title: Notes
---

# Harbor City opens a tram line

By Jane Roe

Harbor City opened its **first** tram line on *March 3*, the
[transport bureau](https://example.org/bureau) said. The line is `14` kilometers long.

## Stops

- Central Station
- Eastbay Pier, with a ferry link

![A tram at Central Station](tram.png)

| Line | Stops |
|------|-------|
| T1   | 22    |

> "It is a great day," said Mayor Alan Smith.

Opening times
-------------

Trams run from <b>five</b> in the morning &amp; until midnight.
"""


def test_markdown_headings_become_kinds_and_the_markup_goes(tmp_path: Path) -> None:
    path = tmp_path / "tram.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    document = load_document(path, "corpus/tram.md")
    assert blocks_of(document) == [
        ("headline", None, "Harbor City opens a tram line"),
        ("byline", None, "By Jane Roe"),
        (
            "body",
            None,
            "Harbor City opened its first tram line on March 3, the transport bureau said. The "
            "line is 14 kilometers long.",
        ),
        ("heading", None, "Stops"),
        ("body", None, "Central Station"),
        ("body", None, "Eastbay Pier, with a ferry link"),
        ("body", None, "Line; Stops"),
        ("body", None, "T1; 22"),
        ("body", None, '"It is a great day," said Mayor Alan Smith.'),
        ("heading", None, "Opening times"),
        ("body", None, "Trams run from five in the morning & until midnight."),
        ("caption", None, "A tram at Central Station"),
    ]
    assert_offsets(document)
    for markup in ("**", "*", "`", "#", "](", "<b>", "&amp;", "---", "|"):
        assert markup not in document.text
    # Text born digital is kept as written: the one change is the caption's place.
    assert document.repairs == [
        Repair("reorder", "A tram at Central Station", "caption after the body")
    ]


# --- bad input -------------------------------------------------------------------------------


def test_bad_files_are_skipped_with_a_reason_and_the_rest_is_read(
    tmp_path: Path, library_pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "library.pdf").write_bytes(library_pdf.read_bytes())
    (corpus / "tram.txt").write_text("Trams run every day.", encoding="utf-8")
    limit = library_pdf.stat().st_size + 100
    (corpus / "big.md").write_text("# Big\n\n" + "x" * limit, encoding="utf-8")
    (corpus / "empty.pdf").write_bytes(b"")
    (corpus / "picture.pdf").write_bytes(png_bytes())
    write_text_pdf(corpus / "locked.pdf", [["A line behind a password."]], password="s3cret")
    image = tmp_path / "scan.png"
    image.write_bytes(png_bytes())
    write_image_pdf(corpus / "scan.pdf", image)
    (corpus / "cut.pdf").write_bytes(library_pdf.read_bytes()[:400])
    write_text_pdf(corpus / "long.pdf", [[f"Line on page {n}."] for n in range(4)])
    (corpus / "script.html").write_text(
        "<html><head><script>var a = 1;</script></head><body><script>go()</script></body></html>",
        encoding="utf-8",
    )
    (corpus / "rules.md").write_text("---\n\n***\n", encoding="utf-8")
    monkeypatch.setattr(formats.pdf, "MAX_PDF_PAGES", 3)
    monkeypatch.setattr(load, "MAX_FILE_BYTES", limit)

    documents, warnings = load_corpus(corpus)
    assert [d.source for d in documents] == ["corpus/library.pdf", "corpus/tram.txt"]
    assert blocks_of(documents[0]) == EXPECTED_BLOCKS
    reasons = {
        "big.md": "MB limit; split it into smaller files",
        "cut.pdf": "damaged PDF, cannot be read",
        "empty.pdf": "file is empty or blank",
        "locked.pdf": "encrypted PDF that needs a password",
        "long.pdf": "PDF has 4 pages, over the 3-page limit",
        "picture.pdf": "not a PDF (the file holds a PNG image)",
        "rules.md": "no text found in it",
        "scan.pdf": "PDF has no text layer (a scan or images only); run OCR on it first",
        "script.html": "no article text found in the HTML page",
    }
    assert len(warnings) == len(reasons)
    for (name, reason), warning in zip(sorted(reasons.items()), warnings, strict=True):
        assert warning.startswith(f"skipped {corpus / name}: "), warning
        assert reason in warning
        assert "\n" not in warning


def test_a_pdf_locked_only_against_editing_is_read(tmp_path: Path) -> None:
    path = write_text_pdf(tmp_path / "owner.pdf", [["A line anyone may read."]], password="")
    assert load_document(path, "corpus/owner.pdf").text == "A line anyone may read."


def test_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError, match=r"report\.docx: unsupported file type '\.docx'"):
        load_document(path, "corpus/report.docx")
    assert set(CORPUS_SUFFIXES) == {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}


# --- end to end ------------------------------------------------------------------------------


def test_an_answer_from_a_pdf_quotes_it_with_offsets_and_page(
    tmp_path: Path, library_pdf: Path
) -> None:
    from shanxi_qa.pipeline import Pipeline, PipelineConfig
    from tests.conftest import TINY_ARTICLE, FakeEncoder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "library.pdf").write_bytes(library_pdf.read_bytes())
    (corpus / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    config = PipelineConfig(corpus_dir=corpus, index_dir=tmp_path / "index")
    pipeline = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)

    result = pipeline.ask("How many visitors does the council expect on a typical Sunday?")
    assert not result.abstained
    assert result.answer is not None and "400" in result.answer
    quote = result.quotes[0]
    assert (quote.source, quote.page) == ("corpus/library.pdf", 2)
    assert quote.text == "The council expects about 400 visitors on a typical Sunday."
    # The text `show corpus/library.pdf` prints is the one the offsets point into, and it
    # is what the PDF cleans to.
    shown = pipeline.document("corpus/library.pdf")
    assert shown.text[quote.start : quote.end] == quote.text
    assert shown.text == load_document(library_pdf, "corpus/library.pdf").text
    assert json.loads(json.dumps(result.to_dict()))["quotes"][0]["page"] == 2

    # Reloaded from disk, the index still knows each block's page.
    reloaded = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)
    assert reloaded.document("corpus/library.pdf").blocks == shown.blocks
    text_answer = reloaded.ask("How long is the tram line?")
    assert (text_answer.quotes[0].source, text_answer.quotes[0].page) == ("corpus/tram.txt", None)


# --- properties ------------------------------------------------------------------------------

_KINDS = st.sampled_from([None, None, None, "headline", "byline", "heading", "caption", "body"])
_TEXTS = st.lists(
    st.sampled_from(["Trams", "run", "every", "day.", "the", "trans-", "portation", "By", "ROE"]),
    min_size=1,
    max_size=8,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(_TEXTS, _KINDS, st.integers(1, 3)), max_size=12),
    st.booleans(),
    st.booleans(),
)
def test_clean_paragraphs_keeps_offsets_and_pages(
    items: list[tuple[str, str | None, int]], paged: bool, repair: bool
) -> None:
    pages = sorted(page for _, _, page in items)  # a reader gives them in page order
    paragraphs = [
        Paragraph(text, kind, page if paged else None)  # type: ignore[arg-type]
        for (text, kind, _), page in zip(items, pages, strict=True)
    ]
    text, blocks, _ = clean_paragraphs(paragraphs, repair=repair)
    document = Document("corpus/x.pdf", text, blocks)
    assert_offsets(document)
    assert all(block.end > block.start for block in blocks)
    assert {block.page for block in blocks} <= {p.page for p in paragraphs}
    # After the front matter the blocks go page by page.
    running = [b.page or 0 for b in blocks if b.kind not in ("headline", "standfirst", "byline")]
    assert running == sorted(running)


def test_a_reader_that_fails_on_a_file_skips_only_that_file(
    tmp_path: Path, library_pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "library.pdf").write_bytes(library_pdf.read_bytes())
    (corpus / "tram.txt").write_text("Trams run every day.", encoding="utf-8")

    def broken(path: Path, data: bytes, report: Any = None) -> Any:
        raise RecursionError("maximum recursion depth exceeded\nin a deep page tree")

    monkeypatch.setattr(formats, "read_pdf", broken)
    documents, warnings = load_corpus(corpus)
    assert [d.source for d in documents] == ["corpus/tram.txt"]
    assert warnings == [
        f"skipped {corpus / 'library.pdf'}: cannot clean it (RecursionError: maximum "
        "recursion depth exceeded in a deep page tree)"
    ]


def test_reading_order_of_a_freak_page_stays_within_the_stack() -> None:
    # Every gap a point and a half wider than the one above: each cut takes off one line,
    # 2,000 levels deep unless the cutting stops; past 60 levels the rest reads top down.
    boxes, top = [], 0.0
    for number in range(2000):
        boxes.append(_Box(40, top - 10, 300, top))
        top -= 10 + 1.5 * (number + 1)
    assert _reading_order(list(reversed(boxes))) == boxes

"""Born-digital documents read verbatim: every word as written, every paragraph kept.

The fixtures are made here: PDFs written with fpdf2 (a running head and footer, a paragraph
continued across a page break, words hyphenated at a line end, code in a monospace font),
HTML pages shaped like manuals (prose between ``<pre>`` blocks, definition lists, tables,
navigation and a footer) and plain text with shell commands and paths.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shanxi_qa.documents.ingest import clean_text, join_line_break, normalise_text
from shanxi_qa.documents.load import load_document
from shanxi_qa.documents.repair import print_damage, shows_print_damage
from shanxi_qa.documents.words import word_counts
from tests.documents.pdf_fixtures import write_manual_pdf

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_cb45a5397f502ac5.txt"

# Words the hyphen repair for printed pages once split ("dp-kg", "free-desktop"...).
CODE_WORDS = [
    "dpkg",
    "strcmp",
    "mmap",
    "freedesktop",
    ".gitmodules",
    "lockfile",
    "esac",
    "/usr/sbin",
    "nologin",
    "/etc/shadow",
    "-1",
    "Z_DEFAULT_COMPRESSION",
    "provinciallevel",
]


def words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


# --- plain text ----------------------------------------------------------------------------

SHELL_NOTES = """\
Installing the package

Run dpkg -i harbor.deb as root, then check that /usr/sbin/harbord exists. The daemon
runs as the user harbor, whose shell is /usr/sbin/nologin, and it never reads /etc/shadow.

Its lockfile lives in /run/harbor; strcmp and mmap are used by the loader, and the
freedesktop menu entry is listed in .gitmodules of the source tree.

The setting level=-1 means Z_DEFAULT_COMPRESSION; a case statement in the init script ends
with esac as usual. This provinciallevel flag is a made-up option name.
"""


def test_plain_text_with_commands_and_paths_keeps_every_word() -> None:
    text, _, repairs = clean_text(SHELL_NOTES)
    assert words(text) == words(SHELL_NOTES)
    assert [r for r in repairs if r.rule in ("dehyphenate", "rehyphenate", "stitch")] == []
    for word in CODE_WORDS:
        assert word in text


def test_the_seed_shows_a_printed_pages_damage_and_a_manual_does_not() -> None:
    seed, _ = normalise_text(SEED.read_text(encoding="utf-8"))
    # Two words broken in mid-line, a compound glued beside its hyphenated form, and three
    # paragraphs that stop on a broken word.
    assert print_damage(seed) == [
        "broken chal-lenging",
        "broken end genera-",
        "broken end gov-",
        "broken end sub-",
        "broken gar-nered",
        "glued cuttingedge",
    ]
    assert shows_print_damage(seed)
    notes, _ = normalise_text(SHELL_NOTES)
    assert print_damage(notes) == []
    assert not shows_print_damage(notes)


def test_a_line_end_hyphen_is_judged_by_the_document() -> None:
    # "weekends" is a word; "well-known" is written with its hyphen elsewhere; "wellknown"
    # and "stateofthe" are no words, so their hyphens stay.
    assert join_line_break("week", "ends", {})
    assert not join_line_break("well", "known", word_counts("a well-known tool"))
    assert not join_line_break("well", "known", {})
    # A word the document writes joined elsewhere is joined even when it is rare.
    assert join_line_break("harbor", "tools", word_counts("see harbortools"))
    paragraphs, _ = normalise_text(
        "Boats run on week-\nends. It is a well-\nknown, well-known pier."
    )
    assert paragraphs == ["Boats run on weekends. It is a well-known, well-known pier."]


# --- PDF -----------------------------------------------------------------------------------

PAGE_ONE = [
    (
        "text",
        [
            "The harbor daemon keeps its queue in memory and writes it to disk on",
            "week-",
            "ends, when the port is quiet. The design is well-",
            "known from older tools; see the well-known pier example below.",
        ],
    ),
    ("code", ["$ dpkg -i harbor.deb", "$ grep harbor /etc/shadow", "level = -1"]),
    (
        "text",
        [
            "The loader calls strcmp on every entry and maps the index with mmap, and",
            "its lockfile is kept in /run so that a second copy of the daemon",
        ],
    ),
]
PAGE_TWO = [
    (
        "text",
        [
            "refuses to start. The setting Z_DEFAULT_COMPRESSION is the default.",
        ],
    ),
    ("text", ["The user harbor has the shell /usr/sbin/nologin and no password."]),
]


def test_a_born_digital_manual_pdf_is_read_verbatim(tmp_path: Path) -> None:
    pages = [PAGE_ONE, PAGE_TWO, PAGE_ONE[2:], PAGE_TWO[1:]]
    path = write_manual_pdf(tmp_path / "manual.pdf", pages)
    document = load_document(path, "corpus/manual.pdf")
    text = document.text
    # The running heads (with their page numbers) and the footers are gone.
    for furniture in ("Chapter 2", "Harbor Tools Manual", "page 1"):
        assert furniture not in text
    assert {r.before for r in document.repairs if r.rule == "page-furniture"} == {
        "1",
        "2",
        "3",
        "4",
        "Chapter 2: Building the index",
        "Harbor Tools Manual - page 1",
        "Harbor Tools Manual - page 2",
        "Harbor Tools Manual - page 3",
        "Harbor Tools Manual - page 4",
    }
    # The broken word is joined, the compound keeps its hyphen, code is as written.
    assert "on weekends, when the port is quiet. The design is well-known from older" in text
    assert "$ dpkg -i harbor.deb $ grep harbor /etc/shadow level = -1" in text
    # The sentence cut by the page break is whole, and belongs to the page it starts on.
    whole = (
        "its lockfile is kept in /run so that a second copy of the daemon refuses to start. "
        "The setting Z_DEFAULT_COMPRESSION is the default."
    )
    assert whole in text
    assert document.page_of(text.index(whole)) == 1
    for word in ("strcmp", "mmap", "/usr/sbin/nologin", "Z_DEFAULT_COMPRESSION"):
        assert word in text
    assert not [r for r in document.repairs if r.rule == "rehyphenate"]


def test_an_author_line_under_a_pdf_title_is_not_part_of_the_headline(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 24)
    pdf.text(48, 80, "Harbor Tools")
    pdf.set_font("Helvetica", "", 14)
    pdf.text(48, 110, "Ana Ruiz")
    pdf.text(48, 127, "Tom Becker (tools@example.org)")
    pdf.set_font("Helvetica", "", 10)
    pdf.text(48, 170, "Harbor Tools move boats in and out of the port on schedule.")
    path = tmp_path / "title.pdf"
    pdf.output(str(path))
    document = load_document(path, "corpus/title.pdf")
    assert [(b.kind, document.text[b.start : b.end]) for b in document.blocks] == [
        ("headline", "Harbor Tools"),
        ("byline", "Ana Ruiz Tom Becker (tools@example.org)"),
        ("body", "Harbor Tools move boats in and out of the port on schedule."),
    ]


_PLAIN_WORDS = ["harbor", "boat", "pier", "the", "runs", "at", "night", "queue", "Ferry"]
_WORD = st.sampled_from([*_PLAIN_WORDS, *CODE_WORDS])
_LINE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)
_PARAGRAPH = st.tuples(st.sampled_from(["text", "code"]), st.lists(_LINE, min_size=1, max_size=3))
_PAGE = st.lists(_PARAGRAPH, min_size=1, max_size=3)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(_PAGE, min_size=3, max_size=4))
def test_the_words_of_a_born_digital_pdf_are_its_source_words(
    tmp_path: Path, pages: list[list[tuple[str, list[str]]]]
) -> None:
    path = write_manual_pdf(tmp_path / "random.pdf", pages)
    document = load_document(path, "corpus/random.pdf")
    source = [
        word for page in pages for _, lines in page for line in lines for word in line.split()
    ]
    # Apart from the running heads and footers removed, the same words (no line-end hyphen
    # here), none split, joined or invented.
    assert Counter(words(document.text)) == Counter(source)


# --- HTML ----------------------------------------------------------------------------------

MANUAL_PAGE = """\
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>harbord(8) - Harbor Tools</title>
<style>pre { background: #eee; }</style><script>var analytics = 1;</script></head>
<body>
<nav class="navbar"><a href="/">Home</a> | <a href="/docs">Docs</a></nav>
<div class="cookie-banner">We use cookies. <button>Accept</button></div>
<div id="content">
<h1>harbord: the harbor daemon</h1>
<p>The daemon reads its settings at start-up.</p>
<pre>
$ harbord --config /etc/harbor.conf
    level = -1   # Z_DEFAULT_COMPRESSION
</pre>
The zlib header is two bytes long, and harbord checks it first.
<pre>if (strcmp(name, "dpkg") == 0)
    return mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);</pre>
<p>Options:</p>
<dl>
<dt><code>-f</code>, <code>--foreground</code></dt>
<dd>Stay in the foreground; the lockfile is still written.</dd>
<dt><code>-u</code> <em>user</em></dt>
<dd><p>Run as <em>user</em>, whose shell should be /usr/sbin/nologin.</p></dd>
</dl>
<table><tr><th>File</th><th>Use</th></tr>
<tr><td>/etc/shadow</td><td>never read</td></tr>
<tr><td>.gitmodules</td><td>lists the freedesktop menu</td></tr></table>
<ul><li>Start it with <b>systemctl</b>.</li><li>Stop it with kill; the case ends in esac.</li></ul>
<!-- a comment the reader never sees -->
</div>
<div class="footer">Copyright 2026 Harbor Tools. <a href="/privacy">Privacy</a></div>
</body></html>
"""


def test_an_html_manual_page_keeps_its_body(tmp_path: Path) -> None:
    path = tmp_path / "harbord.html"
    path.write_text(MANUAL_PAGE, encoding="utf-8")
    document = load_document(path, "corpus/harbord.html")
    assert [(b.kind, document.text[b.start : b.end]) for b in document.blocks] == [
        ("headline", "harbord: the harbor daemon"),
        ("body", "The daemon reads its settings at start-up."),
        # Preformatted text keeps its line breaks and indentation.
        ("body", "$ harbord --config /etc/harbor.conf\n    level = -1   # Z_DEFAULT_COMPRESSION"),
        ("body", "The zlib header is two bytes long, and harbord checks it first."),
        (
            "body",
            'if (strcmp(name, "dpkg") == 0)\n'
            "    return mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);",
        ),
        ("body", "Options:"),
        ("body", "-f, --foreground"),
        ("body", "Stay in the foreground; the lockfile is still written."),
        ("body", "-u user"),
        ("body", "Run as user, whose shell should be /usr/sbin/nologin."),
        ("body", "File; Use"),
        ("body", "/etc/shadow; never read"),
        ("body", ".gitmodules; lists the freedesktop menu"),
        ("body", "Start it with systemctl."),
        ("body", "Stop it with kill; the case ends in esac."),
    ]
    for gone in ("Home", "cookies", "Accept", "analytics", "comment", "Copyright", "Privacy"):
        assert gone not in document.text
    assert document.repairs == []


_HTML_WORD = st.sampled_from([*_PLAIN_WORDS, *CODE_WORDS, "a&amp;b", "x&lt;y"])
_HTML_BLOCK = st.tuples(
    st.sampled_from(["p", "pre", "dd", "li", "td", "blockquote", "div"]),
    st.lists(_HTML_WORD, min_size=1, max_size=8),
)


def _html_of(blocks: list[tuple[str, list[str]]]) -> str:
    parts = []
    for tag, items in blocks:
        text = " ".join(items)
        if tag == "dd":
            parts.append(f"<dl><dt>term</dt><dd>{text}</dd></dl>")
        elif tag == "li":
            parts.append(f"<ul><li>{text}</li></ul>")
        elif tag == "td":
            parts.append(f"<table><tr><td>{text}</td></tr></table>")
        elif tag == "pre":
            parts.append(f"<pre>{text.replace(' ', chr(10) + '  ', 1)}</pre>")
        else:
            parts.append(f"<{tag}>{text}</{tag}>")
    return (
        "<html><body><nav><a href='/'>Menu</a></nav><main>"
        + "\n".join(parts)
        + "</main><footer>Site footer</footer></body></html>"
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(_HTML_BLOCK, min_size=1, max_size=8))
def test_the_words_of_an_html_page_are_its_body_words(
    blocks: list[tuple[str, list[str]]],
) -> None:
    import tempfile

    expected = []
    for tag, items in blocks:
        if tag == "dd":
            expected.append("term")
        expected += [item.replace("&amp;", "&").replace("&lt;", "<") for item in items]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.html"
        path.write_text(_html_of(blocks), encoding="utf-8")
        document = load_document(path, "corpus/page.html")
    # Navigation and footer out, every body word in, in order.
    assert words(document.text) == expected

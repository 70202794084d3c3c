"""Tests for the cleaning of damaged page extractions (shanxi_qa.documents.ingest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shanxi_qa.documents import load
from shanxi_qa.documents.files import IngestError
from shanxi_qa.documents.ingest import clean_text, normalise_text
from shanxi_qa.documents.load import load_corpus, load_document
from shanxi_qa.documents.paragraphs import (
    classify_block,
    complete_credits,
    find_headline,
    order_blocks,
    split_captions,
)
from shanxi_qa.documents.repair import (
    dehyphenate_word,
    is_broken_word,
    repair_words,
    split_glued_compound,
)
from shanxi_qa.documents.stitch import continuation_score, match_fragments, stitch_fragments
from shanxi_qa.documents.words import ends_sentence
from shanxi_qa.records import Block, Repair

SEED = Path(__file__).parents[2] / "seeds" / "000_cb45a5397f502ac5.txt"


def block_texts(text: str, blocks: list[Block]) -> list[tuple[str, str]]:
    return [(block.kind, text[block.start : block.end]) for block in blocks]


# --- 1. normalisation ------------------------------------------------------------------------


def test_normalise_line_endings_escapes_and_spaces() -> None:
    raw = "  Fares rose to \\$2.50 per ride.\r\n\r\n\r\nThe  city\tadded\n   new buses.  \r\n"
    paragraphs, repairs = normalise_text(raw)
    assert paragraphs == ["Fares rose to $2.50 per ride.", "The city added new buses."]
    assert Repair("newline", "\\r\\n", "\\n") in repairs
    assert Repair("unescape", "\\$2.50", "$2.50") in repairs
    assert {r.rule for r in repairs} == {"newline", "unescape", "whitespace"}

    text, blocks, _ = clean_text(raw)
    assert text == "Fares rose to $2.50 per ride.\n\nThe city added new buses."
    assert [b.kind for b in blocks] == ["body", "body"]


def test_normalise_joins_lines_and_a_word_broken_at_a_line_end() -> None:
    paragraphs, repairs = normalise_text("The new trans-\nportation card\n works  on trams.")
    assert paragraphs == ["The new transportation card works on trams."]
    assert repairs == [
        Repair("dehyphenate", "trans-\nportation", "transportation"),
        Repair("whitespace", "card\nworks", "card works"),
        Repair("whitespace", "works  on", "works on"),
    ]
    assert clean_text("The new trans-\nportation card.")[0] == "The new transportation card."


def test_short_first_half_of_a_cut_sentence_is_not_a_headline() -> None:
    text, blocks, _ = clean_text("Buses run\n\nevery day.\n\nTrams run too.")
    assert text == "Buses run every day.\n\nTrams run too."
    assert [b.kind for b in blocks] == ["body", "body"]


def test_empty_and_blank_input() -> None:
    assert clean_text("") == ("", [], [])
    assert clean_text(" \n\n\t\n") == ("", [], [])


def test_ends_sentence() -> None:
    assert ends_sentence("It works.")
    assert ends_sentence('"Is it?"')
    assert ends_sentence("He said so!)")
    assert not ends_sentence("It works")
    assert not ends_sentence("the network by 2027, according")


# --- 2. line-break hyphens -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("trans-portation", "transportation"),
        ("Trans-portation", "Transportation"),
        ("chal-lenging", "challenging"),
        ("digi-tal", "digital"),
        ("low-cost", "low-cost"),
        ("high-tech", "high-tech"),
        ("long-term", "long-term"),
        ("cost-effective", "cost-effective"),
        ("lithium-ion", "lithium-ion"),
        ("year-on-year", "year-on-year"),
        ("China-Europe", "China-Europe"),
        ("bus-2", "bus-2"),
    ],
)
def test_dehyphenate_word(word: str, expected: str) -> None:
    assert dehyphenate_word(word) == expected


def test_is_broken_word_accepts_rarer_word_when_a_piece_is_no_word() -> None:
    # "subsidize" is rarer than zipf 3 but "sidize" is no word at all.
    assert is_broken_word("sub", "sidize")
    assert not is_broken_word("high", "speed")


def test_hyphenated_form_used_elsewhere_is_kept() -> None:
    text, _, repairs = clean_text(
        "The trans-portation card is new.\n\nA trans-portation pass costs less."
    )
    assert text == "The trans-portation card is new.\n\nA trans-portation pass costs less."
    assert repairs == []


# --- 3. compounds that lost their hyphen -----------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("citylevel", "city-level"),
        ("energysaving", "energy-saving"),
        ("lowfloor", "low-floor"),
        ("year-onyear", "year-on-year"),
        ("provinciallevel", "provincial-level"),
        ("citywide", "citywide"),  # a real word (zipf 2.81)
        ("chipmakers", "chipmakers"),  # rare (1.3), but the plural of "chipmaker" (1.61)
        ("Citylevel", "Citylevel"),  # capitalised: maybe a name
        ("5glevel", "5glevel"),  # digits
        ("transportation", "transportation"),
        ("buses", "buses"),
    ],
)
def test_split_glued_compound(word: str, expected: str) -> None:
    assert split_glued_compound(word) == expected


def test_repair_words_records_each_change() -> None:
    paragraphs, repairs = repair_words(
        ["The new trans-portation card and lowfloor buses cost less year-onyear."]
    )
    assert paragraphs == ["The new transportation card and low-floor buses cost less year-on-year."]
    assert repairs == [
        Repair("dehyphenate", "trans-portation", "transportation"),
        Repair("rehyphenate", "lowfloor", "low-floor"),
        Repair("rehyphenate", "year-onyear", "year-on-year"),
    ]


# --- 4. stitching fragments ------------------------------------------------------------------


def test_continuation_score() -> None:
    # A hyphen head whose rejoined word is in the dictionary is strong evidence.
    assert continuation_score("The city plans to ex-", "tend the service.") > 10
    assert continuation_score("The city plans to ex-", "buses run late.") == 0
    # A finished sentence is no head; an uppercase paragraph is no tail.
    assert continuation_score("Buses run late.", "and trams too.", adjacent=True) == 0
    assert continuation_score("Buses run late and", "Trams too.", adjacent=True) == 0
    # A word fragment cannot follow a whole word.
    assert continuation_score("The city said", "portation is free.", adjacent=True) == 0
    # The next paragraph alone is enough; a far one needs the words to meet elsewhere.
    assert continuation_score("The bus left the", "depot at noon.", adjacent=True) == 2.0
    assert continuation_score("The bus left the", "depot at noon.") == 0


def test_stitch_fragments_joins_words_chains_and_leaves_orphans() -> None:
    paragraphs = [
        "Buses now run every five minutes on the riverside routes, according to the city.",
        "The city plans to ex-",
        "The new depot opened on the",
        "tend the night service next spring, according",
        "to the city.",
        "riverside in March.",
        "parking rules were also changed",
    ]
    assert match_fragments(paragraphs) == {1: 3, 3: 4, 2: 5}
    stitched, repairs = stitch_fragments(paragraphs)
    assert stitched == [
        "Buses now run every five minutes on the riverside routes, according to the city.",
        # "ex-" + "tend": a dictionary word; the result still ends mid-sentence and takes the
        # next paragraph too ("according to" occurs elsewhere).
        "The city plans to extend the night service next spring, according to the city.",
        # "on the riverside" occurs in the first paragraph.
        "The new depot opened on the riverside in March.",
        # no evidence for any head: left alone
        "parking rules were also changed",
    ]
    assert [r.rule for r in repairs] == ["stitch"] * 3
    assert repairs[0] == Repair(
        "stitch",
        "The city plans to ex-\n\ntend the night service next spring,",
        "The city plans to extend the night service next spring,",
    )


def test_stitch_keeps_hyphen_of_a_compound_used_elsewhere() -> None:
    stitched, _ = stitch_fragments(
        ["The long-term plan is set.", "The city drew up a long-", "term bus plan."]
    )
    assert stitched == ["The long-term plan is set.", "The city drew up a long-term bus plan."]


def test_stitch_never_builds_a_cycle() -> None:
    # Each paragraph could continue the other ("con-" + "nect", "ex-" + "tend"); only the
    # better pair is taken, the other would close a loop.
    stitched, repairs = stitch_fragments(
        ["tend the line to the depot and con-", "nect the depot to the city and ex-"]
    )
    assert stitched == ["tend the line to the depot and connect the depot to the city and ex-"]
    assert len(repairs) == 1


# --- 5. block kinds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("A tram crosses the bridge. ANNA LEE / FOR CITY HERALD", "caption"),
        ("A tram crosses the bridge. ANNA LEE / CITY HERALD", "caption"),
        ("A tram crosses the bridge. PROVIDED TO CITY HERALD", "caption"),
        ("ANNA LEE / FOR CITY HERALD", "caption"),
        ("By JANE ROE", "byline"),
        ("By JANE ROE and MARK DOE", "byline"),
        ("By the end of the year", "body"),
        ("The route was approved by the US DOT", "body"),
        ("CITY NEWS", "body"),
        ("Buses run every five minutes.", "body"),
    ],
)
def test_classify_block(text: str, kind: str) -> None:
    assert classify_block(text) == kind


def test_split_captions_after_a_credit() -> None:
    joined = (
        "Left: A tram at dawn. ANNA LEE / FOR CITY HERALD "
        "Right: A bus depot. MARK DOE / CITY HERALD"
    )
    paragraphs, repairs = split_captions([joined, "Buses run. They are FULL TODAY Mostly."])
    assert paragraphs == [
        "Left: A tram at dawn. ANNA LEE / FOR CITY HERALD",
        "Right: A bus depot. MARK DOE / CITY HERALD",
        "Buses run. They are FULL TODAY Mostly.",
    ]
    assert [r.rule for r in repairs] == ["split-caption"]


def test_complete_truncated_credits() -> None:
    paragraphs, repairs = complete_credits(
        [
            "A tram at dawn. ANNA LEE / FOR CITY HERALD",
            "A bus depot. MARK DOE / CITY HERAL'",
            "A new ticket machine. PROVIDED TO CITY HER",
            "A driver. PROVIDED TO TOWN GAZETTE",
        ]
    )
    assert paragraphs == [
        "A tram at dawn. ANNA LEE / FOR CITY HERALD",
        "A bus depot. MARK DOE / CITY HERALD",
        "A new ticket machine. PROVIDED TO CITY HERALD",
        "A driver. PROVIDED TO TOWN GAZETTE",  # no outlet it could be cut from
    ]
    assert repairs == [
        Repair("credit", "MARK DOE / CITY HERAL'", "MARK DOE / CITY HERALD"),
        Repair("credit", "PROVIDED TO CITY HER", "PROVIDED TO CITY HERALD"),
    ]


def test_find_headline_skips_fragments_and_takes_standfirst() -> None:
    paragraphs = [
        "A tram at dawn. ANNA LEE / FOR CITY HERALD",
        "The bureau said the plan is to",
        "Riverside buses get faster",
        "A bus depot. MARK DOE / CITY HERALD",
        "Route changes cut waiting times across the city",
        "Buses run every five minutes.",
    ]
    kinds = [classify_block(p) for p in paragraphs]
    assert find_headline(paragraphs, kinds) == (2, 4)
    # A paragraph the stitcher found to be the first half of a sentence is no title.
    assert find_headline(paragraphs, kinds, fragments=[2]) == (4, -1)
    assert find_headline(["Buses run.", "Trams run."], ["body", "body"]) == (-1, -1)


def test_order_blocks() -> None:
    items = [
        ("caption", "c1"),
        ("body", "b1"),
        ("headline", "h"),
        ("body", "b2"),
        ("byline", "by"),
        ("standfirst", "s"),
        ("caption", "c2"),
    ]
    assert [text for _, text in order_blocks(items)] == ["h", "s", "by", "b1", "b2", "c1", "c2"]


# --- 6. the whole pipeline on a made-up page ---------------------------------------------------

PAGE = """\
Left: A new electric bus waits at the Riverside depot. ANNA LEE / FOR CITY HERALD \
Right: Commuters board a tram downtown. MARK DOE / CITY HERAL'

By JANE ROE

The city's bus network carried 2.4 million riders last month, according to the transport \
bureau, a rise of 12 percent year-on-year.

Officials said the low-cost fares and the new trans-portation card drew riders back. The \
bureau plans to con-

Riverside buses get faster

Route changes cut waiting times across the city

nect every district to the network by 2027, according

to the transport bureau.

The fleet now includes 300 electric buses, and the bureau said it will buy 200 more. The \
energysaving buses cost \\$2 million in total.

A driver checks a charging station at the depot. PROVIDED TO CITY HERALD
"""


def test_clean_text_on_a_made_up_page() -> None:
    text, blocks, repairs = clean_text(PAGE)
    assert text == (
        "Riverside buses get faster\n\n"
        "Route changes cut waiting times across the city\n\n"
        "By JANE ROE\n\n"
        "The city's bus network carried 2.4 million riders last month, according to the "
        "transport bureau, a rise of 12 percent year-on-year.\n\n"
        "Officials said the low-cost fares and the new transportation card drew riders back. "
        "The bureau plans to connect every district to the network by 2027, according to the "
        "transport bureau.\n\n"
        "The fleet now includes 300 electric buses, and the bureau said it will buy 200 more. "
        "The energy-saving buses cost $2 million in total.\n\n"
        "Left: A new electric bus waits at the Riverside depot. ANNA LEE / FOR CITY HERALD\n\n"
        "Right: Commuters board a tram downtown. MARK DOE / CITY HERALD\n\n"
        "A driver checks a charging station at the depot. PROVIDED TO CITY HERALD"
    )
    assert [b.kind for b in blocks] == [
        "headline",
        "standfirst",
        "byline",
        "body",
        "body",
        "body",
        "caption",
        "caption",
        "caption",
    ]
    assert [r.rule for r in repairs if r.rule != "reorder"] == [
        "unescape",
        "split-caption",
        "credit",
        "stitch",
        "stitch",
        "dehyphenate",
        "rehyphenate",
    ]
    assert_offsets(text, blocks)


def assert_offsets(text: str, blocks: list[Block]) -> None:
    pieces = [text[b.start : b.end] for b in blocks]
    assert "\n\n".join(pieces) == text
    for piece in pieces:
        assert piece
        assert piece == piece.strip()
        assert "\n\n" not in piece


# --- the real seed ---------------------------------------------------------------------------


def test_seed_reads_as_the_printed_article() -> None:
    text, blocks, repairs = clean_text(SEED.read_text(encoding="utf-8"))
    assert_offsets(text, blocks)
    for phrase in [
        "Shanxi became the first provincial-level region in China in 2024 to subsidize all "
        "nonprofit child care institutions that offer services to children under the age of 3.",
        "The report said that Shanxi now has a total of 268 smart coal mines, ranking it first "
        "nationwide.",
        "most challenging mission",
        "garnered accolades",
        "cutting-edge technologies",
        "year-on-year GDP increase",
        "$21.91 billion",
        "high-tech",
        "coal-based",
        "the opening day of the conference.",
        "The purpose of the lab is to provide a key test platform",
        "on the Yanggao test line in August.",
        "electricity generation and transmission;",
        "a focus of the government work report",
        "according to the work report.",
        "the digital economy",
    ]:
        assert phrase in text
    for fragment in ["sub-", "chal-", "gar-", "gov-", "genera-", "digi-", "\\$", "DAIL'"]:
        assert fragment not in text
    assert "CHINA DAIL " not in text and not text.endswith("CHINA DAIL")

    kinds = block_texts(text, blocks)
    assert [t for k, t in kinds if k == "headline"] == [
        "Tech gains in Shanxi set pace for steady future"
    ]
    assert [t for k, t in kinds if k == "standfirst"] == [
        "Government work report hails progress in green energy, digital economy and welfare"
    ]
    assert [t for k, t in kinds if k == "byline"] == ["By YUAN SHENGGAO"]
    captions = [t for k, t in kinds if k == "caption"]
    assert len(captions) >= 6
    assert (
        "Right: A huge solar farm in the county of Tianzhen in northern Shanxi. "
        "TIAN ZHONG / FOR CHINA DAILY"
    ) in captions
    assert all(c.endswith("CHINA DAILY") for c in captions)
    # headline, standfirst, byline, body..., captions
    order = [k for k, _ in kinds]
    assert order[:3] == ["headline", "standfirst", "byline"]
    assert order == sorted(order, key=["headline", "standfirst", "byline", "body", "caption"].index)
    assert kinds[3][1].startswith("Shanxi maintained sustainable socioeconomic development")
    assert kinds[-1][1].startswith("The first cargo train between Shanxi's Changzhi city")

    rules = {r.rule for r in repairs}
    assert {"unescape", "split-caption", "credit", "stitch", "dehyphenate", "rehyphenate"} <= rules
    assert sum(r.rule == "stitch" for r in repairs) == 7
    assert [(r.before, r.after) for r in repairs if r.rule in ("dehyphenate", "rehyphenate")] == [
        ("provinciallevel", "provincial-level"),
        ("gar-nered", "garnered"),
        ("cuttingedge", "cutting-edge"),
        ("chal-lenging", "challenging"),
        ("year-onyear", "year-on-year"),
        ("digi-tal", "digital"),
    ]
    assert [r.after for r in repairs if r.rule == "credit"] == [
        "KONG LEI / FOR CHINA DAILY",
        "PROVIDED TO CHINA DAILY",
    ]


# --- files and folders -----------------------------------------------------------------------


def test_load_document(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text("Buses run\r\n\r\nevery day.\n", encoding="utf-8")
    document = load_document(path, "corpus/page.txt")
    assert document.source == "corpus/page.txt"
    assert document.text == "Buses run every day."
    assert document.blocks == [Block("body", 0, 20)]
    assert [r.rule for r in document.repairs] == ["newline", "stitch"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty or blank"),
        (b"  \n\n\t", "empty or blank"),
        (b"abc\x00def", "binary"),
        (b"caf\xe9 au lait", "not valid UTF-8"),
    ],
)
def test_load_document_rejects_bad_files(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(IngestError) as caught:
        load_document(path, "corpus/bad.txt")
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_load_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "pages"
    corpus.mkdir()
    (corpus / "b.md").write_text("Trams run.", encoding="utf-8")
    (corpus / "a.txt").write_text("Buses run.", encoding="utf-8")
    (corpus / "c.txt").write_bytes(b"")
    (corpus / "d.txt").write_bytes(b"\x00\x01")
    (corpus / "e.txt").write_bytes(b"\xff\xfe")
    (corpus / "f.txt").write_text("x" * 200, encoding="utf-8")
    (corpus / "notes.csv").write_text("a,b", encoding="utf-8")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "g.txt").write_text("Nested.", encoding="utf-8")
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 100)

    documents, warnings = load_corpus(corpus)
    assert [(d.source, d.text) for d in documents] == [
        ("pages/a.txt", "Buses run."),
        ("pages/b.md", "Trams run."),
    ]
    assert len(warnings) == 4
    for name, warning in zip(["c.txt", "d.txt", "e.txt", "f.txt"], warnings, strict=True):
        assert name in warning
        assert "\n" not in warning
    assert "MB limit" in warnings[3]


def test_load_corpus_rejects_missing_or_non_folder(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        load_corpus(tmp_path / "missing")
    file = tmp_path / "page.txt"
    file.write_text("Buses run.", encoding="utf-8")
    with pytest.raises(IngestError, match="is not a folder"):
        load_corpus(file)


# --- properties ------------------------------------------------------------------------------

_PIECES = st.one_of(
    st.sampled_from(
        [
            "bus",
            "Bus",
            "the",
            "of",
            "trans-",
            "portation",
            "-",
            "--",
            "lowfloor",
            "year-onyear",
            "By",
            "JANE",
            "ROE",
            "/",
            "FOR",
            "CITY HERAL'",
            "according",
            "to",
            "A",
            "I",
        ]
    ),
    st.text(alphabet="abcXYZ.,;:!?'\"-/\\$()", min_size=1, max_size=6),
)
_SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\n \n\n", "\r\n\r\n", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PIECES, _SEPARATORS), max_size=40))
def test_clean_text_never_breaks_offsets(parts: list[tuple[str, str]]) -> None:
    raw = "".join(piece + sep for piece, sep in parts)
    text, blocks, repairs = clean_text(raw)
    assert_offsets(text, blocks)
    assert all(isinstance(r, Repair) for r in repairs)
    assert bool(blocks) == bool(raw.strip())


def test_words_inside_markup_are_left_as_written() -> None:
    from shanxi_qa.documents.ingest import clean_text

    raw = 'The page showed <img src=x onerror="alert(1)"> as text, and the onerror handler.\n'
    text, _, repairs = clean_text(raw)
    assert '<img src=x onerror="alert(1)">' in text
    # A text without a printed page's damage keeps its words: "onerror" stays one word.
    assert "onerror handler" in text
    assert repairs == []

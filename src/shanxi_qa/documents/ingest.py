"""Turn a damaged text extraction of a printed newspaper page into a cleaned document.

Text pulled out of a printed page arrives with typical damage: words broken at a line end
keep their hyphen, some compounds lose theirs, photo captions sit between body paragraphs,
the page's columns are read out of order so sentences are cut in two, and punctuation may be
backslash-escaped. Every repair here is a general rule driven by word frequencies
(``wordfreq``) and by evidence found in the document itself, and every change is recorded as
a :class:`~shanxi_qa.records.Repair` so it stays visible.

Pipeline (see :func:`clean_text`):

1. normalise line endings, unescape punctuation, collapse spaces, split into paragraphs;
2. split paragraphs that hold more than one photo caption, complete truncated credits;
3. tag captions and bylines, pick the headline and standfirst;
4. stitch sentence fragments that the column order tore apart;
5. repair words: drop line-break hyphens, restore lost compound hyphens (only in a text
   that shows a printed page's damage, see :func:`shows_print_damage`; any other text
   keeps its words and its paragraph order);
6. order the blocks as the printed article reads: headline, standfirst, byline, body, captions."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from shanxi_qa.documents.paragraphs import (
    FLOW,
    FRONT_MATTER,
    KIND_RANK,
    TITLE_SEARCH_PARAGRAPHS,
    Paragraph,
    classify_block,
    complete_credits,
    find_headline,
    split_captions,
)
from shanxi_qa.documents.repair import repair_words, shows_print_damage
from shanxi_qa.documents.stitch import NgramCounts, makes_word, pair_fragments, stitch_chains
from shanxi_qa.documents.words import snippet, token_around, word_counts
from shanxi_qa.records import Block, BlockKind, Repair

_ESCAPED_PUNCT_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


_SPACE_RUN_RE = re.compile(r"[ \t\f\v\u00a0]{2,}|[\t\f\v\u00a0]")


_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t\f\v\u00a0]*\n\s*")


_LINE_END_PIECE_RE = re.compile(r"([A-Za-z]+)-$")


_LINE_START_PIECE_RE = re.compile(r"[a-z]+")


def join_line_break(left: str, right: str, words: Mapping[str, int]) -> bool:
    """Whether a word hyphenated at a line end (``left`` + "-" + newline + ``right``) is one
    word broken by the typesetter (True: drop the hyphen) or a compound (False: keep it).

    The document decides first: a compound it writes with the hyphen elsewhere keeps it
    ("well-known"), a word it writes joined elsewhere is joined. Otherwise the pieces are
    joined when they make a dictionary word ("week" + "ends"; see :func:`is_broken_word`
    for rarer words whose pieces are no words), and the hyphen stays when they do not.
    ``words`` are the document's :func:`word_counts`.
    """
    if words.get(f"{left}-{right}".lower(), 0) > 0:
        return False
    if words.get(f"{left}{right}".lower(), 0) > 0:
        return True
    return makes_word(left.lower(), right.lower())


def normalise_paragraph(
    paragraph: str, repairs: list[Repair], words: Mapping[str, int] | None = None
) -> str:
    """One paragraph of :func:`normalise_text`: unescaped, its lines joined, spaces collapsed;
    the changes are appended to ``repairs``.

    A word hyphenated at a line end is joined or keeps its hyphen as
    :func:`join_line_break` decides, with ``words`` (the whole document's
    :func:`word_counts`; the paragraph's own when ``None``) as the evidence. Pieces around a
    line-end hyphen that are not both lowercase letters ("UTF-" + "8", "China-" + "Europe")
    are kept together with their hyphen.
    """
    for match in _ESCAPED_PUNCT_RE.finditer(paragraph):
        token = token_around(paragraph, match.start(), match.end())
        repairs.append(Repair("unescape", token, _ESCAPED_PUNCT_RE.sub(r"\1", token)))
    paragraph = _ESCAPED_PUNCT_RE.sub(r"\1", paragraph)

    if "\n" in paragraph:
        if words is None:
            words = word_counts(paragraph)
        lines = re.split(r"[ \t]*\n[ \t]*", paragraph)
        paragraph = lines[0]
        for line in lines[1:]:
            before = f"{snippet(paragraph, 1, from_end=True)}\n{snippet(line, 1)}"
            left = _LINE_END_PIECE_RE.search(paragraph)
            right = _LINE_START_PIECE_RE.match(line)
            if left and right and right.end() > 0:
                # A word broken at the line end ("week-" + "ends").
                if join_line_break(left.group(1), right.group(0), words):
                    repairs.append(Repair("dehyphenate", before, before.replace("-\n", "")))
                    paragraph = f"{paragraph[:-1]}{line}"
                else:
                    repairs.append(Repair("whitespace", before, before.replace("\n", "")))
                    paragraph = f"{paragraph}{line}"
                continue
            # A hyphen between letters or digits at the line end joins two parts of one
            # token ("UTF-" + "8"); a spaced dash or any other line end is a space.
            inside_word = re.search(r"[A-Za-z0-9]-$", paragraph) and line[:1].isalnum()
            separator = "" if inside_word else " "
            repairs.append(Repair("whitespace", before, before.replace("\n", separator)))
            paragraph = f"{paragraph}{separator}{line}"

    for match in _SPACE_RUN_RE.finditer(paragraph):
        before = token_around(paragraph, match.start(), match.end())
        if match.start() > 0 and match.end() < len(paragraph):
            repairs.append(Repair("whitespace", before, _SPACE_RUN_RE.sub(" ", before)))
    return _SPACE_RUN_RE.sub(" ", paragraph).strip()


def normalise_text(raw: str) -> tuple[list[str], list[Repair]]:
    """Split ``raw`` into clean paragraphs.

    Line endings become ``\\n``; paragraphs are separated by one or more blank lines; inside a
    paragraph, backslash-escaped punctuation is unescaped (``\\$`` -> ``$``), single line
    breaks become spaces (a word hyphenated at a line end is joined or kept, see
    :func:`join_line_break`, on the evidence of the whole text), runs of spaces/tabs
    collapse to one space, and the ends are stripped. Empty paragraphs are dropped.
    """
    repairs: list[Repair] = []
    if "\r" in raw:
        repairs.append(Repair("newline", "\\r\\n", "\\n"))
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    words = word_counts(raw)
    paragraphs = []
    for chunk in _PARAGRAPH_BREAK_RE.split(raw):
        paragraph = normalise_paragraph(chunk.strip(), repairs, words)
        if paragraph:
            paragraphs.append(paragraph)
    return paragraphs, repairs


def clean_text(raw: str) -> tuple[str, list[Block], list[Repair]]:
    """Clean a raw page extraction.

    Returns the cleaned text (the blocks' texts joined by a blank line), the blocks with
    their kinds and offsets (``text[block.start:block.end]`` is the block's text), and every
    repair made, in the order the rules ran.
    """
    paragraphs, repairs = normalise_text(raw)
    return clean_paragraphs([Paragraph(text) for text in paragraphs], repairs)


def _split_caption_paragraphs(
    paragraphs: Sequence[Paragraph],
) -> tuple[list[Paragraph], list[Repair]]:
    out: list[Paragraph] = []
    repairs: list[Repair] = []
    for paragraph in paragraphs:
        if paragraph.kind not in (None, "caption"):
            out.append(paragraph)
            continue
        pieces, found = split_captions([paragraph.text])
        repairs += found
        out.extend(replace(paragraph, text=piece) for piece in pieces)
    return out, repairs


def clean_paragraphs(
    paragraphs: Sequence[Paragraph], repairs: Sequence[Repair] = (), *, repair: bool = True
) -> tuple[str, list[Block], list[Repair]]:
    """Clean a document that a reader has split into paragraphs, as :func:`clean_text` does.

    With ``repair`` (a plain-text file, a PDF) captions are split and credits completed,
    kinds are read from the text where the reader gave none, and a paragraph that stops
    mid-sentence is joined with the next one when that one goes on in lowercase (a sentence
    cut by a page or column break). Only a text that shows the damage of a printed page's
    extraction (:func:`shows_print_damage`) goes through the rest: cut sentences are
    stitched to tails found further on, and words are repaired (:func:`repair_words`).
    Every other text keeps its words as written. Without ``repair`` (HTML and Markdown)
    only the kinds and the order are decided.

    The order is the printed article's: headline, standfirst and byline first, then, page by
    page, the running text (body paragraphs and section headings, in reading order) followed
    by that page's captions. A stitched paragraph belongs to the page where it starts.
    ``repairs`` are those the reader made, kept in front of the rest.
    """
    repairs = list(repairs)
    items = list(paragraphs)
    if repair:
        items, found = _split_caption_paragraphs(items)
        repairs += found
        texts, found = complete_credits([p.text for p in items])
        repairs += found
        items = [replace(p, text=text) for p, text in zip(items, texts, strict=True)]
    texts = [p.text for p in items]
    pages = [p.page for p in items]
    kinds: list[BlockKind] = [p.kind or classify_block(p.text) for p in items]

    # The evidence for the stitcher and the word rules: the whole document.
    counts = NgramCounts.from_texts(texts) if repair else None
    # A text without the damage is read in its own order and with its own words.
    damaged = repair and shows_print_damage(texts)
    if counts is not None and "headline" not in kinds:
        # A title is never the first half of a cut sentence: match fragments once with every
        # body paragraph in play, and let only paragraphs that took no tail become titles.
        # The real stitching runs below without the titles, which often sit between two
        # halves.
        body_at = [i for i, kind in enumerate(kinds) if kind == "body"]
        heads = pair_fragments([texts[i] for i in body_at], counts, adjacent_only=not damaged)
        searched = len(items)
        if pages and pages[0] is not None:
            # A paged document's title stands at the top of its first page, not wherever a
            # short line happens to be.
            searched = min(TITLE_SEARCH_PARAGRAPHS, pages.count(pages[0]))
        headline, standfirst = find_headline(
            texts[:searched], kinds[:searched], fragments={body_at[h] for h in heads}
        )
        if headline >= 0:
            kinds[headline] = "headline"
        if standfirst >= 0:
            kinds[standfirst] = "standfirst"

    body_at = [i for i, kind in enumerate(kinds) if kind == "body"]
    if counts is not None:
        chains, found = stitch_chains(
            [texts[i] for i in body_at], counts, adjacent_only=not damaged
        )
        repairs += found
        stitched = {body_at[first]: text for first, text in chains}
    else:
        stitched = {i: texts[i] for i in body_at}
    # (kind, text, page) in reading order; a body paragraph merged into an earlier one is gone.
    flow = [
        (kinds[i], stitched[i] if kinds[i] == "body" else texts[i], pages[i])
        for i in range(len(items))
        if kinds[i] == "heading" or i in stitched
    ]
    others = [(kinds[i], texts[i], pages[i]) for i in range(len(items)) if kinds[i] not in FLOW]

    placed = [*others, *flow]
    if damaged:
        fixed, found = repair_words([text for _, text, _ in placed])
        repairs += found
        placed = [(kind, text, page) for (kind, _, page), text in zip(placed, fixed, strict=True)]
    others, flow = placed[: len(others)], placed[len(others) :]

    front = sorted(
        (item for item in others if item[0] in FRONT_MATTER), key=lambda item: KIND_RANK[item[0]]
    )
    ordered = list(front)
    for number in sorted({page or 0 for _, _, page in placed}):
        ordered += [item for item in flow if (item[2] or 0) == number]
        ordered += [item for item in others if item[0] == "caption" and (item[2] or 0) == number]

    # Record the blocks that moved across body text: headline, standfirst and byline found
    # after body paragraphs, captions found before body paragraphs of their page.
    for i, kind in enumerate(kinds):
        if kind in FLOW or not body_at:
            continue
        if kind == "caption":
            moved = any(j > i and pages[j] == pages[i] for j in body_at)
        else:
            moved = body_at[0] < i
        if moved:
            where = "after the body" if kind == "caption" else "before the body"
            repairs.append(Repair("reorder", snippet(texts[i], 8), f"{kind} {where}"))

    blocks: list[Block] = []
    pieces: list[str] = []
    offset = 0
    for kind, text, page in ordered:
        if pieces:
            offset += 2
        blocks.append(Block(kind, offset, offset + len(text), page))
        pieces.append(text)
        offset += len(text)
    return "\n\n".join(pieces), blocks, repairs

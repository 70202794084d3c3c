"""The kinds of a document's paragraphs: headline, standfirst, byline, captions and credits, body."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shanxi_qa.documents.words import ends_sentence
from shanxi_qa.language.vocabulary import UNFINISHED_ENDINGS
from shanxi_qa.records import BlockKind, Repair

HEADLINE_MAX_WORDS = 12


STANDFIRST_MAX_WORDS = 30


# In a document with pages, the headline and standfirst are among the first paragraphs
# of the first page.
TITLE_SEARCH_PARAGRAPHS = 4


# An all-caps word of two or more characters ("KONG", "DAIL'", "O'NEIL"); single capitals
# such as the article "A" are excluded so a credit never swallows the next sentence's start.
_CAPS_WORD = r"[A-Z][A-Z'’.\-]*[A-Z'’]"


# A photo credit: a run of at least two all-caps words, possibly with " / " separators
# ("KONG LEI / FOR CHINA DAILY", "PROVIDED TO CHINA DAILY").
_CREDIT = rf"{_CAPS_WORD}(?:(?: /)? {_CAPS_WORD})+"


# A credit closes a caption sentence, so it follows terminal punctuation; a paragraph that
# is nothing but a credit must hold the " / " of "NAME / OUTLET" (an all-caps line alone
# could be a heading).
_CREDIT_END_RE = re.compile(rf"(?:(?<=[.!?\"”’)] )|^(?=[^a-z]* / ))(?P<credit>{_CREDIT})$")


# Two captions run together: a credit followed by another capitalised sentence.
_CREDIT_SPLIT_RE = re.compile(rf"(?<=[.!?\"”’)] )(?P<credit>{_CREDIT}) (?=[A-Z][a-z])")


_BYLINE_RE = re.compile(rf"^By {_CAPS_WORD}(?: (?:{_CAPS_WORD}|and|AND|&))*$")


def split_captions(paragraphs: Sequence[str]) -> tuple[list[str], list[Repair]]:
    """Split a paragraph after a photo credit when another capitalised sentence follows.

    ``"Left: A mine. KONG LEI / FOR CHINA DAILY Right: A farm. TIAN ZHONG / FOR CHINA DAILY"``
    becomes two paragraphs, one caption each. Only paragraphs that end in a credit
    themselves are split, so body text is never cut.
    """
    out: list[str] = []
    repairs: list[Repair] = []
    for paragraph in paragraphs:
        if not _CREDIT_END_RE.search(paragraph):
            out.append(paragraph)
            continue
        pieces = []
        start = 0
        for match in _CREDIT_SPLIT_RE.finditer(paragraph):
            pieces.append(paragraph[start : match.end("credit")].strip())
            start = match.end("credit") + 1
        pieces.append(paragraph[start:].strip())
        pieces = [piece for piece in pieces if piece]
        if len(pieces) > 1:
            repairs.append(Repair("split-caption", paragraph, "\n\n".join(pieces)))
        out.extend(pieces)
    return out, repairs


def _credit_of(paragraph: str) -> str | None:
    match = _CREDIT_END_RE.search(paragraph)
    return match.group("credit") if match else None


def _publication(credit: str) -> str | None:
    """The outlet a credit names: the part after the last " / ", without a leading "FOR "."""
    if " / " not in credit:
        return None
    name = credit.rsplit(" / ", 1)[1]
    return name[4:] if name.startswith("FOR ") else name


def complete_credits(paragraphs: Sequence[str]) -> tuple[list[str], list[Repair]]:
    """Complete credits cut short at the page edge ("CHINA DAIL'" -> "CHINA DAILY").

    The outlets a document credits are read from its ``"NAME / [FOR ]OUTLET"`` credits. A
    credit whose ending, stripped of stray punctuation, is a proper prefix (at least half) of
    an outlet credited elsewhere in the document is completed to that outlet. When the
    ending also fits other outlets (or already is one), the outlet credited most often
    elsewhere wins, and a tie leaves the credit alone.
    """
    credits = [_credit_of(paragraph) for paragraph in paragraphs]
    outlets: Counter[str] = Counter()
    for credit in credits:
        outlet = _publication(credit) if credit else None
        if outlet:
            outlets[outlet.rstrip("'’.-")] += 1
    # An outlet that is the start of another one is itself a truncated credit.
    for outlet in list(outlets):
        if any(other != outlet and other.startswith(outlet) for other in outlets):
            del outlets[outlet]

    out: list[str] = []
    repairs: list[Repair] = []
    for paragraph, credit in zip(paragraphs, credits, strict=True):
        if credit is None:
            out.append(paragraph)
            continue
        stem = credit.rstrip("'’.-")
        own = _publication(stem)
        options: list[tuple[int, str, str]] = []  # (times credited elsewhere, outlet, ending)
        for outlet, count in outlets.items():
            elsewhere = count - (outlet == own)
            if elsewhere <= 0:
                continue
            for cut in range(len(outlet), max(len(outlet) // 2, 3) - 1, -1):
                ending = outlet[:cut]
                boundary = len(stem) - cut - 1
                if stem.endswith(ending) and (boundary < 0 or stem[boundary] in " /"):
                    options.append((elsewhere, outlet, ending))
                    break
        options.sort(reverse=True)
        if not options or (len(options) > 1 and options[0][0] == options[1][0]):
            out.append(paragraph)
            continue
        _, outlet, ending = options[0]
        fixed = stem[: len(stem) - len(ending)] + outlet
        if fixed == credit:
            out.append(paragraph)
            continue
        repairs.append(Repair("credit", credit, fixed))
        out.append(paragraph[: len(paragraph) - len(credit)] + fixed)
    return out, repairs


def classify_block(text: str) -> BlockKind:
    """The kind a paragraph has on its own: ``caption``, ``byline`` or ``body``.

    A caption ends in a photo credit (a run of all-caps words such as
    ``"NAME / FOR CHINA DAILY"`` or ``"PROVIDED TO CHINA DAILY"``) after a finished sentence; a
    byline is ``"By"`` followed by an all-caps name. Headline and standfirst depend on the
    paragraph's position, see :func:`find_headline`.
    """
    if _BYLINE_RE.match(text):
        return "byline"
    if _CREDIT_END_RE.search(text):
        return "caption"
    return "body"


def _is_title_like(text: str, max_words: int) -> bool:
    """Short, capitalised, unpunctuated, and not visibly cut off mid-sentence."""
    words = text.split()
    if not words or len(words) > max_words or not text[0].isupper():
        return False
    if ends_sentence(text) or text.endswith(("-", ",", ";", ":")):
        return False
    if re.search(r"[.!?] ", text):  # more than one sentence
        return False
    return words[-1].lower() not in UNFINISHED_ENDINGS


def find_headline(
    paragraphs: Sequence[str], kinds: Sequence[BlockKind], fragments: Iterable[int] = ()
) -> tuple[int, int]:
    """Indices of the headline and the standfirst (-1 when there is none).

    The headline is the first body paragraph of at most 12 words that starts with a capital,
    has no terminal punctuation and does not end in a function word or a hyphen (those are
    sentence fragments, left to the stitcher). The standfirst is a short unpunctuated
    paragraph right after it (captions in between are skipped). Paragraphs listed in
    ``fragments`` (first halves of cut sentences, as the stitcher found them) are neither.
    """
    skip = set(fragments)

    def title_like(i: int, max_words: int) -> bool:
        return kinds[i] == "body" and i not in skip and _is_title_like(paragraphs[i], max_words)

    headline = next((i for i in range(len(paragraphs)) if title_like(i, HEADLINE_MAX_WORDS)), -1)
    if headline < 0:
        return -1, -1
    for i in range(headline + 1, len(paragraphs)):
        if kinds[i] == "caption":
            continue
        if title_like(i, STANDFIRST_MAX_WORDS):
            return headline, i
        break
    return headline, -1


KIND_RANK: dict[BlockKind, int] = {
    "headline": 0,
    "standfirst": 1,
    "byline": 2,
    "heading": 3,
    "body": 3,
    "caption": 4,
}


FRONT_MATTER: frozenset[BlockKind] = frozenset({"headline", "standfirst", "byline"})


# Kinds that stay in the running text where the reader found them; the rest is moved.
FLOW: frozenset[BlockKind] = frozenset({"heading", "body"})


def order_blocks(items: Sequence[tuple[BlockKind, str]]) -> list[tuple[BlockKind, str]]:
    """Order blocks as the printed article reads: headline, standfirst, byline, body, captions.

    The sort is stable, so blocks of the same kind keep their relative order; a section
    heading stays among the body paragraphs it heads.
    """
    return sorted(items, key=lambda item: KIND_RANK[item[0]])


@dataclass(frozen=True)
class Paragraph:
    """A paragraph as a format reader found it, before cleaning.

    ``kind`` is what the page layout or the markup says the paragraph is (a PDF's largest
    type, an HTML ``<h1>``, text under a picture); ``None`` leaves it to the text rules
    (:func:`classify_block`, :func:`find_headline`). ``page`` is the 1-based page it stands
    on, ``None`` for formats without pages.
    """

    text: str
    kind: BlockKind | None = None
    page: int | None = None


# A byline as web pages and PDFs write it: "By Jane Roe and John Doe", "By A. Smith, B. Jones".
_WRITTEN_BYLINE_RE = re.compile(r"^By\s+[A-Z][\w'’.\-]*(?:,?\s+(?:[A-Z][\w'’.\-]*|and|&))*$")


def byline_like(text: str) -> bool:
    """A short line that reads as a byline (the readers of PDF, HTML and Markdown)."""
    return len(text.split()) <= 10 and _WRITTEN_BYLINE_RE.match(text) is not None

"""Words a page extraction damaged, repaired only in a text that shows the damage: broken words, lost compound hyphens, glued words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from shanxi_qa.documents.words import (
    FRAGMENT_ZIPF,
    GLUED_ZIPF,
    HYPHEN_END_RE,
    RARE_WORD_ZIPF,
    WORD_ZIPF,
    word_list,
    zipf,
)
from shanxi_qa.records import Repair

# A text shows a printed page's lost hyphens (see shows_print_damage) when it has at least
# this many signs of it, and at least one per this many words.
DAMAGE_MIN_SIGNS = 2


DAMAGE_WORDS_PER_SIGN = 1000


def is_broken_word(left: str, right: str) -> bool:
    """True when ``left + right`` is one word broken in two rather than two words.

    Join when the joined word is a dictionary word (zipf >= 3.0) that is more common than the
    rarer of its parts ("chal" + "lenging"; "high" + "tech" stays apart because "hightech" is
    rare). A part that is no word at all ("sidize", zipf < 1.5) leaves the joined word as the
    only reading, so a rarer dictionary word (zipf >= 2.0, e.g. "subsidize") is accepted too.
    """
    if not (left.isalpha() and right.isalpha()):
        return False
    joined = zipf(left + right)
    weaker = min(zipf(left), zipf(right))
    if joined >= WORD_ZIPF and joined > weaker:
        return True
    return joined >= RARE_WORD_ZIPF and weaker < FRAGMENT_ZIPF


@lru_cache(maxsize=65536)
def dehyphenate_word(word: str) -> str:
    """Drop a line-break hyphen from a two-part word: ``"chal-lenging"`` -> ``"challenging"``.

    Both parts must be letters, the second lowercase and the first lowercase apart from its
    first letter (so "China-Europe" stays); the case of the first letter is kept. Real
    compounds ("high-tech", "long-term") stay because the joined form is rare; see
    :func:`is_broken_word`.
    """
    parts = word.split("-")
    if len(parts) != 2:
        return word
    left, right = parts
    if not (left.isalpha() and right.isalpha() and right.islower() and left[1:].islower()):
        return word
    return left + right if is_broken_word(left, right) else word


def _split_piece(piece: str) -> str:
    if not (piece.isalpha() and piece.islower()) or len(piece) < 4:
        return piece
    if zipf(piece) >= GLUED_ZIPF:
        return piece
    # A plural is rarer than its singular: "chipmakers" is a word because "chipmaker" is.
    if piece.endswith("s") and zipf(piece[:-1]) >= GLUED_ZIPF:
        return piece
    best: tuple[float, int] | None = None
    for cut in range(2, len(piece) - 1):
        weaker = min(zipf(piece[:cut]), zipf(piece[cut:]))
        if weaker >= WORD_ZIPF and (best is None or weaker > best[0]):
            best = (weaker, cut)
    if best is None:
        return piece
    return f"{piece[: best[1]]}-{piece[best[1] :]}"


@lru_cache(maxsize=65536)
def split_glued_compound(word: str) -> str:
    """Restore the hyphen a compound lost: ``"provinciallevel"`` -> ``"provincial-level"``.

    Applied to each hyphen-separated piece (``"year-onyear"`` -> ``"year-on-year"``): a
    lowercase piece rarer than zipf 1.5 that splits into two parts of at least two letters,
    each a dictionary word (zipf >= 3.0), is split where the rarer part is most common.
    Capitalised words, anything with digits, and plurals of known words ("chipmakers") are
    left alone.
    """
    if any(ch.isdigit() for ch in word):
        return word
    return "-".join(_split_piece(piece) for piece in word.split("-"))


_TOKEN_RE = re.compile(r"(?<![\w\-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![\w\-])")


_MARKUP_RE = re.compile(r"<[^<>]{0,500}>")


def _inside_markup(text: str, offset: int) -> bool:
    """Is ``offset`` inside an HTML/XML tag such as ``<img src=x onerror=...>``?"""
    opening = text.rfind("<", 0, offset)
    if opening < 0 or text.rfind(">", opening, offset) >= 0:
        return False
    return _MARKUP_RE.match(text, opening) is not None


def print_damage(paragraphs: Sequence[str]) -> list[str]:
    """The signs in a text that it was extracted from a printed page that lost its hyphens
    (the damage :func:`repair_words` and the column stitcher repair), one string per sign:

    - a word broken in mid-line, one of its pieces no word at all ("gar-nered");
    - a compound written glued although the text writes it with its hyphen elsewhere
      ("cuttingedge" beside "cutting-edge");
    - a paragraph that ends in a word broken by a hyphen ("... to sub-").

    Born-digital text has none of them: its hyphens are the author's and its glued words
    (``dpkg``, ``nologin``, ``freedesktop``) are words.
    """
    tokens = [token for paragraph in paragraphs for token in _TOKEN_RE.findall(paragraph)]
    hyphenated = Counter(token.lower() for token in tokens if "-" in token)
    signs: set[str] = set()
    for token in tokens:
        lower = token.lower()
        if "-" in token:
            if (
                hyphenated[lower] <= 1
                and dehyphenate_word(token) != token
                and min(zipf(piece) for piece in token.split("-")) < FRAGMENT_ZIPF
            ):
                signs.add(f"broken {token}")
        elif token.islower() and hyphenated[split_glued_compound(token)] > 0:
            signs.add(f"glued {token}")
    for paragraph in paragraphs:
        broken_end = HYPHEN_END_RE.search(paragraph[-80:])
        if broken_end:
            signs.add(f"broken end {broken_end.group(0)}")
    return sorted(signs)


def shows_print_damage(paragraphs: Sequence[str]) -> bool:
    """True when the text shows the damage of a printed page's extraction: at least
    ``DAMAGE_MIN_SIGNS`` signs of :func:`print_damage`, and one per
    ``DAMAGE_WORDS_PER_SIGN`` words or more, so a long manual with a stray broken word
    is still read as written."""
    words = sum(len(word_list(paragraph)) for paragraph in paragraphs)
    signs = len(print_damage(paragraphs))
    return signs >= DAMAGE_MIN_SIGNS and signs * DAMAGE_WORDS_PER_SIGN >= words


def repair_words(paragraphs: Sequence[str]) -> tuple[list[str], list[Repair]]:
    """Apply :func:`dehyphenate_word` and :func:`split_glued_compound` to every token.

    A hyphenated word is never joined when the same hyphenated form occurs elsewhere in the
    document: the author then wrote it that way on purpose.
    """
    hyphenated: Counter[str] = Counter(
        token.lower()
        for paragraph in paragraphs
        for token in _TOKEN_RE.findall(paragraph)
        if "-" in token
    )
    repairs: list[Repair] = []

    def fix(match: re.Match[str]) -> str:
        token = match.group(0)
        if _inside_markup(match.string, match.start()):
            return token  # "<img onerror=...>" is code quoted in the text, not prose
        fixed = token
        if "-" in token and hyphenated[token.lower()] <= 1:
            fixed = dehyphenate_word(token)
            if fixed != token:
                repairs.append(Repair("dehyphenate", token, fixed))
        split = split_glued_compound(fixed)
        if split != fixed:
            repairs.append(Repair("rehyphenate", fixed, split))
        return split

    return [_TOKEN_RE.sub(fix, paragraph) for paragraph in paragraphs], repairs

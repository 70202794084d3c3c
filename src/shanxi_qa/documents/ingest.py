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
6. order the blocks as the printed article reads: headline, standfirst, byline, body, captions.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from shanxi_qa.language.vocabulary import UNFINISHED_ENDINGS
from shanxi_qa.records import Block, BlockKind, Document, Progress, Repair

__all__ = [
    "CORPUS_SUFFIXES",
    "MAX_FILE_BYTES",
    "IngestError",
    "Paragraph",
    "classify_block",
    "clean_paragraphs",
    "clean_text",
    "complete_credits",
    "continuation_score",
    "dehyphenate_word",
    "ends_sentence",
    "find_headline",
    "is_broken_word",
    "join_line_break",
    "load_corpus",
    "load_document",
    "match_fragments",
    "normalise_paragraph",
    "normalise_text",
    "order_blocks",
    "print_damage",
    "repair_words",
    "shows_print_damage",
    "split_captions",
    "split_glued_compound",
    "stitch_fragments",
    "word_counts",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
# The files a corpus folder is read from, by suffix (compared in lowercase).
TEXT_SUFFIXES = (".txt",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
CORPUS_SUFFIXES = (*TEXT_SUFFIXES, *MARKDOWN_SUFFIXES, *HTML_SUFFIXES, *PDF_SUFFIXES)

# Word-frequency thresholds, on wordfreq's Zipf scale (log10 of uses per billion words;
# ~3 is "a word most readers know", 0 is "never seen").
WORD_ZIPF = 3.0  # a dictionary word
FRAGMENT_ZIPF = 1.5  # below this a lowercase string is not a word on its own
RARE_WORD_ZIPF = 2.0  # a rarer word, still accepted when the alternative is a non-word
GLUED_ZIPF = 1.5  # a lowercase token rarer than this may be two words glued together

# A text shows a printed page's lost hyphens (see shows_print_damage) when it has at least
# this many signs of it, and at least one per this many words.
DAMAGE_MIN_SIGNS = 2
DAMAGE_WORDS_PER_SIGN = 1000

HEADLINE_MAX_WORDS = 12
STANDFIRST_MAX_WORDS = 30
# In a document with pages, the headline and standfirst are among the first paragraphs
# of the first page.
TITLE_SEARCH_PARAGRAPHS = 4

# Continuation scorer (see continuation_score).
HYPHEN_EVIDENCE = 10.0  # a broken word rejoined across two paragraphs
ADJACENT_BONUS = 2.0  # the tail is the very next body paragraph
NGRAM_CAP = 5  # cap on bigram/trigram counts so one frequent pair cannot dominate
MIN_STITCH_SCORE = 2.0
# A cut sentence continues on the same page, and a page holds far fewer paragraphs than
# this: looking no further keeps long files fast.
STITCH_WINDOW = 100


class IngestError(Exception):
    """A file or folder that cannot be ingested; the message names it and says why."""


# --------------------------------------------------------------------------------------------
# Small text predicates


_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*")
_TERMINAL_RE = re.compile(r"[.!?…][\"'”’)\]]*$")


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    # Imported here: wordfreq costs ~0.2 s to import, and only cleaning needs it.
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.lower(), "en"))


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with . ! ? (optionally followed by closing quotes/brackets)."""
    # Only the last few characters matter; searching a long paragraph for "$" is slow.
    return _TERMINAL_RE.search(text.rstrip()[-16:]) is not None


def _starts_lowercase(text: str) -> bool:
    return bool(text) and text[0].islower()


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def _snippet(text: str, words: int, *, from_end: bool = False) -> str:
    parts = text.split()
    return " ".join(parts[-words:] if from_end else parts[:words])


# --------------------------------------------------------------------------------------------
# 1. Normalisation


_ESCAPED_PUNCT_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SPACE_RUN_RE = re.compile(r"[ \t\f\v\u00a0]{2,}|[\t\f\v\u00a0]")
_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t\f\v\u00a0]*\n\s*")


def _token_around(text: str, start: int, end: int) -> str:
    left = start
    while left > 0 and not text[left - 1].isspace():
        left -= 1
    right = end
    while right < len(text) and not text[right].isspace():
        right += 1
    return text[left:right]


def word_counts(text: str) -> Counter[str]:
    """How often each word (lowercase; a hyphenated compound is one word) occurs in ``text``:
    the evidence a line-end hyphen is judged by (see :func:`join_line_break`)."""
    return Counter(word.lower() for word in _WORD_RE.findall(text))


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
    return _makes_word(left.lower(), right.lower())


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
        token = _token_around(paragraph, match.start(), match.end())
        repairs.append(Repair("unescape", token, _ESCAPED_PUNCT_RE.sub(r"\1", token)))
    paragraph = _ESCAPED_PUNCT_RE.sub(r"\1", paragraph)

    if "\n" in paragraph:
        if words is None:
            words = word_counts(paragraph)
        lines = re.split(r"[ \t]*\n[ \t]*", paragraph)
        paragraph = lines[0]
        for line in lines[1:]:
            before = f"{_snippet(paragraph, 1, from_end=True)}\n{_snippet(line, 1)}"
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
        before = _token_around(paragraph, match.start(), match.end())
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


# --------------------------------------------------------------------------------------------
# 2. Captions and credits

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


# --------------------------------------------------------------------------------------------
# 3. Block kinds


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


# --------------------------------------------------------------------------------------------
# 4. Stitching fragments torn apart by the column order


def is_broken_word(left: str, right: str) -> bool:
    """True when ``left + right`` is one word broken in two rather than two words.

    Join when the joined word is a dictionary word (zipf >= 3.0) that is more common than the
    rarer of its parts ("chal" + "lenging"; "high" + "tech" stays apart because "hightech" is
    rare). A part that is no word at all ("sidize", zipf < 1.5) leaves the joined word as the
    only reading, so a rarer dictionary word (zipf >= 2.0, e.g. "subsidize") is accepted too.
    """
    if not (left.isalpha() and right.isalpha()):
        return False
    joined = _zipf(left + right)
    weaker = min(_zipf(left), _zipf(right))
    if joined >= WORD_ZIPF and joined > weaker:
        return True
    return joined >= RARE_WORD_ZIPF and weaker < FRAGMENT_ZIPF


_PHRASE_BREAK_RE = re.compile(r"[^\w\s'’\-]|\s[-–—]\s|\s-|-\s")


@dataclass(frozen=True)
class _NgramCounts:
    """Word, bigram and trigram counts (lowercase, within phrases) over a document."""

    words: Counter[str]
    bigrams: Counter[tuple[str, str]]
    trigrams: Counter[tuple[str, str, str]]
    followers: dict[str, set[str]]  # word -> the words seen right after it

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> _NgramCounts:
        words: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        trigrams: Counter[tuple[str, str, str]] = Counter()
        for text in texts:
            # Only words separated by plain spaces form n-grams: punctuation between them
            # (a full stop, a comma, a dash) breaks the phrase.
            for run in _PHRASE_BREAK_RE.split(text):
                tokens = [w.lower() for w in _words(run)]
                words.update(tokens)
                bigrams.update(pairwise(tokens))
                trigrams.update(zip(tokens, tokens[1:], tokens[2:], strict=False))
        followers: dict[str, set[str]] = {}
        for first, second in bigrams:
            followers.setdefault(first, set()).add(second)
        return cls(words, bigrams, trigrams, followers)


_HYPHEN_END_RE = re.compile(r"(?<![A-Za-z\-])([A-Za-z]+(?:-[A-Za-z]+)*)-$")
_LEADING_LETTERS_RE = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class _Edges:
    """What the stitcher needs to know of a paragraph: how it ends and how it starts."""

    head: bool  # ends without terminal punctuation: the sentence goes on elsewhere
    tail: bool  # starts with a lowercase letter: continues a sentence begun elsewhere
    end_words: tuple[str, ...]  # its last (up to) two words, lowercase
    start_words: tuple[str, ...]  # its first (up to) two words, lowercase
    hyphen_prefix: str | None  # the word piece before a final hyphen ("sub" of "to sub-")
    dash_end: bool  # ends with a hyphen or dash
    fragment: str  # the lowercase letters that open it ("sidize" of "sidize all ...")

    @classmethod
    def of(cls, text: str) -> _Edges:
        parts = text.split()
        hyphen_end = _HYPHEN_END_RE.search(text[-80:])
        leading = _LEADING_LETTERS_RE.match(text)
        return cls(
            head=not ends_sentence(text),
            tail=_starts_lowercase(text),
            end_words=tuple(w.lower() for w in _words(" ".join(parts[-3:])))[-2:],
            start_words=tuple(w.lower() for w in _words(" ".join(parts[:3])))[:2],
            hyphen_prefix=hyphen_end.group(1).rsplit("-", 1)[-1] if hyphen_end else None,
            dash_end=text.endswith(("-", "–", "—")),
            fragment=leading.group(0) if leading else "",
        )


@lru_cache(maxsize=65536)
def _makes_word(prefix: str, fragment: str) -> bool:
    """Whether a word broken after ``prefix`` and resumed by ``fragment`` is a real word."""
    return _zipf(prefix + fragment) >= WORD_ZIPF or is_broken_word(prefix, fragment)


def _hyphen_join(prefix: str | None, fragment: str, counts: _NgramCounts) -> str | None:
    """How a head ending in a hyphen joins a tail: "join" a broken word, "keep" a compound.

    The compound keeps its hyphen when the document writes it that way elsewhere
    ("long-" + "term" with "long-term" in the text); otherwise the pieces must make a word
    the document writes elsewhere, or a dictionary word (zipf >= 3.0, or a rarer word when a piece is no word, see
    :func:`is_broken_word`). ``None`` when the head ends in no hyphen or nothing fits.
    """
    if prefix is None or not fragment:
        return None
    if counts.words[f"{prefix}-{fragment}".lower()] > 0:
        return "keep"
    if counts.words[f"{prefix}{fragment}".lower()] > 0:
        return "join"
    return "join" if _makes_word(prefix, fragment) else None


def _score(head: _Edges, tail: _Edges, counts: _NgramCounts, adjacent: bool) -> float:
    if not (head.head and tail.tail):
        return 0.0
    bonus = ADJACENT_BONUS if adjacent else 0.0
    match _hyphen_join(head.hyphen_prefix, tail.fragment, counts):
        case "join":
            return HYPHEN_EVIDENCE + _zipf(f"{head.hyphen_prefix}{tail.fragment}") + bonus
        case "keep":
            return HYPHEN_EVIDENCE + bonus
    if head.dash_end or not (head.end_words and tail.start_words):
        return 0.0
    last, start = head.end_words[-1], tail.start_words[0]
    if start.isalpha() and _zipf(start) < FRAGMENT_ZIPF:
        return 0.0  # a word fragment needs a hyphen head
    if last == start:
        return 0.0  # "the the": a cut never repeats a word on both sides
    evidence = float(min(counts.bigrams[(last, start)], NGRAM_CAP))
    trigram = 0
    if len(head.end_words) > 1:
        trigram += counts.trigrams[(head.end_words[0], last, start)]
    if len(tail.start_words) > 1:
        trigram += counts.trigrams[(last, start, tail.start_words[1])]
    return evidence + min(trigram, NGRAM_CAP) + bonus


def continuation_score(
    head: str, tail: str, counts: _NgramCounts | None = None, *, adjacent: bool = False
) -> float:
    """How plausible it is that paragraph ``tail`` continues the sentence ``head`` leaves open.

    Zero unless ``head`` ends without terminal punctuation and ``tail`` starts lowercase.
    A head ending in a hyphen needs the rejoined word to be a dictionary word (strong
    evidence, scored 10 + its zipf) or the hyphenated compound to occur elsewhere in the
    document (scored 10). Otherwise the evidence is how often the head's last word(s) and
    the tail's first word(s) occur together elsewhere in the document (capped bigram and
    trigram counts), plus a bonus of 2 when the tail is the next body paragraph. A tail that
    starts with a word fragment ("ernment") cannot follow a whole word and scores zero.
    ``counts`` defaults to the n-grams of the two paragraphs themselves.
    """
    if counts is None:
        counts = _NgramCounts.from_texts([head, tail])
    return _score(_Edges.of(head), _Edges.of(tail), counts, adjacent)


def _join(head: str, tail: str, counts: _NgramCounts) -> str:
    match _hyphen_join(_Edges.of(head).hyphen_prefix, _Edges.of(tail).fragment, counts):
        case "join":
            return head[:-1] + tail
        case "keep":
            return head + tail
    return f"{head} {tail}"


def match_fragments(paragraphs: Sequence[str], evidence: Sequence[str] = ()) -> dict[int, int]:
    """Pair sentence fragments: ``{head index: tail index}`` (see :func:`stitch_fragments`)."""
    return _match(paragraphs, _NgramCounts.from_texts([*paragraphs, *evidence]))


def _match(
    paragraphs: Sequence[str], counts: _NgramCounts, *, adjacent_only: bool = False
) -> dict[int, int]:
    """``{head: tail}``; with ``adjacent_only`` a head is only continued by the very next
    paragraph (text read in its own order: no paragraph moves)."""
    edges = [_Edges.of(text) for text in paragraphs]
    # Index the tails so each head only meets the tails some evidence could favour: the next
    # paragraph, tails whose opening letters complete its broken word, and tails whose first
    # word follows its last word somewhere in the document.
    by_word: dict[str, list[int]] = {}
    by_fragment: dict[str, list[int]] = {}
    for t, edge in enumerate(edges):
        if edge.tail:
            by_fragment.setdefault(edge.fragment, []).append(t)
            if edge.start_words:
                by_word.setdefault(edge.start_words[0], []).append(t)

    scored: list[tuple[float, int, int]] = []
    for h, head in enumerate(edges):
        if not head.head:
            continue
        low, high = h - STITCH_WINDOW, h + STITCH_WINDOW

        def near(group: list[int], low: int = low, high: int = high) -> list[int]:
            return group[bisect_left(group, low) : bisect_right(group, high)]

        candidates: set[int] = set()
        if h + 1 < len(edges) and edges[h + 1].tail:
            candidates.add(h + 1)
        if adjacent_only:
            pass
        elif head.hyphen_prefix is not None:
            for fragment, group in by_fragment.items():
                if _hyphen_join(head.hyphen_prefix, fragment, counts):
                    candidates.update(near(group))
        elif head.end_words:
            for word in counts.followers.get(head.end_words[-1], ()):
                candidates.update(near(by_word.get(word, [])))
        for t in candidates - {h}:
            score = _score(head, edges[t], counts, adjacent=t == h + 1)
            if score >= MIN_STITCH_SCORE:
                scored.append((score, h, t))
    # Best score first; ties go to the earlier head, then the earlier tail.
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))

    successor: dict[int, int] = {}
    taken: set[int] = set()
    for _, h, t in scored:
        if h in successor or t in taken:
            continue
        # Following the chain from the tail must not lead back to the head.
        node: int | None = t
        while node is not None and node != h:
            node = successor.get(node)
        if node == h:
            continue
        successor[h] = t
        taken.add(t)
    return successor


def stitch_fragments(
    paragraphs: Sequence[str], evidence: Sequence[str] = ()
) -> tuple[list[str], list[Repair]]:
    """Rejoin sentences that the page's column order cut in two.

    A *head* is a paragraph without terminal punctuation; a *tail* is a paragraph starting
    with a lowercase letter (a sentence never does). Every (head, tail) pair is scored with
    :func:`continuation_score`, using n-gram counts over ``paragraphs`` plus ``evidence``
    (other text of the document, e.g. captions). Pairs are accepted greedily, best first,
    each head and tail at most once and never closing a cycle, when the score reaches
    ``MIN_STITCH_SCORE``. A merged paragraph ends where its tail ended, so it can take
    another tail in turn (a chain). Each chain sits where its first paragraph stood;
    unmatched fragments stay as they are.
    """
    return _stitch(paragraphs, _NgramCounts.from_texts([*paragraphs, *evidence]))


def _stitch(paragraphs: Sequence[str], counts: _NgramCounts) -> tuple[list[str], list[Repair]]:
    chains, repairs = _stitch_chains(paragraphs, counts)
    return [text for _, text in chains], repairs


def _stitch_chains(
    paragraphs: Sequence[str], counts: _NgramCounts, *, adjacent_only: bool = False
) -> tuple[list[tuple[int, str]], list[Repair]]:
    """The stitched paragraphs, each with the index of the paragraph its chain starts at."""
    successor = _match(paragraphs, counts, adjacent_only=adjacent_only)
    predecessor = set(successor.values())

    out: list[tuple[int, str]] = []
    repairs: list[Repair] = []
    for i, text in enumerate(paragraphs):
        if i in predecessor:
            continue  # merged into the paragraph it continues
        merged = text
        node = i
        while node in successor:
            nxt = successor[node]
            tail = paragraphs[nxt]
            joined = _join(merged, tail, counts)
            head_end, tail_start = _snippet(merged, 6, from_end=True), _snippet(tail, 6)
            repairs.append(
                Repair(
                    "stitch",
                    f"{head_end}\n\n{tail_start}",
                    _join(head_end, tail_start, counts),
                )
            )
            merged = joined
            node = nxt
        out.append((i, merged))
    return out, repairs


# --------------------------------------------------------------------------------------------
# 5. Word repairs


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
    if _zipf(piece) >= GLUED_ZIPF:
        return piece
    # A plural is rarer than its singular: "chipmakers" is a word because "chipmaker" is.
    if piece.endswith("s") and _zipf(piece[:-1]) >= GLUED_ZIPF:
        return piece
    best: tuple[float, int] | None = None
    for cut in range(2, len(piece) - 1):
        weaker = min(_zipf(piece[:cut]), _zipf(piece[cut:]))
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
                and min(_zipf(piece) for piece in token.split("-")) < FRAGMENT_ZIPF
            ):
                signs.add(f"broken {token}")
        elif token.islower() and hyphenated[split_glued_compound(token)] > 0:
            signs.add(f"glued {token}")
    for paragraph in paragraphs:
        broken_end = _HYPHEN_END_RE.search(paragraph[-80:])
        if broken_end:
            signs.add(f"broken end {broken_end.group(0)}")
    return sorted(signs)


def shows_print_damage(paragraphs: Sequence[str]) -> bool:
    """True when the text shows the damage of a printed page's extraction: at least
    ``DAMAGE_MIN_SIGNS`` signs of :func:`print_damage`, and one per
    ``DAMAGE_WORDS_PER_SIGN`` words or more, so a long manual with a stray broken word
    is still read as written."""
    words = sum(len(_words(paragraph)) for paragraph in paragraphs)
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


# --------------------------------------------------------------------------------------------
# 6. Order and assembly

_KIND_RANK: dict[BlockKind, int] = {
    "headline": 0,
    "standfirst": 1,
    "byline": 2,
    "heading": 3,
    "body": 3,
    "caption": 4,
}
_FRONT_MATTER: frozenset[BlockKind] = frozenset({"headline", "standfirst", "byline"})
# Kinds that stay in the running text where the reader found them; the rest is moved.
_FLOW: frozenset[BlockKind] = frozenset({"heading", "body"})


def order_blocks(items: Sequence[tuple[BlockKind, str]]) -> list[tuple[BlockKind, str]]:
    """Order blocks as the printed article reads: headline, standfirst, byline, body, captions.

    The sort is stable, so blocks of the same kind keep their relative order; a section
    heading stays among the body paragraphs it heads.
    """
    return sorted(items, key=lambda item: _KIND_RANK[item[0]])


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
    counts = _NgramCounts.from_texts(texts) if repair else None
    # A text without the damage is read in its own order and with its own words.
    damaged = repair and shows_print_damage(texts)
    if counts is not None and "headline" not in kinds:
        # A title is never the first half of a cut sentence: match fragments once with every
        # body paragraph in play, and let only paragraphs that took no tail become titles.
        # The real stitching runs below without the titles, which often sit between two
        # halves.
        body_at = [i for i, kind in enumerate(kinds) if kind == "body"]
        heads = _match([texts[i] for i in body_at], counts, adjacent_only=not damaged)
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
        chains, found = _stitch_chains(
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
    others = [(kinds[i], texts[i], pages[i]) for i in range(len(items)) if kinds[i] not in _FLOW]

    placed = [*others, *flow]
    if damaged:
        fixed, found = repair_words([text for _, text, _ in placed])
        repairs += found
        placed = [(kind, text, page) for (kind, _, page), text in zip(placed, fixed, strict=True)]
    others, flow = placed[: len(others)], placed[len(others) :]

    front = sorted(
        (item for item in others if item[0] in _FRONT_MATTER), key=lambda item: _KIND_RANK[item[0]]
    )
    ordered = list(front)
    for number in sorted({page or 0 for _, _, page in placed}):
        ordered += [item for item in flow if (item[2] or 0) == number]
        ordered += [item for item in others if item[0] == "caption" and (item[2] or 0) == number]

    # Record the blocks that moved across body text: headline, standfirst and byline found
    # after body paragraphs, captions found before body paragraphs of their page.
    for i, kind in enumerate(kinds):
        if kind in _FLOW or not body_at:
            continue
        if kind == "caption":
            moved = any(j > i and pages[j] == pages[i] for j in body_at)
        else:
            moved = body_at[0] < i
        if moved:
            where = "after the body" if kind == "caption" else "before the body"
            repairs.append(Repair("reorder", _snippet(texts[i], 8), f"{kind} {where}"))

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


# --------------------------------------------------------------------------------------------
# Files and folders


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IngestError(
                f"{path}: file is {size / 2**20:.1f} MB, over the "
                f"{MAX_FILE_BYTES // 2**20} MB limit; split it into smaller files"
            )
        data = path.read_bytes()
    except OSError as err:
        raise IngestError(f"{path}: cannot read file ({err.strerror or err})") from err
    if not data:
        raise IngestError(f"{path}: file is empty or blank")
    return data


def _decode_text(path: Path, data: bytes) -> str:
    if b"\x00" in data:
        raise IngestError(f"{path}: binary file (contains NUL bytes), expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IngestError(
            f"{path}: not valid UTF-8 (bad byte at offset {err.start}); re-save it as UTF-8"
        ) from err
    if not text.strip():
        raise IngestError(f"{path}: file is empty or blank")
    return text


def load_document(path: Path, source: str, report: Progress | None = None) -> Document:
    """Read one file and clean it into a :class:`Document` named ``source``.

    The reader goes by the suffix (see ``CORPUS_SUFFIXES``): ``.txt`` is a UTF-8 page
    extraction cleaned by :func:`clean_text`; ``.md``/``.markdown``, ``.html``/``.htm`` and
    ``.pdf`` are read by :mod:`shanxi_qa.documents.formats` and cleaned by :func:`clean_paragraphs`
    (a PDF with every repair rule and its page numbers, HTML and Markdown as written).

    Raises :class:`IngestError` (a one-line message naming the file) for a file of another
    type, one that cannot be read, is empty or blank, is larger than ``MAX_FILE_BYTES``, or
    that its format's reader rejects (binary or non-UTF-8 text, a PDF that is encrypted,
    damaged, a scan without text or over ``MAX_PDF_PAGES`` pages, a web page without
    article text). ``report`` is told the pages of a PDF as they are read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CORPUS_SUFFIXES:
        raise IngestError(
            f"{path}: unsupported file type {suffix or '(no suffix)'!r}; expected one of "
            + ", ".join(CORPUS_SUFFIXES)
        )
    data = _read_bytes(path)
    if suffix in TEXT_SUFFIXES:
        text, blocks, repairs = clean_text(_decode_text(path, data))
    else:
        # Imported here: the readers pull in their parsing libraries.
        from shanxi_qa.documents import formats

        if suffix in MARKDOWN_SUFFIXES:
            paragraphs = formats.read_markdown(_decode_text(path, data))
            text, blocks, repairs = clean_paragraphs(paragraphs, repair=False)
        elif suffix in HTML_SUFFIXES:
            text, blocks, repairs = clean_paragraphs(formats.read_html(path, data), repair=False)
        else:
            paragraphs, found = formats.read_pdf(path, data, report)
            text, blocks, repairs = clean_paragraphs(paragraphs, found)
    if not blocks:
        raise IngestError(f"{path}: no text found in it")
    return Document(source=source, text=text, blocks=blocks, repairs=repairs)


def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[str]]:
    """Load every file with a suffix of ``CORPUS_SUFFIXES`` directly inside ``corpus_dir``,
    sorted by name.

    Returns the documents and one warning line per skipped file (one that
    :func:`load_document` rejects, or that a reader or the cleaner fails on): a bad file
    never stops the others from being read. A document's ``source`` is
    ``"<folder name>/<file name>"``.
    Raises :class:`IngestError` when ``corpus_dir`` does not exist or is not a folder.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.exists():
        raise IngestError(
            f"corpus folder {corpus_dir} does not exist; create it or pass an existing folder"
        )
    if not corpus_dir.is_dir():
        raise IngestError(
            f"corpus path {corpus_dir} is not a folder; pass the folder that holds the "
            "documents (" + ", ".join(CORPUS_SUFFIXES) + ")"
        )
    documents: list[Document] = []
    warnings: list[str] = []
    files = sorted(
        path
        for path in corpus_dir.iterdir()
        if path.suffix.lower() in CORPUS_SUFFIXES and path.is_file()
    )
    for path in files:
        try:
            documents.append(load_document(path, f"{corpus_dir.name}/{path.name}"))
        except IngestError as err:
            warnings.append(f"skipped {err}")
        except Exception as err:
            # A cleaner bug on one file's text must not stop the rest of the corpus.
            reason = " ".join(str(err).split())[:200]
            warnings.append(f"skipped {path}: cannot clean it ({type(err).__name__}: {reason})")
    return documents, warnings

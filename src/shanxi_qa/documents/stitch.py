"""Sentences a page extraction cut in two, joined again: which fragment continues which."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from shanxi_qa.documents.repair import is_broken_word
from shanxi_qa.documents.words import (
    FRAGMENT_ZIPF,
    HYPHEN_END_RE,
    WORD_ZIPF,
    ends_sentence,
    snippet,
    starts_lowercase,
    word_list,
    zipf,
)
from shanxi_qa.records import Repair

# Continuation scorer (see continuation_score).
HYPHEN_EVIDENCE = 10.0  # a broken word rejoined across two paragraphs


ADJACENT_BONUS = 2.0  # the tail is the very next body paragraph


NGRAM_CAP = 5  # cap on bigram/trigram counts so one frequent pair cannot dominate


MIN_STITCH_SCORE = 2.0


# A cut sentence continues on the same page, and a page holds far fewer paragraphs than
# this: looking no further keeps long files fast.
STITCH_WINDOW = 100


_PHRASE_BREAK_RE = re.compile(r"[^\w\s'’\-]|\s[-–—]\s|\s-|-\s")


@dataclass(frozen=True)
class NgramCounts:
    """Word, bigram and trigram counts (lowercase, within phrases) over a document."""

    words: Counter[str]
    bigrams: Counter[tuple[str, str]]
    trigrams: Counter[tuple[str, str, str]]
    followers: dict[str, set[str]]  # word -> the words seen right after it

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> NgramCounts:
        words: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        trigrams: Counter[tuple[str, str, str]] = Counter()
        for text in texts:
            # Only words separated by plain spaces form n-grams: punctuation between them
            # (a full stop, a comma, a dash) breaks the phrase.
            for run in _PHRASE_BREAK_RE.split(text):
                tokens = [w.lower() for w in word_list(run)]
                words.update(tokens)
                bigrams.update(pairwise(tokens))
                trigrams.update(zip(tokens, tokens[1:], tokens[2:], strict=False))
        followers: dict[str, set[str]] = {}
        for first, second in bigrams:
            followers.setdefault(first, set()).add(second)
        return cls(words, bigrams, trigrams, followers)


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
        hyphen_end = HYPHEN_END_RE.search(text[-80:])
        leading = _LEADING_LETTERS_RE.match(text)
        return cls(
            head=not ends_sentence(text),
            tail=starts_lowercase(text),
            end_words=tuple(w.lower() for w in word_list(" ".join(parts[-3:])))[-2:],
            start_words=tuple(w.lower() for w in word_list(" ".join(parts[:3])))[:2],
            hyphen_prefix=hyphen_end.group(1).rsplit("-", 1)[-1] if hyphen_end else None,
            dash_end=text.endswith(("-", "–", "—")),
            fragment=leading.group(0) if leading else "",
        )


@lru_cache(maxsize=65536)
def makes_word(prefix: str, fragment: str) -> bool:
    """Whether a word broken after ``prefix`` and resumed by ``fragment`` is a real word."""
    return zipf(prefix + fragment) >= WORD_ZIPF or is_broken_word(prefix, fragment)


def _hyphen_join(prefix: str | None, fragment: str, counts: NgramCounts) -> str | None:
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
    return "join" if makes_word(prefix, fragment) else None


def _score(head: _Edges, tail: _Edges, counts: NgramCounts, adjacent: bool) -> float:
    if not (head.head and tail.tail):
        return 0.0
    bonus = ADJACENT_BONUS if adjacent else 0.0
    match _hyphen_join(head.hyphen_prefix, tail.fragment, counts):
        case "join":
            return HYPHEN_EVIDENCE + zipf(f"{head.hyphen_prefix}{tail.fragment}") + bonus
        case "keep":
            return HYPHEN_EVIDENCE + bonus
    if head.dash_end or not (head.end_words and tail.start_words):
        return 0.0
    last, start = head.end_words[-1], tail.start_words[0]
    if start.isalpha() and zipf(start) < FRAGMENT_ZIPF:
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
    head: str, tail: str, counts: NgramCounts | None = None, *, adjacent: bool = False
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
        counts = NgramCounts.from_texts([head, tail])
    return _score(_Edges.of(head), _Edges.of(tail), counts, adjacent)


def _join(head: str, tail: str, counts: NgramCounts) -> str:
    match _hyphen_join(_Edges.of(head).hyphen_prefix, _Edges.of(tail).fragment, counts):
        case "join":
            return head[:-1] + tail
        case "keep":
            return head + tail
    return f"{head} {tail}"


def match_fragments(paragraphs: Sequence[str], evidence: Sequence[str] = ()) -> dict[int, int]:
    """Pair sentence fragments: ``{head index: tail index}`` (see :func:`stitch_fragments`)."""
    return pair_fragments(paragraphs, NgramCounts.from_texts([*paragraphs, *evidence]))


def pair_fragments(
    paragraphs: Sequence[str], counts: NgramCounts, *, adjacent_only: bool = False
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
    return _stitch(paragraphs, NgramCounts.from_texts([*paragraphs, *evidence]))


def _stitch(paragraphs: Sequence[str], counts: NgramCounts) -> tuple[list[str], list[Repair]]:
    chains, repairs = stitch_chains(paragraphs, counts)
    return [text for _, text in chains], repairs


def stitch_chains(
    paragraphs: Sequence[str], counts: NgramCounts, *, adjacent_only: bool = False
) -> tuple[list[tuple[int, str]], list[Repair]]:
    """The stitched paragraphs, each with the index of the paragraph its chain starts at."""
    successor = pair_fragments(paragraphs, counts, adjacent_only=adjacent_only)
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
            head_end, tail_start = snippet(merged, 6, from_end=True), snippet(tail, 6)
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

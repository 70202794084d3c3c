"""Dates in a follow-up and the turn before it: years, months, "the year before", and
putting a time into a question."""

from __future__ import annotations

from collections.abc import Sequence

from shanxi_qa.conversation.references import Context
from shanxi_qa.language.dates import MONTH_DAY, date_spans, is_year
from shanxi_qa.language.phrases import join_tokens, lowered, tokens_of
from shanxi_qa.language.vocabulary import PREPOSITIONS, RELATIVE_YEARS


def relative_year(low: Sequence[str]) -> int | None:
    words = [w for w in low if w not in ("?", ",")]
    for prefix in ((), ("in",), ("for",), ("during",)):
        for phrase, step in RELATIVE_YEARS:
            for tail in ((), ("that",), ("then",)):
                if tuple(words) == (*prefix, *phrase, *tail):
                    return step
    return None


def _years(tokens: Sequence[str]) -> list[int]:
    return [i for i, token in enumerate(tokens) if is_year(token)]


def base_year(context: Context) -> int | None:
    tokens = context.reading.tokens
    years = _years(tokens)
    if years:
        return int(tokens[years[-1]])
    for text in (context.answer or "", context.turn.quote or ""):
        found = [t for t in tokens_of(text) if is_year(t)]
        if found:
            return int(found[0])
    return None


def with_time(context: Context, phrase: list[str]) -> list[str]:
    """The previous question with its date replaced by ``phrase`` ("in 2023", "August")."""
    tokens = list(context.reading.tokens)
    low = [lowered(t) for t in tokens]
    preposition = lowered(phrase[0]) if lowered(phrase[0]) in PREPOSITIONS else None
    date = phrase[1:] if preposition else phrase
    if preposition is None:
        preposition = "on" if MONTH_DAY.match(join_tokens(date)) else "in"
    spans = date_spans(tokens)
    if not spans:
        return [*tokens, preposition, *date]
    start, end = spans[-1]
    if start and low[start - 1] in ("in", "on", "during"):
        # "in 2024" -> "in 2023"; "on Oct 8" -> "in August"
        return [*tokens[: start - 1], preposition, *date, *tokens[end:]]
    if low[start] in (
        "this",
        "last",
        "next",
    ):  # "this year" -> "in 2024", "for this year" -> "for 2024"
        lead = [] if start and low[start - 1] in PREPOSITIONS else [preposition]
        return [*tokens[:start], *lead, *date, *tokens[end:]]
    return [*tokens[:start], *date, *tokens[end:]]  # "by the end of 2024" -> "... of 2023"


def without_dates(tokens: list[str], start: int) -> list[str]:
    """``tokens`` without the dates after ``start`` (and the preposition before each)."""
    out = list(tokens)
    for first, end in reversed(date_spans(tokens)):
        if first < start:
            continue
        if first > start and lowered(out[first - 1]) in ("in", "on", "during", "since", "by"):
            first -= 1
        del out[first:end]
    return out

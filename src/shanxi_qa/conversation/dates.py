"""Dates in a follow-up and the turn before it: years, months, "the year before", and
putting a time into a question."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shanxi_qa.conversation.reading import (
    MONTH_DAY,
    Span,
    is_year,
    join_tokens,
    lowered,
    tokens_of,
)
from shanxi_qa.conversation.references import Context
from shanxi_qa.language.vocabulary import (
    MONTHS,
    PREPOSITIONS,
    RELATIVE_YEARS,
    TIME_PHRASES,
)


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


def _is_month(tokens: Sequence[str], index: int) -> bool:
    word = lowered(tokens[index]).rstrip(".")
    if word not in MONTHS:
        return False
    if word != "may":
        return True
    # "May" the month, not the modal: capitalised, beside a number or after a preposition.
    near_number = index + 1 < len(tokens) and tokens[index + 1][:1].isdigit()
    after_preposition = index > 0 and lowered(tokens[index - 1]) in PREPOSITIONS
    return tokens[index][:1].isupper() and (near_number or after_preposition)


def _date_spans(tokens: Sequence[str]) -> list[Span]:
    """Dates: "May 2021", "Oct 8", "Jan 17, 2024", "2024", "this year"."""
    spans: list[Span] = []
    low = [lowered(t) for t in tokens]
    i = 0
    while i < len(tokens):
        phrase = next(
            (p for p in TIME_PHRASES if tuple(low[i : i + len(p)]) == p),
            None,
        )
        if phrase:
            spans.append((i, i + len(phrase)))
            i += len(phrase)
            continue
        if _is_month(tokens, i) or is_year(tokens[i]):
            j = i + 1
            if _is_month(tokens, i) and j < len(tokens) and re.fullmatch(r"\d{1,2}", tokens[j]):
                j += 1
            if j + 1 < len(tokens) and tokens[j] == "," and is_year(tokens[j + 1]):
                j += 2
            elif j < len(tokens) and j > i and is_year(tokens[j]) and not is_year(tokens[i]):
                j += 1
            spans.append((i, j))
            i = j
            continue
        i += 1
    return spans


def is_date(tokens: Sequence[str]) -> bool:
    spans = _date_spans(tokens)
    return len(spans) == 1 and spans[0] == (0, len(tokens))


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
    spans = _date_spans(tokens)
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
    for first, end in reversed(_date_spans(tokens)):
        if first < start:
            continue
        if first > start and lowered(out[first - 1]) in ("in", "on", "during", "since", "by"):
            first -= 1
        del out[first:end]
    return out

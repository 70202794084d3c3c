"""Dates, recognised here and nowhere else: in a sentence as character spans ("Jan 17, 2024",
"the end of 2024", "the 1990s", "this year") and in a question's tokens ("May 2021", "Oct 8",
"this year"), from one list of month names (``vocabulary.MONTHS``) and one pattern for a year."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shanxi_qa.language.phrases import TokenSpan, lowered
from shanxi_qa.language.vocabulary import MONTHS, PREPOSITIONS, TIME_PHRASES

# A year of the last two centuries and this one: 1800-2099.
_YEAR = r"(?:1[89]|20)\d{2}"

# A month's name or its abbreviation, capitalised, with an abbreviation's full stop.
MONTH = (
    "(?:" + "|".join(sorted((m.capitalize() for m in MONTHS), key=lambda m: (-len(m), m))) + r")\.?"
)

DATE = re.compile(
    rf"\b(?:{MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|{MONTH}\s+\d{{4}}|{MONTH}(?=[\s,.])"
    rf"|(?:the\s+end\s+of\s+|early\s+|late\s+|mid-)?{_YEAR}s?"
    r"|(?:last|this|next)\s+(?:year|month|week)|yesterday|today)\b"
)

# A month and a day at the start of a text, in any case: "Oct 8", "may 21".
MONTH_DAY = re.compile(rf"^{MONTH} \d{{1,2}}\b", re.IGNORECASE)

_YEAR_TOKEN = re.compile(rf"^{_YEAR}$")


def is_year(token: str) -> bool:
    return bool(_YEAR_TOKEN.match(token))


def is_month_day(text: str) -> bool:
    """A month with or without its day, and nothing else: "May", "Jan 17"."""
    return re.fullmatch(rf"{MONTH}(?:\s+\d{{1,2}})?", text) is not None


def is_month(tokens: Sequence[str], index: int) -> bool:
    word = lowered(tokens[index]).rstrip(".")
    if word not in MONTHS:
        return False
    if word != "may":
        return True
    # "May" the month, not the modal: capitalised, beside a number or after a preposition.
    near_number = index + 1 < len(tokens) and tokens[index + 1][:1].isdigit()
    after_preposition = index > 0 and lowered(tokens[index - 1]) in PREPOSITIONS
    return tokens[index][:1].isupper() and (near_number or after_preposition)


def date_spans(tokens: Sequence[str]) -> list[TokenSpan]:
    """The dates among a question's tokens: "May 2021", "Oct 8", "Jan 17, 2024", "2024",
    "this year"."""
    spans: list[TokenSpan] = []
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
        if is_month(tokens, i) or is_year(tokens[i]):
            j = i + 1
            if is_month(tokens, i) and j < len(tokens) and re.fullmatch(r"\d{1,2}", tokens[j]):
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
    """The tokens make one date and nothing more."""
    spans = date_spans(tokens)
    return len(spans) == 1 and spans[0] == (0, len(tokens))

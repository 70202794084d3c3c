"""Numbers, recognised here and nowhere else: a numeral ("3.3", "1,200"), a quantity in a
sentence with its hedge, currency and scale ("about $2.5 billion", "twofold", "third"), and the
ordinals a question insists on ("the second phase")."""

from __future__ import annotations

import re

from shanxi_qa.language.vocabulary import COUNT_WORDS, NUMBER_WORDS, ORDINAL_WORDS

# Digits with thousands separators and a decimal part: "2024", "1,200", "3.3".
NUMERAL = r"\d(?:[\d,]*\d)?(?:\.\d+)?"

_SCALES = r"(?:\s(?:hundred|thousand|million|billion|trillion))?"

NUMBER = re.compile(
    r"(?:\b(?:more than|less than|about|around|nearly|over|almost|up to|approximately)\s)?"
    rf"(?:\$|¥|€|£)?\b{NUMERAL}(?:%)?{_SCALES}"
    rf"|\b(?:{'|'.join(NUMBER_WORDS)})\b"
    r"(?:\s(?:places|times|percent))?",
    re.IGNORECASE,
)

ORDINAL = re.compile("|".join(ORDINAL_WORDS))

# "the second phase" insists on the second, as "phase 2" would. "First" is left out: it
# often means no more than "earliest" or "new" ("the first cargo train").
ORDINALS = {word: position for position, word in enumerate(ORDINAL_WORDS, start=1) if position > 1}
_ORDINAL_WORD = re.compile(rf"\b({'|'.join(ORDINALS)})\b")


def numerals(text: str) -> list[str]:
    """The numerals in ``text``, in order."""
    return re.findall(NUMERAL, text)


def insisted_ordinals(text: str) -> list[str]:
    """The ordinals past the first in ``text`` (lower-cased), once each, in order."""
    return list(dict.fromkeys(_ORDINAL_WORD.findall(text.lower())))


def is_count(word: str) -> bool:
    """A number word or a numeral: "three", "16" (not "5G")."""
    return word in COUNT_WORDS or (word[:1].isdigit() and not word[-1:].isalpha())

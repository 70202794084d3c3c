"""Words of a page extraction: their frequency in English, sentence ends, counts and snippets."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

# Word-frequency thresholds, on wordfreq's Zipf scale (log10 of uses per billion words;
# ~3 is "a word most readers know", 0 is "never seen").
WORD_ZIPF = 3.0  # a dictionary word


FRAGMENT_ZIPF = 1.5  # below this a lowercase string is not a word on its own


RARE_WORD_ZIPF = 2.0  # a rarer word, still accepted when the alternative is a non-word


GLUED_ZIPF = 1.5  # a lowercase token rarer than this may be two words glued together


_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*")


_TERMINAL_RE = re.compile(r"[.!?…][\"'”’)\]]*$")


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    # Imported here: wordfreq costs ~0.2 s to import, and only cleaning needs it.
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.lower(), "en"))


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with . ! ? (optionally followed by closing quotes/brackets)."""
    # Only the last few characters matter; searching a long paragraph for "$" is slow.
    return _TERMINAL_RE.search(text.rstrip()[-16:]) is not None


def starts_lowercase(text: str) -> bool:
    return bool(text) and text[0].islower()


def word_list(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def snippet(text: str, words: int, *, from_end: bool = False) -> str:
    parts = text.split()
    return " ".join(parts[-words:] if from_end else parts[:words])


def token_around(text: str, start: int, end: int) -> str:
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


# A paragraph ending in a word broken at a line-end hyphen ("infra-").
HYPHEN_END_RE = re.compile(r"(?<![A-Za-z\-])([A-Za-z]+(?:-[A-Za-z]+)*)-$")

"""Small text utilities shared by the stages: sentence splitting, word tokens, stems.

Kept dependency-free so the query path stays light.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shanxi_qa.records import Sentence

# Words that end with a period without ending the sentence ("Jan 21", "Corp.", "Mr.").
_ABBREVIATIONS = frozenset(
    {
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "co",
        "corp",
        "inc",
        "ltd",
        "no",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "gov",
        "sen",
        "rep",
        "gen",
        "lt",
        "col",
    }
)

# Abbreviations that also end sentences, unlike titles ("Dr.") that always lead on.
_FINAL_ABBREVIATIONS = frozenset({"co", "corp", "inc", "ltd", "etc"})
_NEXT_WORD = re.compile(r"[\"'”’)\]]*\s+[\"'“‘(\[]?([A-Z][a-z]*)\b")

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets), then whitespace,
# then something that can open a sentence.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Split ``text[start:end]`` into sentences, returned as offsets into ``text``.

    Sentences are trimmed of surrounding whitespace; together they cover every
    non-space character of the span.
    """
    stop = len(text) if end is None else end
    sentences: list[Sentence] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, stop):
        if _ends_with_abbreviation(text, cursor, match.start()):
            continue
        _append_trimmed(text, cursor, match.end(), sentences)
        cursor = match.end()
    _append_trimmed(text, cursor, stop, sentences)
    return sentences


def _ends_with_abbreviation(text: str, sentence_start: int, period: int) -> bool:
    if text[period] != ".":
        return False
    word_start = period
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:period].lower().lstrip("\"'“(")
    if word in _FINAL_ABBREVIATIONS:
        # "... and Industry Corp. The lab ...": a company's suffix may end a sentence, and
        # does when a word that opens sentences ("The", "It", "In") follows.
        following = _NEXT_WORD.match(text, period + 1)
        return not (following and following.group(1).lower() in STOPWORDS)
    # A single capital letter is an initial ("J. Smith"), not a sentence end.
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _append_trimmed(text: str, start: int, end: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        out.append(Sentence(start, end))


STOPWORDS = frozenset(
    """
        a about above after again against all am an and any are as at be because been
        before being below between both but by can could did do does doing down during
        each few for from further had has have having he her here hers herself him
        himself his how i if in into is it its itself just me more most my myself no nor
        not now of off on once only or other our ours ourselves out over own same she
        should so some such than that the their theirs them themselves then there these
        they this those through to too under until up very was we were what when where
        which while who whom whose why will with would you your yours yourself
        yourselves also did does tell me please us many much according said says say make makes
    made making get gets got take takes took give gives gave go goes went
    """.split()
)

_WORD = re.compile(r"[A-Za-z0-9]+(?:[.,][0-9]+)*(?:['’][a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-cased word tokens; hyphenated compounds give their parts ("coal-based" -> coal, based)."""
    return [strip_possessive(match.group().lower()) for match in _WORD.finditer(text)]


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, lower-cased word) for each word token of ``text``."""
    for match in _WORD.finditer(text):
        yield match.start(), match.end(), strip_possessive(match.group().lower())


def strip_possessive(word: str) -> str:
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def stem(word: str) -> str:
    """A light suffix-stripping stemmer: enough to match mine/mines, reached/reaching."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    for suffix, replacement in (
        ("ies", "y"),
        ("ied", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
        ("ly", ""),
    ):
        # "supply", "family", "assembly" end in -ly but are no adverbs.
        if suffix == "ly" and word.endswith(("ply", "bly", "ily")):
            continue
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            word = word[: -len(suffix)] + replacement
            break
    # Undo a doubled final consonant left by -ing/-ed ("planned" -> "plann" -> "plan").
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """Stems of the non-stopwords of ``text``, in order."""
    return [stem(word) for word in words(text) if word not in STOPWORDS]


_PRONOUN_START = re.compile(
    r"^[\"“']?(it|this|they|these|he|she|its|their|his|her)\b", re.IGNORECASE
)
_PRONOUN_ANY = re.compile(r"\b(he|she|they)\s+(said|added|says|noted)\b", re.IGNORECASE)
# "the company has garnered accolades": a definite noun for a named thing points back to
# where it was named.
_DEFINITE_REFERENCE = re.compile(
    r"\b(?:the|this|that) (?:company|firm|enterprise|corporation|carmaker|manufacturer|maker"
    r"|province|city|county|region|laboratory|lab|plant|facility|project|system|service"
    r"|initiative|scheme|programme|program)\b",
    re.IGNORECASE,
)


# "In this process, innovation is crucial": a demonstrative points back too, except to a
# time ("this year" is now, not the sentence before).
_DEMONSTRATIVE = re.compile(
    r"\b(?:this|these|those) (?!(?:year|years|month|months|week|weeks|day|days|time|times"
    r"|morning|afternoon|evening|season|quarter|spring|summer|autumn|winter|decade|century)\b)"
    r"[a-z]+",
    re.IGNORECASE,
)


def refers_to_previous(sentence: str, previous: str) -> bool:
    """Does ``sentence`` point back to ``previous`` ("It features ...", "... she said",
    a quotation, "the company")?"""
    return bool(
        previous
        and (
            _PRONOUN_START.search(sentence)
            or _PRONOUN_ANY.search(sentence)
            or _DEFINITE_REFERENCE.search(sentence)
            or _DEMONSTRATIVE.search(sentence)
            or sentence.lstrip().startswith(('"', "“"))
        )
    )


# A word in the middle of a sentence: after a lower-case letter or a comma and a space.
def ends_like_past(word: str) -> bool:
    """A past form or participle by its ending: "launched", not "speed" or "red" (the one
    test of the ending; the follow-up reader adds irregular verbs and known non-verbs)."""
    return len(word) > 4 and word.endswith("ed") and not word.endswith("eed")

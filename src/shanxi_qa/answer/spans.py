"""Spans: the numbers, dates, names and clauses of a sentence, by their type.

The reader proposes spans; these rules find the value of the asked type inside one ("about
2,000 tons" in a longer span for "how much ... weigh?"), tell whether a sentence holds a value
of that type at all, and say whether a span only repeats the question.
"""

from __future__ import annotations

import re

from shanxi_qa.language.dates import DATE, MONTH, is_month_day
from shanxi_qa.language.names import name_spans
from shanxi_qa.language.numbers import NUMBER, ORDINAL, ORDINALS
from shanxi_qa.language.question import AnswerType
from shanxi_qa.language.text import content_terms, words
from shanxi_qa.language.vocabulary import (
    MEASURE_UNITS,
    NAME_ORGANISATION_WORDS,
    NAME_PLACE_WORDS,
    PHOTO_CUES,
    PLACE_PREPOSITIONS,
    UNITS,
)

# What kind of quantity a number question wants, and what its answer span must hold. The
# first cue that matches decides: "how young ... public money" asks for an age, not a sum.
_QUANTITY_KINDS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        # "How fast did trade grow?" asks for a rate of growth, not a speed; "how much did
        # investment rise?" for a rate or a sum, whatever the noun.
        re.compile(
            r"\bhow (fast|quickly|much)\b.*\b(grow|grew|grown|expand\w*|increas\w*|rise|rose"
            r"|climb\w*)\b|\b(what|which)\s+(\S+\s+){0,3}?(growth|increase|rise)\b"
        ),
        re.compile(r"percent|%|fold|times|yuan|dollar|euro|pound|rmb|usd|[$¥€£]", re.IGNORECASE),
    ),
    (
        re.compile(r"\bweigh\w*\b|\bweight\b|\bhow (heavy|light)\b|\bmass\b"),
        re.compile(r"\b(tons?|tonnes?|kilograms?|kg|grams?|pounds?|lbs?)\b", re.IGNORECASE),
    ),
    (
        re.compile(r"\bhow thick\b|\bthickness\b|\bhow thin\b"),
        re.compile(
            r"\b(millimet\w*|mm|micromet\w*|microns?|nanomet\w*|centimet\w*|cm)\b", re.IGNORECASE
        ),
    ),
    (
        re.compile(r"\bhow (old|young)\b|\bage\b"),
        re.compile(r"\b(years?|months?)\b", re.IGNORECASE),
    ),
    (
        re.compile(r"\bhow (fast|slow)\b|(?<!-)\bspeed\b|\bvelocity\b"),
        re.compile(r"per (hour|second|minute)|km/h|mph", re.IGNORECASE),
    ),
    (
        re.compile(
            r"\b(cost|costs|spend|spent|price|money|worth|value|invest\w*|budget|funding|paid|pay|revenue)\b"
            r"|\bhow (cheap|expensive|costly)\b"
        ),
        re.compile(r"yuan|dollar|euro|pound|rmb|usd|[$¥€£]", re.IGNORECASE),
    ),
    (
        re.compile(
            r"\bhow (long|short|far|near|close|wide|narrow|tall|high|deep|shallow)\b|\b(length|distance|diameter|width|height|depth)\b"
        ),
        re.compile(
            r"\b(kilomet|met|mile|feet|foot|inch|km\b|m\b|years?\b|months?\b|days?\b|hours?\b"
            r"|places?\b|positions?\b|spots?\b|notch)",
            re.IGNORECASE,
        ),
    ),
    (
        re.compile(r"\bhow (hot|cold|warm)\b|\btemperature\b"),
        re.compile(r"degree|°|celsius|fahrenheit", re.IGNORECASE),
    ),
    (
        re.compile(r"\b(percent|percentage|share|proportion|rate)\b"),
        re.compile(r"percent|%|fold", re.IGNORECASE),
    ),
)


# A caption's trailing credit names the photographer; a byline names the writer.
_CREDIT = re.compile(r"(?:[A-Z][A-Z'’.-]+\s+)*[A-Z][A-Z'’.-]+\s*/\s*[A-Z ]+$|PROVIDED TO [A-Z ]+$")


_PERSON_ROLE = re.compile(
    r"\b(?:executives?|officials?|researchers?|engineers?|workers?|residents?|deputies|deputy"
    r"|experts?|scientists?|leaders?|spokesperson|analysts?|farmers?|teachers?|doctors?)\b",
    re.IGNORECASE,
)


_PLACE_PHRASE = re.compile(
    r"\b(?:in|at|across|to|from|near|inside|throughout)\s+((?:the\s+|a\s+|an\s+)?"
    r"(?:[a-z-]+\s+){0,3}(?:areas?|markets?|destinations?|cent(?:er|re)s?|regions?|cities|city"
    r"|county|counties|villages?|towns?|countries|country|parks?|sites?|facilit(?:y|ies)"
    r"|places?|provinces?|districts?|abroad|overseas|nationwide|worldwide))\b"
)


_QUOTED = re.compile(r"[\"“]([^\"”]{3,60})[\"”]")


def holds_number(text: str, number: str) -> bool:
    """Does lower-cased ``text`` hold ``number``? An ordinal may be written in digits:
    "fifth" is in "5th" and in "5G", not in "2025"."""
    if number not in ORDINALS:
        return number in text
    return (
        re.search(rf"\b{number}\b|(?<![\d.,]){ORDINALS[number]}(?:st|nd|rd|th)?(?![\d.,])", text)
        is not None
    )


def _quantity_pattern(question: str) -> re.Pattern[str] | None:
    for cue, required in _QUANTITY_KINDS:
        if cue.search(question):
            return required
    return None


def number_spans(question: str, sentence: str) -> list[tuple[int, int]]:
    counting = re.search(r"\bhow (many|much)\b", question.lower()) is not None
    many = re.search(r"\bhow many\s+((?:[\w-]+\s*){1,4})", question.lower())
    # The words naming what is counted: "how many square kilometers", "how many pipes".
    counted = {word[:4] for word in many.group(1).split()} if many else None
    date_parts = [(m.start(), m.end()) for m in DATE.finditer(sentence)]
    spans = []
    for match in NUMBER.finditer(sentence):
        start, end = _with_unit(sentence, match.start(), match.end())
        # A day of the month or a year is part of a date, not a quantity.
        if any(ds <= match.start() and match.end() <= de for ds, de in date_parts):
            continue
        # "5G", "3D": a digit with a capital letter is part of a name, not a quantity.
        if re.match(r"[A-Z]", sentence[match.end() : match.end() + 1]):
            continue
        # "the first region" is a rank: it answers "which place", not "how many".
        if counting and ORDINAL.fullmatch(match.group().lower()):
            continue
        # "How many children" is not answered by "3 years" nor "how many pipes" by
        # "6 meters": a measure counts something else, unless the question asks for it.
        # "under the age of 3", "3 years old": an age, which counts no children.
        if (
            counted is not None
            and not counted & {"year", "age", "old"}
            and (
                re.search(r"\b(age of|aged|ages)\s+$", sentence[: match.start()].lower())
                or re.match(r"\s*(-\s*)?years?(\s+|-)old\b", sentence[match.end() :].lower())
            )
        ):
            continue
        unit = sentence[match.end() : end].split()
        if (
            counted is not None
            and unit
            and unit[0].lower() in MEASURE_UNITS
            and unit[0].lower()[:4] not in counted
        ):
            continue
        spans.append((start, end))
    required = _quantity_pattern(question)
    if required is not None:
        spans = [
            (s, e) for s, e in spans if _has_quantity(sentence[s : e + 20].split(", ")[0], required)
        ]
    return spans


def _has_quantity(text: str, required: re.Pattern[str]) -> bool:
    if not required.search(text):
        return False
    # "1,000 kilometers per hour" is a speed: it does not answer "how long".
    return not (" per " in text and "per" not in required.pattern)


def page_word(word: str) -> bool:
    # Only the words for photos: a byline does say "contributed to this story".
    return word in PHOTO_CUES or word.startswith("photo")


def asks_about_photo(question: str) -> bool:
    return any(w in PHOTO_CUES or w.startswith("photo") for w in words(question))


def _credit_start(sentence: str) -> int:
    match = _CREDIT.search(sentence)
    return match.start() if match else len(sentence)


def spans_of_type(
    answer_type: AnswerType, sentence: str, question: str = ""
) -> list[tuple[int, int]]:
    if answer_type == "number":
        return number_spans(question, sentence)
    if answer_type == "date":
        return [(m.start(), m.end()) for m in DATE.finditer(sentence)]
    if answer_type in ("person", "organisation", "place"):
        names = name_spans(sentence)
        credit = _credit_start(sentence)
        if answer_type == "person" and asks_about_photo(question):
            # Who took a photo is said by a caption's credit, and only there; "PROVIDED TO
            # CHINA DAILY" names the paper that was given it, not a photographer.
            if sentence[credit:].lstrip().upper().startswith("PROVIDED"):
                return []
            return [span for span in names if span[0] >= credit]
        # The photographer answers "who took the photo", not "who founded Geely".
        names = [span for span in names if span[1] <= credit]
        typed = [span for span in names if _name_kind(sentence, span) == answer_type]
        if typed and answer_type == "place":
            # "in cities" may answer "where" better than a city named elsewhere in it, but
            # "the port district of Eastbay" is answered by its name.
            starts = {start for start, _ in typed}
            return typed + [
                (m.start(1), m.end(1))
                for m in _PLACE_PHRASE.finditer(sentence)
                if not (
                    (of := re.match(r"\s+of\s+", sentence[m.end(1) :]))
                    and m.end(1) + of.end() in starts
                )
            ]
        if typed:
            return typed
        if answer_type == "person":
            # A surname alone ("... Li said") or a role ("according to company executives").
            return [
                span
                for span in names
                if _name_kind(sentence, span) not in ("place", "organisation", "date")
            ] + [(m.start(), m.end()) for m in _PERSON_ROLE.finditer(sentence)]
        if answer_type == "place":
            # A lone proper noun ("Shanxi now has ...") or a place said in lower case
            # ("at a community elder care center", "in overseas markets").
            # A capitalised first word is no name for that alone ("Data show ...").
            return [
                span
                for span in names
                if _name_kind(sentence, span) == "other"
                and " " not in sentence[span[0] : span[1]]
                and span[0] > 0
            ] + [(m.start(1), m.end(1)) for m in _PLACE_PHRASE.finditer(sentence)]
        # An organisation or a group named in quotes: the "new three sectors".
        return [span for span in names if _name_kind(sentence, span) == "other"] + [
            (m.start(1), m.end(1)) for m in _QUOTED.finditer(sentence)
        ]
    return []


def given_in(span: str, question: str) -> bool:
    """Is ``span`` already in the question, as whole words ("Li" is not in "clinics"), or
    every content word of it ("a community center" in "which city is the community center")?"""
    if re.search(rf"(?<!\w){re.escape(span.lower())}(?!\w)", question.lower()):
        return True
    terms = content_terms(span)
    return bool(terms) and set(terms) <= set(content_terms(question))


_REASON = re.compile(
    r"\b(because|due to|thanks to|owing to|as a result|so that|in order to|so as to|aims? to"
    r"|designed to|purpose|allowing|helps? to|helped to|by \w+ing|since)\b"
    r"|(?<!according )(?<!due )(?<!owing )(?<!thanks )(?<!up )\bto (?!the\b|a\b|an\b|be\b|its\b|their\b)[a-z]+",
    re.IGNORECASE,
)


def has_reason(sentence: str) -> bool:
    """Does ``sentence`` give a cause or a purpose ("because ...", "to reduce ...")?"""
    return _REASON.search(sentence) is not None


def _with_unit(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Extend a number over a following unit word: "1,000 kilometers per hour" (within its
    line: a paragraph break ends it)."""
    cursor = end
    while True:
        match = re.match(r"[^\S\n]+([A-Za-z-]+)", sentence[cursor:])
        if not match or match.group(1).lower() not in UNITS:
            return start, cursor
        cursor += match.end()


_PERCENT = re.compile(r"[^\S\n]+(?:percent|per cent|percentage points?)\b", re.IGNORECASE)


_NAME_GOES_ON = re.compile(r" (?:& )?[A-Z][\w&-]*")


def complete(text: str, start: int, end: int) -> tuple[int, int]:
    """A span the reader cut short, completed: a number cut before "percent" is given with it
    ("3.3" -> "3.3 percent"), since the bare number says nothing, and a name cut inside its
    run of capitalised words runs on to the end of the name ("Taiyuan" -> "Taiyuan Heavy
    Industry Transit Equipment"). Other units are left as the reader cut them, which is
    SQuAD's way as often as not ("four" for "how long did it take?", "8 hours" for "how many
    hours?")."""
    span = text[start:end]
    if span[-1:].isdigit():
        match = _PERCENT.match(text, end)
        if match:
            end = match.end()
    elif span[-1:].isalpha() and span.split()[-1][:1].isupper():
        while match := _NAME_GOES_ON.match(text, end):
            end = match.end()
    return start, end


def _name_kind(sentence: str, span: tuple[int, int]) -> AnswerType:
    text = sentence[span[0] : span[1]]
    if is_month_day(text):
        return "date"  # "May", "Jan 17"
    tokens = [re.sub(r"['’]s$", "", t.lower()).strip(".,'’") for t in text.split()]
    following = sentence[span[1] :].split()[:1]
    preceding = sentence[: span[0]].split()[-3:]
    if any(t in NAME_ORGANISATION_WORDS for t in tokens) or "/" in preceding:
        return "organisation"  # a word for an organisation, or the publication after a credit's "/"
    if any(t in NAME_PLACE_WORDS for t in tokens) or (
        following and following[0].lower().strip(".,") in NAME_PLACE_WORDS
    ):
        return "place"
    if (
        preceding
        and preceding[-1].lower() in PLACE_PREPOSITIONS
        and not text.isupper()
        and not re.fullmatch(MONTH, text)  # "in August" is a time
    ):
        return "place"
    # "the county of Tianzhen"
    if (
        len(preceding) >= 2
        and preceding[-1].lower() == "of"
        and preceding[-2].lower() in NAME_PLACE_WORDS
    ):
        return "place"
    if 2 <= len(tokens) <= 3 and (text.isupper() or all(t[:1].isalpha() for t in tokens)):
        return "person"
    return "other"


ALTERNATIVES = re.compile(r"\b([a-z][\w-]*)\s+or\s+(?:(?:a|an|the|its|their)\s+)?([a-z][\w-]*)\b")


NAMING_QUESTION = re.compile(r"\b(call|calls|called|known as|nicknamed?|dubbed|term)\b")


NAMED = re.compile(
    r"\b(?:known as|called|dubbed|nicknamed|termed)\s+(.+?)(?=\s+(?:in|by|for|with|at|and is)\b|[,;.)]|$)",
    re.IGNORECASE,
)


def distance(span: tuple[int, int], anchors: list[tuple[int, int]]) -> float:
    """Characters between ``span`` and the nearest anchor word (0 when they touch)."""
    if not anchors:
        return float(span[0])
    return min(max(0, span[0] - end, start - span[1]) for start, end in anchors)

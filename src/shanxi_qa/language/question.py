"""What a question asks for: its answer type, its focus, and the terms it insists on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from shanxi_qa.language.names import question_names
from shanxi_qa.language.numbers import insisted_ordinals, is_count, numerals
from shanxi_qa.language.phrases import TokenSpan, is_content, join_tokens, lowered, noun_run_end
from shanxi_qa.language.reading import QuestionReading, read_question
from shanxi_qa.language.text import STOPWORDS, stem, words
from shanxi_qa.language.vocabulary import (
    ATTRIBUTE_LINKS,
    COPULAS,
    DATE_NOUNS,
    DETERMINERS,
    FOCUS_WH_WORDS,
    KIND_WORDS,
    MEASURE_NOUNS,
    MEASURED_THINGS,
    NUMBER_NOUNS,
    ORGANISATION_NOUNS,
    PERSON_NOUNS,
    PHRASE_END_WORDS,
    PLACE_NOUNS,
    PLAN_STEMS,
    REQUEST_OPENERS,
    WH_PHRASE_LINKS,
)

AnswerType = Literal["number", "date", "person", "place", "organisation", "reason", "other"]


def _alternation(nouns: frozenset[str]) -> str:
    """A regular-expression alternation of ``nouns``, longest first."""
    return "|".join(sorted(nouns, key=lambda noun: (-len(noun), noun)))


# Alternations of the type nouns, for the patterns below.
_NUMBER_NOUNS = _alternation(NUMBER_NOUNS)
_PERSON_NOUNS = _alternation(PERSON_NOUNS)
_PLACE_NOUNS = _alternation(PLACE_NOUNS)
_ORG_NOUNS = _alternation(ORGANISATION_NOUNS)
_DATE_NOUNS = _alternation(DATE_NOUNS)


def _stems(nouns: frozenset[str]) -> frozenset[str]:
    return frozenset(stem(noun) for noun in nouns)


# Nouns for what is measured: a keyword query ending in one asks for a quantity.
_MEASURE_STEMS = _stems(NUMBER_NOUNS | MEASURE_NOUNS)

_KEYWORD_HEADS: tuple[tuple[AnswerType, frozenset[str]], ...] = (
    ("number", _MEASURE_STEMS),
    ("date", _stems(DATE_NOUNS - {"time"})),
    ("person", _stems(PERSON_NOUNS)),
    ("place", _stems(PLACE_NOUNS)),
    ("organisation", _stems(ORGANISATION_NOUNS)),
)

# Stems of the nouns that name an answer type ("which year", "which province", "which carmaker");
# quantities no unit tells apart ("the population of ...") are left to the sentence to name.
_TYPE_NOUN_STEMS = (
    _stems(NUMBER_NOUNS | PERSON_NOUNS | PLACE_NOUNS | ORGANISATION_NOUNS | DATE_NOUNS) | {"level"}
) - _stems(MEASURED_THINGS)

# Ordered: the first pattern that matches decides the type.
_TYPE_PATTERNS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    # "What kind of growth ...?" asks for a description, whatever noun follows.
    ("other", re.compile(r"\b(what|which) (kind|kinds|type|types|sort|sorts|form|forms) of\b")),
    # "Where does X rank?" asks for a position; "Who is Fu Lijing?" for a description.
    (
        "other",
        re.compile(r"\bwhere (does|do|did|is|was|are|were)\b.*\b(rank|ranks|stand|stands)\b"),
    ),
    (
        "other",
        re.compile(r"^\s*(who|what) (is|was|are|were) (?!the |a |an )[a-z]+( [a-z]+)?\s*\??\s*$"),
    ),
    (
        "date",
        re.compile(
            rf"\b(when|since when|how (soon|early|late)|(what|which|in what) ({_DATE_NOUNS}))\b"
        ),
    ),
    # "How" and an adjective of measure, either end of its scale: "how old", "how young".
    (
        "number",
        re.compile(
            r"\bhow (many|much|fast|slow|quickly|long|short|big|large|small|far|near|close|high"
            r"|low|often|wide|narrow|thick|thin|heavy|light|tall|deep|shallow|old|young|cheap"
            r"|expensive|costly|hot|cold|warm|strong)\b"
        ),
    ),
    (
        "number",
        re.compile(
            rf"\b(what|which)\b(\s+\S+){{0,4}}?\s+(?<!\d\s)({_NUMBER_NOUNS})\b|\b(top|maximum|max) speed\b"
            rf"|^\s*({_NUMBER_NOUNS})\b|\b(what|how much)\b.*\bworth\b(?! \w+ing)"
        ),
    ),
    # "the goal for growth" is a target; "the goal of the plan" a purpose.
    (
        "reason",
        re.compile(
            r"\bwhy\b|\b(the|its|their|main) (purpose|reason|aim|goal)\b(?! for)|\bwhat for\b"
        ),
    ),
    # "which 16 countries": a count may stand between the wh-word and the type noun.
    (
        "person",
        re.compile(rf"\b(who|whom|whose)\b|\b(which|what|name of the) (\d+ )?({_PERSON_NOUNS})\b"),
    ),
    (
        "place",
        re.compile(rf"\bwhere\b|\b(which|what|in what|in which) (\d+ )?({_PLACE_NOUNS})\b"),
    ),
    ("organisation", re.compile(rf"\b(which|what) (\d+ )?({_ORG_NOUNS})\b")),
)

_WH_WORD = re.compile(r"\b(who|whom|whose|what|which|when|where|why|how)\b")


def _in_main_clause(match: re.Match[str], question: str) -> bool:
    """False for a wh-word after the question's own: in "what did they know when they took
    the job?" or "which two indicators showed how far it had come?" the later one opens a
    subordinate clause and says nothing about the answer's type."""
    first = _WH_WORD.search(question)
    return first is None or all(
        wh.start() == first.start()
        for wh in _WH_WORD.finditer(question, match.start(), match.end())
    )


_QUESTION_WORD = re.compile(
    r"\b(who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|could"
    r"|will|would|should|list|name|tell|give|describe|explain)\b"
)


@dataclass(frozen=True)
class QuestionParse:
    """The one parse of a question: what retrieval, ranking, abstention and follow-ups read."""

    text: str
    answer_type: AnswerType
    terms: tuple[str, ...]  # stems of the content words, in order, without duplicates
    focus: tuple[str, ...]  # stems of the noun phrase the question asks about
    # Numerals in the question (years included) and ordinals past the first: the answer must
    # hold them.
    numbers: tuple[str, ...]
    names: tuple[str, ...]  # capitalised words inside the question (likely proper nouns), lowered
    # True when the focus is surely what is asked ("how many X", "what is the X of ..."),
    # so a sentence without it cannot answer.
    focus_strict: bool = False
    content_words: tuple[str, ...] = ()  # the words behind ``terms``, lower-cased, unstemmed
    # For each term, corpus terms that mean nearly the same, with their similarity (itself at 1.0).
    expansions: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    # How the question reads: its wh-phrase, subject and noun phrases (what follow-ups use).
    reading: QuestionReading = field(default_factory=lambda: QuestionReading([]), compare=False)

    def expanded_terms(self) -> list[str]:
        """The terms and their expansions, once each: the BM25 query."""
        out = dict.fromkeys(self.terms)
        for alternatives in self.expansions.values():
            out.update(dict.fromkeys(term for term, _ in alternatives))
        return list(out)


def parse_question(question: str) -> QuestionParse:
    """Classify ``question`` and pick out its focus and required terms."""
    text = " ".join(question.split())
    low = text.lower()
    answer_type: AnswerType = "other"
    for candidate, pattern in _TYPE_PATTERNS:
        if any(_in_main_clause(match, low) for match in pattern.finditer(low)):
            answer_type = candidate
            break

    terms: list[str] = []
    content_words: list[str] = []
    for word in words(text):
        if word not in STOPWORDS and stem(word) not in terms:
            terms.append(stem(word))
            content_words.append(word)

    reading = read_question(text)
    focus = _focus(reading)
    if answer_type == "number" and len(focus) > 1 and focus[-1] in PLAN_STEMS:
        # "What GDP growth target ...?": the figure is a target, which a sentence may call a
        # projection; what is measured is the growth.
        focus = focus[:-1]
    focus_strict = bool(
        focus
        and re.search(
            r"\b(how many|how much|(what|who) (is|was|are|were) (the|a|an)\s+((?!\w+ing\b)\w+\s+){0,3}?(?!\w+ing\b)\w+\s+(of|in|for|at)\b)",
            low,
        )
    )
    if not focus and terms and len(low.split()) <= 8 and not _QUESTION_WORD.search(low):
        # A keyword query names what it wants last ("harbor bridge length"), or before "of"
        # ("length of the harbor bridge"). Often that is the kind of answer ("opening
        # date", "job title"), which the passage need not say, so it is not insisted on.
        head = [stem(w) for w in words(low.split(" of ")[0]) if w not in STOPWORDS]
        focus = (head[-1] if head else terms[-1],)
        if answer_type == "other":
            # "solar farm area" wants a number, "lab opening date" a date, "plant owner
            # company" an organisation.
            answer_type = next(
                (kind for kind, stems in _KEYWORD_HEADS if focus[0] in stems), "other"
            )
            if answer_type not in ("number", "other"):
                focus = ()  # the noun names the answer's type, which the passage need not say
    if (
        focus
        and answer_type != "other"
        and focus[0] in _TYPE_NOUN_STEMS
        and (
            re.search(rf"\b(which|what)\s+{re.escape(focus[0])}", low)
            or (
                len(focus) == 1
                and re.search(
                    rf"\b(which|what)\s+(is|was|are|were)\s+(the\s+)?{re.escape(focus[0])}",
                    low,
                )
            )
        )
    ):
        # "which year ...", "which province ranks first": the noun names the answer's type,
        # which the sentence need not repeat.
        focus = ()
    return QuestionParse(
        text=text,
        answer_type=answer_type,
        terms=tuple(terms),
        focus=focus,
        focus_strict=focus_strict,
        numbers=(*numerals(text), *insisted_ordinals(text)),
        names=question_names(text),
        content_words=tuple(content_words),
        reading=reading,
    )


def _asked_phrase(reading: QuestionReading) -> tuple[str, TokenSpan] | None:
    """The wh-word and the noun phrase the question asks about, from its reading: the noun of
    the wh-phrase ("how many [wind farms]", "which [consultancy]"), the subject of "what is" or
    "who is" ("what is [the population of Shanxi]"), or the noun after a request ("name [the
    three ...]", "number of [fifth-generation mobile masts]")."""
    tokens, low = reading.tokens, [lowered(t) for t in reading.tokens]
    for words_, first in REQUEST_OPENERS:
        for i in range(1 if first else len(low)):
            if tuple(low[i : i + len(words_)]) == words_:
                start = i + len(words_)
                end = noun_run_end(tokens, start) if start < len(tokens) else start
                if end > start:
                    return "what", (start, end)
    wh = reading.wh_word
    if wh in ("what", "which", "whose") and reading.wh and reading.focus is None:
        after = reading.wh[1]
        if after + 1 < len(tokens) and low[after] in WH_PHRASE_LINKS:
            # "what other language", "what about fixed asset investment"
            end = noun_run_end(tokens, after + 1)
            if end > after + 1:
                return wh, (after + 1, end)
    if reading.focus and wh in ("how", "what", "which", "whose"):
        return wh, reading.focus
    if (
        wh in ("what", "who")
        and reading.aux is not None
        and low[reading.aux] in COPULAS
        and reading.subject
    ):
        return wh, reading.subject
    return None


def _focus(reading: QuestionReading) -> tuple[str, ...]:
    """Stems of the noun phrase the question asks about; its last one is the head noun.

    "how many wind farms does ..." -> (wind, farm); "what is the population of ..." ->
    (population,); "which consultancy ..." -> (consultancy,). A question whose wh-word is
    followed by a verb ("what do insiders call ...") has no focus. A question that does not
    open with its wh-word is read again from it ("In 2010, Beyonce worked with [which other
    famous singer]?").
    """
    asked = _asked_phrase(reading)
    if asked is None:
        later = next(
            (i for i, token in enumerate(reading.tokens) if i and lowered(token) in FOCUS_WH_WORDS),
            None,
        )
        if later is None:
            return ()
        again = read_question(join_tokens(reading.tokens[later:]))
        asked = _asked_phrase(again)
        if asked is None:
            return ()
        wh, (start, end) = asked
        tokens = again.tokens
    else:
        wh, (start, end) = asked
        tokens = reading.tokens
    while end + 1 < len(tokens) and tokens[end] == "," and is_content(tokens[end + 1]):
        end = max(end + 1, noun_run_end(tokens, end + 1))  # "how many small, specialized firms"
    following = lowered(tokens[end]) if end < len(tokens) else ""
    if wh == "who" and following and following not in ATTRIBUTE_LINKS:
        # "Who are the centres meant to serve?": the phrase is the subject of what follows,
        # not the person asked for ("Who is the mayor of ...?").
        return ()
    phrase = [word for token in tokens[start:end] for word in words(token)]
    while phrase and phrase[0] in DETERMINERS:
        phrase = phrase[1:]
    if len(phrase) > 2 and phrase[0] in KIND_WORDS and phrase[1] == "of":
        phrase = phrase[2:]  # "what kind of growth", "the name of the plan": growth, plan
    focus: list[str] = []
    for word in phrase:
        if word in PHRASE_END_WORDS or (word in STOPWORDS and focus):
            break
        if word not in STOPWORDS and not is_count(word):
            focus.append(stem(word))
        if len(focus) == 4:
            break
    while focus and len(focus[-1]) <= 2:
        focus.pop()
    return tuple(focus)

"""What a question asks for: its answer type, its focus, and the terms it insists on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from shanxi_qa.language.text import STOPWORDS, ends_like_past, stem, words
from shanxi_qa.language.vocabulary import (
    ATTRIBUTE_LINKS,
    COPULAS,
    COUNT_WORDS,
    DATE_NOUNS,
    DETERMINERS,
    KIND_WORDS,
    MEASURE_NOUNS,
    MEASURED_THINGS,
    MONTHS,
    NUMBER_NOUNS,
    ORGANISATION_NOUNS,
    PERSON_NOUNS,
    PHRASE_END_WORDS,
    PLACE_NOUNS,
    PLAN_STEMS,
    QUESTION_AUXILIARIES,
    VERB_FOLLOWERS,
    WEEKDAYS,
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

# "the second phase" insists on the second, as "phase 2" would. "First" is left out: it
# often means no more than "earliest" or "new" ("the first cargo train").
ORDINALS = {
    word: position
    for position, word in enumerate(
        "second third fourth fifth sixth seventh eighth ninth tenth".split(), start=2
    )
}
_ORDINAL_WORD = re.compile(rf"\b({'|'.join(ORDINALS)})\b")

_CALENDAR = MONTHS | WEEKDAYS


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


def _is_count(word: str) -> bool:
    return word in COUNT_WORDS or (word[:1].isdigit() and not word[-1:].isalpha())


_QUESTION_WORD = re.compile(
    r"\b(who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|could"
    r"|will|would|should|list|name|tell|give|describe|explain)\b"
)
_WH = re.compile(
    r"\b(?P<wh>how many|how much|what|which|whose|who|name|list|number of|amount of)\s+(?P<rest>.*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuestionAnalysis:
    """The parts of a question that answering and abstention look at."""

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

    def expanded_terms(self) -> list[str]:
        """The terms and their expansions, once each: the BM25 query."""
        out = dict.fromkeys(self.terms)
        for alternatives in self.expansions.values():
            out.update(dict.fromkeys(term for term, _ in alternatives))
        return list(out)


def analyse_question(question: str) -> QuestionAnalysis:
    """Classify ``question`` and pick out its focus and required terms."""
    text = " ".join(question.split())
    lowered = text.lower()
    answer_type: AnswerType = "other"
    for candidate, pattern in _TYPE_PATTERNS:
        if any(_in_main_clause(match, lowered) for match in pattern.finditer(lowered)):
            answer_type = candidate
            break

    terms: list[str] = []
    content_words: list[str] = []
    for word in words(text):
        if word not in STOPWORDS and stem(word) not in terms:
            terms.append(stem(word))
            content_words.append(word)

    focus = _focus(text)
    if answer_type == "number" and len(focus) > 1 and focus[-1] in PLAN_STEMS:
        # "What GDP growth target ...?": the figure is a target, which a sentence may call a
        # projection; what is measured is the growth.
        focus = focus[:-1]
    focus_strict = bool(
        focus
        and re.search(
            r"\b(how many|how much|(what|who) (is|was|are|were) (the|a|an)\s+((?!\w+ing\b)\w+\s+){0,3}?(?!\w+ing\b)\w+\s+(of|in|for|at)\b)",
            lowered,
        )
    )
    if not focus and terms and len(lowered.split()) <= 8 and not _QUESTION_WORD.search(lowered):
        # A keyword query names what it wants last ("harbor bridge length"), or before "of"
        # ("length of the harbor bridge"). Often that is the kind of answer ("opening
        # date", "job title"), which the passage need not say, so it is not insisted on.
        head = [stem(w) for w in words(lowered.split(" of ")[0]) if w not in STOPWORDS]
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
            re.search(rf"\b(which|what)\s+{re.escape(focus[0])}", lowered)
            or (
                len(focus) == 1
                and re.search(
                    rf"\b(which|what)\s+(is|was|are|were)\s+(the\s+)?{re.escape(focus[0])}",
                    lowered,
                )
            )
        )
    ):
        # "which year ...", "which province ranks first": the noun names the answer's type,
        # which the sentence need not repeat.
        focus = ()
    return QuestionAnalysis(
        text=text,
        answer_type=answer_type,
        terms=tuple(terms),
        focus=focus,
        focus_strict=focus_strict,
        numbers=tuple(re.findall(r"\d+(?:[.,]\d+)*", text))
        + tuple(dict.fromkeys(_ORDINAL_WORD.findall(lowered))),
        names=_names(text),
        content_words=tuple(content_words),
    )


def _focus(text: str) -> tuple[str, ...]:
    """Stems of the noun phrase the question asks about; its last one is the head noun.

    "how many wind farms does ..." -> (wind, farm); "what is the population of ..." ->
    (population,); "which consultancy ..." -> (consultancy,). A question whose wh-word is
    followed by a verb ("what do insiders call ...") has no focus.
    """
    match = _WH.search(text)
    if not match:
        return ()
    wh = match.group("wh").lower()
    tokens = words(match.group("rest"))
    if wh in ("what", "which", "who") and tokens and tokens[0] in QUESTION_AUXILIARIES:
        if tokens[0] not in COPULAS or wh == "which":
            return ()
        tokens = tokens[1:]  # "what is the population of ..." -> "the population of ..."
    elif wh == "who":
        return ()
    while tokens and tokens[0] in DETERMINERS:
        tokens = tokens[1:]
    if len(tokens) > 2 and tokens[0] in KIND_WORDS and tokens[1] == "of":
        tokens = tokens[2:]  # "what kind of growth", "the name of the plan": growth, plan
    focus: list[str] = []
    end = len(tokens)
    for position, word in enumerate(tokens):
        end = position  # where the phrase stops, if it stops here
        following = tokens[position + 1] if position + 1 < len(tokens) else ""
        if (
            wh in ("which", "what", "whose")
            and len(focus) == 1
            and word.endswith("s")
            and following in VERB_FOLLOWERS
        ):
            break  # a verb after a one-word subject: "which deputy works for ..."
        if word in DETERMINERS and not focus:
            continue
        if word in PHRASE_END_WORDS or (word in STOPWORDS and focus):
            break
        if focus and (
            (ends_like_past(word) and (not following or following in STOPWORDS))
            or (word.endswith("ly") and len(word) > 4)
        ):
            # A verb or an adverb: "which consultancy co-launched the ...", "... popularly
            # called"; "specialized innovative companies" goes on.
            break
        if word not in STOPWORDS and not _is_count(word):
            focus.append(stem(word))
        if len(focus) == 4:
            end = position + 1
            break
    else:
        end = len(tokens)
    if wh == "who" and focus and end < len(tokens) and tokens[end] not in ATTRIBUTE_LINKS:
        # "Who are the centres meant to serve?": the phrase is the subject of what follows,
        # not the person asked for ("Who is the mayor of ...?").
        return ()
    while focus and len(focus[-1]) <= 2:
        focus.pop()
    return tuple(focus)


def _names(text: str) -> tuple[str, ...]:
    """Capitalised words that are not the question's first word: "Taiyuan", "Geely", "GDP"."""
    # Hyphenated names count part by part: "Changzhi-Moscow" names Changzhi and Moscow.
    tokens = re.findall(r"[A-Za-z][A-Za-z'’]*", text)
    names = []
    for position, token in enumerate(tokens):
        if position == 0 or not token[0].isupper():
            continue
        lowered = re.sub(r"['’]s?$", "", token.lower())
        if lowered in STOPWORDS or lowered in {"i"} or lowered in _CALENDAR:
            continue  # months and weekdays make a date, which the date checks look after
        names.append(lowered)
    return tuple(dict.fromkeys(names))


def expand_terms(
    analysis: QuestionAnalysis,
    vocabulary: list[str],
    vocabulary_vectors: npt.NDArray[np.float32],
    word_vectors: dict[str, npt.NDArray[np.float32]],
    threshold: float = 0.62,
    per_term: int = 4,
) -> dict[str, tuple[tuple[str, float], ...]]:
    """Corpus words close in meaning to each question word ("intelligent" -> "smart").

    Paraphrased questions share few words with the text; matching them by stem alone
    would miss the passage and abstain. ``word_vectors`` holds the embedding of each
    question word (from the corpus vocabulary where it occurs there).
    """
    expansions: dict[str, tuple[tuple[str, float], ...]] = {}
    for word, term in zip(analysis.content_words, analysis.terms, strict=True):
        # A name has no synonyms: "Taiyuan" is not "Changzhi", however alike the vectors.
        vector = None if word in analysis.names else word_vectors.get(word)
        alternatives: dict[str, float] = {term: 1.0}
        if vector is not None and len(vocabulary):
            similarities = vocabulary_vectors @ vector
            for row in np.argsort(-similarities)[: per_term * 3]:
                similarity = float(similarities[row])
                if similarity < threshold:
                    break
                candidate = stem(vocabulary[row])
                if candidate not in alternatives and candidate not in STOPWORDS:
                    alternatives[candidate] = round(similarity, 3)
                if len(alternatives) > per_term:
                    break
        expansions[term] = tuple(alternatives.items())
    return expansions


def with_corpus_names(analysis: QuestionAnalysis, corpus_names: frozenset[str]) -> QuestionAnalysis:
    """``analysis`` with the words the corpus only writes as names counted as names too: a
    lower-case question ("what does fu lijing hope for") still names Fu Lijing."""
    named = [
        word
        for word in analysis.content_words
        if word in corpus_names and word not in _CALENDAR and word not in analysis.names
    ]
    if not named:
        return analysis
    return replace(analysis, names=(*analysis.names, *named))

"""Extractive answering: choose the sentence that answers, the shortest span inside it,
and whether to abstain.

Similarity alone cannot tell a question the article answers from one it only resembles
("total GDP in 2024" scores as high as real questions), so the decision also checks what
the question asks for against what the sentence holds: the answer type, the focus noun,
the numbers and names the question insists on, and how much of the question is covered.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from shanxi_qa.decide import (
    DECISION_FEATURES,
    Decision,
    decide,
    decision_weights,
    span_share,
)
from shanxi_qa.embed import Vectors
from shanxi_qa.index import LoadedIndex, previous_sentence
from shanxi_qa.question import ORDINALS, AnswerType, QuestionAnalysis
from shanxi_qa.read import Passage, shared_reader
from shanxi_qa.records import Answer, Hit, Quote
from shanxi_qa.text import (
    STOPWORDS,
    content_terms,
    refers_to_previous,
    split_sentences,
    stem,
    word_spans,
    words,
)

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = re.compile(
    rf"\b(?:{_MONTHS}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|{_MONTHS}\s+\d{{4}}|{_MONTHS}(?=[\s,.])"
    r"|(?:the\s+end\s+of\s+|early\s+|late\s+|mid-)?(?:1[89]|20)\d{2}s?"
    r"|(?:last|this|next)\s+(?:year|month|week)|yesterday|today)\b"
)
_UNITS = frozenset(
    """
        percent percentage points kilometers kilometres km meters metres m kilograms kg grams
        millimeters millimetres mm micrometers micrometres centimeters centimetres cm pounds
        tons tonnes kilowatt-hours kwh kilowatts kw megawatts mw gigawatts gw watts
        hours hour minutes seconds days weeks months years yuan dollars euros usd rmb
        per square cubic hectares acres miles feet inches liters litres people persons
        times fold places points
    """.split()
)
# Units that measure rather than count: "how many pipes" is not answered in meters.
_MEASURE_UNITS = _UNITS - frozenset("people persons times fold places points".split())
_SCALES = r"(?:\s(?:hundred|thousand|million|billion|trillion))?"
_NUMBER = re.compile(
    r"(?:\b(?:more than|less than|about|around|nearly|over|almost|up to|approximately)\s)?"
    rf"(?:\$|¥|€|£)?\b\d(?:[\d,]*\d)?(?:\.\d+)?(?:%)?{_SCALES}"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"hundred|thousand|twofold|threefold|fourfold|first|second|third|fourth|fifth|tenth)\b"
    r"(?:\s(?:places|times|percent))?",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"first|second|third|fourth|fifth|tenth")
_CAPITALISED = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’&.-]*|&)(?:\s+(?:of|and|the|for|de|&)?\s*[A-Z][\w'’&.-]*)*"
)
_TITLES = frozenset(
    """
        governor mayor president minister premier chairman chairwoman secretary director
        engineer deputy chief professor dr mr ms mrs vice general manager executive
    """.split()
)
_ORG_WORDS = frozenset(
    """
        group corp corporation company co inc ltd forum bureau unit industry
        industries equipment auto congress network initiative institute university
        ministry commission bank association council committee agency factory steel
    """.split()
)
_PLACE_WORDS = frozenset(
    """
        city county province district village town region country mountains river park
    """.split()
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
_PHOTO_CUES = frozenset(
    "photo photograph photographer picture pictured image shot took taken credit caption".split()
)
# Words with which a question points at a kind of block rather than at its content.
BLOCK_CUES: dict[str, frozenset[str]] = {
    "headline": frozenset("headline title headlined titled".split()),
    "standfirst": frozenset("subheadline subhead subtitle standfirst deck strapline".split()),
    "byline": frozenset("wrote written write author writer reporter journalist byline".split()),
    "caption": _PHOTO_CUES,
}
# Words for the page itself, which a question about its parts may use.
_DOCUMENT_WORDS = frozenset("article story piece page text document newspaper paper".split())
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

_PLACE_PREPOSITIONS = frozenset(["in", "at", "from", "near", "to", "across", "of"])


@dataclass(frozen=True)
class AnswerConfig:
    """Answering settings, checked where they enter."""

    abstain_below: float | None = None  # None: the line fitted with the decision model
    passages: int = 3  # best-ranked sentences the reader reads
    neighbours: int = 1  # sentences each side of each, within its paragraph
    read: Literal["sentences", "chunks"] = "sentences"  # what a passage is built from
    narrow: bool = True  # narrow a typed answer to the value of its type
    ranking_weight: float = 1.0  # weight of log(ranker probability) beside the span score

    def __post_init__(self) -> None:
        if self.passages < 1 or self.neighbours < 0:
            raise ValueError(
                "passages must be at least 1 and neighbours at least 0. "
                f"Currently, passages is {self.passages} and neighbours is {self.neighbours}"
            )
        if self.abstain_below is not None and not 0.0 <= self.abstain_below <= 1.0:
            raise ValueError(
                "abstain_below must be within [0, 1]. "
                f"Currently, abstain_below is {self.abstain_below}"
            )


@dataclass
class _Candidate:
    hit: Hit
    start: int
    end: int
    score: float
    features: dict[str, float]


class TermStatistics:
    """Sentence-level document frequencies, for idf weights of question terms."""

    def __init__(self, index: LoadedIndex) -> None:
        self.sentences = 0
        self.frequency: dict[str, int] = {}
        for chunk in index.chunks:
            text = index.documents[chunk.source].text
            for sentence in chunk.sentences:
                self.sentences += 1
                for term in set(content_terms(text[sentence.start : sentence.end])):
                    self.frequency[term] = self.frequency.get(term, 0) + 1

    def idf(self, term: str) -> float:
        count = self.frequency.get(term, 0)
        return math.log(1.0 + (self.sentences + 1) / (count + 0.5))


# Suffixes that make a noun of a verb without changing its stem: "work"/"worker",
# "build"/"builder", "pay"/"payment", "grow"/"growth".
_DERIVING_SUFFIXES = ("er", "or", "ment", "th")


def _terms_match(question_term: str, text_terms: set[str]) -> bool:
    if question_term in text_terms:
        return True
    # A base of four letters at least: "may" + "or" is no "mayor".
    if len(question_term) >= 4 and any(
        question_term + suffix in text_terms for suffix in _DERIVING_SUFFIXES
    ):
        return True
    for suffix in _DERIVING_SUFFIXES:
        base = question_term.removesuffix(suffix)
        if base != question_term and len(base) >= 4 and base in text_terms:
            return True
    # "supply"/"supplier", "carry"/"carrier": a final y turns to i before -er.
    if len(question_term) >= 5 and question_term.endswith("y"):
        return question_term[:-1] + "ier" in text_terms
    if len(question_term) >= 6 and question_term.endswith("ier"):
        return question_term[:-3] + "y" in text_terms
    # Same first six letters: "intelligence"/"intelligent", "transformation"/"transform".
    if len(question_term) >= 6:
        return any(
            len(t) >= 6 and t[:6] == question_term[:6] and abs(len(t) - len(question_term)) <= 4
            for t in text_terms
        )
    return False


def match_weight(
    analysis: QuestionAnalysis, term: str, text_terms: set[str], floor: float = 0.0
) -> float:
    """1.0 when ``term`` itself occurs, else the similarity of its closest synonym that does
    (synonyms less similar than ``floor`` do not count)."""
    if _terms_match(term, text_terms):
        return 1.0
    return max(
        (
            weight
            for alternative, weight in analysis.expansions.get(term, ())
            if alternative in text_terms and weight >= floor
        ),
        default=0.0,
    )


def weighted_coverage(
    analysis: QuestionAnalysis,
    text_terms: set[str],
    statistics: TermStatistics,
    terms: list[str] | None = None,
    empty: float = 0.0,
) -> float:
    """Share of the question's terms (idf-weighted; ``terms`` when given) that ``text_terms``
    holds, synonyms counting by their similarity; ``empty`` when there are no terms."""
    total = matched = 0.0
    for term in analysis.terms if terms is None else terms:
        weight = statistics.idf(term)
        total += weight
        matched += weight * match_weight(analysis, term, text_terms)
    return matched / total if total else empty


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


# The abstention model: a logistic regression over the features of the best sentence,
# fitted on the calibration questions by eval/calibrate.py (never on the gold set).
CONFIDENCE_FILE = Path(__file__).with_name("confidence.json")
CONFIDENCE_FEATURES = (
    "ranking",
    "date_bound",
    "count_bound",
    "predicate_coverage",
    "reason_missing",
    "dense",
    "sentence_coverage",
    "coverage",
    "type_missing",
    "focus_missing",
    "novel_terms",
    "block_cue",
    "numbers_missing",
    "names_missing",
)


# The least similarity at which a synonym stands in for the thing a question insists on.
STRICT_SYNONYM = 0.7

# Confidence is capped below the abstention line when a hard check fails.
HARD_CHECK_CAP = 0.3


def failed_checks(features: dict[str, float]) -> list[str]:
    """What the question insists on that the sentence lacks.

    A question that asks for a number, a date or a name is not answered by a sentence
    without one; "how many wind farms" is not answered by a sentence that counts
    something else; "in 2023" is not answered by a sentence about 2024.
    """
    failed = []
    if features["type_missing"] and features["quantity_question"]:
        # Numbers, dates and photo credits are recognised reliably; other names and places
        # too loosely to veto an answer.
        failed.append("no number, date or credit of the asked kind in the sentence")
    about_the_page = features["block_cue"] or features["photo_question"]
    if not about_the_page and (
        (not features["sentence_coverage"] and features["dense"] < 0.3)
        or (
            features["dense"] < 0.2
            and features["sentence_coverage"] < 0.35
            and not features["question_numbers"]
        )
    ):
        failed.append("the sentence shares next to nothing with the question")
    if features["typed"] and not features["predicate_coverage"] and not about_the_page:
        # "When was <company> founded?": the sentence names the company, but nothing of
        # what the question asks about it.
        failed.append("only the names of the question are in the sentence")
    if features["strict_focus_missing"] >= 0.5 and not features["block_cue"]:
        failed.append("the thing asked about is absent")
    if features["numbers_missing"]:
        failed.append("a number in the question is absent")
    if not features["asked_terms"]:
        failed.append("the question names nothing to look for")
    if features["left_unnamed"]:
        failed.append("the sentence mentions the thing but never names it")
    if features["date_question"] and not features["date_bound"] and not features["type_missing"]:
        failed.append("the date is for something else")
    return failed


# Which sentence of the retrieved chunks answers: a logistic model over the same kind of
# features, fitted by eval/calibrate.py on the calibration questions' evidence sentences.
RANKING_FILE = Path(__file__).with_name("ranking.json")
RANKING_FEATURES = (
    "name_given",
    "date_bound",
    "checks_failed",
    "count_bound",
    "predicate_coverage",
    "reason_missing",
    "answer_room",
    "dense_gap",
    "sentence_coverage_gap",
    "dense",
    "sentence_coverage",
    "coverage",
    "retrieval",
    "type_missing",
    "focus_missing",
    "block_cue",
    "numbers_missing",
    "names_missing",
)


@lru_cache(maxsize=1)
def ranking_weights() -> dict[str, float]:
    """The fitted sentence-ranking weights: ``bias`` and one per :data:`RANKING_FEATURES`."""
    return _read_weights(RANKING_FILE, RANKING_FEATURES)


def _read_weights(path: Path, names: tuple[str, ...]) -> dict[str, float]:
    weights = json.loads(path.read_text(encoding="utf-8"))
    missing = [name for name in ("bias", *names) if name not in weights]
    if missing:
        raise ValueError(f"{path} lacks weights for {', '.join(missing)}")
    return {name: float(value) for name, value in weights.items()}


@lru_cache(maxsize=1)
def confidence_weights() -> dict[str, float]:
    """The fitted weights: ``bias`` and one per name in :data:`CONFIDENCE_FEATURES`."""
    return _read_weights(CONFIDENCE_FILE, CONFIDENCE_FEATURES)


_SPEAKER_PRONOUN = re.compile(r"\b(he|she)\s+(said|added|says|noted)\b", re.IGNORECASE)


# Answer types whose value the typed extraction rules find reliably inside a reader's span.
NARROWED_TYPES = frozenset(["number", "date"])

# The sentence features the decision also looks at, taken from the sentence holding the span.
HOLDER_FEATURES = (
    "checks_failed",
    "dense",
    "sentence_coverage",
    "coverage",
    "names_missing",
    "numbers_missing",
)


class Answerer:
    """Turns retrieved chunks into an :class:`Answer` with verbatim quotes."""

    def __init__(self, index: LoadedIndex, config: AnswerConfig | None = None) -> None:
        self.index = index
        self.config = config or AnswerConfig()
        self.statistics = TermStatistics(index)
        self.reader = shared_reader()

    def answer(
        self, analysis: QuestionAnalysis, question_vector: Vectors, hits: list[Hit], question: str
    ) -> Answer:
        return self.explain(analysis, question_vector, hits, question)[0]

    def explain(
        self, analysis: QuestionAnalysis, question_vector: Vectors, hits: list[Hit], question: str
    ) -> tuple[Answer, Decision | None]:
        """The answer and the decision behind it (None when nothing was retrieved)."""
        candidates = self.candidates(analysis, question_vector, hits)
        if not candidates:
            empty = Answer(
                question=question, answer=None, abstained=True, confidence=0.0, quotes=[]
            )
            return empty, None
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        passages, seeds = self.passages(ranked)
        reading = self.reader.read(question, passages)
        if not reading.spans:
            quote = self._quote(ranked[0])
            features = dict.fromkeys(DECISION_FEATURES, 0.0)
            decision = Decision(features, 0.0)
            abstain = Answer(question, None, True, 0.0, [quote])
            return abstain, decision
        # The reader's score, with the ranker's belief in the sentence holding each span.
        scored = []
        for span in reading.spans:
            holder = self._holder(candidates, passages[span.passage].source, span.start)
            holder = holder or seeds[span.passage]
            weight = self.config.ranking_weight * math.log(max(holder.score, 1e-6))
            scored.append((span.score + weight, span, holder))
        _, span, holder = max(scored, key=lambda item: item[0])
        features = {
            "margin": span.score - span.null,
            "margin_least": span.score - reading.null,
            "span_share": span_share([s.score for s in reading.spans]),
            "ranking": holder.score,
            "rule_confidence": self.confidence(holder.features),
            **{name: holder.features[name] for name in HOLDER_FEATURES},
            "rules_agree": self._rules_agree(analysis, holder, span.start, span.end),
        }
        document = self.index.documents[holder.hit.chunk.source]
        start, end = self._narrow(analysis, document.text, span.start, span.end)
        text = document.text[start:end]
        decision = replace(decide(features), span=text)
        quote = self._span_quote(holder, span.start, span.end)
        confidence = round(decision.confidence, 3)
        below = self.config.abstain_below
        if below is None:
            below = decision_weights()["abstain_below"]
        if decision.confidence < below:
            return Answer(question, None, True, confidence, [quote]), decision
        return Answer(question, text, False, confidence, [quote]), decision

    def passages(self, ranked: list[_Candidate]) -> tuple[list[Passage], list[_Candidate]]:
        """What the reader reads: the best-ranked sentences, each with its neighbours in its
        paragraph, overlapping ones merged; with the candidate each passage was built around."""
        passages: list[Passage] = []
        seeds: list[_Candidate] = []
        taken: list[tuple[str, int, int]] = []
        if self.config.read == "chunks":
            for candidate in ranked:
                chunk = candidate.hit.chunk
                if len(passages) == self.config.passages:
                    break
                if any(seed.hit.chunk.chunk_id == chunk.chunk_id for seed in seeds):
                    continue
                passages.append(Passage(chunk.source, chunk.start, chunk.text))
                seeds.append(candidate)
            return passages, seeds
        for candidate in ranked:
            if len(passages) == self.config.passages:
                break
            source = candidate.hit.chunk.source
            document = self.index.documents[source]
            block = document.blocks[document.paragraph_of(candidate.start) - 1]
            sentences = split_sentences(document.text, block.start, block.end)
            at = next(
                (i for i, s in enumerate(sentences) if s.start <= candidate.start < s.end), None
            )
            if at is None:
                start, end = candidate.start, candidate.end
            else:
                lo = max(0, at - self.config.neighbours)
                hi = min(len(sentences) - 1, at + self.config.neighbours)
                start, end = sentences[lo].start, sentences[hi].end
            if any(s == source and a <= candidate.start < b for s, a, b in taken):
                continue
            taken.append((source, start, end))
            passages.append(Passage(source, start, document.text[start:end]))
            seeds.append(candidate)
        return passages, seeds

    def _narrow(
        self, analysis: QuestionAnalysis, text: str, start: int, end: int
    ) -> tuple[int, int]:
        """A typed question (a number, a date, a name) answered by a span holding more than
        the value: the value of the asked type inside it, when there is exactly one."""
        if not self.config.narrow or analysis.answer_type not in NARROWED_TYPES:
            return start, end
        ruled = extract_span(analysis, text[start:end])
        at = text.find(ruled, start, end) if ruled else -1
        if at < 0 or not ruled.strip():
            return start, end
        return at, at + len(ruled)

    def _rules_agree(
        self, analysis: QuestionAnalysis, holder: _Candidate, start: int, end: int
    ) -> float:
        """Word overlap (F1) of the reader's span with the span the typed extraction rules take
        from the same sentence: two extractors agreeing are more often right."""
        text = self.index.documents[holder.hit.chunk.source].text
        ruled = extract_span(analysis, text[holder.start : holder.end]).lower().split()
        read = text[start:end].lower().split()
        common = sum(min(ruled.count(w), read.count(w)) for w in set(read))
        if not common:
            return 0.0
        return 2 * common / (len(ruled) + len(read))

    @staticmethod
    def _holder(candidates: list[_Candidate], source: str, offset: int) -> _Candidate | None:
        for candidate in candidates:
            if candidate.hit.chunk.source == source and candidate.start <= offset < candidate.end:
                return candidate
        return None

    def _span_quote(self, holder: _Candidate, start: int, end: int) -> Quote:
        """The sentence or sentences of the span's paragraph that hold ``[start, end)``."""
        document = self.index.documents[holder.hit.chunk.source]
        number = document.paragraph_of(start)
        block = document.blocks[number - 1]
        inside = [
            s
            for s in split_sentences(document.text, block.start, block.end)
            if s.start < end and start < s.end
        ]
        quote_start = min([start, *(s.start for s in inside)])
        quote_end = max([end, *(s.end for s in inside)])
        return Quote(
            text=document.text[quote_start:quote_end],
            source=holder.hit.chunk.source,
            paragraph=number,
            start=quote_start,
            end=quote_end,
            score=round(holder.score, 4),
            context=document.text[block.start : block.end],
            context_start=block.start,
            page=document.page_of(quote_start),
        )

    def candidates(
        self, analysis: QuestionAnalysis, question_vector: Vectors, hits: list[Hit]
    ) -> list[_Candidate]:
        """Every sentence of the retrieved chunks, scored as the answer's home."""
        vector = question_vector.reshape(-1)
        candidates = []
        question_words = set(words(analysis.text))
        if not self._about_this_document(analysis):
            question_words = set()  # "who wrote Romeo and Juliet" is not about the byline
        chunk_scores = {hit.chunk.chunk_id: hit.score for hit in hits}
        for hit in hits:
            chunk = hit.chunk
            document = self.index.documents[chunk.source]
            block = document.blocks[chunk.paragraph - 1]
            context = document.text[min(block.start, chunk.start) : max(block.end, chunk.end)]
            context_terms = set(content_terms(context))
            for sentence_index, sentence in enumerate(chunk.sentences):
                text = document.text[sentence.start : sentence.end]
                paragraph = document.blocks[document.paragraph_of(sentence.start) - 1]
                kind = paragraph.kind
                row = self.index.sentence_row(chunk.chunk_id, sentence_index)
                previous = self._previous_sentence(chunk.chunk_id, sentence_index)
                # A sentence that points back is also read with the one it points to.
                dense = max(
                    float(np.dot(self.index.sentence_vectors[row], vector)),
                    float(np.dot(self.index.window_vectors[row], vector)),
                )
                features = self.features(
                    analysis,
                    text,
                    context,
                    context_terms,
                    dense,
                    previous=previous,
                    antecedent=document.text[max(0, sentence.start - 600) : sentence.start],
                    paragraph=document.text[paragraph.start : paragraph.end],
                    block_cue=bool(BLOCK_CUES.get(kind, frozenset()) & question_words),
                )
                features["retrieval"] = hit.score
                if sentence_index == 0 and refers_to_previous(text, previous):
                    # A quotation whose speaker was named at the end of the chunk before
                    # shares that chunk's relevance.
                    features["retrieval"] = max(
                        hit.score, chunk_scores.get(chunk.chunk_id - 1, 0.0)
                    )
                features["checks_failed"] = float(len(failed_checks(features)))
                candidates.append(_Candidate(hit, sentence.start, sentence.end, 0.0, features))
        # How far each sentence falls behind the best of its rivals: the scale of similarity
        # varies from question to question, the order within one question much less.
        for name in ("dense", "sentence_coverage"):
            best = max((c.features[name] for c in candidates), default=0.0)
            for candidate in candidates:
                candidate.features[f"{name}_gap"] = best - candidate.features[name]
        ranking = ranking_weights()
        for candidate in candidates:
            # The probability that this sentence is the one that answers.
            candidate.score = _sigmoid(
                ranking["bias"]
                + sum(ranking[name] * candidate.features[name] for name in RANKING_FEATURES)
            )
            candidate.features["ranking"] = candidate.score
        return candidates

    def features(
        self,
        analysis: QuestionAnalysis,
        sentence: str,
        context: str,
        context_terms: set[str],
        dense: float,
        previous: str = "",
        block_cue: bool = False,
        antecedent: str = "",
        paragraph: str = "",
    ) -> dict[str, float]:
        """What the abstention decision looks at, for one candidate sentence.

        A sentence that refers back with a pronoun ("It features ...", "... she said")
        is read together with the sentence before it; the person it points to may be named
        further back (``antecedent``, the text before the sentence).
        """
        own_terms = set(content_terms(sentence))
        sentence_terms = set(own_terms)
        lowered, context_lowered = sentence.lower(), context.lower()
        # A number the question insists on ("in 2024") must be said in the sentence's own
        # paragraph, not in a neighbour the chunk happens to hold.
        numbers_at = (paragraph or context).lower()
        refers_back = refers_to_previous(sentence, previous)
        if refers_back:
            sentence_terms |= set(content_terms(previous))
            lowered += " " + previous.lower()
            context_lowered += " " + previous.lower() + " " + antecedent.lower()
            numbers_at += " " + previous.lower()
        # Words for a photo say where to look, not what the passage says: a caption does
        # not contain the word "photo".
        asked = [
            t
            for w, t in zip(analysis.content_words, analysis.terms, strict=True)
            if not _page_word(w)
        ]
        if refers_back and _SPEAKER_PRONOUN.search(sentence):
            # "... she said": the person named before is the speaker, as much this
            # sentence's subject as if it named her.
            names = set(analysis.names)
            own_terms = own_terms | {
                t
                for w, t in zip(analysis.content_words, analysis.terms, strict=True)
                if w in names and t in sentence_terms
            }
        own_coverage = weighted_coverage(analysis, own_terms, self.statistics, asked)
        # Words borrowed from the sentence referred to count, but less than the sentence's own.
        sentence_coverage = own_coverage + 0.6 * (
            weighted_coverage(analysis, sentence_terms, self.statistics, asked) - own_coverage
        )
        head = analysis.focus[-1] if analysis.focus else None

        def focus_absent(floor: float) -> float:
            if head is None:
                return 0.0  # nothing to check
            if analysis.answer_type == "number":
                # A count must sit beside the thing counted, in the same sentence.
                return 1.0 - match_weight(analysis, head, own_terms, floor)
            return 1.0 - max(
                match_weight(analysis, head, sentence_terms, floor),
                0.8 * match_weight(analysis, head, context_terms, floor),
            )

        focus_missing = focus_absent(0.0)
        typed = analysis.answer_type not in ("other", "reason")
        # Where the thing asked about must be there, a loose synonym will not do: a
        # "governor" is no "mayor".
        strict_focus_missing = (
            focus_absent(STRICT_SYNONYM) if typed or analysis.focus_strict else 0.0
        )
        # The question's words that are not names: mostly what it asks about or does.
        names = set(analysis.names)
        # "Where is X based?" is answered by "X, a company in Y": the verb only says that
        # a place is asked for, as "happen" says a time is.
        empty_verbs = _EMPTY_VERBS.get(analysis.answer_type, frozenset())
        predicate = [
            t
            for w, t in zip(analysis.content_words, analysis.terms, strict=True)
            if w not in names and not _page_word(w) and w not in empty_verbs
        ]
        own_novel = [t for t in own_terms if not match_weight(analysis, t, set(analysis.terms))]
        return {
            # How much the sentence says beyond the question: a heading that only restates
            # the question leaves no room for an answer.
            "answer_room": min(len(own_novel), 8) / 8,
            "count_bound": float(count_bound(analysis, sentence)),
            "date_bound": float(date_bound(analysis, sentence, predicate)),
            # "What do insiders call it?" is answered where the sentence gives a name.
            "name_given": float(
                bool(_NAMING_QUESTION.search(analysis.text.lower()))
                and _NAMED.search(sentence) is not None
            ),
            "date_question": float(analysis.answer_type == "date"),
            "left_unnamed": float(left_unnamed(analysis.text, sentence)),
            "asked_terms": float(
                len([w for w in analysis.content_words if w not in _EMPTY_QUESTION_WORDS])
            ),
            "predicate_coverage": weighted_coverage(
                analysis, sentence_terms, self.statistics, predicate, empty=1.0
            ),
            "reason_missing": float(analysis.answer_type == "reason" and not has_reason(sentence)),
            "dense": dense,
            "block_cue": float(block_cue),
            "sentence_coverage": sentence_coverage,
            "coverage": weighted_coverage(
                analysis, sentence_terms | context_terms, self.statistics, asked
            ),
            "type_missing": float(typed and not has_answer_type(analysis, sentence)),
            "typed": float(typed),
            "photo_question": float(asks_about_photo(analysis.text)),
            "question_numbers": float(len(analysis.numbers)),
            "quantity_question": float(
                analysis.answer_type in ("number", "date")
                or (analysis.answer_type == "person" and asks_about_photo(analysis.text))
            ),
            "focus_missing": focus_missing,
            "strict_focus_missing": strict_focus_missing,
            "novel_terms": self.novel_share(analysis),
            "numbers_missing": float(
                sum(1 for number in analysis.numbers if not holds_number(numbers_at, number))
            ),
            "names_missing": float(
                sum(
                    1
                    for name in analysis.names
                    if name not in context_lowered and name not in lowered
                )
            ),
        }

    def _about_this_document(self, analysis: QuestionAnalysis) -> bool:
        """True when every word of the question, other than words for parts of a page
        ("headline", "wrote", "photo") and for the page itself, occurs in the corpus."""
        cues = set().union(*BLOCK_CUES.values()) | _DOCUMENT_WORDS
        for word, term in zip(analysis.content_words, analysis.terms, strict=True):
            if word in cues or word.startswith("photo"):
                continue
            known = term in self.statistics.frequency or any(
                alternative in self.statistics.frequency
                for alternative, _ in analysis.expansions.get(term, ())
            )
            if not known:
                return False
        return True

    def novel_share(self, analysis: QuestionAnalysis) -> float:
        """Share (idf-weighted) of the question's terms that nothing in the corpus matches,
        not even a close synonym: a question about what the documents never mention."""
        total = novel = 0.0
        for term in analysis.terms:
            weight = self.statistics.idf(term)
            total += weight
            known = term in self.statistics.frequency or any(
                alternative in self.statistics.frequency
                for alternative, _ in analysis.expansions.get(term, ())
            )
            if not known:
                novel += weight
        return novel / total if total else 0.0

    def _previous_sentence(self, chunk_id: int, sentence_index: int) -> str:
        chunk = self.index.chunks[chunk_id]
        previous = previous_sentence(self.index.chunks, chunk_id, sentence_index)
        if previous is None:
            return ""
        return self.index.documents[chunk.source].text[previous.start : previous.end]

    def confidence(self, features: dict[str, float]) -> float:
        """Probability that the best sentence answers: a logistic model of its features,
        capped below the abstention line where the sentence fails a hard check."""
        weights = confidence_weights()
        logit = weights["bias"] + sum(
            weights[name] * features[name] for name in CONFIDENCE_FEATURES
        )
        probability = _sigmoid(logit)
        if failed_checks(features):
            probability = min(probability, HARD_CHECK_CAP)
        return probability

    def _quote(self, candidate: _Candidate, start: int | None = None) -> Quote:
        """The candidate sentence as a quote; from ``start`` when an earlier sentence of its
        paragraph belongs to the proof."""
        chunk = candidate.hit.chunk
        document = self.index.documents[chunk.source]
        start = candidate.start if start is None else start
        paragraph_number = document.paragraph_of(start)
        block = document.blocks[paragraph_number - 1]
        return Quote(
            text=document.text[start : candidate.end],
            source=chunk.source,
            paragraph=paragraph_number,
            start=start,
            end=candidate.end,
            score=round(candidate.score, 4),
            context=document.text[block.start : block.end],
            context_start=block.start,
            page=document.page_of(start),
        )


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


def _number_spans(question: str, sentence: str) -> list[tuple[int, int]]:
    counting = re.search(r"\bhow (many|much)\b", question.lower()) is not None
    many = re.search(r"\bhow many\s+((?:[\w-]+\s*){1,4})", question.lower())
    # The words naming what is counted: "how many square kilometers", "how many pipes".
    counted = {word[:4] for word in many.group(1).split()} if many else None
    date_parts = [(m.start(), m.end()) for m in _DATE.finditer(sentence)]
    spans = []
    for match in _NUMBER.finditer(sentence):
        start, end = _with_unit(sentence, match.start(), match.end())
        # A day of the month or a year is part of a date, not a quantity.
        if any(ds <= match.start() and match.end() <= de for ds, de in date_parts):
            continue
        # "5G", "3D": a digit with a capital letter is part of a name, not a quantity.
        if re.match(r"[A-Z]", sentence[match.end() : match.end() + 1]):
            continue
        # "the first region" is a rank: it answers "which place", not "how many".
        if counting and _ORDINAL.fullmatch(match.group().lower()):
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
            and unit[0].lower() in _MEASURE_UNITS
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


# Words that say what kind of answer is wanted, not what it is about: "what kind of",
# "what is the name of".
_EMPTY_VERBS: dict[AnswerType, frozenset[str]] = {
    "place": frozenset("based located situated sited lie lies sit sits find found".split()),
    "date": frozenset("happen happens happened occur occurs occurred".split()),
}
_EMPTY_QUESTION_WORDS = frozenset("kind kinds type types sort sorts name names call called".split())


def _page_word(word: str) -> bool:
    # Only the words for photos: a byline does say "contributed to this story".
    return word in _PHOTO_CUES or word.startswith("photo")


def asks_about_photo(question: str) -> bool:
    return any(w in _PHOTO_CUES or w.startswith("photo") for w in words(question))


def _credit_start(sentence: str) -> int:
    match = _CREDIT.search(sentence)
    return match.start() if match else len(sentence)


def _spans_of_type(
    answer_type: AnswerType, sentence: str, question: str = ""
) -> list[tuple[int, int]]:
    if answer_type == "number":
        return _number_spans(question, sentence)
    if answer_type == "date":
        return [(m.start(), m.end()) for m in _DATE.finditer(sentence)]
    if answer_type in ("person", "organisation", "place"):
        names = _capitalised_spans(sentence)
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


def _given_in(span: str, question: str) -> bool:
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


_NAME_OF = re.compile(r"\bname of\s+(.*)", re.IGNORECASE)


def _named_head(question: str) -> str | None:
    """The noun whose name is asked: "the name of Fu Lijing's steel company" -> "company";
    the phrase ends at a function word or a name ("... company Fu Lijing works for")."""
    asked = _NAME_OF.search(question)
    if asked is None:
        return None
    head = None
    for word in re.findall(r"[\w'’-]+", asked.group(1)):
        if re.search(r"['’]s$", word):
            head = None  # a possessor: what follows is the thing
            continue
        if word.lower() in STOPWORDS or word[0].isupper():
            if head is not None:
                break
            continue
        head = word.lower()
    return head


def left_unnamed(question: str, sentence: str) -> bool:
    """Does the sentence speak of the thing whose name is asked only as "a steel company",
    "a huge solar farm", with no name beside it ("Fechnology, a high-tech company" names it)?"""
    head = _named_head(question)
    if head is None:
        return False
    head = head.removesuffix("s")
    mentions = list(
        re.finditer(
            rf"\b(a|an|the|its|their)\s+((?:[\w\"“”'-]+\s+){{0,3}}){head}s?\b", sentence, re.I
        )
    )
    if not mentions:
        return False
    for mention in mentions:
        modifiers = mention.group(2)
        before = sentence[: mention.start()]
        after = sentence[mention.end() :]
        named = (
            mention.group(1).lower() not in ("a", "an")
            or re.search(r"[A-Z\"“]", modifiers)
            or re.search(r"[A-Z][\w'’-]*,\s*$", before)  # "Fechnology, a company"
            or re.match(r"\s*(?:,\s*)?(?:called|named|known as|dubbed)\b", after)
        )
        if named:
            return False
    return True


def has_reason(sentence: str) -> bool:
    """Does ``sentence`` give a cause or a purpose ("because ...", "to reduce ...")?"""
    return _REASON.search(sentence) is not None


def has_answer_type(analysis: QuestionAnalysis, sentence: str) -> bool:
    """Does ``sentence`` hold a span of the type the question asks for, not given in it?

    A number must also stand near the thing the question counts ("268 smart coal mines").
    """
    if analysis.answer_type in ("other", "reason"):
        return True
    question = analysis.text.lower()
    spans = [
        (s, e)
        for s, e in _spans_of_type(analysis.answer_type, sentence, question)
        if not _given_in(sentence[s:e], question)
    ]
    if analysis.answer_type == "number" and analysis.focus and spans:
        anchors = [
            (start, end)
            for start, end, word in word_spans(sentence)
            if match_weight(analysis, analysis.focus[-1], {stem(word)}) > 0
        ]
        if anchors:
            spans = [span for span in spans if _distance(span, anchors) <= 150]
    kind = _PLACE_KIND_QUESTION.search(question)
    if analysis.answer_type == "place" and kind:
        # "Which county ...?" wants a name called a county: "Yanggao county", "the county
        # of Tianzhen"; "in China" is a place but not the county asked for.
        word = kind.group(1)
        noun = (
            re.sub(r"(ies|y)$", "(?:y|ies)", word)
            if word.endswith(("ies", "y"))
            else word.removesuffix("s") + "s?"
        )
        named = re.compile(rf"\b[A-Z][\w'’-]*\s+{noun}\b|\b{noun}\s+of\s+[A-Z]")
        return any(named.search(sentence[max(0, s - 30) : e + 30]) for s, e in spans)
    return bool(spans)


_PLACE_KIND_QUESTION = re.compile(
    r"\b(?:which|what)\s+(county|counties|city|cities|province|provinces|country|countries"
    r"|district|districts|village|villages|town|towns|region|regions)\b"
)


def count_bound(analysis: QuestionAnalysis, sentence: str) -> bool:
    """Does ``sentence`` give a number bound to the thing the question counts?

    "How many railway routes?" is answered by "15 railway routes" or "the number of
    railway routes reached 15", not by a number standing elsewhere in the sentence.
    """
    question = analysis.text.lower()
    if not analysis.focus or not re.search(r"\bhow many\b|\bnumber of\b", question):
        return False  # "how much electricity" wants an amount, which "50 percent of" is not
    heads = [
        (start, end)
        for start, end, word in word_spans(sentence)
        if match_weight(analysis, analysis.focus[-1], {stem(word)}) > 0
    ]
    for number_start, number_end in _number_spans(question, sentence):
        for head_start, head_end in heads:
            between = sentence[number_end:head_start]
            # Words between a count and its noun modify the noun, as the question's own
            # words do: "268 smart coal mines", not "6 buses serve tram lines".
            foreign = [
                word
                for word in words(between)
                if not any(match_weight(analysis, term, {stem(word)}) for term in analysis.terms)
            ]
            if (
                0 <= head_start - number_end <= 40
                and not re.search(r"[,.;:]|\d", between)
                and len(foreign) <= 1
            ):
                return True  # "15 railway routes", "268 smart coal mines"
            before, after = sentence[:head_start].lower(), sentence[head_end:number_start]
            if (
                0 <= number_start - head_end <= 60
                and re.search(r"\b(number|total|amount) of\s+(\S+\s+){0,4}$", before)
                and not re.search(r"[.;]", after)
            ):
                return True  # "the number of 5G base stations reaching 108,000"
    return False


def date_bound(analysis: QuestionAnalysis, sentence: str, predicate: list[str]) -> bool:
    """Does a date in ``sentence`` stand by what the question asks happened ("departs ... on
    Dec 6" for "when did it depart")? A date for something else does not answer "when"."""
    if analysis.answer_type != "date":
        return False
    anchors = [
        (start, end)
        for start, end, word in word_spans(sentence)
        if any(match_weight(analysis, term, {stem(word)}) for term in predicate)
    ]
    return any(_distance((m.start(), m.end()), anchors) <= 60 for m in _DATE.finditer(sentence))


def _with_unit(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Extend a number over a following unit word: "1,000 kilometers per hour"."""
    cursor = end
    while True:
        match = re.match(r"\s+([A-Za-z-]+)", sentence[cursor:])
        if not match or match.group(1).lower() not in _UNITS:
            return start, cursor
        cursor += match.end()


def _capitalised_spans(sentence: str) -> list[tuple[int, int]]:
    spans = []
    for match in _CAPITALISED.finditer(sentence):
        # A full stop inside a run ends one name and starts another ("Station. JOHN DOE").
        offset = match.start()
        for part in re.split(r"(?<=[a-z]{2}\.)\s+|(?<=[A-Z]{2}\.)\s+", match.group()):
            start = sentence.index(part, offset)
            offset = start + len(part)
            text = part.rstrip(".,'’")
            tokens = text.split()
            # Drop a sentence-initial function word ("The", "In") and leading titles.
            while tokens and (tokens[0].lower() in STOPWORDS or tokens[0].lower() in _TITLES):
                start += len(tokens[0]) + 1
                tokens = tokens[1:]
            # "Shanxi Governor Jin Xiangjun" -> "Jin Xiangjun": a title ends the prefix.
            titles = [i for i, token in enumerate(tokens[:-1]) if token.lower() in _TITLES]
            if titles:
                start += len(" ".join(tokens[: titles[-1] + 1])) + 1
                tokens = tokens[titles[-1] + 1 :]
            if tokens:
                spans.append((start, start + len(" ".join(tokens))))
    return spans


def _name_kind(sentence: str, span: tuple[int, int]) -> AnswerType:
    text = sentence[span[0] : span[1]]
    if re.fullmatch(rf"{_MONTHS}(?:\s+\d{{1,2}})?", text):
        return "date"  # "May", "Jan 17"
    tokens = [re.sub(r"['’]s$", "", t.lower()).strip(".,'’") for t in text.split()]
    following = sentence[span[1] :].split()[:1]
    preceding = sentence[: span[0]].split()[-3:]
    if any(t in _ORG_WORDS for t in tokens) or "/" in preceding:
        return "organisation"  # a word for an organisation, or the publication after a credit's "/"
    if any(t in _PLACE_WORDS for t in tokens) or (
        following and following[0].lower().strip(".,") in _PLACE_WORDS
    ):
        return "place"
    if (
        preceding
        and preceding[-1].lower() in _PLACE_PREPOSITIONS
        and not text.isupper()
        and not re.fullmatch(_MONTHS, text)  # "in August" is a time
    ):
        return "place"
    # "the county of Tianzhen"
    if (
        len(preceding) >= 2
        and preceding[-1].lower() == "of"
        and preceding[-2].lower() in _PLACE_WORDS
    ):
        return "place"
    if 2 <= len(tokens) <= 3 and (text.isupper() or all(t[:1].isalpha() for t in tokens)):
        return "person"
    return "other"


def extract_span(analysis: QuestionAnalysis, sentence: str) -> str:
    """The shortest verbatim part of ``sentence`` that answers: a number, date, name or clause."""
    question_terms = set(analysis.terms)
    question = analysis.text.lower()
    if analysis.answer_type == "other":
        chosen = (
            _either_or(question, sentence)
            or _name_given(question, sentence)
            or _focus_phrase(analysis, sentence)
        )
        if chosen is not None:
            return chosen
    spans = [
        (s, e)
        for s, e in _spans_of_type(analysis.answer_type, sentence, question)
        if not _given_in(sentence[s:e], question)
    ]
    if analysis.answer_type == "number":
        # A bare year answers "when", not "how many".
        counts = [(s, e) for s, e in spans if not re.fullmatch(r"(19|20)\d{2},?", sentence[s:e])]
        spans = counts or spans
    if spans:
        # The answer stands by what the question asks about, not by the names it mentions.
        names = {stem(name) for name in analysis.names}
        anchors = _term_positions(
            sentence, set(analysis.focus) or (question_terms - names) or question_terms
        )
        best = min(spans, key=lambda span: _distance(span, anchors))
        return sentence[best[0] : best[1]].rstrip(",")  # "2025," ends at the number
    return _clause(analysis, sentence, question_terms)


_ALTERNATIVES = re.compile(r"\b([a-z][\w-]*)\s+or\s+(?:(?:a|an|the|its|their)\s+)?([a-z][\w-]*)\b")
_NAMING_QUESTION = re.compile(r"\b(call|calls|called|known as|nicknamed?|dubbed|term)\b")
_NAMED = re.compile(
    r"\b(?:known as|called|dubbed|nicknamed|termed)\s+(.+?)(?=\s+(?:in|by|for|with|at|and is)\b|[,;.)]|$)",
    re.IGNORECASE,
)


def _focus_phrase(analysis: QuestionAnalysis, sentence: str) -> str | None:
    """ "Which index ...?", "what kind of growth ...?": the noun phrase the sentence builds on
    the asked noun ("comprehensive computing power index"), when it says more than the
    question does."""
    if not analysis.focus:
        return None
    head = analysis.focus[-1]
    tokens = list(word_spans(sentence))
    question_terms = set(analysis.terms)
    for position, (_, end, word) in enumerate(tokens):
        if match_weight(analysis, head, {stem(word)}) <= 0:
            continue
        first = position
        while (
            first > 0
            and position - first < 5
            and tokens[first - 1][2] not in STOPWORDS
            and not tokens[first - 1][2][0].isdigit()  # "40 electric buses": a count
            and not re.search(r"[^\s-]", sentence[tokens[first - 1][1] : tokens[first][0]])
        ):
            first -= 1
        modifiers = [w for _, _, w in tokens[first:position] if stem(w) not in question_terms]
        if modifiers:
            return sentence[tokens[first][0] : end]
    return None


def _either_or(question: str, sentence: str) -> str | None:
    """ "Is it a city or a county?": the one alternative the sentence says, as it says it."""
    for match in _ALTERNATIVES.finditer(question):
        found = [
            hit
            for word in match.groups()
            if (hit := re.search(rf"(?<!\w){re.escape(word)}(?!\w)", sentence, re.IGNORECASE))
        ]
        if len(found) == 1:
            return found[0].group()
    return None


def _name_given(question: str, sentence: str) -> str | None:
    """ "What is it called?": the name after "known as" or "called" in the sentence."""
    if not _NAMING_QUESTION.search(question):
        return None
    for match in _NAMED.finditer(sentence):
        name = match.group(1).strip(" \"'“”")
        if name and not _given_in(name, question):
            return name
    return None


def _term_positions(sentence: str, terms: set[str]) -> list[tuple[int, int]]:
    return [(start, end) for start, end, word in word_spans(sentence) if stem(word) in terms]


def _distance(span: tuple[int, int], anchors: list[tuple[int, int]]) -> float:
    """Characters between ``span`` and the nearest anchor word (0 when they touch)."""
    if not anchors:
        return float(span[0])
    return min(max(0, span[0] - end, start - span[1]) for start, end in anchors)


def _clause(analysis: QuestionAnalysis, sentence: str, question_terms: set[str]) -> str:
    """For what/why questions: the run of words the question does not already say.

    The sentence (without a caption's credit) is cut at clause punctuation; inside each
    piece, the words that match the question split it into runs, and the run with the
    most content words next to a matched word is the answer.
    """
    body = sentence[: _credit_start(sentence)].rstrip()
    matched_ends = [end for _, end, word in word_spans(body) if stem(word) in question_terms]
    if analysis.answer_type == "reason":
        purpose = re.search(r"\b(because|so that|in order to|to)\b", body)
        if purpose and (not matched_ends or purpose.start() >= min(matched_ends)):
            return _trim_clause(body[purpose.start() :])
    best: tuple[float, int, int] | None = None
    for piece in re.finditer(r"[^;.:()—]+?(?=\s[-—]\s|[;:()—]|\.(?:\s|$)|$)", body):
        tokens = list(word_spans(piece.group()))
        flags = [stem(word) in question_terms for _, _, word in tokens]
        run: list[int] = []
        for position in range(len(tokens) + 1):
            if position < len(tokens) and not flags[position]:
                run.append(position)
                continue
            if run:
                content = [i for i in run if tokens[i][2] not in STOPWORDS]
                adjacent = (run[0] > 0 and flags[run[0] - 1]) or (
                    run[-1] + 1 < len(tokens) and flags[run[-1] + 1]
                )
                if content:
                    score = min(len(content), 12) + (3.0 if adjacent else 0.0)
                    start = piece.start() + tokens[content[0]][0]
                    # Stopwords at either end belong to the question's words, not the answer.
                    end = piece.start() + tokens[content[-1]][1]
                    if best is None or score > best[0]:
                        best = (score, start, end)
            run = []
    if best is not None and best[2] > best[1]:
        return body[best[1] : best[2]]
    return sentence.strip()


def _trim_clause(text: str) -> str:
    text = text.lstrip(" ,;:\"'“”—-")
    match = re.search(r"(?:[.;](?:\s|$))|(?:\s[-—]\s)|$", text)
    end = match.start() if match else len(text)
    return text[:end].strip(" ,;:\"'“”") or text.strip()

"""Rank: which sentence of the retrieved chunks answers.

Every sentence is scored by a logistic model (``ranking.json``, fitted by
``eval/calibrate.py``) over what it shares with the question: dense similarity, idf-weighted
coverage of the question's terms and of what it asks about, and the hard checks of
:mod:`shanxi_qa.answer.checks`. The best sentences, with their neighbours, are what the reader reads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from shanxi_qa.answer.checks import (
    count_bound,
    date_bound,
    failed_checks,
    has_answer_type,
    left_unnamed,
    sigmoid,
)
from shanxi_qa.answer.spans import (
    NAMED,
    NAMING_QUESTION,
    asks_about_photo,
    has_reason,
    holds_number,
    page_word,
)
from shanxi_qa.index.build import previous_sentence
from shanxi_qa.index.embed import Vectors
from shanxi_qa.index.loaded import LoadedIndex
from shanxi_qa.language.match import TermStatistics, match_weight, weighted_coverage
from shanxi_qa.language.question import AnswerType, QuestionParse
from shanxi_qa.language.text import content_terms, refers_to_previous, words
from shanxi_qa.language.vocabulary import DOCUMENT_WORDS, EMPTY_QUESTION_WORDS, PHOTO_CUES
from shanxi_qa.records import Hit

# Words with which a question points at a kind of block rather than at its content.
BLOCK_CUES: dict[str, frozenset[str]] = {
    "headline": frozenset("headline title headlined titled".split()),
    "standfirst": frozenset("subheadline subhead subtitle standfirst deck strapline".split()),
    "byline": frozenset("wrote written write author writer reporter journalist byline".split()),
    "caption": PHOTO_CUES,
}


@dataclass
class Candidate:
    hit: Hit
    start: int
    end: int
    score: float
    features: dict[str, float]


# The least similarity at which a synonym stands in for the thing a question insists on.
STRICT_SYNONYM = 0.7


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


def read_weights(path: Path, names: tuple[str, ...]) -> dict[str, float]:
    weights = json.loads(path.read_text(encoding="utf-8"))
    missing = [name for name in ("bias", *names) if name not in weights]
    if missing:
        raise ValueError(f"{path} lacks weights for {', '.join(missing)}")
    return {name: float(value) for name, value in weights.items()}


@lru_cache(maxsize=1)
def ranking_weights() -> dict[str, float]:
    """The fitted sentence-ranking weights: ``bias`` and one per :data:`RANKING_FEATURES`."""
    return read_weights(RANKING_FILE, RANKING_FEATURES)


_SPEAKER_PRONOUN = re.compile(r"\b(he|she)\s+(said|added|says|noted)\b", re.IGNORECASE)


# Words that say what kind of answer is wanted, not what it is about: "what kind of",
# "what is the name of".
_EMPTY_VERBS: dict[AnswerType, frozenset[str]] = {
    "place": frozenset("based located situated sited lie lies sit sits find found".split()),
    "date": frozenset("happen happens happened occur occurs occurred".split()),
}


class SentenceRanker:
    """Scores every sentence of the retrieved chunks as the answer's home."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        self.statistics = TermStatistics(index)

    def candidates(
        self, analysis: QuestionParse, question_vector: Vectors, hits: list[Hit]
    ) -> list[Candidate]:
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
                candidates.append(Candidate(hit, sentence.start, sentence.end, 0.0, features))
        # How far each sentence falls behind the best of its rivals: the scale of similarity
        # varies from question to question, the order within one question much less.
        for name in ("dense", "sentence_coverage"):
            best = max((c.features[name] for c in candidates), default=0.0)
            for candidate in candidates:
                candidate.features[f"{name}_gap"] = best - candidate.features[name]
        ranking = ranking_weights()
        for candidate in candidates:
            # The probability that this sentence is the one that answers.
            candidate.score = sigmoid(
                ranking["bias"]
                + sum(ranking[name] * candidate.features[name] for name in RANKING_FEATURES)
            )
            candidate.features["ranking"] = candidate.score
        return candidates

    def features(
        self,
        analysis: QuestionParse,
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
            if not page_word(w)
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
            if w not in names and not page_word(w) and w not in empty_verbs
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
                bool(NAMING_QUESTION.search(analysis.text.lower()))
                and NAMED.search(sentence) is not None
            ),
            "date_question": float(analysis.answer_type == "date"),
            "left_unnamed": float(left_unnamed(analysis.text, sentence)),
            "asked_terms": float(
                len([w for w in analysis.content_words if w not in EMPTY_QUESTION_WORDS])
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

    def _about_this_document(self, analysis: QuestionParse) -> bool:
        """True when every word of the question, other than words for parts of a page
        ("headline", "wrote", "photo") and for the page itself, occurs in the corpus."""
        cues = set().union(*BLOCK_CUES.values()) | DOCUMENT_WORDS
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

    def novel_share(self, analysis: QuestionParse) -> float:
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

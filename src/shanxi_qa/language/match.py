"""Match: whether a question's term occurs in a text, as itself, as a derived word
("worker" for "work") or as one of its synonyms, and how much of a question a text covers,
weighted by idf.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from shanxi_qa.index.loaded import LoadedIndex
from shanxi_qa.language.question import QuestionParse
from shanxi_qa.language.text import STOPWORDS, content_terms, stem
from shanxi_qa.language.vocabulary import CALENDAR


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
    analysis: QuestionParse, term: str, text_terms: set[str], floor: float = 0.0
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
    analysis: QuestionParse,
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


def expand_terms(
    analysis: QuestionParse,
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


def with_corpus_names(analysis: QuestionParse, corpus_names: frozenset[str]) -> QuestionParse:
    """``analysis`` with the words the corpus only writes as names counted as names too: a
    lower-case question ("what does fu lijing hope for") still names Fu Lijing."""
    named = [
        word
        for word in analysis.content_words
        if word in corpus_names and word not in CALENDAR and word not in analysis.names
    ]
    if not named:
        return analysis
    return replace(analysis, names=(*analysis.names, *named))

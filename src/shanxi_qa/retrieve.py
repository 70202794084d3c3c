"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shanxi_qa.embed import Vectors
from shanxi_qa.index import LoadedIndex
from shanxi_qa.question import QuestionAnalysis
from shanxi_qa.records import RETRIEVAL_MODES, Hit, RetrievalMode

# Cormack et al.'s constant: damps the gap between the first ranks of each list.
RRF_K = 60


@dataclass(frozen=True)
class RetrievalConfig:
    """Retrieval settings, checked where they enter."""

    mode: RetrievalMode = "hybrid"
    top_k: int = 5

    def __post_init__(self) -> None:
        if self.mode not in RETRIEVAL_MODES:
            raise ValueError(
                f"mode must be one of {', '.join(RETRIEVAL_MODES)}. Currently, mode is {self.mode!r}"
            )
        if self.top_k <= 0:
            raise ValueError(f"top_k must be greater than 0. Currently, top_k is {self.top_k}")


def dense_ranking(index: LoadedIndex, question_vector: Vectors) -> list[tuple[int, float]]:
    """(chunk_id, cosine) for every chunk, best first.

    A chunk scores the better of its own cosine and that of its best sentence: a question
    about one sentence of a long paragraph matches the sentence more closely than the
    paragraph's averaged vector.
    """
    count = len(index.chunks)
    scores, ids = index.dense.search(np.ascontiguousarray(question_vector.reshape(1, -1)), count)
    best = {int(i): float(s) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0}
    sentence_scores = index.sentence_vectors @ question_vector.reshape(-1)
    for (chunk_id, _), score in zip(index.sentence_rows, sentence_scores, strict=True):
        best[chunk_id] = max(best.get(chunk_id, -1.0), float(score))
    return sorted(best.items(), key=lambda item: (-item[1], item[0]))


def bm25_ranking(index: LoadedIndex, terms: list[str]) -> list[tuple[int, float]]:
    """(chunk_id, BM25 score) for chunks sharing at least one term with the query, best first."""
    if not terms:
        return []
    scores = index.bm25.get_scores(terms)
    order = np.argsort(-scores, kind="stable")
    return [(int(i), float(scores[i])) for i in order if scores[i] > 0]


def retrieve(
    index: LoadedIndex,
    question: QuestionAnalysis,
    question_vector: Vectors,
    config: RetrievalConfig,
) -> list[Hit]:
    """The top-k chunks for ``question`` under ``config.mode``.

    BM25 reads the question's terms with their close corpus synonyms, so a paraphrase
    ("intelligent mines") still meets the passage's own words ("smart coal mines").
    """
    dense = dense_ranking(index, question_vector) if config.mode != "bm25" else []
    lexical = bm25_ranking(index, question.expanded_terms()) if config.mode != "dense" else []
    dense_rank = {chunk_id: rank for rank, (chunk_id, _) in enumerate(dense, start=1)}
    bm25_rank = {chunk_id: rank for rank, (chunk_id, _) in enumerate(lexical, start=1)}

    if config.mode == "dense":
        scored = dense
    elif config.mode == "bm25":
        # Normalise by the best score so that the number reads as a relative match.
        top = lexical[0][1] if lexical else 1.0
        scored = [(chunk_id, score / top) for chunk_id, score in lexical]
    else:
        fused: dict[int, float] = {}
        for ranking in (dense_rank, bm25_rank):
            for chunk_id, rank in ranking.items():
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
        # Scale so that first in both lists scores 1.0.
        best = 2.0 / (RRF_K + 1)
        scored = sorted(
            ((chunk_id, score / best) for chunk_id, score in fused.items()),
            key=lambda item: (-item[1], item[0]),
        )
    return [
        Hit(
            chunk=index.chunks[chunk_id],
            score=round(score, 4),
            dense_rank=dense_rank.get(chunk_id, 0),
            bm25_rank=bm25_rank.get(chunk_id, 0),
        )
        for chunk_id, score in scored[: config.top_k]
    ]

"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from shanxi_qa.index.embed import Vectors
from shanxi_qa.index.loaded import LoadedIndex
from shanxi_qa.language.question import QuestionParse
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


def _order(scores: npt.NDArray[Any], keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
    """Chunk ids where ``keep`` holds, best score first, ties by chunk id."""
    ids = np.flatnonzero(keep)
    return ids[np.lexsort((ids, -scores[ids]))]


def _dense_scores(index: LoadedIndex, question_vector: Vectors) -> npt.NDArray[np.float32]:
    """Each chunk's dense score (``-inf`` for a chunk FAISS did not return)."""
    count = len(index.chunks)
    scores, ids = index.dense.search(np.ascontiguousarray(question_vector.reshape(1, -1)), count)
    best = np.full(count, -np.inf, dtype=np.float32)
    found = ids[0] >= 0
    best[ids[0][found]] = scores[0][found]
    sentence_scores = index.sentence_vectors @ question_vector.reshape(-1)
    np.maximum.at(best, index.sentence_chunks, sentence_scores.astype(np.float32))
    return best


def retrieve(
    index: LoadedIndex,
    question: QuestionParse,
    question_vector: Vectors,
    config: RetrievalConfig,
    source: str | None = None,
) -> list[Hit]:
    """The top-k chunks for ``question`` under ``config.mode`` (from ``source`` alone when
    given: a document's source name, as in :attr:`LoadedIndex.documents`).

    BM25 reads the question's terms with their close corpus synonyms, so a paraphrase
    ("intelligent mines") still meets the passage's own words ("smart coal mines").
    Scores and ranks are computed with numpy over every chunk at once; Python touches only
    the top k.
    """
    count = len(index.chunks)
    allowed = index.chunk_mask(source)
    dense_rank = np.zeros(count, dtype=np.int64)  # 1-based, 0: not ranked
    bm25_rank = np.zeros(count, dtype=np.int64)
    if config.mode != "bm25":
        dense_scores = _dense_scores(index, question_vector)
        dense_order = _order(dense_scores, np.isfinite(dense_scores) & allowed)
        dense_rank[dense_order] = np.arange(1, len(dense_order) + 1)
    terms = question.expanded_terms() if config.mode != "dense" else []
    if terms:
        bm25_scores = np.asarray(index.bm25.get_scores(terms))
        bm25_order = _order(bm25_scores, (bm25_scores > 0) & allowed)
        bm25_rank[bm25_order] = np.arange(1, len(bm25_order) + 1)
    else:
        bm25_order = np.zeros(0, dtype=np.intp)

    if config.mode == "dense":
        order = dense_order[: config.top_k]
        scored = [(int(i), float(dense_scores[i])) for i in order]
    elif config.mode == "bm25":
        # Normalise by the best score so that the number reads as a relative match.
        top = float(bm25_scores[bm25_order[0]]) if len(bm25_order) else 1.0
        scored = [(int(i), float(bm25_scores[i]) / top) for i in bm25_order[: config.top_k]]
    else:
        fused = np.zeros(count, dtype=np.float64)
        for ranks in (dense_rank, bm25_rank):
            ranked = ranks > 0
            fused[ranked] += 1.0 / (RRF_K + ranks[ranked])
        # Scale so that first in both lists scores 1.0.
        best = 2.0 / (RRF_K + 1)
        order = _order(fused, fused > 0)[: config.top_k]
        scored = [(int(i), float(fused[i]) / best) for i in order]
    return [
        Hit(
            chunk=index.chunks[chunk_id],
            score=round(score, 4),
            dense_rank=int(dense_rank[chunk_id]),
            bm25_rank=int(bm25_rank[chunk_id]),
        )
        for chunk_id, score in scored
    ]

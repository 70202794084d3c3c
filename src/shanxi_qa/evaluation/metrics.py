"""Evaluation metrics: small pure functions over parallel lists.

Every metric returns a dict with ``score`` (the mean over questions) and
``individual_scores`` (one float per question, in input order), in the style of
Haystack's evaluators. :func:`abstention` adds its precision, recall, F1 and the
count of wrong abstentions. :func:`expected_calibration_error` and
:func:`reliability_bins` measure how well confidences match correctness.

Conventions shared by the answer metrics (:func:`exact_match`, :func:`f1`,
:func:`answer_hit`):

* A prediction of ``None`` means the system abstained.
* A question with at least one gold answer is answerable: abstaining on it scores 0.
* A question with an empty gold list is unanswerable (SQuAD 2.0 convention): it
  scores 1 when the system abstained (``None`` or a prediction that normalises to
  the empty string) and 0 otherwise.
* Empty inputs give ``score == 0.0``; lists of different lengths raise ``ValueError``.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import TypedDict

__all__ = [
    "AbstentionResult",
    "MetricResult",
    "ReliabilityBin",
    "abstention",
    "answer_hit",
    "exact_match",
    "expected_calibration_error",
    "f1",
    "mrr",
    "normalize_answer",
    "percentile",
    "recall_at_k",
    "reliability_bins",
]


class MetricResult(TypedDict):
    score: float
    individual_scores: list[float]


class AbstentionResult(TypedDict):
    abstain_precision: float
    abstain_recall: float
    abstain_f1: float
    wrong_abstentions: int
    score: float
    individual_scores: list[float]


class ReliabilityBin(TypedDict):
    low: float
    high: float
    count: int
    confidence: float  # mean confidence in the bin (0 when empty)
    accuracy: float  # share correct in the bin (0 when empty)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ASCII_PUNCTUATION = frozenset(string.punctuation)


def _is_punctuation(char: str) -> bool:
    # ASCII punctuation as in the SQuAD script, plus Unicode punctuation
    # (em dashes, curly quotes) which the SQuAD script would keep.
    return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")


def normalize_answer(s: str) -> str:
    """SQuAD normalisation: lower case, drop punctuation and articles, collapse whitespace."""
    lowered = s.lower()
    no_punctuation = "".join(char for char in lowered if not _is_punctuation(char))
    no_articles = _ARTICLES.sub(" ", no_punctuation)
    return " ".join(no_articles.split())


def _check_lengths(*sequences: Sequence[object]) -> None:
    lengths = {len(sequence) for sequence in sequences}
    if len(lengths) > 1:
        raise ValueError(f"inputs must have the same length, got lengths {sorted(lengths)}")


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _result(individual_scores: list[float]) -> MetricResult:
    return {"score": _mean(individual_scores), "individual_scores": individual_scores}


def _abstained(prediction: str | None) -> bool:
    return prediction is None or normalize_answer(prediction) == ""


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD's token F1 of ``prediction`` against one ``gold`` answer, after normalisation."""
    prediction_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not prediction_tokens or not gold_tokens:
        # SQuAD: when either side is empty, F1 is 1 only if both are.
        return float(prediction_tokens == gold_tokens)
    common = Counter(prediction_tokens) & Counter(gold_tokens)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(prediction_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def exact_match(predictions: list[str | None], golds: list[list[str]]) -> MetricResult:
    """1 per question when the normalised prediction equals any normalised gold answer."""
    _check_lengths(predictions, golds)
    scores: list[float] = []
    for prediction, answers in zip(predictions, golds, strict=True):
        if not answers:
            scores.append(float(_abstained(prediction)))
        elif prediction is None:
            scores.append(0.0)
        else:
            normalised = normalize_answer(prediction)
            scores.append(float(any(normalised == normalize_answer(a) for a in answers)))
    return _result(scores)


def f1(predictions: list[str | None], golds: list[list[str]]) -> MetricResult:
    """SQuAD token F1 per question: the best F1 over the gold answers."""
    _check_lengths(predictions, golds)
    scores: list[float] = []
    for prediction, answers in zip(predictions, golds, strict=True):
        if not answers:
            scores.append(float(_abstained(prediction)))
        elif prediction is None:
            scores.append(0.0)
        else:
            scores.append(max(token_f1(prediction, a) for a in answers))
    return _result(scores)


def _contains_tokens(haystack: str, needle: str) -> bool:
    # Whole-token containment, so the gold "15" is not found inside "150".
    return f" {needle} " in f" {haystack} "


def answer_hit(
    predictions: list[str | None],
    first_quotes: list[str | None],
    golds: list[list[str]],
) -> MetricResult:
    """1 per question when a gold answer lies in the prediction or in the first quote.

    Matching is on normalised text and whole tokens. Gold answers that normalise to
    the empty string are ignored. On an unanswerable question (no gold answers) the
    hit is 1 when the system abstained (``None``, or a prediction that normalises
    to the empty string).
    """
    _check_lengths(predictions, first_quotes, golds)
    scores: list[float] = []
    for prediction, quote, answers in zip(predictions, first_quotes, golds, strict=True):
        if not answers:
            scores.append(float(_abstained(prediction)))
            continue
        texts = [normalize_answer(t) for t in (prediction, quote) if t is not None]
        needles = [n for n in (normalize_answer(a) for a in answers) if n]
        hit = any(_contains_tokens(text, needle) for text in texts for needle in needles)
        scores.append(float(hit))
    return _result(scores)


def _check_ranks(hit_ranks: list[int]) -> None:
    if any(rank < 0 for rank in hit_ranks):
        raise ValueError("hit ranks are 1-based, or 0 for not retrieved; got a negative rank")


def recall_at_k(hit_ranks: list[int], k: int) -> MetricResult:
    """1 per question when the first relevant item is ranked 1..k (rank 0 = not retrieved)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    _check_ranks(hit_ranks)
    return _result([float(1 <= rank <= k) for rank in hit_ranks])


def mrr(hit_ranks: list[int]) -> MetricResult:
    """Mean reciprocal rank: 1/rank per question, 0 when not retrieved (rank 0)."""
    _check_ranks(hit_ranks)
    return _result([1.0 / rank if rank > 0 else 0.0 for rank in hit_ranks])


def abstention(abstained: list[bool], unanswerable: list[bool]) -> AbstentionResult:
    """How well the system abstains exactly on the unanswerable questions.

    * ``abstain_precision`` = correct abstentions / all abstentions.
    * ``abstain_recall`` = correct abstentions / unanswerable questions.
    * ``abstain_f1`` = their harmonic mean (0 when both are 0); also ``score``.
    * ``wrong_abstentions`` = answerable questions the system abstained on.
    * ``individual_scores`` = 1 per question when the decision (abstain or answer)
      was right.

    0/0 counts as 1.0: a system that never abstains made no wrong abstention
    (precision 1.0), and with no unanswerable questions there is nothing to miss
    (recall 1.0). So never abstaining on a set with unanswerable questions gives
    precision 1.0, recall 0.0, F1 0.0; never abstaining on a set without them gives
    1.0 throughout.
    """
    _check_lengths(abstained, unanswerable)
    correct = sum(1 for a, u in zip(abstained, unanswerable, strict=True) if a and u)
    wrong = sum(1 for a, u in zip(abstained, unanswerable, strict=True) if a and not u)
    abstentions = correct + wrong
    unanswerable_count = sum(unanswerable)
    precision = correct / abstentions if abstentions else 1.0
    recall = correct / unanswerable_count if unanswerable_count else 1.0
    f1_score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "abstain_precision": precision,
        "abstain_recall": recall,
        "abstain_f1": f1_score,
        "wrong_abstentions": wrong,
        "score": f1_score,
        "individual_scores": [float(a == u) for a, u in zip(abstained, unanswerable, strict=True)],
    }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0 <= q <= 100) with linear interpolation, as numpy's default."""
    if not values:
        raise ValueError("percentile of an empty list")
    if not 0.0 <= q <= 100.0:  # also rejects NaN
        raise ValueError(f"q must be within [0, 100], got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> list[ReliabilityBin]:
    """Equal-width confidence bins over [0, 1]: count, mean confidence and accuracy of each.

    Bin ``i`` holds confidences in ``[i/bins, (i+1)/bins)``; the last bin also holds 1.0.
    Confidences outside [0, 1] are clipped into it.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    _check_lengths(confidences, correct)
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, right in zip(confidences, correct, strict=True):
        clipped = min(max(float(confidence), 0.0), 1.0)
        members[min(int(clipped * bins), bins - 1)].append((clipped, bool(right)))
    return [
        {
            "low": i / bins,
            "high": (i + 1) / bins,
            "count": len(group),
            "confidence": _mean([c for c, _ in group]),
            "accuracy": _mean([float(r) for _, r in group]),
        }
        for i, group in enumerate(members)
    ]


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """ECE: the count-weighted mean gap between accuracy and mean confidence per bin (0..1).

    ``confidences[i]`` is the probability the system gives that its output ``i`` is right and
    ``correct[i]`` whether it was; bins as :func:`reliability_bins`. Empty input gives 0.0.
    """
    table = reliability_bins(confidences, correct, bins)
    total = sum(b["count"] for b in table)
    if not total:
        return 0.0
    return sum(b["count"] * abs(b["accuracy"] - b["confidence"]) for b in table) / total

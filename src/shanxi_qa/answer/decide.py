"""Decide: whether to give the reader's best span, and how sure to be of it.

One fitted model, the last of the answering stage (the other is the sentence ranker): a logistic
regression over the reader's margin (its best span against the no-answer score), how much of
the question the sentence holding the span covers, and how many hard checks that sentence
fails (:func:`shanxi_qa.answer.checks.failed_checks`, reported with the answer by name).
``eval/fit_decision.py`` fits it on questions the reader never saw (Spectre's even paragraphs,
asked against the whole article, and the seed calibration set), through the same
:meth:`Pipeline.run` path that serves questions, and writes ``decide.json``; its
confidence is the probability that the answer is right, and ``abstain_below`` the one line
below which the answerer abstains.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DECIDE_FILE = Path(__file__).with_name("decide.json")

# The features the confidence is computed from, in the order of the fitted weights.
DECISION_FEATURES = (
    "margin",  # best span score minus the no-answer score of its window
    "margin_least",  # ... minus the least no-answer score of every window read
    "span_share",  # softmax share of the best span among the spans proposed
    "ranking",  # the sentence ranker's probability for the sentence holding the span
    "checks_failed",  # how many hard checks that sentence fails
    "dense",  # the question's similarity to that sentence
    "sentence_coverage",  # idf-weighted share of the question's terms the sentence holds
    "coverage",  # ... that the sentence and its paragraph hold
    "names_missing",  # names of the question found nowhere near
    "numbers_missing",  # numbers of the question absent from its paragraph
)


@dataclass(frozen=True)
class Decision:
    """The features of the chosen span and the confidence that it answers."""

    features: dict[str, float]
    confidence: float
    span: str | None = None  # the best span, given or (when abstaining) withheld


def _sigmoid(value: float) -> float:
    if value < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-value))


@lru_cache(maxsize=1)
def decision_weights() -> dict[str, float]:
    """``bias``, the fitted abstention line ``abstain_below`` and one weight per name in
    :data:`DECISION_FEATURES`."""
    weights = json.loads(DECIDE_FILE.read_text(encoding="utf-8"))
    missing = [
        name for name in ("bias", "abstain_below", *DECISION_FEATURES) if name not in weights
    ]
    if missing:
        raise ValueError(f"{DECIDE_FILE} lacks weights for {', '.join(missing)}")
    return {name: float(weights[name]) for name in ("bias", "abstain_below", *DECISION_FEATURES)}


def span_share(scores: list[float]) -> float:
    """The softmax probability of the first (best) score among ``scores``."""
    if not scores:
        return 0.0
    top = max(scores)
    total = sum(math.exp(s - top) for s in scores)
    return math.exp(scores[0] - top) / total


def decide(features: dict[str, float], weights: dict[str, float] | None = None) -> Decision:
    weights = weights or decision_weights()
    logit = weights["bias"] + sum(weights[name] * features[name] for name in DECISION_FEATURES)
    return Decision(features=features, confidence=_sigmoid(logit))

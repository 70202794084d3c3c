"""Fit the abstention model's weights on the calibration questions (eval/train.jsonl).

The gold set (eval/gold.jsonl) is never used here, so the evaluation stays honest.
Usage: .venv/bin/python eval/calibrate.py [--write]

For each question the pipeline picks its best sentence and computes its features; the
label is 1 for an answerable question and 0 for one the article does not answer. Questions
whose best sentence fails a hard check (``failed_checks``) are left out: they abstain
whatever the weights. A logistic regression with a small L2 penalty maps the sentence's
features to the probability of being right; ``--write`` stores the weights in
src/shanxi_qa/confidence.json, which the answerer reads.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from shanxi_qa.answer import CONFIDENCE_FEATURES, CONFIDENCE_FILE, failed_checks
from shanxi_qa.evaluate import load_gold
from shanxi_qa.pipeline import REPO_ROOT, Pipeline
from shanxi_qa.retrieve import retrieve


def collect(pipeline: Pipeline, path: Path) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for item in load_gold(path):
        analysis, vector = pipeline._analyse(item.question)
        hits = retrieve(pipeline.index, analysis, vector, pipeline.config.retrieval)
        candidates = pipeline.answerer.candidates(analysis, vector, hits)
        best = max(candidates, key=lambda c: c.score)
        if failed_checks(best.features):
            continue  # decided by the hard checks, whatever the weights
        right = bool(item.answers)
        rows.append([best.features[name] for name in CONFIDENCE_FEATURES])
        labels.append(float(right))
    return np.array(rows), np.array(labels)


def fit(features: np.ndarray, labels: np.ndarray, l2: float = 0.05, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method; returns [bias, *weights]."""
    x = np.hstack([np.ones((len(features), 1)), features])
    weights = np.zeros(x.shape[1])
    penalty = l2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ weights)))
        gradient = x.T @ (p - labels) + penalty @ weights
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + penalty
        weights -= np.linalg.solve(hessian, gradient)
    return weights


# The direction each feature may push confidence: more similarity or coverage never makes
# an answer less likely right, a missing number never makes it more likely. A weight that
# fits with the wrong sign (noise in a small set) is dropped and the rest refitted.
SIGNS = {
    "dense": 1,
    "sentence_coverage": 1,
    "coverage": 1,
    "type_missing": -1,
    "focus_missing": -1,
    "novel_terms": -1,
    "block_cue": 1,
    "numbers_missing": -1,
    "names_missing": -1,
}


def fit_signed(features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """:func:`fit` with the weights held to :data:`SIGNS`."""
    active = list(range(features.shape[1]))
    while True:
        weights = np.zeros(features.shape[1] + 1)
        fitted = fit(features[:, active], labels)
        weights[0] = fitted[0]
        weights[[i + 1 for i in active]] = fitted[1:]
        wrong = [i for i in active if weights[i + 1] * SIGNS[CONFIDENCE_FEATURES[i]] < 0]
        if not wrong:
            return weights
        active.remove(max(wrong, key=lambda i: abs(weights[i + 1])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=REPO_ROOT / "eval" / "train.jsonl")
    parser.add_argument("--write", action="store_true", help="store the weights for the answerer")
    args = parser.parse_args()
    pipeline = Pipeline()
    features, labels = collect(pipeline, args.train)
    weights = fit_signed(features, labels)
    probabilities = 1.0 / (
        1.0 + np.exp(-(np.hstack([np.ones((len(features), 1)), features]) @ weights))
    )
    accuracy = float(((probabilities >= 0.5) == (labels == 1)).mean())
    result = {"bias": round(float(weights[0]), 4)} | {
        name: round(float(w), 4) for name, w in zip(CONFIDENCE_FEATURES, weights[1:], strict=True)
    }
    print(json.dumps(result, indent=2))
    print(
        f"{len(labels)} questions, {int(labels.sum())} answerable; training accuracy {accuracy:.3f}"
    )
    if args.write:
        CONFIDENCE_FILE.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {CONFIDENCE_FILE}")


if __name__ == "__main__":
    main()

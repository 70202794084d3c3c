"""Fit the answerer's two small models on the calibration questions (eval/train.jsonl).

The gold set (eval/gold.jsonl) is never used here, so the evaluation stays honest.
Usage: .venv/bin/python eval/calibrate.py [--write]

1. Sentence ranking (src/shanxi_qa/ranking.json): every sentence of the retrieved chunks
   of an answerable question is an example, labelled 1 when it is (part of) the question's
   evidence sentence.
2. Abstention (src/shanxi_qa/confidence.json): with that ranking, the best sentence of
   each question is an example, labelled 1 for an answerable question and 0 for one the
   article does not answer. Questions whose best sentence fails a hard check
   (``failed_checks``) are left out: they abstain whatever the weights.

Both are logistic regressions with a small L2 penalty, each weight held to the sign that
makes sense (more similarity never lowers the odds; a missing number never raises them).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from shanxi_qa import checks, rank
from shanxi_qa.answer import AnswerConfig
from shanxi_qa.evaluate import GoldQuestion, load_gold
from shanxi_qa.pipeline import REPO_ROOT, Pipeline
from shanxi_qa.retrieve import retrieve

# The share of questions users ask that the documents answer: the held-out check
# asks 42 answerable and 8 unanswerable questions.
ANSWERABLE_SHARE = 0.84

# +1: may only raise the odds; -1: may only lower them.
SIGNS = {
    "ranking": 1,
    "predicate_coverage": 1,
    "reason_missing": -1,
    "dense": 1,
    "sentence_coverage": 1,
    "coverage": 1,
    "retrieval": 1,
    "answer_room": 1,
    "name_given": 1,
    "date_bound": 1,
    "count_bound": 1,
    "checks_failed": -1,
    "dense_gap": -1,
    "sentence_coverage_gap": -1,
    "type_missing": -1,
    "focus_missing": -1,
    "novel_terms": -1,
    "block_cue": 1,
    "numbers_missing": -1,
    "names_missing": -1,
}


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


def fit_signed(
    features: np.ndarray, labels: np.ndarray, names: tuple[str, ...]
) -> dict[str, float]:
    """:func:`fit` with each weight held to :data:`SIGNS`: a weight that fits with the wrong
    sign (noise in a small set) is dropped and the rest refitted."""
    active = list(range(len(names)))
    while True:
        fitted = fit(features[:, active], labels)
        weights = dict.fromkeys(names, 0.0)
        weights.update({names[i]: float(w) for i, w in zip(active, fitted[1:], strict=True)})
        wrong = [i for i in active if weights[names[i]] * SIGNS[names[i]] < 0]
        if not wrong:
            return {"bias": round(float(fitted[0]), 4)} | {
                k: round(v, 4) for k, v in weights.items()
            }
        active.remove(max(wrong, key=lambda i: abs(weights[names[i]])))


def _squash(text: str) -> str:
    return " ".join(text.split())


def _candidates(
    pipeline: Pipeline, item: GoldQuestion
) -> list[tuple[str, dict[str, float], float]]:
    analysis, vector = pipeline._analyse(item.question)
    hits = retrieve(pipeline.index, analysis, vector, pipeline.config.retrieval)
    out = []
    for candidate in pipeline.answerer.ranker.candidates(analysis, vector, hits):
        text = pipeline.index.documents[candidate.hit.chunk.source].text[
            candidate.start : candidate.end
        ]
        out.append((text, candidate.features, candidate.score))
    return out


def ranking_examples(pipeline: Pipeline, gold: list[GoldQuestion]) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for item in gold:
        if not item.evidence:
            continue
        evidence = _squash(item.evidence)
        for text, features, _ in _candidates(pipeline, item):
            sentence = _squash(text)
            rows.append([features[name] for name in rank.RANKING_FEATURES])
            labels.append(float(sentence in evidence or evidence in sentence))
    return np.array(rows), np.array(labels)


def abstention_examples(
    pipeline: Pipeline, gold: list[GoldQuestion]
) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for item in gold:
        candidates = _candidates(pipeline, item)
        _, features, _ = max(candidates, key=lambda c: c[2])
        if checks.failed_checks(features):
            continue
        rows.append([features[name] for name in checks.CONFIDENCE_FEATURES])
        labels.append(float(bool(item.answers)))
    return np.array(rows), np.array(labels)


Candidates = list[tuple[str, dict[str, float], float]]


def _ranked(candidates: Candidates, ranking: dict[str, float]) -> Candidates:
    """The candidates scored by ``ranking`` weights (their features' "ranking" too)."""
    out = []
    for text, features, _ in candidates:
        logit = ranking["bias"] + sum(ranking[n] * features[n] for n in rank.RANKING_FEATURES)
        score = 1.0 / (1.0 + math.exp(-logit))
        out.append((text, {**features, "ranking": score}, score))
    return out


def _prior_shift(gold: list[GoldQuestion], answerable_share: float) -> float:
    answerable = sum(1 for item in gold if item.answers)
    return math.log(answerable_share / (1 - answerable_share)) - math.log(
        answerable / (len(gold) - answerable)
    )


def cross_validate(
    pipeline: Pipeline, gold: list[GoldQuestion], folds: int, answerable_share: float
) -> dict[str, int]:
    """Both models fitted on all folds but one and judged on that one, in turn: how the
    answerer does on calibration questions it was not fitted on."""
    items = [(item, _candidates(pipeline, item)) for item in gold]
    counts = dict.fromkeys(("answerable", "answered_right", "unanswerable", "abstained"), 0)
    for fold in range(folds):
        fitted = [x for i, x in enumerate(items) if i % folds != fold]
        held_out = [x for i, x in enumerate(items) if i % folds == fold]
        rows, labels = [], []
        for item, candidates in fitted:
            if item.evidence:
                evidence = _squash(item.evidence)
                for text, features, _ in candidates:
                    rows.append([features[n] for n in rank.RANKING_FEATURES])
                    labels.append(float(_squash(text) in evidence or evidence in _squash(text)))
        ranking = fit_signed(np.array(rows), np.array(labels), rank.RANKING_FEATURES)
        rows, labels = [], []
        for item, candidates in fitted:
            _, features, _ = max(_ranked(candidates, ranking), key=lambda c: c[2])
            if not checks.failed_checks(features):
                rows.append([features[n] for n in checks.CONFIDENCE_FEATURES])
                labels.append(float(bool(item.answers)))
        confidence = fit_signed(np.array(rows), np.array(labels), checks.CONFIDENCE_FEATURES)
        confidence["bias"] += _prior_shift([item for item, _ in fitted], answerable_share)
        for item, candidates in held_out:
            text, features, _ = max(_ranked(candidates, ranking), key=lambda c: c[2])
            logit = confidence["bias"] + sum(
                confidence[n] * features[n] for n in checks.CONFIDENCE_FEATURES
            )
            answered = 1.0 / (1.0 + math.exp(-logit)) >= AnswerConfig().abstain_below
            answered = answered and not checks.failed_checks(features)
            if item.answers:
                counts["answerable"] += 1
                counts["answered_right"] += answered and any(a in text for a in item.answers)
            else:
                counts["unanswerable"] += 1
                counts["abstained"] += not answered
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--train", type=Path, default=REPO_ROOT / "eval" / "train.jsonl")
    parser.add_argument("--write", action="store_true", help="store the weights for the answerer")
    parser.add_argument(
        "--answerable-share",
        type=float,
        default=ANSWERABLE_SHARE,
        help="share of real questions the documents answer (default: %(default)s)",
    )
    parser.add_argument(
        "--folds",
        type=int,
        default=0,
        help="instead of fitting, report K-fold cross-validation on the calibration set",
    )
    args = parser.parse_args()
    if not 0.0 < args.answerable_share < 1.0:
        parser.error("--answerable-share must be between 0 and 1")
    if args.folds == 1 or args.folds < 0:
        parser.error("--folds must be 2 or more")
    gold = load_gold(args.train)
    pipeline = Pipeline()
    if args.folds:
        counts = cross_validate(pipeline, gold, args.folds, args.answerable_share)
        print(
            f"{args.folds}-fold cross-validation on {len(gold)} calibration questions:\n"
            f"  answered right: {counts['answered_right']}/{counts['answerable']}"
            f" ({counts['answered_right'] / counts['answerable']:.1%}) of the answerable\n"
            f"  abstained:      {counts['abstained']}/{counts['unanswerable']}"
            f" ({counts['abstained'] / counts['unanswerable']:.1%}) of the unanswerable"
        )
        return

    features, labels = ranking_examples(pipeline, gold)
    ranking = fit_signed(features, labels, rank.RANKING_FEATURES)
    print("ranking", json.dumps(ranking))
    print(f"  {len(labels)} sentences, {int(labels.sum())} evidence")
    if args.write:
        rank.RANKING_FILE.write_text(json.dumps(ranking, indent=2) + "\n", encoding="utf-8")
        rank.ranking_weights.cache_clear()

    features, labels = abstention_examples(pipeline, gold)
    confidence = fit_signed(features, labels, checks.CONFIDENCE_FEATURES)
    # The calibration set asks many more unanswerable questions than users do, on purpose
    # (they teach the model what a trap looks like); shift the odds to the users' mix.
    shift = _prior_shift(gold, args.answerable_share)
    confidence["bias"] = round(confidence["bias"] + shift, 4)
    answerable = sum(1 for item in gold if item.answers)
    print(f"  prior shift {shift:+.3f} ({answerable}/{len(gold)} answerable here)")
    print("abstention", json.dumps(confidence))
    print(f"  {len(labels)} questions past the hard checks, {int(labels.sum())} answerable")
    if args.write:
        checks.CONFIDENCE_FILE.write_text(json.dumps(confidence, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {rank.RANKING_FILE} and {checks.CONFIDENCE_FILE}")


if __name__ == "__main__":
    main()

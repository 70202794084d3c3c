"""Fit the sentence ranker (src/shanxi_qa/ranking.json) on the calibration questions
(eval/train.jsonl). The answer-or-abstain model is the other fitted model of the answering
stage; ``eval/fit_decision.py`` fits it.

The gold set (eval/gold.jsonl) is never used here, so the evaluation stays honest.
Usage: .venv/bin/python eval/calibrate.py [--write] [--folds K]

Every sentence of the retrieved chunks of an answerable question is an example, labelled 1
when it is (part of) the question's evidence sentence. The model is a logistic regression with
a small L2 penalty, each weight held to the sign that makes sense (more similarity never lowers
the odds; a missing number never raises them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from shanxi_qa.answer import rank
from shanxi_qa.evaluation.evaluate import GoldQuestion, load_gold, seed_only
from shanxi_qa.index.retrieve import retrieve
from shanxi_qa.paths import DEFAULT_INDEX, DEFAULT_LIBRARY, REPO_ROOT
from shanxi_qa.pipeline import Pipeline, PipelineConfig

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
    analysis, vector = pipeline.analyse(item.question)
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


def _is_evidence(text: str, evidence: str) -> bool:
    sentence = _squash(text)
    return sentence in evidence or evidence in sentence


def _score(ranking: dict[str, float], features: dict[str, float]) -> float:
    return ranking["bias"] + sum(ranking[n] * features[n] for n in rank.RANKING_FEATURES)


def cross_validate(pipeline: Pipeline, gold: list[GoldQuestion], folds: int) -> tuple[int, int]:
    """The ranker fitted on all folds but one and judged on that one, in turn: for how many
    held-out answerable questions the best-ranked sentence is the evidence."""
    items = [(item, _candidates(pipeline, item)) for item in gold if item.evidence]
    hits = 0
    for fold in range(folds):
        rows, labels = [], []
        for i, (item, candidates) in enumerate(items):
            if i % folds != fold:
                for text, features, _ in candidates:
                    rows.append([features[n] for n in rank.RANKING_FEATURES])
                    labels.append(float(_is_evidence(text, _squash(item.evidence or ""))))
        ranking = fit_signed(np.array(rows), np.array(labels), rank.RANKING_FEATURES)
        for i, (item, candidates) in enumerate(items):
            if i % folds == fold and candidates:
                best = max(candidates, key=lambda c: _score(ranking, c[1]))
                hits += _is_evidence(best[0], _squash(item.evidence or ""))
    return hits, len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--train", type=Path, default=REPO_ROOT / "eval" / "train.jsonl")
    parser.add_argument("--write", action="store_true", help="store the weights for the answerer")
    parser.add_argument(
        "--folds",
        type=int,
        default=0,
        help="instead of fitting, report K-fold cross-validation on the calibration set",
    )
    args = parser.parse_args()
    if args.folds == 1 or args.folds < 0:
        parser.error("--folds must be 2 or more")
    gold = load_gold(args.train)
    pipeline = Pipeline(PipelineConfig(*seed_only(DEFAULT_LIBRARY, DEFAULT_INDEX)))
    if args.folds:
        hits, total = cross_validate(pipeline, gold, args.folds)
        print(
            f"{args.folds}-fold cross-validation: the best sentence is the evidence for "
            f"{hits}/{total} ({hits / total:.1%}) answerable calibration questions"
        )
        return

    features, labels = ranking_examples(pipeline, gold)
    ranking = fit_signed(features, labels, rank.RANKING_FEATURES)
    print("ranking", json.dumps(ranking))
    print(f"  {len(labels)} sentences, {int(labels.sum())} evidence")
    if args.write:
        rank.RANKING_FILE.write_text(json.dumps(ranking, indent=2) + "\n", encoding="utf-8")
        rank.ranking_weights.cache_clear()
        print(f"wrote {rank.RANKING_FILE}")


if __name__ == "__main__":
    main()

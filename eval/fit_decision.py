"""Fit the answer-or-abstain model (``src/shanxi_qa/decide.json``) on questions the reader was
not trained on:

- the even-numbered paragraphs' questions of the held-out SQuAD article
  ``CALIBRATION_ARTICLE`` (its odd paragraphs and ``To_Kill_a_Mockingbird`` stay the dev split),
  asked at the document level (the article is its own corpus);
- the seed calibration set ``eval/train.jsonl``.

A question is labelled 1 when the quote the pipeline gives holds a gold answer and 0 otherwise
(nothing given to an unanswerable question is right), so the fitted confidence is the
probability that the quote proves an answer. (Labelling by the short answer's F1 >= 0.5 was
measured too: it abstained on far more answerable seed questions, 41 of 120 against 16.) Each
source carries the same total weight. The abstention line is then chosen to maximise the mean
over the sources of SQuAD 2.0 F1 (an abstention scores 1 on an unanswerable question).

    .venv/bin/python eval/fit_decision.py [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "eval"))

from shanxi_qa.answer.answerer import AnswerConfig  # noqa: E402
from shanxi_qa.answer.decide import DECIDE_FILE, DECISION_FEATURES  # noqa: E402
from shanxi_qa.evaluation.metrics import normalize_answer, token_f1  # noqa: E402
from shanxi_qa.evaluation.squad import squad2_articles  # noqa: E402
from shanxi_qa.pipeline import Pipeline, PipelineConfig  # noqa: E402

SQUAD = squad2_articles()
CALIBRATION_ARTICLE = "Spectre_(2015_film)"
SEED_CALIBRATION = ROOT / "eval" / "train.jsonl"
WORK = ROOT / "build" / "decide"
ANSWER = AnswerConfig()


def _best_f1(prediction: str | None, answers: list[str]) -> float:
    if prediction is None or not answers:
        return 0.0
    return max(token_f1(prediction, gold) for gold in answers)


def rows(pipeline: Pipeline, questions: list[tuple[str, list[str]]]) -> list[list[float]]:
    out = []
    for question, answers in questions:
        answer, decision, _ = pipeline.explain(question)
        if decision is None:
            continue
        # An abstention still has a best span: label what answering would have given.
        text = decision.span
        f1 = _best_f1(text, answers)
        quote = normalize_answer(answer.quotes[0].text) if answer.quotes else ""
        label = float(any(normalize_answer(gold) in quote for gold in answers))
        out.append(
            [
                *(decision.features[name] for name in DECISION_FEATURES),
                label,
                f1,
                float(not answers),
            ]
        )
    return out


def article_pipeline(article: dict[str, Any]) -> Pipeline:
    """The article as its own corpus: its title, then its paragraphs, one file."""
    corpus = WORK / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    text = "\n\n".join(
        [article["title"].replace("_", " "), *(p["context"] for p in article["paragraphs"])]
    )
    (corpus / "article.txt").write_text(text + "\n", encoding="utf-8")
    return Pipeline(PipelineConfig(corpus_dir=corpus, index_dir=WORK / "index", answer=ANSWER))


def collect() -> dict[str, list[list[float]]]:
    data = {}
    articles = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    article = next(a for a in articles if a["title"] == CALIBRATION_ARTICLE)
    pipeline = article_pipeline(article)
    questions = [
        (qa["question"], [a["text"] for a in qa["answers"]])
        for number, paragraph in enumerate(article["paragraphs"])
        if number % 2 == 0
        for qa in paragraph["qas"]
    ]
    data["squad"] = rows(pipeline, questions)
    seed = Pipeline(PipelineConfig())
    items = [json.loads(line) for line in SEED_CALIBRATION.read_text(encoding="utf-8").splitlines()]
    data["seed"] = rows(seed, [(i["question"], i["answers"]) for i in items])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the fit, write nothing")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--cached", action="store_true", help="reuse the last run's features")
    parser.add_argument(
        "--drop",
        default="",
        metavar="NAME,...",
        help="fit without these features (their weight is 0), to measure what each one adds",
    )
    args = parser.parse_args()
    dropped = {name for name in args.drop.split(",") if name}
    unknown = dropped - set(DECISION_FEATURES)
    if unknown:
        parser.error(
            f"unknown features {', '.join(sorted(unknown))}: choose from {DECISION_FEATURES}"
        )
    keep = [i for i, name in enumerate(DECISION_FEATURES) if name not in dropped]
    cache = WORK / "rows.json"
    if args.cached and cache.exists():
        data = json.loads(cache.read_text())
    else:
        data = collect()
        cache.write_text(json.dumps(data))
    features, labels, weights = [], [], []
    for name, table in data.items():
        array = np.array(table)
        print(f"{name}: {len(array)} questions, {int(array[:, -3].sum())} answered right")
        features.append(array[:, keep])
        labels.append(array[:, -3])
        weights.append(np.full(len(array), 1.0 / len(array)))
    x, y = np.vstack(features), np.concatenate(labels)
    w = np.concatenate(weights) * len(y) / 2
    # Weighted fit: repeat by weight in the Newton steps through sample weights.
    kept = fit_weighted(x, y, w, args.l2)
    fitted = np.zeros(1 + len(DECISION_FEATURES))
    fitted[0] = kept[0]
    fitted[[1 + i for i in keep]] = kept[1:]
    result = {"bias": round(float(fitted[0]), 4)} | {
        name: round(float(v), 4) for name, v in zip(DECISION_FEATURES, fitted[1:], strict=True)
    }
    result["abstain_below"] = threshold(data, fitted)
    print(json.dumps(result, indent=2))
    if not args.dry_run:
        DECIDE_FILE.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {DECIDE_FILE}")


def squad_f1(table: np.ndarray, confidence: np.ndarray, below: float) -> float:
    """SQuAD 2.0 F1 when abstaining below ``below``: an abstention scores 1 on an
    unanswerable question and 0 otherwise; an answer scores its F1 (0 when unanswerable)."""
    answered = confidence >= below
    f1, impossible = table[:, -2], table[:, -1]
    return float(np.where(answered, f1 * (1 - impossible), impossible).mean())


def threshold(data: dict[str, list[list[float]]], fitted: np.ndarray) -> float:
    """The abstention line that maximises the mean of each source's SQuAD F1."""
    best, best_score = 0.5, -1.0
    for below in np.arange(0.05, 0.951, 0.01):
        score = 0.0
        for table in data.values():
            array = np.array(table)
            x = np.hstack([np.ones((len(array), 1)), array[:, :-3]])
            confidence = 1.0 / (1.0 + np.exp(-(x @ fitted)))
            score += squad_f1(array, confidence, float(below))
        if score > best_score:
            best, best_score = float(below), score
    print(f"abstain below {best:.2f}: mean F1 {100 * best_score / len(data):.1f}")
    return round(best, 2)


def fit_weighted(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float) -> np.ndarray:
    """Logistic regression by Newton's method with sample weights; returns [bias, *weights]."""
    x = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(x.shape[1])
    penalty = l2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (w * (p - y)) + penalty @ beta
        hessian = x.T @ (x * (w * p * (1 - p))[:, None]) + penalty
        beta -= np.linalg.solve(hessian, gradient)
    return beta


if __name__ == "__main__":
    main()

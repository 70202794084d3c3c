"""Fit the answer-or-abstain model (``src/shanxi_qa/answer/decide.json``) on questions the
reader was never trained on, through :meth:`Pipeline.run` (the path that serves questions):

- the even-numbered paragraphs' questions of the held-out SQuAD 2.0 article
  ``CALIBRATION_ARTICLE`` (its real unanswerable questions included), asked at the document
  level (the article is its own corpus);
- the seed calibration set ``eval/train.jsonl``.

The dev split (Spectre's odd paragraphs and ``To_Kill_a_Mockingbird``, never trained on, never
fitted on) then measures the decision: SQuAD 2.0 F1 at the chosen line, answerable F1 against
unanswerable questions abstained as the line moves (the trade-off curve), and the calibration
of the confidence (ECE over 10 bins, with the reliability chart). ``--report DIR`` writes them.

A question is labelled 1 when the span answering would give is right (F1 >= 0.5 against a gold
answer, the measure the calibration is judged by) and 0 otherwise (nothing given to an
unanswerable question is right); ``--label quote`` labels by the quote holding a gold answer
instead. Each source carries the same total weight. The abstention line is chosen to maximise
the mean over the sources of SQuAD 2.0 F1 (an abstention scores 1 on an unanswerable question)
expected at ``UNANSWERABLE_SHARE`` unanswerable questions.

    .venv/bin/python eval/fit_decision.py [--dry-run] [--cached] [--report docs/squad]
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
from shanxi_qa.evaluation.evaluate import seed_only  # noqa: E402
from shanxi_qa.evaluation.metrics import (  # noqa: E402
    expected_calibration_error,
    normalize_answer,
    reliability_bins,
    token_f1,
)
from shanxi_qa.evaluation.squad import squad2_articles  # noqa: E402
from shanxi_qa.paths import DEFAULT_INDEX, DEFAULT_LIBRARY  # noqa: E402
from shanxi_qa.pipeline import Pipeline, PipelineConfig  # noqa: E402

SQUAD = squad2_articles()
CALIBRATION_ARTICLE = "Spectre_(2015_film)"
DEV_ARTICLE = "To_Kill_a_Mockingbird"
FIT_SOURCES = ("squad", "seed")
SEED_CALIBRATION = ROOT / "eval" / "train.jsonl"
WORK = ROOT / "build" / "decide"
ANSWER = AnswerConfig()
# The share of unanswerable questions the abstention line is chosen for: users' questions here
# (the seed's held-out sets, the manuals) are about one in five unanswerable, SQuAD 2.0's about
# one in three to one in two.
UNANSWERABLE_SHARE = 0.3
RIGHT_F1 = 0.5  # a span this close to a gold answer is right (as evaluation.squad counts)


def _best_f1(prediction: str | None, answers: list[str]) -> float:
    if prediction is None or not answers:
        return 0.0
    return max(token_f1(prediction, gold) for gold in answers)


def rows(pipeline: Pipeline, questions: list[tuple[str, list[str]]]) -> list[list[float]]:
    out = []
    for question, answers in questions:
        trace = pipeline.run(question)
        answer, decision = trace.answer, trace.decision
        if decision is None:
            continue
        # An abstention still has a best span: label what answering would have given.
        text = decision.span
        f1 = _best_f1(text, answers)
        quote = normalize_answer(answer.quotes[0].text) if answer.quotes else ""
        quoted = float(any(normalize_answer(gold) in quote for gold in answers))
        out.append(
            [
                *(decision.features[name] for name in DECISION_FEATURES),
                quoted,
                f1,
                float(not answers),
            ]
        )
    return out


def article_pipeline(article: dict[str, Any]) -> Pipeline:
    """The article as its own corpus: its title, then its paragraphs, one file."""
    corpus = WORK / article["title"] / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    text = "\n\n".join(
        [article["title"].replace("_", " "), *(p["context"] for p in article["paragraphs"])]
    )
    (corpus / "article.txt").write_text(text + "\n", encoding="utf-8")
    index = WORK / article["title"] / "index"
    return Pipeline(PipelineConfig(corpus_dir=corpus, index_dir=index, answer=ANSWER))


def article_questions(article: dict[str, Any], parity: int | None) -> list[tuple[str, list[str]]]:
    """The article's questions (of even or odd paragraphs, or all) with their gold answers."""
    return [
        (qa["question"], [a["text"] for a in qa["answers"]])
        for number, paragraph in enumerate(article["paragraphs"])
        if parity is None or number % 2 == parity
        for qa in paragraph["qas"]
    ]


def collect() -> dict[str, list[list[float]]]:
    """Feature rows: ``squad`` and ``seed`` to fit on, ``dev`` to measure on."""
    articles = {a["title"]: a for a in json.loads(SQUAD.read_text(encoding="utf-8"))["data"]}
    spectre = articles[CALIBRATION_ARTICLE]
    pipeline = article_pipeline(spectre)
    data = {"squad": rows(pipeline, article_questions(spectre, 0))}
    dev = rows(pipeline, article_questions(spectre, 1))
    mockingbird = articles[DEV_ARTICLE]
    dev += rows(article_pipeline(mockingbird), article_questions(mockingbird, None))
    seed = Pipeline(PipelineConfig(*seed_only(DEFAULT_LIBRARY, DEFAULT_INDEX)))
    items = [json.loads(line) for line in SEED_CALIBRATION.read_text(encoding="utf-8").splitlines()]
    data["seed"] = rows(seed, [(i["question"], i["answers"]) for i in items])
    data["dev"] = dev
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the fit, write nothing")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--cached", action="store_true", help="reuse the last run's features")
    parser.add_argument("--label", choices=("span", "quote"), default="span")
    parser.add_argument(
        "--unanswerable-share",
        type=float,
        default=UNANSWERABLE_SHARE,
        help="share of unanswerable questions the line is chosen for (default %(default)s)",
    )
    parser.add_argument("--report", type=Path, default=None, help="write decision.md and charts")
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
        WORK.mkdir(parents=True, exist_ok=True)
        data = collect()
        cache.write_text(json.dumps(data))
    fit_data = {name: data[name] for name in FIT_SOURCES}
    features, labels, weights = [], [], []
    for name, table in fit_data.items():
        array = np.array(table)
        label = array[:, -3] if args.label == "quote" else (array[:, -2] >= RIGHT_F1) * 1.0
        label = label * (1 - array[:, -1])
        print(f"{name}: {len(array)} questions, {int(label.sum())} answered right")
        features.append(array[:, keep])
        labels.append(label)
        weights.append(np.full(len(array), 1.0 / len(array)))
    x, y = np.vstack(features), np.concatenate(labels)
    w = np.concatenate(weights) * len(y) / 2
    kept = fit_weighted(x, y, w, args.l2)
    fitted = np.zeros(1 + len(DECISION_FEATURES))
    fitted[0] = kept[0]
    fitted[[1 + i for i in keep]] = kept[1:]
    result = {"bias": round(float(fitted[0]), 4)} | {
        name: round(float(v), 4) for name, v in zip(DECISION_FEATURES, fitted[1:], strict=True)
    }
    result["abstain_below"] = threshold(fit_data, fitted, args.unanswerable_share)
    print(json.dumps(result, indent=2))
    dev = measure(np.array(data["dev"]), fitted, result["abstain_below"])
    print(
        f"dev split ({dev['questions']} questions): F1 {dev['f1']:.1f}, answerable F1 "
        f"{dev['HasAns_f1']:.1f}, unanswerable abstained {dev['NoAns_abstained']:.1f}%, "
        f"ECE {dev['ece']:.3f} (of answers {dev['ece_answers']:.3f}), always abstaining "
        f"{dev['abstain_baseline_f1']:.1f}"
    )
    vetoed = measure(np.array(data["dev"]), fitted, result["abstain_below"], veto=True)
    print(
        f"  with every failed check a veto: F1 {vetoed['f1']:.1f}, answerable F1 "
        f"{vetoed['HasAns_f1']:.1f}, unanswerable abstained {vetoed['NoAns_abstained']:.1f}%"
    )
    if args.report:
        write_report(args.report, np.array(data["dev"]), fitted, result, dev)
    if not args.dry_run:
        DECIDE_FILE.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {DECIDE_FILE}")


def confidences(table: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    x = np.hstack([np.ones((len(table), 1)), table[:, : len(DECISION_FEATURES)]])
    result: np.ndarray = 1.0 / (1.0 + np.exp(-(x @ fitted)))
    return result


def decisions(
    table: np.ndarray, fitted: np.ndarray, below: float, veto: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per question: the confidence, whether it is answered, whether the decision is right (an
    answer at F1 >= 0.5, an abstention on an unanswerable question) and the probability it
    states of being right (the confidence, or 1 - confidence for an abstention)."""
    confidence = confidences(table, fitted)
    answered = confidence >= below
    if veto:  # a failed check withholds the answer whatever the confidence
        answered &= table[:, DECISION_FEATURES.index("checks_failed")] == 0
    f1, impossible = table[:, -2], table[:, -1].astype(bool)
    right = np.where(answered, (f1 >= RIGHT_F1) & ~impossible, impossible)
    stated = np.where(answered, confidence, 1 - confidence)
    return confidence, answered, right, stated


def measure(
    table: np.ndarray, fitted: np.ndarray, below: float, veto: bool = False
) -> dict[str, float]:
    """SQuAD 2.0 figures of the decision on ``table`` at the line ``below`` (0-100), and the
    expected calibration error of its confidence (0-1): an answer is right at F1 >= 0.5, an
    abstention when the question is unanswerable; its probability of being right is the
    confidence, or 1 - confidence for an abstention."""
    confidence, answered, right, stated = decisions(table, fitted, below, veto)
    f1, impossible = table[:, -2], table[:, -1].astype(bool)
    scores = np.where(answered, f1 * ~impossible, impossible)
    return {
        "questions": float(len(table)),
        "f1": 100 * float(scores.mean()),
        "HasAns_f1": 100 * float(scores[~impossible].mean()),
        "NoAns_abstained": 100 * float((~answered[impossible]).mean()),
        "answered": 100 * float(answered.mean()),
        "abstain_baseline_f1": 100 * float(impossible.mean()),
        "ece": expected_calibration_error(stated.tolist(), right.tolist(), 10),
        # What the confidence claims: that an answer given is right.
        "ece_answers": expected_calibration_error(
            confidence[answered].tolist(), right[answered].tolist(), 10
        ),
    }


def write_report(
    folder: Path,
    table: np.ndarray,
    fitted: np.ndarray,
    result: dict[str, float],
    dev: dict[str, float],
) -> None:
    """``decision.md`` (weights, dev figures, the trade-off table) and two charts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    lines = np.round(np.arange(0.05, 0.96, 0.05), 2)
    curve = [measure(table, fitted, float(line)) for line in lines]
    figure, axis = plt.subplots(figsize=(5.5, 4))
    axis.plot([c["NoAns_abstained"] for c in curve], [c["HasAns_f1"] for c in curve], "o-")
    for line, point in zip(lines, curve, strict=True):
        if round(float(line) * 100) % 10 == 0:
            axis.annotate(f"{line:.1f}", (point["NoAns_abstained"], point["HasAns_f1"]))
    axis.set_xlabel("unanswerable questions abstained (%)")
    axis.set_ylabel("answerable F1")
    axis.set_title("The decision line on the dev split")
    figure.tight_layout()
    figure.savefig(folder / "decision-tradeoff.png", dpi=110)
    plt.close(figure)
    _, _, right, stated = decisions(table, fitted, result["abstain_below"])
    bins = reliability_bins(stated.tolist(), right.tolist(), 10)
    figure, axis = plt.subplots(figsize=(4.5, 4))
    axis.plot([0, 1], [0, 1], "--", color="grey")
    shown = [b for b in bins if b["count"]]
    axis.plot([b["confidence"] for b in shown], [b["accuracy"] for b in shown], "o-")
    axis.set_xlabel("stated probability of being right")
    axis.set_ylabel("share right")
    axis.set_title(f"Reliability on the dev split (ECE {dev['ece']:.3f})")
    figure.tight_layout()
    figure.savefig(folder / "decision-reliability.png", dpi=110)
    plt.close(figure)
    rows_md = [
        f"| {line:.2f} | {c['f1']:.1f} | {c['HasAns_f1']:.1f} | {c['NoAns_abstained']:.1f} | "
        f"{c['answered']:.1f} | {c['ece']:.3f} | {c['ece_answers']:.3f} |"
        for line, c in zip(lines, curve, strict=True)
    ]
    weights = "\n".join(f"| {k} | {v} |" for k, v in result.items())
    text = (
        f"""# The answer-or-abstain decision

Fitted by `eval/fit_decision.py` on Spectre's even paragraphs and the seed calibration set;
measured on the dev split (Spectre's odd paragraphs and To_Kill_a_Mockingbird, {int(dev["questions"])}
questions, asked at the document level). Neither the reader nor the decision saw them.

| weight | value |
|---|---|
{weights}

At the line {result["abstain_below"]:.2f}: F1 {dev["f1"]:.1f} (always abstaining: {dev["abstain_baseline_f1"]:.1f}),
answerable F1 {dev["HasAns_f1"]:.1f}, unanswerable abstained {dev["NoAns_abstained"]:.1f}%,
ECE {dev["ece"]:.3f}.

## The trade-off as the line moves

![trade-off](decision-tradeoff.png) ![reliability](decision-reliability.png)

| line | F1 | answerable F1 | unanswerable abstained % | answered % | ECE | ECE of answers |
|---|---|---|---|---|---|---|
"""
        + "\n".join(rows_md)
        + "\n"
    )
    (folder / "decision.md").write_text(text, encoding="utf-8")
    print(f"wrote {folder / 'decision.md'}")


def threshold(
    data: dict[str, list[list[float]]], fitted: np.ndarray, unanswerable_share: float
) -> float:
    """The abstention line that maximises the mean over the sources of SQuAD F1 expected when
    ``unanswerable_share`` of the questions asked are unanswerable (each source's answerable
    and unanswerable questions reweighted to that mix)."""
    best, best_score = 0.5, -1.0
    for below in np.arange(0.05, 0.951, 0.01):
        score = 0.0
        for table in data.values():
            array = np.array(table)
            x = np.hstack([np.ones((len(array), 1)), array[:, :-3]])
            confidence = 1.0 / (1.0 + np.exp(-(x @ fitted)))
            answered = confidence >= below
            impossible = array[:, -1].astype(bool)
            scores = np.where(answered, array[:, -2] * ~impossible, impossible)
            score += unanswerable_share * float(scores[impossible].mean()) + (
                1 - unanswerable_share
            ) * float(scores[~impossible].mean())
        if score > best_score:
            best, best_score = float(below), score
    print(
        f"abstain below {best:.2f}: mean F1 {100 * best_score / len(data):.1f} at "
        f"{unanswerable_share:.0%} unanswerable"
    )
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

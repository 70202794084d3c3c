"""Reports of the evaluations: the gold set's table and charts, the SQuAD table and report, and
the reliability diagram both draw. matplotlib is imported only when a chart is drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shanxi_qa.evaluation import metrics
from shanxi_qa.records import RetrievalMode

METRIC_ORDER = (
    "recall@1",
    "recall@3",
    "recall@5",
    "mrr",
    "exact_match",
    "f1",
    "answer_hit",
    "abstain_precision",
    "abstain_recall",
    "abstain_f1",
    "wrong_abstentions",
    "ece",
    "latency_p50_ms",
    "latency_p95_ms",
)

# Overall and per-article figures, in table order: (key, label).
SCORE_ROWS: tuple[tuple[str, str], ...] = (
    ("exact", "EM"),
    ("f1", "F1"),
    ("HasAns_exact", "HasAns EM"),
    ("HasAns_f1", "HasAns F1"),
    ("NoAns_accuracy", "NoAns accuracy"),
    ("abstain_baseline_f1", "always-abstain F1"),
    ("first_quote_hit", "first-quote hit"),
    ("answered", "answered share"),
    ("mean_confidence_answerable", "mean conf HasAns"),
    ("mean_confidence_unanswerable", "mean conf NoAns"),
    ("ece", "ECE"),
    ("ece_answers", "ECE of answers"),
)
ARTICLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("exact", "EM"),
    ("f1", "F1"),
    ("HasAns_f1", "HasF1"),
    ("NoAns_accuracy", "NoAns"),
    ("first_quote_hit", "quote"),
    ("answered", "answd"),
    ("ece", "ECE"),
)


def format_table(report: dict[str, Any]) -> str:
    """Modes side by side, one metric a row."""
    modes = list(report["modes"])
    header = f"{'metric':<20}" + "".join(f"{mode:>10}" for mode in modes)
    lines = [
        f"{report['questions']} questions, {report['unanswerable']} unanswerable",
        "",
        header,
        "-" * len(header),
    ]
    for name in METRIC_ORDER:
        cells = []
        for mode in modes:
            value = report["modes"][mode][name]
            if name == "wrong_abstentions":
                cells.append(f"{int(value):>10d}")
            elif name.startswith("latency"):
                cells.append(f"{value:>10.1f}")
            else:
                cells.append(f"{value:>10.3f}")
        lines.append(f"{name:<20}" + "".join(cells))
    return "\n".join(lines)


def format_failures(report: dict[str, Any], mode: RetrievalMode = "hybrid") -> str:
    rows = report["failures"].get(mode, [])
    lines = [f"{len(rows)} failure(s) in {mode} mode"]
    for row in rows:
        lines.append(f"- [{row['id']}] {row['question']}")
        lines.append(f"    expected: {row['expected']}")
        lines.append(f"    got:      {row['got'][:300]}")
    return "\n".join(lines)


def write_reliability_chart(
    series: dict[str, list[metrics.ReliabilityBin]], path: Path, title: str
) -> Path:
    """A reliability diagram: accuracy against mean confidence per bin, one line per series,
    with the question count per bin below. Imports matplotlib (Agg) only when called."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(6, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    top.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    bin_count = max((len(bins) for bins in series.values()), default=10)
    width = 0.8 / bin_count / max(len(series), 1)
    for offset, (name, bins) in enumerate(series.items()):
        used = [b for b in bins if b["count"]]
        top.plot(
            [b["confidence"] for b in used], [b["accuracy"] for b in used], marker="o", label=name
        )
        bottom.bar(
            [(b["low"] + b["high"]) / 2 + (offset - (len(series) - 1) / 2) * width for b in bins],
            [b["count"] for b in bins],
            width,
            label=name,
        )
    top.set_xlim(0, 1)
    top.set_ylim(0, 1.02)
    top.set_ylabel("share of decisions right")
    top.set_title(title)
    top.grid(alpha=0.3)
    top.legend(loc="upper left")
    bottom.set_xlabel("confidence that the decision (answer or abstain) is right")
    bottom.set_ylabel("questions")
    bottom.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_report(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``report.md``, ``eval.png`` and ``reliability.png`` into ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    modes = list(report["modes"])
    groups = [
        ("retrieval", ["recall@1", "recall@3", "recall@5", "mrr"]),
        ("answers", ["exact_match", "f1", "answer_hit", "abstain_f1"]),
    ]
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / len(modes)
    for axis, (title, names) in zip(axes, groups, strict=True):
        for offset, mode in enumerate(modes):
            values = [report["modes"][mode][name] for name in names]
            positions = [i + offset * width for i in range(len(names))]
            axis.bar(positions, values, width, label=mode)
        axis.set_xticks([i + width * (len(modes) - 1) / 2 for i in range(len(names))], names)
        axis.set_ylim(0, 1.05)
        axis.set_title(title)
        axis.grid(axis="y", alpha=0.3)
    axes[0].legend(loc="lower right")
    figure.suptitle(f"shanxi_qa on {report['questions']} gold questions")
    figure.tight_layout()
    chart = out_dir / "eval.png"
    figure.savefig(chart, dpi=110)
    plt.close(figure)
    if report.get("reliability"):
        write_reliability_chart(
            report["reliability"],
            out_dir / "reliability.png",
            f"Reliability on {report['questions']} gold questions",
        )

    markdown = out_dir / "report.md"
    markdown.write_text(
        "# Evaluation report\n\n"
        "```\n" + format_table(report) + "\n```\n\n"
        "![metrics per retrieval mode](eval.png)\n\n"
        "## Calibration\n\n"
        "A decision is right when the answer (or its first quote) holds a gold answer, or the "
        "system abstained on an unanswerable question; its confidence is `confidence` for an "
        "answer and `1 - confidence` for an abstention. `ece` in the table is the expected "
        "calibration error over 10 equal-width bins.\n\n"
        "![reliability per retrieval mode](reliability.png)\n\n"
        "## Failures (hybrid)\n\n```\n" + format_failures(report) + "\n```\n",
        encoding="utf-8",
    )
    return markdown, chart


def format_squad_table(report: dict[str, Any]) -> str:
    """The overall figures, one a row, then one row per article."""
    lines = [
        f"{report['total']} questions ({report['HasAns_total']} answerable, "
        f"{report['NoAns_total']} unanswerable), paragraphs: {report['paragraphs']}; "
        "figures on a 0-100 scale",
        "",
    ]
    lines += [f"{label:<20}{report[key]:>8.2f}" for key, label in SCORE_ROWS]
    header = f"{'article':<36}{'n':>6}" + "".join(f"{label:>7}" for _, label in ARTICLE_COLUMNS)
    lines += ["", header, "-" * len(header)]
    for row in report["articles"]:
        cells = "".join(f"{row[key]:>7.1f}" for key, _ in ARTICLE_COLUMNS)
        lines.append(f"{row['title'][:35]:<36}{row['total']:>6d}{cells}")
    return "\n".join(lines)


def write_squad_report(
    report: dict[str, Any], out_dir: Path, source: str = ""
) -> tuple[Path, Path]:
    """Write ``squad-report.md`` and ``squad-reliability.png`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = write_reliability_chart(
        {"SQuAD": report["reliability"]},
        out_dir / "squad-reliability.png",
        f"Reliability on {report['total']} SQuAD 2.0 questions (ECE {report['ece']:.1f})",
    )
    bins = [
        f"| {b['low']:.1f}-{b['high']:.1f} | {b['count']} | {b['confidence']:.3f} | "
        f"{b['accuracy']:.3f} |"
        for b in report["reliability"]
        if b["count"]
    ]
    markdown = out_dir / "squad-report.md"
    markdown.write_text(
        "# SQuAD 2.0 document-level evaluation\n\n"
        + (f"Source: `{source}`\n\n" if source else "")
        + "Each article is its own corpus; every question is asked through the pipeline and an "
        "abstention is the empty answer. Official SQuAD 2.0 scoring, 0-100 scale.\n\n"
        "```\n" + format_squad_table(report) + "\n```\n\n"
        "## Calibration\n\n"
        "A decision is right when the answer has F1 >= 0.5 with a gold answer, or the system "
        "abstained on an unanswerable question; its confidence is `confidence` for an answer and "
        "`1 - confidence` for an abstention.\n\n"
        "![reliability](squad-reliability.png)\n\n"
        "| confidence bin | questions | mean confidence | accuracy |\n|---|---|---|---|\n"
        + "\n".join(bins)
        + "\n",
        encoding="utf-8",
    )
    return markdown, chart

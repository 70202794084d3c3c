from __future__ import annotations

from pathlib import Path

import pytest

from shanxi_qa.evaluation.evaluate import GoldQuestion, QuestionResult, calibration, score_mode
from shanxi_qa.evaluation.report import format_failures, format_table, write_report


def test_the_seed_eval_reports_ece_and_a_reliability_chart(tmp_path: Path) -> None:
    answerable = GoldQuestion("g1", "When?", ["March 3"], "It opened on March 3.")
    unanswerable = GoldQuestion("g2", "Why?", [], None)
    results = [
        QuestionResult(answerable, "March 3", False, "It opened on March 3.", 1, 0.01, 0.9),
        QuestionResult(answerable, None, True, None, 1, 0.01, 0.4),  # wrong, at 0.6
        QuestionResult(unanswerable, None, True, None, 0, 0.01, 0.3),  # right, at 0.7
        QuestionResult(unanswerable, "Eastbay", False, "Eastbay.", 0, 0.01, 0.2),  # wrong, at 0.2
    ]
    scores = score_mode(results)
    assert scores["ece"] == pytest.approx((0.1 + 0.6 + 0.3 + 0.2) / 4)
    report = {
        "questions": 4,
        "unanswerable": 2,
        "modes": {"hybrid": scores},
        "failures": {"hybrid": []},
        "reliability": {"hybrid": calibration(results)},
    }
    markdown, _ = write_report(report, tmp_path / "report")
    assert (tmp_path / "report" / "reliability.png").stat().st_size > 0
    assert "ece" in markdown.read_text(encoding="utf-8")


def test_the_table_and_the_failures_read_as_text() -> None:
    answerable = GoldQuestion("g1", "When did it open?", ["March 3"], "It opened on March 3.")
    results = [QuestionResult(answerable, "June 9", False, "It closed on June 9.", 2, 0.01, 0.8)]
    report = {
        "questions": 1,
        "unanswerable": 0,
        "modes": {"hybrid": score_mode(results)},
        "failures": {
            "hybrid": [
                {
                    "id": "g1",
                    "question": "When did it open?",
                    "expected": ["March 3"],
                    "got": "June 9",
                }
            ]
        },
    }
    table = format_table(report).splitlines()
    assert table[0] == "1 questions, 0 unanswerable"
    assert table[2].split() == ["metric", "hybrid"]
    assert [row.split()[0] for row in table[4:]][:2] == ["recall@1", "recall@3"]
    assert format_failures(report).splitlines() == [
        "1 failure(s) in hybrid mode",
        "- [g1] When did it open?",
        "    expected: ['March 3']",
        "    got:      June 9",
    ]

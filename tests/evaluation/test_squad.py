"""SQuAD 2.0 document-level evaluation: loading, official scoring, calibration, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shanxi_qa.cli import main
from shanxi_qa.evaluation import metrics
from shanxi_qa.evaluation.report import (
    SCORE_ROWS,
    format_squad_table,
    write_squad_report,
)
from shanxi_qa.evaluation.squad import (
    Prediction,
    SquadError,
    SquadQuestion,
    corpus_name,
    evaluate_squad,
    load_squad,
    prepare_corpus,
    score_squad,
    select_articles,
    select_questions,
)
from shanxi_qa.pipeline import Pipeline, PipelineConfig
from tests.conftest import FakeEncoder


def _qa(qid: str, question: str, answers: list[str]) -> dict[str, Any]:
    return {
        "id": qid,
        "question": question,
        "answers": [{"text": a, "answer_start": 0} for a in answers],
        "is_impossible": not answers,
    }


TINY_SQUAD: dict[str, Any] = {
    "version": "v2.0",
    "data": [
        {
            "title": "Harbor_City",
            "paragraphs": [
                {
                    "context": "Harbor City opened its first tram line on March 3. "
                    "The line is 14 kilometers long and has 22 stops.",
                    "qas": [
                        _qa("a1", "How long is the tram line?", ["14 kilometers"]),
                        _qa("a2", "When did Harbor City open its first tram line?", ["March 3"]),
                        _qa("a3", "How many trams does the line own?", []),
                    ],
                },
                {
                    "context": "The city plans to buy 40 electric buses by the end of 2026, "
                    "according to Mayor Alan Smith.",
                    "qas": [
                        _qa("a4", "How many electric buses will the city buy?", ["40"]),
                        _qa("a5", "Who was mayor before Alan Smith?", []),
                    ],
                },
            ],
        },
        {
            "title": "Eastbay (port)",
            "paragraphs": [
                {
                    "context": "A new ferry terminal was built in the port district of Eastbay "
                    "to reduce traffic on the bridge.",
                    "qas": [
                        _qa("b1", "Why was the ferry terminal built?", ["to reduce traffic"]),
                        _qa("b2", "When will the ferry terminal close?", []),
                    ],
                }
            ],
        },
    ],
}


@pytest.fixture
def squad_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-squad.json"
    path.write_text(json.dumps(TINY_SQUAD), encoding="utf-8")
    return path


def _question(qid: str, answers: list[str], paragraph: int = 0) -> SquadQuestion:
    return SquadQuestion(qid, f"question {qid}?", answers, "Article", paragraph)


# --- loading -----------------------------------------------------------------------------


def test_load_squad_reads_articles_paragraphs_and_questions(squad_file: Path) -> None:
    articles = load_squad(squad_file)
    assert [a.title for a in articles] == ["Harbor_City", "Eastbay (port)"]
    harbor = articles[0]
    assert len(harbor.paragraphs) == 2
    assert [(q.id, q.paragraph, q.answerable) for q in harbor.questions] == [
        ("a1", 0, True),
        ("a2", 0, True),
        ("a3", 0, False),
        ("a4", 1, True),
        ("a5", 1, False),
    ]
    text = harbor.document_text()
    assert text.split("\n\n") == [
        "Harbor City",
        *harbor.paragraphs[:1],
        harbor.paragraphs[1] + "\n",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the SQuAD file"),
        ("{not json", "is not JSON"),
        ("[]", "missing 'data'"),
        ('{"data": [{"paragraphs": []}]}', "missing 'title'"),
        ('{"data": [{"title": "T", "paragraphs": [{"qas": []}]}]}', "missing 'context'"),
        (
            '{"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": [{"question": "q"}]}]}]}',
            "missing 'answers'",
        ),
        (
            '{"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": '
            '[{"question": "q", "answers": [], "is_impossible": false}]}]}]}',
            "needs an answer",
        ),
        ('{"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": []}]}]}', "no questions"),
    ],
)
def test_a_missing_or_malformed_file_is_one_clear_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SquadError, match=message) as error:
        load_squad(path)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "--squad", "{missing}"],
        ["eval", "--squad", "{bad}"],
        ["eval", "--squad", "{good}", "--articles", "No_Such_Article"],
        ["eval", "--squad", "{good}", "--gold", "eval/gold.jsonl"],
        ["eval", "--paragraphs", "odd"],
        ["eval", "--squad", "{good}", "--paragraphs", "third"],
    ],
)
def test_the_cli_rejects_bad_input_with_one_line_and_exit_2(
    tmp_path: Path, squad_file: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": 3}', encoding="utf-8")
    paths = {"missing": str(tmp_path / "none.json"), "bad": str(bad), "good": str(squad_file)}
    args = [a.format(**paths) for a in argv] + ["--index", str(tmp_path / "index")]
    try:
        code = main(args)
    except SystemExit as exited:  # argparse's own errors
        code = int(exited.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_articles_and_paragraphs_select_questions(squad_file: Path) -> None:
    articles = load_squad(squad_file)
    assert [a.title for a in select_articles(articles, "Eastbay (port)")] == ["Eastbay (port)"]
    assert [a.title for a in select_articles(articles, "Eastbay (port),Harbor_City")] == [
        "Harbor_City",
        "Eastbay (port)",
    ]
    assert select_articles(articles, None) == articles
    with pytest.raises(SquadError, match="no article 'Nope'"):
        select_articles(articles, "Harbor_City,Nope")
    questions = articles[0].questions
    assert [q.id for q in select_questions(questions, "even")] == ["a1", "a2", "a3"]
    assert [q.id for q in select_questions(questions, "odd")] == ["a4", "a5"]
    assert [q.id for q in select_questions(questions, "all")] == ["a1", "a2", "a3", "a4", "a5"]


# --- scoring -----------------------------------------------------------------------------


def test_score_squad_gives_the_official_figures_and_calibration() -> None:
    questions = [
        _question("q1", ["14 kilometers", "14 km"]),
        _question("q2", ["March 3"]),
        _question("q3", ["Alan Smith"]),
        _question("q4", []),
        _question("q5", []),
        _question("q6", ["the bridge"]),
    ]
    predictions = [
        # F1 0.8 against "14 kilometers" (0.4 against "14 km"), EM 0: right (F1 >= 0.5)
        Prediction("14 kilometers long", 0.9, "The line is 14 kilometers long."),
        Prediction("March 3", 0.8, "It opened on March 3."),  # EM 1
        Prediction(None, 0.3, "The city plans to buy 40 electric buses."),  # wrong abstention
        Prediction(None, 0.2, None),  # right abstention
        Prediction("Eastbay", 0.6, "Eastbay."),  # answered an unanswerable question
        Prediction("Bridge!", 0.55, None),  # EM 1 after normalisation, no quote
    ]
    report = score_squad(questions, predictions)
    reliability = report.pop("reliability")
    assert report == {
        "total": 6,
        "HasAns_total": 4,
        "NoAns_total": 2,
        "exact": 50.0,  # q2, q4, q6
        "f1": 63.33,  # (0.8 + 1 + 0 + 1 + 0 + 1) / 6
        "HasAns_exact": 50.0,  # q2, q6 of q1 q2 q3 q6
        "HasAns_f1": 70.0,  # (0.8 + 1 + 0 + 1) / 4
        "NoAns_accuracy": 50.0,  # q4 of q4 q5
        "abstain_baseline_f1": 33.33,  # 2 of 6 unanswerable
        "first_quote_hit": 50.0,  # q1, q2 of q1 q2 q3 q6
        "answered": 66.67,  # q1 q2 q5 q6
        "mean_confidence_answerable": 63.75,  # (0.9 + 0.8 + 0.3 + 0.55) / 4
        "mean_confidence_unanswerable": 40.0,  # (0.2 + 0.6) / 2
        # decision confidence / right: .9 T, .8 T, .7 F (1 - .3), .8 T (1 - .2), .6 F, .55 T
        # gaps per bin: 9: .1, 8: 2 x .2, 7: .7, 6: .6, 5: .45 -> 2.25 / 6
        "ece": 37.5,
        # answers only (q1 q2 q5 q6): .9 T, .8 T, .6 F, .55 T -> (.1 + .2 + .6 + .45) / 4
        "ece_answers": 33.75,
    }
    counts = [b["count"] for b in reliability]
    assert counts == [0, 0, 0, 0, 0, 1, 1, 1, 2, 1]
    assert reliability[8]["accuracy"] == 1.0 and reliability[7]["accuracy"] == 0.0
    assert reliability[8]["confidence"] == pytest.approx(0.8)


def test_score_squad_edge_cases() -> None:
    # An answer that normalises to nothing is an abstention; an all-unanswerable set.
    report = score_squad([_question("q", [])], [Prediction("The.", 0.1)])
    assert (report["exact"], report["f1"], report["NoAns_accuracy"]) == (100.0, 100.0, 100.0)
    assert report["HasAns_total"] == 0 and report["HasAns_f1"] == 0.0
    assert report["answered"] == 0.0
    assert report["ece"] == pytest.approx(10.0)  # right, at confidence 0.9
    with pytest.raises(ValueError, match="predictions"):
        score_squad([_question("q", [])], [])


def test_expected_calibration_error_bins() -> None:
    assert metrics.expected_calibration_error([], []) == 0.0
    assert metrics.expected_calibration_error([1.0, 0.0], [True, False]) == 0.0
    assert metrics.expected_calibration_error([0.25, 0.25], [True, False]) == pytest.approx(0.25)
    bins = metrics.reliability_bins([0.0, 0.1, 0.99, 1.0, 1.5], [True] * 5)
    assert [b["count"] for b in bins] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2 + 1]
    assert bins[9]["confidence"] == pytest.approx((0.99 + 1.0 + 1.0) / 3)
    with pytest.raises(ValueError):
        metrics.reliability_bins([0.5], [True, False])


# --- end to end, with the fake encoder ---------------------------------------------------


def _fake_pipeline(corpus: Path, index: Path) -> Pipeline:
    config = PipelineConfig(corpus_dir=corpus, index_dir=index)
    return Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder, warn=lambda _: None)


def test_evaluate_squad_through_the_pipeline(squad_file: Path, tmp_path: Path) -> None:
    articles = load_squad(squad_file)
    cache = tmp_path / "index" / "squad"
    report = evaluate_squad(articles, cache, make_pipeline=_fake_pipeline)

    assert (report["total"], report["HasAns_total"], report["NoAns_total"]) == (7, 4, 3)
    for key, _ in SCORE_ROWS:
        assert 0.0 <= report[key] <= 100.0, key
    assert report["abstain_baseline_f1"] == pytest.approx(300 / 7, abs=0.01)
    assert [row["title"] for row in report["articles"]] == ["Harbor_City", "Eastbay (port)"]
    assert [row["total"] for row in report["articles"]] == [5, 2]
    assert sum(b["count"] for b in report["reliability"]) == 7
    assert json.loads(json.dumps(report)) == report
    table = format_squad_table(report)
    assert "NoAns accuracy" in table and "Eastbay (port)" in table

    # One document a corpus; a re-run reuses the cached index.
    corpus, index = prepare_corpus(articles[0], cache)
    assert [p.name for p in corpus.iterdir()] == [f"{corpus_name('Harbor_City')}.txt"]
    built = (index / "current").resolve()
    odd = evaluate_squad(articles, cache, paragraphs="odd", make_pipeline=_fake_pipeline)
    assert (index / "current").resolve() == built
    assert (odd["total"], [row["title"] for row in odd["articles"]]) == (2, ["Harbor_City"])

    markdown, chart = write_squad_report(report, tmp_path / "out", str(squad_file))
    assert chart.name == "squad-reliability.png" and chart.stat().st_size > 0
    text = markdown.read_text(encoding="utf-8")
    assert markdown.name == "squad-report.md" and "ECE" in text and "HasAns F1" in text


def test_corpus_names_are_file_safe_and_distinct() -> None:
    names = {corpus_name(t) for t in ("Spectre_(2015_film)", "Spectre (2015 film)", "Beyoncé")}
    assert len(names) == 3
    assert all(n.replace("_", "").replace("-", "").replace(".", "").isalnum() for n in names)

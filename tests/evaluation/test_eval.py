"""The gold set is sound, and the pipeline holds its measured quality on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from shanxi_qa.documents.ingest import clean_text
from shanxi_qa.evaluation.evaluate import DEFAULT_GOLD, evaluate, gate_failures, load_gold
from shanxi_qa.evaluation.squad import squad2_articles
from shanxi_qa.pipeline import Pipeline, PipelineConfig
from tests.conftest import SEED_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]


def cleaned_seed() -> str:
    raw = (SEED_DIR / "000_cb45a5397f502ac5.txt").read_text(encoding="utf-8")
    return clean_text(raw)[0]


@pytest.mark.parametrize("path", [DEFAULT_GOLD, REPO_ROOT / "eval" / "train.jsonl"])
def test_every_evidence_is_in_the_article_and_every_answer_in_its_evidence(path: Path) -> None:
    article = " ".join(cleaned_seed().split())
    for item in load_gold(path):
        if item.evidence is None:
            assert item.answers == [], item.id
            continue
        assert " ".join(item.evidence.split()) in article, item.id
        for answer in item.answers:
            assert answer in item.evidence, (item.id, answer)


def test_gold_and_calibration_sets_do_not_share_questions() -> None:
    gold = {item.question.lower().strip() for item in load_gold(DEFAULT_GOLD)}
    train = {
        item.question.lower().strip() for item in load_gold(REPO_ROOT / "eval" / "train.jsonl")
    }
    assert not gold & train


def test_gold_set_has_the_promised_shape() -> None:
    gold = load_gold(DEFAULT_GOLD)
    assert len(gold) >= 80
    assert sum(1 for g in gold if not g.answerable) >= 15
    assert sum(1 for g in gold if "paraphrase" in g.tags) >= 25


# The project's quality gate (shanxi_qa.evaluation.evaluate.QUALITY_GATE: hybrid recall@3 >= 0.95,
# answer_hit >= 0.77, abstain_f1 >= 0.70, and hybrid at least as good as either retriever on
# recall@3 and mrr), and a floor just under the mrr measured when it was set (0.892).
MRR_FLOOR = 0.87


@pytest.mark.model
def test_pipeline_passes_the_quality_gate_on_the_gold_set(seed_index: Path) -> None:
    pipeline = Pipeline(PipelineConfig(corpus_dir=SEED_DIR, index_dir=seed_index))
    report = evaluate(pipeline, load_gold(DEFAULT_GOLD))
    assert gate_failures(report) == []
    assert report["modes"]["hybrid"]["mrr"] >= MRR_FLOOR


# The reader's own dev split: SQuAD 2.0 articles it was never trained on (see
# eval/train_reader.py), asked at the document level. The data stays in ../shared.
SQUAD_DEV = squad2_articles()
SQUAD_GATE = {"HasAns_f1": 45.0, "NoAns_accuracy": 25.0, "f1": 40.0}


@pytest.mark.model
def test_the_reader_generalises_to_held_out_squad_articles(tmp_path: Path) -> None:
    if not SQUAD_DEV.is_file():
        pytest.skip(f"no SQuAD data at {SQUAD_DEV} (set SHANXI_QA_BENCHMARKS)")
    from shanxi_qa.evaluation.squad import evaluate_squad, load_squad, select_articles

    articles = select_articles(load_squad(SQUAD_DEV), "Spectre_(2015_film),To_Kill_a_Mockingbird")
    report = evaluate_squad(articles, tmp_path, paragraphs="odd")
    for metric, floor in SQUAD_GATE.items():
        assert report[metric] >= floor, (metric, report[metric])

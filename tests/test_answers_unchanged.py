"""The answers of the gold set, the seed's conversations and the SQuAD dev article are the
ones recorded in ``tests/snapshots/answers.json`` (see ``tests/snapshot.py``): moving code
or merging word lists changes none of them; a change meant to change answers rewrites the
snapshot in its own commit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shanxi_qa.evaluation.squad import squad2_articles
from shanxi_qa.pipeline import Pipeline, PipelineConfig
from tests.conftest import SEED_DIR
from tests.snapshot import SNAPSHOT, seed_answers, squad_answers

pytestmark = pytest.mark.model


def _differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    keys = sorted(set(expected) | set(found))
    return [
        f"{key}: {expected.get(key)} -> {found.get(key)}"
        for key in keys
        if expected.get(key) != found.get(key)
    ]


def test_the_seed_answers_are_the_recorded_ones(seed_index: Path) -> None:
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    pipeline = Pipeline(PipelineConfig(corpus_dir=SEED_DIR, index_dir=seed_index))
    found = seed_answers(pipeline)
    for part in ("gold", "conversations"):
        assert _differences(recorded[part], found[part]) == [], part


def test_the_squad_dev_answers_are_the_recorded_ones(tmp_path: Path) -> None:
    if not squad2_articles().is_file():
        pytest.skip(f"{squad2_articles()} is missing (../shared/benchmarks)")
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["squad"]
    found = squad_answers(tmp_path)
    assert found is not None
    assert _differences(recorded, found) == []

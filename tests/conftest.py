"""Shared fixtures: a fake encoder and tiny corpora in temporary folders."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from shanxi_qa.language.text import content_terms

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = REPO_ROOT / "seeds"


class FakeEncoder:
    """A bag-of-stems hashing encoder: texts sharing words get similar vectors.

    It has the interface of the index-time encoder, so an index can be built without torch.
    """

    dimension = 64

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in content_terms(text) or ["_empty"]:
                bucket = int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dimension
                vectors[row, bucket] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

    def export_onnx(self, out_dir: Path) -> None:
        (out_dir / "model.onnx").write_bytes(b"fake")


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


TINY_ARTICLE = """\
Harbor City opens new tram line

By JANE ROE

Harbor City opened its first tram line on March 3, the transport bureau said. The line is 14 kilometers long and has 22 stops.

The city plans to buy 40 electric buses by the end of 2026, according to Mayor Alan Smith.

A new ferry terminal was built in the port district of Eastbay to reduce traffic on the bridge.

Passengers board a tram at Central Station. JOHN DOE / FOR THE DAILY NEWS
"""


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    return corpus


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index (real model) of the seed corpus, built once per test session."""
    import subprocess
    import sys

    index = tmp_path_factory.mktemp("seed-index")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "shanxi_qa",
            "index",
            "--index",
            str(index),
            "--corpus",
            str(SEED_DIR),
        ],
        check=True,
        capture_output=True,
        env=offline_env(),
        timeout=600,
    )
    return index


def offline_env() -> dict[str, str]:
    import os

    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}

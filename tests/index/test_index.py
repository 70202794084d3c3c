"""Index build and load on a tiny corpus with the fake encoder."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from shanxi_qa.index.build import build_index
from shanxi_qa.index.chunk import ChunkerConfig
from shanxi_qa.index.layout import is_fresh, read_manifest
from shanxi_qa.index.loaded import Bm25Scores, load_index
from tests.conftest import FakeEncoder


def test_bm25_scores_without_bm25s_match_bm25s(tiny_corpus: Path, tmp_path: Path) -> None:
    import bm25s

    index_dir = tmp_path / "index"
    path = build_index(tiny_corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    ours = Bm25Scores(path / "bm25")
    theirs = bm25s.BM25.load(str(path / "bm25"))
    vocabulary = sorted(ours.vocabulary)
    generator = random.Random(7)
    queries = [generator.sample(vocabulary, k) for k in (1, 2, 3, 5) for _ in range(10)]
    queries += [["tram", "tram"], ["unknown-term"], ["tram", "unknown-term"]]
    for query in queries:
        np.testing.assert_allclose(ours.get_scores(query), theirs.get_scores(query), rtol=1e-6)


def test_build_writes_a_complete_manifest_and_loads(tiny_corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(tiny_corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    manifest = read_manifest(index_dir)
    assert manifest is not None
    assert manifest["complete"] is True
    assert list(manifest["corpus_files"]) == ["tram.txt"]
    assert manifest["chunker"] == {"max_tokens": 200, "min_tokens": 24, "model_window": 256}
    assert is_fresh(index_dir, tiny_corpus, ChunkerConfig())
    assert not is_fresh(index_dir, tiny_corpus, ChunkerConfig(max_tokens=100))
    index = load_index(index_dir)
    assert index.dense.ntotal == len(index.chunks) == manifest["chunks"]
    assert (index_dir / "current").is_symlink()


def test_a_sentence_pointing_back_is_also_embedded_with_the_one_before(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    build_index(tiny_corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    index = load_index(index_dir)
    (document,) = index.documents.values()
    text = document.text
    read_with_previous = {
        text[index.chunks[c].sentences[i].start : index.chunks[c].sentences[i].end]
        for row, (c, i) in enumerate(index.sentence_rows)
        if not np.allclose(index.window_vectors[row], index.sentence_vectors[row])
    }
    # "The city plans ..." points back; nothing else in the tiny article does.
    assert read_with_previous == {
        "The city plans to buy 40 electric buses by the end of 2026, according to Mayor Alan Smith."
    }

"""Adding and removing documents, and the incremental index, on tiny corpora with fake encoders.

A counting encoder records every batch of texts a build embeds, so each test can say exactly
what was embedded: only the new document's texts when one is added, nothing when one is
removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shanxi_qa.documents.corpus import (
    Change,
    CorpusError,
    add_documents,
    remove_document,
    safe_name,
)
from shanxi_qa.documents.listing import describe, headline
from shanxi_qa.index.build import build_index
from shanxi_qa.index.cache import MODELS_DIR
from shanxi_qa.index.chunk import ChunkerConfig
from shanxi_qa.index.layout import is_fresh, read_manifest
from shanxi_qa.index.loaded import load_index
from shanxi_qa.pipeline import Pipeline, PipelineConfig, SourceError
from tests.conftest import TINY_ARTICLE, FakeEncoder

ZOO_ARTICLE = """\
City zoo opens a penguin house

The city zoo opened a new penguin house in May, the zoo's director Mary Lane said.

The house holds 40 penguins from three colonies.
"""
PENGUINS = "The house holds 40 penguins from three colonies."


class CountingEncoder(FakeEncoder):
    """The fake encoder, recording each batch it embeds."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return super().encode(texts)


class FailingEncoder(FakeEncoder):
    """Fails whenever it is asked to embed anything, as a crash mid-build would."""

    def encode(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("the encoder crashed")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    return folder


@pytest.fixture
def counting() -> CountingEncoder:
    return CountingEncoder()


def _factory(encoder: Any) -> Callable[[], Any]:
    return lambda: encoder


def _built(corpus: Path, index_dir: Path, encoder: Any) -> Path:
    path = build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=_factory(encoder))
    encoder.calls.clear()
    return path


def _file(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _snapshot(corpus: Path, index_dir: Path) -> dict[str, Any]:
    """The corpus files byte for byte, and the current index: its folder and manifest."""
    current = (index_dir / "current").resolve()
    return {
        "corpus": {p.name: p.read_bytes() for p in sorted(corpus.iterdir())},
        "current": current,
        "manifest": (current / "manifest.json").read_bytes(),
        "builds": sorted(p.name for p in index_dir.glob("build-*")),
    }


# ---------------------------------------------------------------------------------------
# The incremental index


def test_adding_a_document_embeds_only_its_own_texts(
    corpus: Path, tmp_path: Path, counting: CountingEncoder
) -> None:
    index_dir = tmp_path / "index"
    _built(corpus, index_dir, counting)
    zoo = _file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)
    changes = add_documents(
        [(zoo, "zoo.txt")], corpus, index_dir, encoder_factory=_factory(counting)
    )
    assert changes == [Change("zoo.txt", "added", "added zoo.txt")]
    # One batch per kind of text, each holding only what no earlier build embedded: the
    # zoo's two chunks; its sentences (the headline is already embedded, as a chunk); the
    # one sentence that points back, read with its headline; the words new to the corpus.
    assert counting.calls == [
        [
            "City zoo opens a penguin house",
            "The city zoo opened a new penguin house in May, the zoo's director Mary Lane "
            "said.\n\nThe house holds 40 penguins from three colonies.",
        ],
        [
            "The city zoo opened a new penguin house in May, the zoo's director Mary Lane said.",
            PENGUINS,
        ],
        [
            "City zoo opens a penguin house The city zoo opened a new penguin house in May, "
            "the zoo's director Mary Lane said."
        ],
        [
            "colonies",
            "director",
            "holds",
            "house",
            "lane",
            "mary",
            "may",
            "penguin",
            "penguins",
            "three",
            "zoo",
        ],
    ]
    manifest = read_manifest(index_dir)
    assert manifest is not None
    # Only the new file was read and chunked: the tram article came from the last build.
    assert (manifest["documents"], manifest["documents_reused"], manifest["embedded"]) == (
        2,
        1,
        16,
    )

    # The incremental index holds exactly the vectors a build from nothing computes.
    fresh = tmp_path / "fresh-index"
    build_index(corpus, fresh, ChunkerConfig(), encoder_factory=FakeEncoder)
    incremental, full = load_index(index_dir), load_index(fresh)
    assert incremental.chunks == full.chunks
    assert incremental.documents == full.documents
    for name in ("sentence_vectors", "window_vectors", "vocabulary_vectors"):
        np.testing.assert_array_equal(getattr(incremental, name), getattr(full, name))
    np.testing.assert_array_equal(
        incremental.dense.reconstruct_n(0, incremental.dense.ntotal),
        full.dense.reconstruct_n(0, full.dense.ntotal),
    )


def test_removing_a_document_embeds_nothing(
    corpus: Path, tmp_path: Path, counting: CountingEncoder
) -> None:
    index_dir = tmp_path / "index"
    _file(corpus, "zoo.txt", ZOO_ARTICLE)
    _built(corpus, index_dir, counting)
    change = remove_document("zoo.txt", corpus, index_dir, encoder_factory=_factory(counting))
    assert change == Change("zoo.txt", "removed", "removed zoo.txt")
    assert counting.calls == []
    assert sorted(p.name for p in corpus.iterdir()) == ["tram.txt"]
    index = load_index(index_dir)
    assert list(index.documents) == ["corpus/tram.txt"]
    # Added back, it is still in the cache: nothing is embedded either.
    zoo = _file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)
    add_documents([(zoo, "zoo.txt")], corpus, index_dir, encoder_factory=_factory(counting))
    assert counting.calls == []
    assert len(load_index(index_dir).documents) == 2


def test_builds_share_one_copy_of_the_model(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    first = build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    _file(corpus, "zoo.txt", ZOO_ARTICLE)
    second = build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    (model,) = (index_dir / MODELS_DIR).iterdir()
    for build in (first, second):
        link = build / "model.onnx"
        assert link.is_symlink() and link.resolve() == model / "model.onnx"
    assert (model / "model.onnx").read_bytes() == b"fake"
    manifest = read_manifest(index_dir)
    assert manifest is not None and manifest["model_dir"] == f"{MODELS_DIR}/{model.name}"
    # A forced build exports again; the same bytes keep the same folder.
    build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder, force=True)
    assert list((index_dir / MODELS_DIR).iterdir()) == [model]


def test_a_damaged_embedding_cache_is_not_used(
    corpus: Path, tmp_path: Path, counting: CountingEncoder
) -> None:
    index_dir = tmp_path / "index"
    _built(corpus, index_dir, counting)
    (cache,) = (index_dir / "embeddings").glob("*/*.npz")
    data = bytearray(cache.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit: the file no longer matches its name
    cache.write_bytes(bytes(data))
    _file(corpus, "zoo.txt", ZOO_ARTICLE)
    build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=_factory(counting))
    embedded = [text for call in counting.calls for text in call]
    assert TINY_ARTICLE.splitlines()[0] in embedded  # the tram article is embedded again
    assert len(list((index_dir / "embeddings").glob("*/*.npz"))) == 1


# ---------------------------------------------------------------------------------------
# Adding: names, duplicates, files that cannot be read


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../escape.txt", "'../escape.txt' is not a plain file name: it names a folder (/ or \\)"),
        ("a/b.txt", "'a/b.txt' is not a plain file name: it names a folder (/ or \\)"),
        ("..\\escape.txt", "'..\\\\escape.txt' is not a plain file name: it names a folder"),
        ("..", "'..' is not a usable file name: it starts with a dot"),
        (".hidden.txt", "'.hidden.txt' is not a usable file name: it starts with a dot"),
        ("", "'' is not a usable file name (empty, or spaces around it)"),
        (" tram.txt", "' tram.txt' is not a usable file name (empty, or spaces around it)"),
        ("bell\x07.txt", "'bell\\x07.txt' is not a usable file name: it holds control characters"),
        ("tool.exe", "tool.exe: not a document the reader takes"),
        ("x" * 300 + ".txt", "is too long for a file name (200 characters)"),
    ],
)
def test_unsafe_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(CorpusError) as caught:
        safe_name(name)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_name_with_dots_up_never_leaves_the_corpus(
    corpus: Path, tmp_path: Path, counting: CountingEncoder
) -> None:
    index_dir = tmp_path / "index"
    _built(corpus, index_dir, counting)
    before = _snapshot(corpus, index_dir)
    zoo = _file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)
    changes = add_documents(
        [(zoo, "../zoo.txt"), (zoo, "../../zoo.txt")],
        corpus,
        index_dir,
        encoder_factory=_factory(counting),
    )
    assert [(c.status, c.name) for c in changes] == [
        ("refused", "../zoo.txt"),
        ("refused", "../../zoo.txt"),
    ]
    assert not (tmp_path / "zoo.txt").exists() and not (tmp_path.parent / "zoo.txt").exists()
    assert _snapshot(corpus, index_dir) == before
    assert counting.calls == []
    with pytest.raises(CorpusError, match="is not a plain file name"):
        remove_document("../corpus/tram.txt", corpus, index_dir)
    assert (corpus / "tram.txt").exists()


def test_the_same_file_twice(corpus: Path, tmp_path: Path, counting: CountingEncoder) -> None:
    index_dir = tmp_path / "index"
    _built(corpus, index_dir, counting)
    zoo = _file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)
    add = _factory(counting)
    add_documents([(zoo, "zoo.txt")], corpus, index_dir, encoder_factory=add)
    state = _snapshot(corpus, index_dir)
    counting.calls.clear()

    # The same bytes, under its own name or another: nothing to do.
    copy = _file(tmp_path / "in", "copy.txt", ZOO_ARTICLE)
    changes = add_documents(
        [(zoo, "zoo.txt"), (copy, "copy.txt")], corpus, index_dir, encoder_factory=add
    )
    assert changes == [
        Change("zoo.txt", "unchanged", "zoo.txt is already in the corpus (same content)"),
        Change("copy.txt", "unchanged", "copy.txt is already in the corpus as zoo.txt"),
    ]
    assert _snapshot(corpus, index_dir) == state and counting.calls == []

    # The same name, other content: refused, unless replacing is asked for.
    edited = _file(tmp_path / "edited", "zoo.txt", ZOO_ARTICLE.replace("40", "45"))
    (refused,) = add_documents([(edited, "zoo.txt")], corpus, index_dir, encoder_factory=add)
    assert refused == Change(
        "zoo.txt",
        "refused",
        "zoo.txt is already in the corpus with other content; "
        "pass --replace to replace it, or rename the file",
    )
    assert _snapshot(corpus, index_dir) == state
    (replaced,) = add_documents(
        [(edited, "zoo.txt")], corpus, index_dir, replace=True, encoder_factory=add
    )
    assert replaced == Change("zoo.txt", "replaced", "replaced zoo.txt")
    assert (corpus / "zoo.txt").read_text(encoding="utf-8") == edited.read_text(encoding="utf-8")
    texts = [text for call in counting.calls for text in call]
    assert "The house holds 45 penguins from three colonies." in texts
    assert (
        "The city zoo opened a new penguin house in May, the zoo's director Mary Lane said."
        not in texts
    )


BAD_FILES = {
    "empty.txt": (b"", "empty.txt: file is empty or blank"),
    "blank.md": (b"  \n\n\t\n", "blank.md: file is empty or blank"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "image.txt: binary file"),
    "latin1.txt": ("Caf\u00e9 prices rose.".encode("latin-1"), "latin1.txt: not valid UTF-8"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_file_that_cannot_be_read_leaves_everything_as_it_was(
    corpus: Path, tmp_path: Path, counting: CountingEncoder, name: str
) -> None:
    index_dir = tmp_path / "index"
    _built(corpus, index_dir, counting)
    before = _snapshot(corpus, index_dir)
    data, message = BAD_FILES[name]
    bad = _file(tmp_path / "in", name, data)
    (change,) = add_documents([(bad, name)], corpus, index_dir, encoder_factory=_factory(counting))
    assert change.status == "refused" and change.name == name
    assert change.message.startswith(message), change.message
    assert str(corpus) not in change.message  # the staging copy is never named
    assert _snapshot(corpus, index_dir) == before
    assert counting.calls == []


def test_a_build_that_fails_takes_the_new_file_out_again(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    zoo = _file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)
    add_documents([(zoo, "zoo.txt")], corpus, index_dir, encoder_factory=FakeEncoder)
    before = _snapshot(corpus, index_dir)

    park = _file(tmp_path / "in", "park.txt", "The park opened a lake for rowing boats in June.\n")
    with pytest.raises(RuntimeError, match="the encoder crashed"):
        add_documents([(park, "park.txt")], corpus, index_dir, encoder_factory=FailingEncoder)
    assert _snapshot(corpus, index_dir) == before

    # Replacing: the old file is put back byte for byte.
    edited = _file(tmp_path / "edited", "zoo.txt", ZOO_ARTICLE.replace("40", "45"))
    with pytest.raises(RuntimeError, match="the encoder crashed"):
        add_documents(
            [(edited, "zoo.txt")], corpus, index_dir, replace=True, encoder_factory=FailingEncoder
        )
    assert _snapshot(corpus, index_dir) == before
    assert not list(corpus.glob(".staging-*"))


def test_the_last_document_cannot_be_removed_and_unknown_ones_are_listed(
    corpus: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    with pytest.raises(CorpusError) as caught:
        remove_document("tram.txt", corpus, index_dir, encoder_factory=FakeEncoder)
    assert str(caught.value) == (
        f"tram.txt is the only document in {corpus}; add another before removing it"
    )
    with pytest.raises(CorpusError) as caught:
        remove_document("zoo.txt", corpus, index_dir, encoder_factory=FakeEncoder)
    assert str(caught.value) == f"no document 'zoo.txt' in {corpus}; known: tram.txt"
    # A quote's source names the document too.
    _file(corpus, "zoo.txt", ZOO_ARTICLE)
    change = remove_document("corpus/zoo.txt", corpus, index_dir, encoder_factory=FakeEncoder)
    assert change.status == "removed"


# ---------------------------------------------------------------------------------------
# Listing, and questions across documents


def test_describe_lists_kind_paragraphs_chunks_and_headline(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _file(corpus, "zoo.txt", ZOO_ARTICLE)
    build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    index = load_index(index_dir)
    rows = [
        (i.name, i.source, i.kind, i.pages, i.paragraphs, i.chunks, i.headline)
        for i in describe(index)
    ]
    assert rows == [
        ("tram.txt", "corpus/tram.txt", "text", None, 6, 4, "Harbor City opens new tram line"),
        ("zoo.txt", "corpus/zoo.txt", "text", None, 3, 2, "City zoo opens a penguin house"),
    ]
    manifest = read_manifest(index_dir)
    assert manifest is not None
    assert {i.indexed_at for i in describe(index)} == {manifest["built_at"]}
    assert headline(index.documents["corpus/zoo.txt"]) == "City zoo opens a penguin house"


def test_a_source_filter_searches_one_document(corpus: Path, tmp_path: Path) -> None:
    _file(corpus, "zoo.txt", ZOO_ARTICLE)
    config = PipelineConfig(corpus_dir=corpus, index_dir=tmp_path / "index")
    pipeline = Pipeline(
        config, encoder=FakeEncoder(), encoder_factory=FakeEncoder, warn=lambda _: None
    )
    question = "How many penguins does the house hold?"
    assert pipeline.ask(question).quotes[0].text == PENGUINS
    for name in ("zoo.txt", "corpus/zoo.txt"):
        assert {q.source for q in pipeline.ask(question, source=name).quotes} == {"corpus/zoo.txt"}
    hits = pipeline.retrieve(question, source="tram.txt", top_k=10)
    assert hits and {hit.chunk.source for hit in hits} == {"corpus/tram.txt"}
    for mode in ("bm25", "dense", "hybrid"):
        hits = pipeline.retrieve(question, mode=mode, source="zoo.txt", top_k=10)
        assert {hit.chunk.source for hit in hits} == {"corpus/zoo.txt"}
    with pytest.raises(SourceError) as caught:
        pipeline.ask(question, source="park.txt")
    assert str(caught.value) == "no document 'park.txt' in the index; known: tram.txt, zoo.txt"


def test_the_known_list_is_cut_short_for_a_large_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for number in range(14):
        _file(
            corpus,
            f"note{number:02d}.txt",
            f"Note {number} says the ferry leaves at {number} am.\n",
        )
    config = PipelineConfig(corpus_dir=corpus, index_dir=tmp_path / "index")
    pipeline = Pipeline(
        config, encoder=FakeEncoder(), encoder_factory=FakeEncoder, warn=lambda _: None
    )
    with pytest.raises(SourceError) as caught:
        pipeline.ask("when does the ferry leave?", source="note99.txt")
    listed = ", ".join(f"note{n:02d}.txt" for n in range(10))
    assert str(caught.value) == (
        f"no document 'note99.txt' in the index; known: {listed} "
        "and 4 more (shanxi-qa docs lists them)"
    )


def test_an_index_copied_elsewhere_still_finds_its_model(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    copy = tmp_path / "moved" / "index"
    shutil.copytree(index_dir, copy, symlinks=True)
    shutil.rmtree(index_dir)
    assert (load_index(copy).path / "model.onnx").read_bytes() == b"fake"


def test_an_added_file_is_read_once_and_the_others_not_at_all(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shanxi_qa.documents import load

    index_dir = tmp_path / "index"
    _file(corpus, "park.txt", "The park opened a lake for rowing boats in June.\n")
    build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    real = load.load_document
    read: list[str] = []

    def load_document(path: Path, source: str, report: Any = None) -> Any:
        read.append(Path(path).name)
        return real(path, source, report)

    monkeypatch.setattr(load, "load_document", load_document)
    zoo = _file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)
    add_documents([(zoo, "zoo.txt")], corpus, index_dir, encoder_factory=FakeEncoder)
    assert read == ["zoo.txt"]  # checked before it went in; the build took that reading
    index = load_index(index_dir)
    assert sorted(index.documents) == ["corpus/park.txt", "corpus/tram.txt", "corpus/zoo.txt"]
    assert index.documents["corpus/zoo.txt"] == real(corpus / "zoo.txt", "corpus/zoo.txt")


def test_the_seed_is_read_only_and_eval_measures_it_alone(
    corpus: Path, tmp_path: Path, counting: CountingEncoder
) -> None:
    from shanxi_qa.evaluation.evaluate import seed_only

    index_dir = tmp_path / "index"
    (corpus / ".read-only").write_text("# the seed\ntram.txt\n", encoding="utf-8")
    _built(corpus, index_dir, counting)
    assert seed_only(corpus, index_dir) == (corpus, index_dir)  # nothing added yet

    other = _file(tmp_path / "in", "tram.txt", "Another tram\n\nA different text.\n")
    (change,) = add_documents(
        [(other, "tram.txt")], corpus, index_dir, replace=True, encoder_factory=_factory(counting)
    )
    assert change == Change(
        "tram.txt", "refused", "tram.txt is part of the seed and read-only; rename your file"
    )
    added = _file(tmp_path / "in", "zoo.txt", "Zoo news\n\nThe zoo has 40 penguins.\n")
    add_documents([(added, "zoo.txt")], corpus, index_dir, encoder_factory=_factory(counting))
    with pytest.raises(CorpusError, match="part of the seed and read-only"):
        remove_document("tram.txt", corpus, index_dir, encoder_factory=_factory(counting))
    assert (corpus / "tram.txt").read_text(encoding="utf-8") == TINY_ARTICLE

    copy, copy_index = seed_only(corpus, index_dir)
    assert (copy, copy_index) == (index_dir / "eval" / "corpus", index_dir / "eval" / "index")
    assert sorted(p.name for p in copy.iterdir()) == ["tram.txt"]
    assert (copy / "tram.txt").read_text(encoding="utf-8") == TINY_ARTICLE


def test_the_same_files_in_a_folder_of_another_name_get_their_own_index(
    corpus: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    other = tmp_path / "c1"
    shutil.copytree(corpus, other)
    assert not is_fresh(index_dir, other, ChunkerConfig())
    build_index(other, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    index = load_index(index_dir)
    assert sorted(index.documents) == ["c1/tram.txt"]
    assert {chunk.source for chunk in index.chunks} == {"c1/tram.txt"}
    zoo = _file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)
    [change] = add_documents([(zoo, "zoo.txt")], other, index_dir, encoder_factory=FakeEncoder)
    assert change.status == "added"
    assert sorted(load_index(index_dir).documents) == ["c1/tram.txt", "c1/zoo.txt"]

"""The default library: the seed linked in read-only, the user's documents beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shanxi_qa.documents.corpus import CorpusError, add_documents, read_only_names, remove_document
from shanxi_qa.documents.library import open_library
from shanxi_qa.evaluation.evaluate import seed_only
from shanxi_qa.index.loaded import load_index
from tests.conftest import TINY_ARTICLE, FakeEncoder

ZOO = "City zoo welcomes a panda\n\nThe city zoo welcomed a giant panda named Bao on Monday.\n"


@pytest.fixture
def checkout(tmp_path: Path) -> tuple[Path, Path]:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    (seeds / ".read-only").write_text("# the seed\ntram.txt\n", encoding="utf-8")
    return seeds, tmp_path / "library"


def test_the_library_is_made_on_first_use_with_the_seed_linked_read_only(
    checkout: tuple[Path, Path],
) -> None:
    seeds, library = checkout
    assert open_library(library, seed_dir=seeds, library_dir=library)
    link = library / "tram.txt"
    assert link.is_symlink() and link.resolve() == (seeds / "tram.txt").resolve()
    assert read_only_names(library) == {"tram.txt"}
    assert not open_library(library, seed_dir=seeds, library_dir=library)  # idempotent
    link.unlink()  # a lost link is made again
    assert open_library(library, seed_dir=seeds, library_dir=library)
    assert link.read_text(encoding="utf-8") == TINY_ARTICLE


def test_another_corpus_folder_is_left_as_it_is(
    checkout: tuple[Path, Path], tmp_path: Path
) -> None:
    seeds, library = checkout
    mine = tmp_path / "mine"
    assert not open_library(mine, seed_dir=seeds, library_dir=library)
    assert not mine.exists() and not library.exists()


def test_added_documents_go_to_the_library_and_the_seed_folder_stays_as_it_was(
    checkout: tuple[Path, Path], tmp_path: Path
) -> None:
    seeds, library = checkout
    before = sorted(path.name for path in seeds.iterdir())
    open_library(library, seed_dir=seeds, library_dir=library)
    index_dir = tmp_path / "index"
    zoo = tmp_path / "in" / "zoo.txt"
    zoo.parent.mkdir()
    zoo.write_text(ZOO, encoding="utf-8")
    [change] = add_documents([(zoo, "zoo.txt")], library, index_dir, encoder_factory=FakeEncoder)
    assert change.status == "added"
    assert sorted(path.name for path in seeds.iterdir()) == before
    assert (library / "zoo.txt").read_text(encoding="utf-8") == ZOO
    assert sorted(load_index(index_dir).documents) == ["library/tram.txt", "library/zoo.txt"]
    with pytest.raises(CorpusError, match="read-only"):
        remove_document("tram.txt", library, index_dir, encoder_factory=FakeEncoder)
    assert (seeds / "tram.txt").read_text(encoding="utf-8") == TINY_ARTICLE
    # eval measures the seed alone, in a copy of its own
    corpus, index = seed_only(library, index_dir)
    assert sorted(path.name for path in corpus.iterdir()) == ["tram.txt"]
    assert index != index_dir


def test_documents_added_to_the_seed_folder_earlier_are_named_once(
    checkout: tuple[Path, Path],
) -> None:
    seeds, library = checkout
    shutil.copyfile(seeds / "tram.txt", seeds / "old.txt")
    said: list[str] = []
    open_library(library, seed_dir=seeds, library_dir=library, warn=said.append)
    assert said == [
        f"{seeds} holds 1 document(s) added before the library existed; "
        "`shanxi-qa add` them to the library to answer from them: old.txt"
    ]
    open_library(library, seed_dir=seeds, library_dir=library, warn=said.append)
    assert len(said) == 1

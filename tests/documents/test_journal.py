"""Crash safety: an add, a replace or a remove killed at any moment leaves the corpus and the
served index exactly as before or exactly as after, and loses no file.

Each case runs the change in a real child process that kills itself (SIGKILL, or SIGTERM) at a
named moment (``SHANXI_QA_KILL_AT``), then runs what the next command runs first
(:func:`journal.recover`), and compares the corpus and the served index with the two states.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shanxi_qa.documents import journal
from shanxi_qa.index.build import build_index
from shanxi_qa.index.chunk import ChunkerConfig
from shanxi_qa.index.layout import MANIFEST_FILE, corpus_fingerprint, read_manifest
from tests.conftest import FakeEncoder

TESTS = Path(__file__).resolve().parents[1]

ONE = "Alpha town\n\nAlpha town opened a library with 300 books in May.\n"
TWO = "Beta port\n\nBeta port handles 40 ships a day, the harbour office said.\n"
NEW = "Gamma valley\n\nGamma valley grows 12 kinds of apple in its orchards.\n"
CHANGED = "Beta port\n\nBeta port now handles 55 ships a day after the new quay opened.\n"

CHILD = """
import sys
sys.path[:0] = [{tests!r}, {root!r}]
from pathlib import Path
from conftest import FakeEncoder
from shanxi_qa.documents.corpus import add_documents, remove_document
corpus, index = Path({corpus!r}), Path({index!r})
try:
    if {operation!r} == "remove":
        remove_document("two.txt", corpus, index, encoder_factory=FakeEncoder)
    else:
        add_documents([(Path({source!r}), {name!r})], corpus, index,
                      replace={replace!r}, encoder_factory=FakeEncoder)
except KeyboardInterrupt as stop:
    print(type(stop).__name__, stop, file=sys.stderr)
    sys.exit(1)
"""


def _state(corpus: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(corpus.glob("*.txt"))}


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus, index, outside = tmp_path / "corpus", tmp_path / "index", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "one.txt").write_text(ONE, encoding="utf-8")
    (corpus / "two.txt").write_text(TWO, encoding="utf-8")
    (outside / "new.txt").write_text(NEW, encoding="utf-8")
    (outside / "two.txt").write_text(CHANGED, encoding="utf-8")
    build_index(corpus, index, ChunkerConfig(), encoder_factory=FakeEncoder)
    return corpus, index, outside


# (operation, moment, signal, which state the corpus must end in)
CASES = [
    ("add", "add-journaled", "SIGKILL", "before"),
    ("add", "add-moved", "SIGKILL", "before"),
    ("add", "build-unfinished", "SIGKILL", "before"),
    ("add", "add-built", "SIGKILL", "after"),
    ("add", "add-moved", "SIGTERM", "before"),
    ("add", "build-unfinished", "SIGTERM", "before"),
    ("replace", "add-previous-kept", "SIGKILL", "before"),
    ("replace", "add-moved", "SIGKILL", "before"),
    ("replace", "build-unfinished", "SIGKILL", "before"),
    ("replace", "add-built", "SIGKILL", "after"),
    ("replace", "add-previous-kept", "SIGTERM", "before"),
    ("replace", "build-unfinished", "SIGHUP", "before"),
    ("remove", "remove-journaled", "SIGKILL", "before"),
    ("remove", "remove-moved", "SIGKILL", "before"),
    ("remove", "build-unfinished", "SIGKILL", "before"),
    ("remove", "remove-built", "SIGKILL", "after"),
    ("remove", "remove-moved", "SIGTERM", "before"),
]


@pytest.mark.parametrize(("operation", "moment", "signame", "expected"), CASES)
def test_a_killed_change_is_finished_or_undone(
    tmp_path: Path, operation: str, moment: str, signame: str, expected: str
) -> None:
    corpus, index, outside = _setup(tmp_path)
    before = _state(corpus)
    after = dict(before)
    if operation == "add":
        after["new.txt"] = NEW
        source = outside / "new.txt"
    elif operation == "replace":
        after["two.txt"] = CHANGED
        source = outside / "two.txt"
    else:
        del after["two.txt"]
        source = outside / "two.txt"
    code = CHILD.format(
        tests=str(TESTS),
        root=str(TESTS.parent / "src"),
        corpus=str(corpus),
        index=str(index),
        operation=operation,
        source=str(source),
        name=source.name,
        replace=operation == "replace",
    )
    env = {**os.environ, "SHANXI_QA_KILL_AT": moment, "SHANXI_QA_KILL_SIGNAL": signame}
    child = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
    if signame == "SIGKILL":
        assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    else:  # SIGTERM and SIGHUP roll back in the process itself
        assert child.returncode == 1, child.stderr.decode()
        assert b"Interrupted" in child.stderr
        assert not (corpus / journal.JOURNAL_FILE).exists()

    journal.recover(corpus, index)  # what the next command of any kind does first

    assert _state(corpus) == (after if expected == "after" else before)
    served = read_manifest(index)
    assert served is not None and served["corpus_files"] == corpus_fingerprint(corpus)
    assert not (corpus / journal.JOURNAL_FILE).exists()
    assert not list(corpus.glob(".staging-*"))
    assert all((build / MANIFEST_FILE).is_file() for build in index.glob("build-*"))


def test_an_unrelated_add_after_a_killed_replace_keeps_the_original(tmp_path: Path) -> None:
    """The loss the journal exists for: a replace killed mid-build, then another add."""
    from shanxi_qa.documents.corpus import add_documents

    corpus, index, outside = _setup(tmp_path)
    code = CHILD.format(
        tests=str(TESTS),
        root=str(TESTS.parent / "src"),
        corpus=str(corpus),
        index=str(index),
        operation="replace",
        source=str(outside / "two.txt"),
        name="two.txt",
        replace=True,
    )
    env = {**os.environ, "SHANXI_QA_KILL_AT": "add-moved"}
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
    assert (corpus / "two.txt").read_text(encoding="utf-8") == CHANGED  # killed mid-change

    add_documents([(outside / "new.txt", "new.txt")], corpus, index, encoder_factory=FakeEncoder)

    assert _state(corpus) == {"new.txt": NEW, "one.txt": ONE, "two.txt": TWO}
    served = read_manifest(index)
    assert served is not None and served["corpus_files"] == corpus_fingerprint(corpus)


def test_an_unreadable_journal_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / journal.JOURNAL_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(journal.JournalError, match="unreadable"):
        journal.read(tmp_path)

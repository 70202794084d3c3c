"""``shanxi-qa add``, ``remove``, ``docs`` and ``ask --source`` for real: subprocesses, the
real model, a corpus of its own in a temporary folder.

The tram article's index is built once for the module (the model is exported then); each
test works on its own copy of the corpus and the index, so tests never see each other's
documents.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TINY_ARTICLE, offline_env
from tests.documents.pdf_fixtures import png_bytes, write_library_pdf

pytestmark = pytest.mark.model

ZOO_ARTICLE = """\
City zoo opens a penguin house

The city zoo opened a new penguin house in May, the zoo's director Mary Lane said.

The house holds 40 penguins from three colonies.
"""
PENGUIN_QUESTION = "How many penguins does the house hold?"
SUNDAY_QUESTION = "How many visitors does the council expect on a typical Sunday?"
SUNDAY_SENTENCE = "The council expects about 400 visitors on a typical Sunday."
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # the indexed column (19 wide)


def run(
    corpus: Path, index: Path, *args: str, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "shanxi_qa", *args, "--corpus", str(corpus)]
    command += ["--index", str(index)]
    return subprocess.run(
        command, capture_output=True, text=True, env=offline_env(), timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli-documents")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    result = run(corpus, root / "index", "index", timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return corpus, root / "index"


@pytest.fixture
def setup(built: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the built corpus and index (the model and cache files hard-linked)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built[0], corpus)
    shutil.copytree(built[1], index, symlinks=True, copy_function=os.link)
    return corpus, index


def _file(folder: Path, name: str, data: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def _state(corpus: Path, index: Path) -> tuple[dict[str, bytes], Path, bytes]:
    current = (index / "current").resolve()
    files = {p.name: p.read_bytes() for p in sorted(corpus.iterdir())}
    return files, current, (current / "manifest.json").read_bytes()


def test_add_docs_ask_and_remove(setup: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = setup
    zoo = _file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)
    added = run(corpus, index, "add", str(zoo))
    assert added.returncode == 0, added.stderr
    # Two chunks, two new sentences (the headline is its own chunk), one sentence read with
    # the one before it, eleven words new to the corpus: sixteen texts embedded.
    assert added.stdout == (
        "added zoo.txt\nindexed 2 document(s), 6 chunks; embedded 16 new text(s)\n"
    )
    assert added.stderr == ""

    docs = run(corpus, index, "docs")
    assert docs.returncode == 0, docs.stderr
    assert TIME.sub("<time>", docs.stdout) == (
        "name      kind  pages  paragraphs  indexed              headline\n"
        "tram.txt  text  -      6           <time>  Harbor City opens new tram line\n"
        "zoo.txt   text  -      3           <time>  City zoo opens a penguin house\n"
        "\n"
        "2 document(s)\n"
    )
    listed = json.loads(run(corpus, index, "docs", "--json").stdout)
    assert [
        (d["name"], d["kind"], d["pages"], d["paragraphs"], d["chunks"])
        for d in listed["documents"]
    ] == [("tram.txt", "text", None, 6, 4), ("zoo.txt", "text", None, 3, 2)]
    assert listed["skipped"] == []

    # With two documents, each quote names its document: headline and file.
    asked = run(corpus, index, "ask", PENGUIN_QUESTION)
    assert asked.returncode == 0, asked.stderr
    lines = asked.stdout.splitlines()
    assert lines[:3] == ["40", "", "> The house holds 40 penguins from three colonies."]
    assert re.fullmatch(
        r">   — City zoo opens a penguin house \(corpus/zoo\.txt, paragraph 3, score \d\.\d\d\)",
        lines[3],
    ), lines[3]

    removed = run(corpus, index, "remove", "zoo.txt")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout == "removed zoo.txt; 1 document(s) left\n"
    assert sorted(p.name for p in corpus.iterdir()) == ["tram.txt"]
    after = run(corpus, index, "ask", "--json", PENGUIN_QUESTION)
    assert {q["source"] for q in json.loads(after.stdout)["quotes"]} <= {"corpus/tram.txt"}


def _at_a_terminal(corpus: Path, index: Path, typed: bytes, *args: str) -> tuple[int, bytes, str]:
    """Run a command with a terminal (120 columns) for stdin and stderr; ``typed`` is what
    the user types. Returns the exit code, what the terminal showed and stdout."""
    import fcntl
    import pty
    import struct
    import termios
    import threading

    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    command = [sys.executable, "-m", "shanxi_qa", *args, "--corpus", str(corpus)]
    command += ["--index", str(index)]
    process = subprocess.Popen(
        command, stdin=terminal, stdout=subprocess.PIPE, stderr=terminal, env=offline_env()
    )
    os.close(terminal)
    shown = bytearray()

    def read() -> None:  # all along, so the terminal's buffer never fills
        with contextlib.suppress(OSError):
            while chunk := os.read(main, 4096):
                shown.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    os.write(main, typed)
    stdout, _ = process.communicate(timeout=300)
    reader.join(timeout=10)
    os.close(main)
    return process.returncode, bytes(shown), stdout.decode("utf-8")


def test_remove_asks_first_at_a_terminal(setup: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = setup
    run(corpus, index, "add", str(_file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)))
    code, shown, stdout = _at_a_terminal(corpus, index, b"n\n", "remove", "zoo.txt")
    assert code == 0 and stdout == ""
    assert f"remove zoo.txt from {corpus}? Its file is deleted. [y/N] ".encode() in shown
    assert b"kept zoo.txt" in shown
    assert sorted(p.name for p in corpus.iterdir()) == ["tram.txt", "zoo.txt"]
    code, shown, stdout = _at_a_terminal(corpus, index, b"y\n", "remove", "zoo.txt")
    assert (code, stdout) == (0, "removed zoo.txt; 1 document(s) left\n")
    assert sorted(p.name for p in corpus.iterdir()) == ["tram.txt"]


def test_ask_source_searches_one_document(setup: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = setup
    run(corpus, index, "add", str(_file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)))
    only_tram = run(corpus, index, "ask", "--json", "--source", "tram.txt", PENGUIN_QUESTION)
    assert only_tram.returncode == 0, only_tram.stderr
    record = json.loads(only_tram.stdout)
    assert record["quotes"] and {q["source"] for q in record["quotes"]} == {"corpus/tram.txt"}
    only_zoo = run(corpus, index, "ask", "--json", "--source", "corpus/zoo.txt", PENGUIN_QUESTION)
    assert json.loads(only_zoo.stdout)["answer"] == "40"

    unknown = run(corpus, index, "ask", "--source", "park.txt", PENGUIN_QUESTION)
    assert unknown.returncode == 2
    assert unknown.stdout == ""
    assert unknown.stderr == (
        "error: no document 'park.txt' in the index; known: tram.txt, zoo.txt\n"
    )


def test_a_pdf_quote_gives_its_page(setup: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = setup
    pdf = write_library_pdf(tmp_path / "library.pdf")
    # At a terminal, progress on stderr: the PDF's pages as they are read, then the texts
    # embedded (a script's stderr gets none of it).
    code, shown, stdout = _at_a_terminal(corpus, index, b"", "add", str(pdf))
    assert code == 0, shown
    assert stdout.startswith("added library.pdf\nindexed 2 document(s), ")
    terminal = shown.decode("utf-8", "replace")
    assert re.search(r"library\.pdf: pages read: 100%\S* 2/2", terminal), terminal
    assert re.search(r"paragraphs embedded: 100%\S* (\d+)/\1", terminal), terminal
    assert re.search(r"sentences embedded: 100%\S* (\d+)/\1", terminal), terminal
    assert "\r" in terminal and "␍" not in terminal  # the terminal redraws the bar
    docs = TIME.sub("<time>", run(corpus, index, "docs").stdout)
    assert (
        "library.pdf  pdf   2      9           <time>  Riverton library reopens after the flood"
        in (docs)
    ), docs
    asked = run(corpus, index, "ask", "--json", SUNDAY_QUESTION)
    quote = json.loads(asked.stdout)["quotes"][0]
    assert (quote["text"], quote["source"], quote["page"]) == (
        SUNDAY_SENTENCE,
        "corpus/library.pdf",
        2,
    )
    text = run(corpus, index, "ask", SUNDAY_QUESTION).stdout.splitlines()
    assert re.fullmatch(
        r">   — Riverton library reopens after the flood \(corpus/library\.pdf, p\. 2, "
        r"paragraph \d+, score \d\.\d\d\)",
        text[3],
    ), text


def test_bad_additions_change_nothing(setup: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = setup
    zoo = _file(tmp_path / "in", "zoo.txt", ZOO_ARTICLE)
    assert run(corpus, index, "add", str(zoo)).returncode == 0
    before = _state(corpus, index)

    cases = [
        (_file(tmp_path / "bad", "empty.txt", b""), "error: empty.txt: file is empty or blank\n"),
        (
            _file(tmp_path / "bad", "photo.pdf", png_bytes()),
            "error: photo.pdf: ",
        ),
        (
            _file(tmp_path / "bad", "notes.docx", b"PK\x03\x04"),
            "error: notes.docx: not a document the reader takes (",
        ),
        (
            _file(tmp_path / "edited", "zoo.txt", ZOO_ARTICLE.replace("40", "45")),
            "error: zoo.txt is already in the corpus with other content; pass --replace to "
            "replace it, or rename the file\n",
        ),
    ]
    for path, message in cases:
        result = run(corpus, index, "add", str(path))
        assert result.returncode == 2, (path, result.stderr)
        assert result.stdout == ""
        assert result.stderr.startswith(message), result.stderr
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
        assert _state(corpus, index) == before

    twice = run(corpus, index, "add", str(zoo))
    assert (twice.returncode, twice.stdout) == (
        0,
        "zoo.txt is already in the corpus (same content)\n",
    )
    missing = run(corpus, index, "add", str(tmp_path / "nowhere.txt"))
    assert missing.returncode == 2
    assert missing.stderr == f"error: nowhere.txt: {tmp_path / 'nowhere.txt'} is not a file\n"

    for name, message in [
        (
            "../corpus/zoo.txt",
            "error: '../corpus/zoo.txt' is not a plain file name: it names a folder",
        ),
        ("park.txt", f"error: no document 'park.txt' in {corpus}; known: tram.txt, zoo.txt\n"),
    ]:
        result = run(corpus, index, "remove", name)
        assert result.returncode == 2
        assert result.stderr.startswith(message), result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert _state(corpus, index) == before

    replaced = run(corpus, index, "add", "--replace", str(cases[3][0]))
    assert replaced.returncode == 0, replaced.stderr
    assert replaced.stdout.startswith("replaced zoo.txt\n")
    assert (
        json.loads(run(corpus, index, "ask", "--json", PENGUIN_QUESTION).stdout)["answer"] == "45"
    )


def test_a_document_cannot_drive_the_terminal(setup: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = setup
    hostile = "Signal box\n\nThe signal box \x1b]0;owned\x07 has \x1b[31m12 levers\x1b[0m in all.\n"
    added = run(corpus, index, "add", str(_file(tmp_path / "in", "box.txt", hostile)))
    assert added.returncode == 0, added.stderr
    for args in (("show", "box.txt"), ("ask", "How many levers does the signal box have?")):
        result = run(corpus, index, *args)
        assert result.returncode == 0, result.stderr
        assert not any(ord(c) < 32 and c not in "\n\t" for c in result.stdout), result.stdout
        assert "␛[31m" in result.stdout
    record = json.loads(run(corpus, index, "ask", "--json", "How many levers?").stdout)
    assert "\x1b" in record["quotes"][0]["text"]  # JSON keeps the exact text

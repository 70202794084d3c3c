"""The README's examples are what the program prints: each ``$ python -m shanxi_qa ask ...``
example over the seed is run and its output compared line for line, so a change of answer or
confidence shows up here and the README is updated with it."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from shanxi_qa.documents.library import open_library
from tests.conftest import REPO_ROOT, SEED_DIR, offline_env

pytestmark = pytest.mark.model

README = REPO_ROOT / "README.md"
BLOCK = re.compile(r"^```\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_examples() -> list[tuple[str, str]]:
    """(command, expected output) for every ``ask`` example in a block that adds nothing."""
    examples = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        if not block.startswith("$ python -m shanxi_qa ask") or " add " in block:
            continue
        for part in re.split(r"^(?=\$ )", block, flags=re.MULTILINE):
            if part.strip():
                command, _, output = part.partition("\n")
                examples.append((command.removeprefix("$ "), output.rstrip("\n")))
    return examples


def test_the_readme_has_ask_examples() -> None:
    assert len(readme_examples()) >= 3


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A library as a fresh checkout makes it (the seed linked in), and an index for it."""
    root = tmp_path_factory.mktemp("checkout")
    folder = root / "library"
    open_library(folder, seed_dir=SEED_DIR, library_dir=folder)
    return folder, root / "index"


@pytest.mark.parametrize(("command", "expected"), readme_examples())
def test_a_readme_example_prints_what_the_readme_shows(
    library: tuple[Path, Path], command: str, expected: str
) -> None:
    args = shlex.split(command)
    assert args[:3] == ["python", "-m", "shanxi_qa"]
    corpus, index = library
    result = subprocess.run(
        [sys.executable, *args[1:], "--index", str(index), "--corpus", str(corpus)],
        capture_output=True,
        text=True,
        env=offline_env(),
        timeout=300,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip("\n") == expected

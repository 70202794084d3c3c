"""The query path (``ask``, and the chat's per-request work) never imports torch & co.

Each check runs in a fresh interpreter, against an index built once for this module by
``python -m shanxi_qa index``. No timing is asserted here; ``shanxi-qa bench`` measures it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = REPO_ROOT / "seeds"
QUESTION = "how many smart coal mines?"
HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn", "gradio")

pytestmark = pytest.mark.model  # the index build loads the real model


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    return env


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("query-path") / "index"
    built = _run("-m", "shanxi_qa", "index", "--corpus", str(SEED_DIR), "--index", str(folder))
    assert built.returncode == 0, built.stderr[-2000:]
    assert (folder / "current" / "model.onnx").is_file()
    return folder


def _imported_top_level(importtime_log: str) -> set[str]:
    """Top-level package names from a ``-X importtime`` log on stderr."""
    names = set()
    for line in importtime_log.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            module = line.rsplit("|", 1)[1].strip()
            if module and module != "package":  # the header line
                names.add(module.split(".")[0])
    return names


def test_ask_command_imports_no_heavy_package(index_dir: Path) -> None:
    result = _run(
        "-X",
        "importtime",
        "-m",
        "shanxi_qa",
        "ask",
        "--json",
        "--corpus",
        str(SEED_DIR),
        "--index",
        str(index_dir),
        QUESTION,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    assert answer["question"] == QUESTION
    imported = _imported_top_level(result.stderr)
    assert "onnxruntime" in imported  # the question was embedded, so the log is complete
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


QUERY_SCRIPT = textwrap.dedent(
    """\
    import json, sys
    from pathlib import Path
    from shanxi_qa.pipeline import Pipeline, PipelineConfig

    corpus, index, question, heavy = sys.argv[1:5]
    pipeline = Pipeline(PipelineConfig(corpus_dir=Path(corpus), index_dir=Path(index)))
    answers = [pipeline.ask(question), pipeline.ask("Who wrote the article?")]
    for mode in ("bm25", "dense", "hybrid"):
        pipeline.retrieve(question, mode=mode)
    pipeline.document(answers[0].quotes[0].source)
    print(json.dumps({
        "encoder": type(pipeline.index.encoder).__name__,
        "heavy": sorted(m for m in sys.modules if m.split(".")[0] in heavy.split(",")),
    }))
    """
)


def test_pipeline_requests_import_no_heavy_package(index_dir: Path) -> None:
    """What the chat does per request, in a fresh interpreter: open, ask, retrieve, show."""
    result = _run("-c", QUERY_SCRIPT, str(SEED_DIR), str(index_dir), QUESTION, ",".join(HEAVY))
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["encoder"] == "OnnxEncoder"
    assert report["heavy"] == []

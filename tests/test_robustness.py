"""Robustness: a stale or damaged index, builds killed or run twice at once, bad corpus files,
and generated text through the cleaner and the chunker.

Most tests build tiny indexes with the fake encoder (no model, no torch); the ones marked
``model`` use a copy of the real seed index. Builds that must be killed or raced run as real
subprocesses (``SLOW_BUILD`` below), with an encoder that sleeps so the test can act mid-build.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shanxi_qa.documents import ingest, load
from shanxi_qa.documents.files import MAX_FILE_BYTES
from shanxi_qa.documents.ingest import clean_text
from shanxi_qa.documents.load import load_corpus
from shanxi_qa.index import layout as index_module
from shanxi_qa.index.build import build_index
from shanxi_qa.index.chunk import ChunkerConfig, chunk_document, count_tiktokens
from shanxi_qa.index.embed import EmbeddingError
from shanxi_qa.index.layout import FORMAT_VERSION, IndexStoreError, is_fresh, read_manifest
from shanxi_qa.index.loaded import load_index
from shanxi_qa.pipeline import Pipeline, PipelineConfig
from shanxi_qa.records import Document
from tests.conftest import REPO_ROOT, SEED_DIR, TINY_ARTICLE, FakeEncoder, offline_env

QUESTIONS = (
    "How long is the tram line?",
    "Who is the mayor?",
    "How many electric buses will the city buy?",
    "Where was the new ferry terminal built?",
)
SHANXI_QA = (sys.executable, "-m", "shanxi_qa")
MINES = "how many smart coal mines?"
ZOO_ARTICLE = "The city zoo opened a new penguin house in May, the zoo's director said.\n"


class CountingFactory:
    """An ``encoder_factory`` that counts index builds (each build creates one encoder)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> FakeEncoder:
        self.calls += 1
        return FakeEncoder()


def _pipeline(
    corpus: Path, index_dir: Path, factory: Callable[[], object] = FakeEncoder
) -> Pipeline:
    config = PipelineConfig(corpus_dir=corpus, index_dir=index_dir)
    return Pipeline(config, encoder=FakeEncoder(), encoder_factory=factory, warn=lambda _: None)


def _answers(pipeline: Pipeline) -> list[dict[str, Any]]:
    return [pipeline.ask(question).to_dict() for question in QUESTIONS]


def _one_line(message: str) -> None:
    assert "\n" not in message and message.strip() == message, message


# ---------------------------------------------------------------------------------------------
# Freshness: what makes the next command rebuild, and what does not


def _touch(corpus: Path) -> None:
    old = (corpus / "tram.txt").stat().st_mtime
    os.utime(corpus / "tram.txt", (old + 100, old + 100))


def _add_unrelated(corpus: Path) -> None:
    (corpus / "notes.csv").write_text("not,a,document\n", encoding="utf-8")


def _add(corpus: Path) -> None:
    (corpus / "library.md").write_text("The library opens at 8 am on weekdays.\n", encoding="utf-8")


def _edit(corpus: Path) -> None:
    path = corpus / "tram.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("14 kilometers", "15 kilometers"))


def _remove(corpus: Path) -> None:
    (corpus / "zoo.md").unlink()


def _rename(corpus: Path) -> None:
    (corpus / "zoo.md").rename(corpus / "penguins.md")


@pytest.mark.parametrize(
    ("change", "rebuilds"),
    [
        (lambda corpus: None, False),
        (_touch, False),  # a new mtime, the same bytes
        (_add_unrelated, False),  # not a .txt/.md file
        (_add, True),
        (_edit, True),
        (_remove, True),
        (_rename, True),
    ],
    ids=["unchanged", "touched", "unrelated-file", "added", "edited", "removed", "renamed"],
)
def test_only_a_corpus_change_rebuilds_the_index(
    tiny_corpus: Path, tmp_path: Path, change: Callable[[Path], None], rebuilds: bool
) -> None:
    (tiny_corpus / "zoo.md").write_text(ZOO_ARTICLE, encoding="utf-8")
    index_dir = tmp_path / "index"
    factory = CountingFactory()
    first = _pipeline(tiny_corpus, index_dir, factory)
    assert factory.calls == 1
    change(tiny_corpus)
    assert is_fresh(index_dir, tiny_corpus, ChunkerConfig()) is not rebuilds
    again = _pipeline(tiny_corpus, index_dir, factory)
    assert factory.calls == (2 if rebuilds else 1)  # deciding never loads the encoder
    assert (again.index.path != first.index.path) is rebuilds
    expected = {f"corpus/{p.name}" for p in tiny_corpus.iterdir() if p.suffix in (".txt", ".md")}
    assert set(again.index.documents) == expected
    assert is_fresh(index_dir, tiny_corpus, ChunkerConfig())


def test_an_edit_is_answered_from_the_new_text(tiny_corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    before = _pipeline(tiny_corpus, index_dir).ask(QUESTIONS[0])
    _edit(tiny_corpus)
    after = _pipeline(tiny_corpus, index_dir).ask(QUESTIONS[0])
    # The reader may take the word after the value too ("15 kilometers long"); what matters is
    # that the edited figure is read, from the edited text.
    assert before.answer is not None and before.answer.startswith("14 kilometers")
    assert after.answer is not None and after.answer.startswith("15 kilometers")
    assert "15 kilometers" in after.quotes[0].text


def _other_chunker(monkeypatch: pytest.MonkeyPatch) -> ChunkerConfig:
    return ChunkerConfig(max_tokens=120)


def _other_model_name(monkeypatch: pytest.MonkeyPatch) -> ChunkerConfig:
    monkeypatch.setattr(index_module, "MODEL_NAME", "sentence-transformers/another-model")
    return ChunkerConfig()


def _other_model_version(monkeypatch: pytest.MonkeyPatch) -> ChunkerConfig:
    real_version = index_module.metadata.version

    def version(name: str) -> str:
        return "9.9.9" if name == index_module.MODEL_PACKAGE else real_version(name)

    monkeypatch.setattr(index_module.metadata, "version", version)
    return ChunkerConfig()


def _other_format(monkeypatch: pytest.MonkeyPatch) -> ChunkerConfig:
    monkeypatch.setattr(index_module, "FORMAT_VERSION", FORMAT_VERSION + 1)
    return ChunkerConfig()


@pytest.mark.parametrize(
    "change",
    [_other_chunker, _other_model_name, _other_model_version, _other_format],
    ids=["chunker", "model-name", "model-version", "format-version"],
)
def test_a_model_chunker_or_format_change_rebuilds(
    tiny_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[pytest.MonkeyPatch], ChunkerConfig],
) -> None:
    index_dir = tmp_path / "index"
    factory = CountingFactory()
    first = build_index(tiny_corpus, index_dir, ChunkerConfig(), encoder_factory=factory)
    config = change(monkeypatch)
    assert not is_fresh(index_dir, tiny_corpus, config)
    second = build_index(tiny_corpus, index_dir, config, encoder_factory=factory)
    assert second != first and factory.calls == 2
    assert is_fresh(index_dir, tiny_corpus, config)
    # ... and building again with the same settings does nothing.
    assert build_index(tiny_corpus, index_dir, config, encoder_factory=factory) == second
    assert factory.calls == 2


def test_the_manifest_records_every_index_file(tiny_corpus: Path, tmp_path: Path) -> None:
    path = build_index(
        tiny_corpus, tmp_path / "index", ChunkerConfig(), encoder_factory=FakeEncoder
    )
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None and manifest["format_version"] == FORMAT_VERSION
    on_disk = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} - {
        "manifest.json"
    }
    assert set(manifest["files"]) == on_disk
    for name, record in manifest["files"].items():
        assert record["bytes"] == (path / name).stat().st_size
        assert len(record["sha256"]) == 64


# ---------------------------------------------------------------------------------------------
# Damage: every file of the index folder truncated, emptied, overwritten or deleted

INDEX_FILES = [
    "manifest.json",
    "documents.json",
    "chunks.json",
    "sentence_rows.json",
    "dense.faiss",
    "sentence_vectors.npy",
    "vocabulary.json",
    "vocabulary_vectors.npy",
    "bm25/params.index.json",
    "bm25/vocab.index.json",
    "bm25/data.csc.index.npy",
    "bm25/indices.csc.index.npy",
    "bm25/indptr.csc.index.npy",
    "model.onnx",
]


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    """Random bytes of the same size: only a checksum can tell."""
    path.write_bytes(os.urandom(path.stat().st_size))


def _flip(path: Path) -> None:
    """One byte changed in the middle, the size kept."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _delete(path: Path) -> None:
    path.unlink()


DAMAGES = {
    "truncated": _truncate,
    "emptied": _empty,
    "garbage": _garbage,
    "one-byte": _flip,
    "deleted": _delete,
}


@pytest.fixture(scope="module")
def built_tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict[str, Any]]]:
    """A tiny corpus, its index and the answers it gives, built once and copied per test."""
    root = tmp_path_factory.mktemp("tiny-built")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    index_dir = root / "index"
    answers = _answers(_pipeline(corpus, index_dir))
    return corpus, index_dir, answers


def _copy_index(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("name", INDEX_FILES)
def test_a_damaged_index_file_is_reported_then_rebuilt(
    built_tiny: tuple[Path, Path, list[dict[str, Any]]], tmp_path: Path, name: str, damage: str
) -> None:
    corpus, original, answers = built_tiny
    index_dir = _copy_index(original, tmp_path / "index")
    before = (index_dir / "current").resolve()
    DAMAGES[damage](before / name)

    try:
        loaded = load_index(index_dir)
    except IndexStoreError as error:
        _one_line(str(error))
        assert "run `shanxi-qa index --rebuild`" in str(error)
        assert str(index_dir) in str(error)
        damaged = True
    else:
        # Only a harmless byte of the manifest (a date, a package version) may still load,
        # and then the index must answer exactly as before.
        assert (name, damage) == ("manifest.json", "one-byte")
        assert loaded.path == before
        damaged = False

    pipeline = _pipeline(corpus, index_dir)
    assert _answers(pipeline) == answers
    if damaged:
        assert pipeline.index.path != before  # rebuilt into a new folder
        load_index(index_dir)  # ... which loads cleanly from now on


def test_size_damage_makes_the_index_stale_without_reading_it(
    built_tiny: tuple[Path, Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    corpus, original, _ = built_tiny
    index_dir = _copy_index(original, tmp_path / "index")
    assert is_fresh(index_dir, corpus, ChunkerConfig())
    _truncate(index_dir / "current" / "dense.faiss")
    assert not is_fresh(index_dir, corpus, ChunkerConfig())  # so `shanxi-qa index` rebuilds
    rebuilt = build_index(corpus, index_dir, ChunkerConfig(), encoder_factory=FakeEncoder)
    assert (index_dir / "current").resolve() == rebuilt
    load_index(index_dir)


def _dangling_link(index_dir: Path) -> None:
    (index_dir / "current").unlink()
    (index_dir / "current").symlink_to("build-that-does-not-exist")


def _link_to_empty_folder(index_dir: Path) -> None:
    (index_dir / "build-empty").mkdir()
    (index_dir / "current").unlink()
    (index_dir / "current").symlink_to("build-empty")


def _current_is_a_file(index_dir: Path) -> None:
    (index_dir / "current").unlink()
    (index_dir / "current").write_text("not a link\n")


def _current_is_a_folder(index_dir: Path) -> None:
    (index_dir / "current").unlink()
    (index_dir / "current").mkdir()


def _edit_manifest(change: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
    def apply(index_dir: Path) -> None:
        path = index_dir / "current" / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(change(manifest)), encoding="utf-8")

    return apply


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_dangling_link, "no usable index"),
        (_link_to_empty_folder, "no usable index"),
        (_current_is_a_file, "no usable index"),
        (_current_is_a_folder, "no usable index"),
        (_edit_manifest(lambda m: {**m, "format_version": 1}), "from another version"),
        (_edit_manifest(lambda m: {**m, "format_version": "3"}), "from another version"),
        (_edit_manifest(lambda m: {**m, "complete": False}), "no usable index"),
        (_edit_manifest(lambda m: [m]), "no usable index"),
        (_edit_manifest(lambda m: {k: v for k, v in m.items() if k != "files"}), "file list"),
        (
            _edit_manifest(
                lambda m: {**m, "files": {**m["files"], "../x": {"bytes": 1, "sha256": "0" * 64}}}
            ),
            "file list",
        ),
        (_edit_manifest(lambda m: {**m, "dimension": 65}), "inconsistent"),
    ],
    ids=[
        "dangling-link",
        "link-to-empty-folder",
        "current-is-a-file",
        "current-is-a-folder",
        "old-format",
        "format-as-text",
        "incomplete",
        "manifest-not-an-object",
        "no-file-list",
        "path-outside",
        "wrong-dimension",
    ],
)
def test_a_broken_current_link_or_manifest_is_reported_then_rebuilt(
    built_tiny: tuple[Path, Path, list[dict[str, Any]]],
    tmp_path: Path,
    damage: Callable[[Path], None],
    message: str,
) -> None:
    corpus, original, answers = built_tiny
    index_dir = _copy_index(original, tmp_path / "index")
    damage(index_dir)
    with pytest.raises(IndexStoreError, match=message) as caught:
        load_index(index_dir)
    _one_line(str(caught.value))
    assert str(caught.value).endswith("run `shanxi-qa index --rebuild`")
    assert _answers(_pipeline(corpus, index_dir)) == answers
    assert (index_dir / "current").is_symlink()
    load_index(index_dir)


def test_a_model_onnxruntime_cannot_load_is_one_line_with_the_fix(
    built_tiny: tuple[Path, Path, list[dict[str, Any]]],
) -> None:
    # The fake encoder writes b"fake" as model.onnx: its checksum holds, onnxruntime refuses it.
    _, index_dir, _ = built_tiny
    loaded = load_index(index_dir)
    with pytest.raises(EmbeddingError) as caught:
        loaded.encoder.encode(["how long is the tram line?"])
    _one_line(str(caught.value))
    assert str(caught.value).endswith("run `shanxi-qa index --rebuild`")


# ---------------------------------------------------------------------------------------------
# Builds killed midway, and two builds at once, as real processes

SLOW_BUILD = """\
import json, os, sys, time
from pathlib import Path

sys.path.insert(0, {repo!r})
import shanxi_qa.index.build as index
from shanxi_qa.index.chunk import ChunkerConfig
from tests.conftest import FakeEncoder

corpus, index_dir, log, stage, delay, force = sys.argv[1:]


def mark(event):
    with open(log, "a") as handle:
        handle.write(json.dumps({{"pid": os.getpid(), "event": event, "t": time.time()}}) + "\\n")


class SlowEncoder(FakeEncoder):
    def encode(self, texts):
        mark("encode-start")
        if stage == "encode":
            time.sleep(float(delay))
        vectors = super().encode(texts)
        mark("encode-end")
        return vectors

    def export_onnx(self, out_dir):
        super().export_onnx(out_dir)
        mark("export")
        if stage == "export":
            time.sleep(float(delay))


point_current_at = index.point_current_at


def slow_swap(index_dir, build_dir):
    mark("swap")
    if stage == "swap":
        time.sleep(float(delay))
    point_current_at(index_dir, build_dir)


index.point_current_at = slow_swap
path = index.build_index(
    Path(corpus), Path(index_dir), ChunkerConfig(), encoder_factory=SlowEncoder, force=force == "1"
)
mark("done")
print(path)
"""


def _start_build(
    tmp_path: Path, corpus: Path, index_dir: Path, stage: str, delay: float, force: bool
) -> subprocess.Popen[str]:
    script = tmp_path / "slow_build.py"
    if not script.exists():
        script.write_text(SLOW_BUILD.format(repo=str(REPO_ROOT)), encoding="utf-8")
    command = [sys.executable, str(script), str(corpus), str(index_dir), str(tmp_path / "log")]
    command += [stage, str(delay), "1" if force else "0"]
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=offline_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _events(tmp_path: Path) -> list[dict[str, Any]]:
    log = tmp_path / "log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.endswith("}")]


def _wait_for(tmp_path: Path, process: subprocess.Popen[str], event: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(e["event"] == event and e["pid"] == process.pid for e in _events(tmp_path)):
            return
        if process.poll() is not None:
            raise AssertionError(f"the build exited early: {process.communicate()}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the build never reached {event!r}")


def _builds(index_dir: Path) -> set[Path]:
    return {p.resolve() for p in index_dir.glob("build-*") if p.is_dir()}


@pytest.mark.parametrize("stage", ["encode", "export", "swap"])
def test_a_build_killed_midway_leaves_the_previous_index_serving(
    built_tiny: tuple[Path, Path, list[dict[str, Any]]], tmp_path: Path, stage: str
) -> None:
    corpus, original, answers = built_tiny
    index_dir = _copy_index(original, tmp_path / "index")
    serving = (index_dir / "current").resolve()

    build = _start_build(tmp_path, corpus, index_dir, stage, delay=60, force=True)
    try:
        _wait_for(tmp_path, build, "encode-start" if stage == "encode" else stage, seconds=60)
        # Mid-build, readers are not blocked and still get the previous index.
        assert load_index(index_dir).path == serving
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait(timeout=30)
        build.communicate()
    assert build.returncode == -signal.SIGKILL

    leftovers = _builds(index_dir) - {serving}
    assert len(leftovers) == 1  # the killed build's folder, never made current
    (leftover,) = leftovers
    assert (leftover / "manifest.json").exists() is (stage == "swap")
    assert (index_dir / "current").resolve() == serving
    assert load_index(index_dir).path == serving
    pipeline = _pipeline(corpus, index_dir)
    assert pipeline.index.path == serving  # still fresh: nothing rebuilt
    assert _answers(pipeline) == answers

    # The next build is not blocked by the dead one's lock and clears its leftovers.
    follow_up = _start_build(tmp_path, corpus, index_dir, "none", delay=0, force=True)
    out, err = follow_up.communicate(timeout=120)
    assert follow_up.returncode == 0, err
    new = Path(out.strip().splitlines()[-1]).resolve()
    assert (index_dir / "current").resolve() == new
    assert _builds(index_dir) == {new, serving}  # the previous build is kept one round
    assert not list(index_dir.glob(".current-*"))
    assert _answers(_pipeline(corpus, index_dir)) == answers


def test_two_forced_builds_at_once_take_turns_and_leave_one_consistent_index(
    built_tiny: tuple[Path, Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    corpus, original, answers = built_tiny
    index_dir = _copy_index(original, tmp_path / "index")
    builds = [
        _start_build(tmp_path, corpus, index_dir, "encode", delay=0.3, force=True) for _ in range(2)
    ]
    paths = []
    for build in builds:
        out, err = build.communicate(timeout=120)
        assert build.returncode == 0, err
        paths.append(Path(out.strip().splitlines()[-1]).resolve())
    assert len(set(paths)) == 2

    # The lock serialised them: one build's encoding ends before the other's begins.
    spans = []
    for build in builds:
        # Everything a build does under the lock ("done" is marked after it lets go).
        times = [
            e["t"] for e in _events(tmp_path) if e["pid"] == build.pid and e["event"] != "done"
        ]
        spans.append((min(times), max(times)))
    first, second = sorted(spans)
    assert first[1] <= second[0]

    current = (index_dir / "current").resolve()
    last = paths[0] if spans[0] > spans[1] else paths[1]
    assert current == last
    assert _builds(index_dir) == set(paths)  # the new one and the one before it
    for build_dir in _builds(index_dir):
        manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["complete"] is True
    assert not list(index_dir.glob(".current-*"))
    assert load_index(index_dir).path == current
    assert _answers(_pipeline(corpus, index_dir)) == answers


def test_two_builds_of_a_new_index_at_once_build_it_once(
    built_tiny: tuple[Path, Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    corpus, _, answers = built_tiny
    index_dir = tmp_path / "fresh-index"
    builds = [
        _start_build(tmp_path, corpus, index_dir, "encode", delay=0.3, force=False)
        for _ in range(2)
    ]
    paths = set()
    for build in builds:
        out, err = build.communicate(timeout=120)
        assert build.returncode == 0, err
        paths.add(Path(out.strip().splitlines()[-1]).resolve())
    assert len(paths) == 1  # the second found the first one's index fresh and kept it
    assert _builds(index_dir) == paths
    assert sum(e["event"] == "done" for e in _events(tmp_path)) == 2
    assert sum(e["event"] == "export" for e in _events(tmp_path)) == 1
    assert _answers(_pipeline(corpus, index_dir)) == answers


# ---------------------------------------------------------------------------------------------
# Corpus files: empty, binary, not UTF-8, very large, or the cleaner fails on them

BAD_FILES = {
    "empty.txt": b"",
    "blank.md": b" \n\n\t \r\n",
    "binary.txt": bytes(range(256)) * 8,
    "latin1.txt": "Caf\u00e9 prices rose in Harbor City.".encode("latin-1"),
    "utf16.txt": "The ferry runs hourly.".encode("utf-16"),
    "truncated-utf8.md": "The bridge opened in 2020. Caf\u00e9".encode()[:-1],
}


def test_bad_corpus_files_are_skipped_with_a_warning_and_the_rest_is_indexed(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    for name, data in BAD_FILES.items():
        (tiny_corpus / name).write_bytes(data)
    (tiny_corpus / "zoo.md").write_text(ZOO_ARTICLE, encoding="utf-8")
    (tiny_corpus / "bom.txt").write_bytes("\ufeffThe harbor museum is free on Sundays.".encode())
    (tiny_corpus / "folder.txt").mkdir()  # not a file: ignored
    (tiny_corpus / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")  # ignored too

    warnings: list[str] = []
    config = PipelineConfig(corpus_dir=tiny_corpus, index_dir=tmp_path / "index")
    pipeline = Pipeline(
        config, encoder=FakeEncoder(), encoder_factory=FakeEncoder, warn=warnings.append
    )
    assert set(pipeline.index.documents) == {"corpus/tram.txt", "corpus/zoo.md", "corpus/bom.txt"}
    assert pipeline.index.documents["corpus/bom.txt"].text.startswith("The harbor museum")
    assert len(warnings) == len(BAD_FILES)
    for name in BAD_FILES:
        (warning,) = [w for w in warnings if f"/{name}:" in w]
        _one_line(warning)
        assert warning.startswith("skipped ")
    assert pipeline.ask(QUESTIONS[0]).answer == "14 kilometers"


def test_a_file_the_cleaner_fails_on_is_skipped_not_fatal(
    tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tiny_corpus / "zoo.txt").write_text(ZOO_ARTICLE, encoding="utf-8")
    real_clean = ingest.clean_text

    def clean(raw: str) -> Any:
        if "penguin" in raw:
            raise IndexError("list index out of range\nsecond line")
        return real_clean(raw)

    monkeypatch.setattr(ingest, "clean_text", clean)
    documents, warnings = load_corpus(tiny_corpus)
    assert [d.source for d in documents] == ["corpus/tram.txt"]
    (warning,) = warnings
    _one_line(warning)
    assert "zoo.txt" in warning and "IndexError" in warning


def test_a_10_mb_file_of_normal_text_is_read_in_time(tmp_path: Path) -> None:
    corpus = tmp_path / "big"
    corpus.mkdir()
    page = (SEED_DIR / "000_cb45a5397f502ac5.txt").read_text(encoding="utf-8")
    size = 10 * 2**20
    text = (page * (size // len(page) + 1))[:size]
    (corpus / "big.txt").write_text(text, encoding="utf-8")
    (corpus / "tram.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    assert size <= MAX_FILE_BYTES

    started = time.perf_counter()
    documents, warnings = load_corpus(corpus)
    seconds = time.perf_counter() - started
    print(f"\nload_corpus: 10 MiB file cleaned in {seconds:.1f} s")
    assert seconds < 60
    assert [d.source for d in documents] == ["big/big.txt", "big/tram.txt"]
    assert len(warnings) == 1 and "empty.txt" in warnings[0]
    big = documents[0]
    assert len(big.text) > 0.95 * len(text)
    for block in big.blocks:
        assert big.text[block.start : block.end].strip() == big.text[block.start : block.end]


def test_a_file_over_the_size_limit_is_skipped_with_the_limit_named(
    tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 1000)
    (tiny_corpus / "huge.txt").write_text("Trams run every day. " * 100, encoding="utf-8")
    documents, warnings = load_corpus(tiny_corpus)
    assert [d.source for d in documents] == ["corpus/tram.txt"]
    (warning,) = warnings
    assert "huge.txt" in warning and "MB limit" in warning


# ---------------------------------------------------------------------------------------------
# Property: generated pages through clean_text and chunk_document

# fmt: off
_WORDS = [
    # plain words, names, numbers
    "the", "city", "opened", "a", "new", "tram", "line", "on", "March", "and", "said",
    "Harbor", "Smith", "14", "2,024", "3.5", "percent", "of", "to", "according",
    # hyphens: line breaks, compounds, glued compounds, dashes
    "chal-", "lenging", "sub-", "sidize", "high-tech", "year-onyear", "provinciallevel", "-", "--",
    # punctuation, escapes, quotes and brackets
    ".", ",", "!", "?", ";", ":", "\\$", "\\%", "(", ")", "\"", "'", "“", "”",
    # credits, bylines, captions
    "By", "JANE", "ROE", "/", "FOR", "CHINA", "DAILY", "DAIL'", "TIAN", "ZHONG",
    # other scripts, accents, symbols
    "café", "naïve", "山西", "煤矿", "Ελλάδα", "Москва", "😀", "€5", "½", "№",
]
# fmt: on
_CAPTIONS = [
    "A tram at the station. KONG LEI / FOR CHINA DAILY",
    "Right: a farm. TIAN ZHONG / FOR CHINA DAIL'",  # a credit cut at the page edge
    "The mine. ZHU XINGXIN / CHINA DAILY",
]
_WORD_TOKENS = st.sampled_from(_WORDS + _CAPTIONS)
_TOKENS = st.one_of(
    _WORD_TOKENS,
    _WORD_TOKENS,
    _WORD_TOKENS,  # three parts words to one part arbitrary text
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs",), min_codepoint=0x21, max_codepoint=0x2FFF
        ),
        min_size=1,
        max_size=8,
    ),
)
_PLAIN_SPACE = (" ", " ", " ", "  ", "\t", "\n", "\n\n", "\n \n", "\r\n", "\r\n\r\n", "\r", "")
# Whitespace that str.split() knows and a regex's \s may not, or the reverse.
_ODD_SPACE = ("\u00a0", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\u3000", "\u200b")
_SEPARATORS = st.sampled_from([*_PLAIN_SPACE, *_PLAIN_SPACE, *_ODD_SPACE, "\ufeff"])


def _model_token_counter() -> Callable[[str], int]:
    from tokenizers import Tokenizer

    from shanxi_qa.index.embed import TOKENIZER_FILE, packaged_model_dir

    tokenizer = Tokenizer.from_file(str(packaged_model_dir() / TOKENIZER_FILE))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: len(tokenizer.encode(text).ids)  # with [CLS] and [SEP]


_COUNT_MODEL_TOKENS = _model_token_counter()


def _alnum(text: str) -> Counter[str]:
    return Counter(ch for ch in text if ch.isalnum())


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(st.tuples(_TOKENS, _SEPARATORS), max_size=120),
    st.sampled_from(
        [
            ChunkerConfig(),
            ChunkerConfig(max_tokens=24, min_tokens=6, model_window=20),
            ChunkerConfig(max_tokens=16, min_tokens=0, model_window=16),
        ]
    ),
)
def test_generated_pages_keep_every_character_and_every_offset(
    parts: list[tuple[str, str]], config: ChunkerConfig
) -> None:
    raw = "".join(token + separator for token, separator in parts)
    text, blocks, repairs = clean_text(raw)

    # The blocks tile the cleaned text, separated by one blank line, each stripped.
    assert "\n\n".join(text[b.start : b.end] for b in blocks) == text
    for block in blocks:
        piece = text[block.start : block.end]
        assert piece and piece == piece.strip() and "\n\n" not in piece

    # No letter or digit lost or invented, apart from the documented credit repairs
    # (which complete a truncated outlet name); the other repairs only move, join or
    # drop spaces, line breaks, hyphens and backslashes.
    expected = _alnum(raw)
    for repair in repairs:
        if repair.rule == "credit":
            expected.update(_alnum(repair.after))
            expected.subtract(_alnum(repair.before))
    assert +expected == _alnum(text)

    document = Document(source="generated/page.txt", text=text, blocks=blocks, repairs=repairs)
    chunks = chunk_document(
        document, config, count_tokens=count_tiktokens, count_model_tokens=_COUNT_MODEL_TOKENS
    )
    covered = []
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert _COUNT_MODEL_TOKENS(chunk.text) <= config.model_window
        assert chunk.sentences
        for sentence in chunk.sentences:
            assert chunk.start <= sentence.start < sentence.end <= chunk.end
            quoted = text[sentence.start : sentence.end]
            assert quoted == quoted.strip()
        inside = "".join(text[s.start : s.end] for s in chunk.sentences)
        assert "".join(inside.split()) == "".join(chunk.text.split())
        covered.append(chunk.text)
    assert "".join("".join(c.split()) for c in covered) == "".join(text.split())


# ---------------------------------------------------------------------------------------------
# The real model's index: damage caught by checksums, and the CLI rebuilding it


def _copy_seed_index(seed_index: Path, target: Path) -> Path:
    return _copy_index(seed_index, target)


@pytest.mark.model
@pytest.mark.parametrize("name", ["model.onnx", "tokenizer.json"])
def test_same_size_damage_to_the_real_model_files_is_caught_at_load(
    seed_index: Path, tmp_path: Path, name: str
) -> None:
    index_dir = _copy_seed_index(seed_index, tmp_path / "index")
    _flip(index_dir / "current" / name)
    with pytest.raises(IndexStoreError, match=f"{name} does not match its checksum") as caught:
        load_index(index_dir)
    _one_line(str(caught.value))


@pytest.mark.model
def test_a_model_onnxruntime_rejects_is_a_one_line_error_from_the_cli(
    seed_index: Path, tmp_path: Path
) -> None:
    # Checksums that match a broken model (as if it was exported broken): onnxruntime's own
    # error is then reported in one line with the fix, never a traceback.
    index_dir = _copy_seed_index(seed_index, tmp_path / "index")
    build = (index_dir / "current").resolve()
    _truncate(build / "model.onnx")
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["model.onnx"] = {
        "bytes": (build / "model.onnx").stat().st_size,
        "sha256": index_module._sha256(build / "model.onnx"),
    }
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    result = subprocess.run(
        [*SHANXI_QA, "ask", "--index", str(index_dir), "--corpus", str(SEED_DIR), MINES],
        capture_output=True,
        text=True,
        env=offline_env(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: cannot load")
    assert result.stderr.strip().endswith("run `shanxi-qa index --rebuild`")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.model
def test_the_cli_rebuilds_a_damaged_real_index_and_answers(
    seed_index: Path, tmp_path: Path
) -> None:
    index_dir = _copy_seed_index(seed_index, tmp_path / "index")
    damaged = (index_dir / "current").resolve()
    _garbage(damaged / "documents.json")
    result = subprocess.run(
        [*SHANXI_QA, "ask", "--json", "--index", str(index_dir), "--corpus", str(SEED_DIR), MINES],
        capture_output=True,
        text=True,
        env=offline_env(),
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["answer"] == "268"
    assert (index_dir / "current").resolve() != damaged
    load_index(index_dir)

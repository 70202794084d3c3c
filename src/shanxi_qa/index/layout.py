"""An index folder: the manifest that says what a build holds, its files and their checksums, the lock, the current build and the atomic swap to a new one."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from shanxi_qa import __version__
from shanxi_qa.index.cache import (
    FileRecords,
    ModelStore,
    fsync_dir,
    record_files,
    sha256_of,
)
from shanxi_qa.index.chunk import ChunkerConfig
from shanxi_qa.index.embed import (
    MODEL_NAME,
    MODEL_PACKAGE,
    ONNX_FILE,
)

# Bump when the cleaner, chunker or file layout changes what an index holds.
# 3: the manifest records the size and sha256 of every index file.
FORMAT_VERSION = 10


MANIFEST_FILE = "manifest.json"


BM25_FILES = tuple(
    f"bm25/{name}"
    for name in (
        "params.index.json",
        "vocab.index.json",
        "data.csc.index.npy",
        "indices.csc.index.npy",
        "indptr.csc.index.npy",
    )
)


# Files every index holds (a build may write more, e.g. the tokenizer; all are recorded).
REQUIRED_FILES = (
    "documents.json",
    "chunks.json",
    "sentence_rows.json",
    "dense.faiss",
    "sentence_vectors.npy",
    "window_vectors.npy",
    "vocabulary.json",
    "vocabulary_vectors.npy",
    "names.json",
    *BM25_FILES,
    ONNX_FILE,
)


REBUILD_HINT = "run `shanxi-qa index --rebuild`"


_PACKAGES = ("faiss-cpu", "bm25s", "sentence-transformers", "onnxruntime", "tokenizers", "tiktoken")


class IndexStoreError(RuntimeError):
    """The index cannot be built or loaded; the message says what to do."""


def corpus_suffixes() -> tuple[str, ...]:
    """The file suffixes the corpus reader takes (``.txt``, ``.md``, ...), lower-case."""
    from shanxi_qa.documents.files import CORPUS_SUFFIXES

    return tuple(CORPUS_SUFFIXES)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The corpus's document files (directly inside it, a known suffix), sorted by name."""
    suffixes = corpus_suffixes()
    return sorted(
        path for path in corpus_dir.iterdir() if path.suffix.lower() in suffixes and path.is_file()
    )


def corpus_fingerprint(corpus_dir: Path) -> dict[str, str]:
    """sha256 of every corpus file, by name: cheap (no cleaning, no embedding)."""
    if not corpus_dir.is_dir():
        raise IndexStoreError(f"corpus folder not found: {corpus_dir} (pass --corpus DIR)")
    return {path.name: _sha256(path) for path in corpus_files(corpus_dir)}


def package_versions() -> dict[str, str]:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def expected_manifest(corpus_dir: Path, config: ChunkerConfig) -> dict[str, Any]:
    """The manifest fields that decide whether an index is fresh for this corpus and config."""
    try:
        model_version = metadata.version(MODEL_PACKAGE)
    except metadata.PackageNotFoundError:
        model_version = "missing"
    return {
        "format_version": FORMAT_VERSION,
        "shanxi_qa": __version__,
        # Sources are named after the folder ("library/a.txt"): another name, another index.
        "corpus_name": corpus_dir.name,
        "corpus_files": corpus_fingerprint(corpus_dir),
        "model": {"name": MODEL_NAME, "package": MODEL_PACKAGE, "version": model_version},
        "chunker": asdict(config),
    }


def _freshness_key(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        key: manifest.get(key)
        for key in (
            "format_version",
            "shanxi_qa",
            "corpus_name",
            "corpus_files",
            "model",
            "chunker",
        )
    }


def current_path(index_dir: Path) -> Path:
    return index_dir / "current"


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The current index's manifest, or None when there is no readable one."""
    return manifest_in(current_path(index_dir))


def manifest_in(build_dir: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((build_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON
        return None
    return manifest if isinstance(manifest, dict) else None


def file_records(manifest: Mapping[str, Any]) -> dict[str, tuple[int, str]] | None:
    """The manifest's ``{relative path: (bytes, sha256)}``, or None when it lacks them,
    misses a required file or names a path outside the index folder."""
    files = manifest.get("files")
    if not isinstance(files, dict):
        return None
    records: dict[str, tuple[int, str]] = {}
    for name, record in files.items():
        parts = PurePosixPath(name).parts
        if not parts or name.startswith("/") or ".." in parts or name == MANIFEST_FILE:
            return None
        if not isinstance(record, dict):
            return None
        size, digest = record.get("bytes"), record.get("sha256")
        if not isinstance(size, int) or not isinstance(digest, str):
            return None
        records[name] = (size, digest)
    if any(name not in records for name in REQUIRED_FILES):
        return None
    return records


def _sizes_match(build_dir: Path, records: Mapping[str, tuple[int, str]]) -> str | None:
    """None when every recorded file exists with its recorded size, else what is wrong."""
    for name, (size, _) in records.items():
        try:
            actual = (build_dir / name).stat().st_size
        except OSError:
            return f"{name} is missing"
        if actual != size:
            return f"{name} is {actual:,} bytes, expected {size:,}"
    return None


def _sha256(path: Path) -> str:
    return sha256_of(path)


def verify_files(build_dir: Path, records: Mapping[str, tuple[int, str]]) -> str | None:
    """None when every file matches its recorded size and sha256, else what is wrong."""
    problem = _sizes_match(build_dir, records)
    if problem is not None:
        return problem
    for name, (_, expected) in records.items():
        try:
            if _sha256(build_dir / name) != expected:
                return f"{name} does not match its checksum"
        except OSError as error:
            return f"{name} cannot be read ({error.strerror or error})"
    return None


def is_fresh(index_dir: Path, corpus_dir: Path, config: ChunkerConfig) -> bool:
    """True when the current index was built from this corpus, model and chunker settings.

    Cheap: hashes the corpus files and checks that the index files have their recorded
    sizes (a truncated or missing file makes the index stale); nothing is embedded.
    """
    build_dir = current_path(index_dir)
    manifest = manifest_in(build_dir)
    if manifest is None or manifest.get("complete") is not True:
        return False
    if _freshness_key(manifest) != _freshness_key(expected_manifest(corpus_dir, config)):
        return False
    records = file_records(manifest)
    return records is not None and _sizes_match(build_dir, records) is None


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (made when missing), held for the ``with`` block."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_lock(index_dir: Path) -> contextlib.AbstractContextManager[None]:
    return file_lock(index_dir / ".lock")


def ensure_writable(index_dir: Path) -> None:
    """Create ``index_dir`` if needed and check that files can be written there."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        probe = index_dir / f".probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise IndexStoreError(
            f"cannot write the index to {index_dir}: {reason} (pass --index DIR to a writable folder)"
        ) from error


def record_build_files(build_dir: Path, linked: FileRecords) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file in the build, each flushed to disk first; the model's
    files are links into the model store, which recorded (and verified) theirs."""
    records: dict[str, dict[str, Any]] = dict(record_files(build_dir))
    for path in sorted(p for p in build_dir.rglob("*") if p.is_symlink()):
        name = path.relative_to(build_dir).as_posix()
        if name not in linked:
            raise IndexStoreError(f"unexpected link {name} in {build_dir}")
        records[name] = dict(linked[name])
    for folder in {p.parent for p in build_dir.rglob("*") if p.is_file()}:
        sync_folder(folder)
    return dict(sorted(records.items()))


def sync_folder(folder: Path) -> None:
    fsync_dir(folder)


def write_json(path: Path, value: Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def current_build(index_dir: Path) -> Path | None:
    """The build folder ``current`` points at, when it points at one in ``index_dir``."""
    link = current_path(index_dir)
    if not link.is_symlink():
        return None
    target = link.resolve()
    return target if target.parent == index_dir.resolve() and target.is_dir() else None


def point_current_at(index_dir: Path, build_dir: Path) -> None:
    link = current_path(index_dir)
    temporary = index_dir / f".current-{uuid.uuid4().hex}"
    os.symlink(build_dir.name, temporary)
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)  # an old real folder in the way of the symlink
    os.replace(temporary, link)  # atomic; also replaces a dangling link or a stray file
    sync_folder(index_dir)


def remove_old_builds(index_dir: Path, keep: set[Path | None]) -> None:
    """Remove every other build (called under the build lock, so none is being written):
    older indexes, and folders a killed build left without a manifest. The previous build
    is kept one round, so a reader that resolved it a moment ago can finish. Model exports
    that no kept build links to go too."""
    kept = {path.resolve() for path in keep if path is not None}
    for old in index_dir.glob("build-*"):
        if old.is_dir() and not old.is_symlink() and old.resolve() not in kept:
            shutil.rmtree(old, ignore_errors=True)
    models = set()
    for build in kept:
        model_dir = (manifest_in(build) or {}).get("model_dir")
        if isinstance(model_dir, str):
            models.add(PurePosixPath(model_dir).name)
    ModelStore(index_dir).remove_unused(models)
    for leftover in index_dir.glob(".current-*"):  # a swap interrupted by a kill
        with contextlib.suppress(OSError):
            leftover.unlink()


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)

"""What index builds share instead of redoing: the exported model and the embeddings.

Both live in the index folder beside the builds, and both are keyed by hashes::

    index/
      models/<key>/           the ONNX export of one model (model.onnx, tokenizer.json) and
                              model.json: the model's identity and the size and sha256 of
                              each file; <key> hashes the identity and the files, so a build
                              links to it (build-*/model.onnx -> ../models/<key>/model.onnx)
                              instead of holding a 90 MB copy
      embeddings/<model>/<sha256>.npz
                              every text embedded so far, keyed by the sha256 of the model's
                              identity and the text; the file is named by its own sha256

A build reads the cache, embeds only the texts it does not hold, and writes it back; so
adding one document to a corpus embeds that document's chunks, sentences and new words, and
removing one embeds nothing. Everything here runs under the index's build lock: one writer
at a time. A damaged model folder or cache file fails its checksum and is not used (the
model is exported again, the texts are embedded again), so damage costs time, never answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from shanxi_qa.index.embed import Vectors

MODELS_DIR = "models"
EMBEDDINGS_DIR = "embeddings"
MODEL_RECORD = "model.json"
# Rows of embeddings no build uses any more are kept (a document removed and added back
# is not embedded again) until the cache holds this many more rows than the current build.
SPARE_ROWS = 50_000

FileRecords = dict[str, dict[str, Any]]  # {relative path: {"bytes": int, "sha256": str}}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def encoder_identity(encoder: Any) -> str:
    """The encoder's ``identity`` (the packaged model's name, version and files), or for an
    encoder without one (a test's fake) its class and dimension."""
    identity = getattr(encoder, "identity", None)
    if isinstance(identity, str) and identity:
        return identity
    kind = type(encoder)
    return f"{kind.__module__}.{kind.__qualname__}/{getattr(encoder, 'dimension', '?')}"


# --------------------------------------------------------------------------- the model


class ModelStore:
    """Exported models under ``index_dir/models``, one folder per model and export."""

    def __init__(self, index_dir: Path) -> None:
        self.root = index_dir / MODELS_DIR

    def find(self, identity: str) -> Path | None:
        """A folder holding a complete, undamaged export of the model named ``identity``."""
        if not self.root.is_dir():
            return None
        for folder in sorted(self.root.iterdir()):
            if folder.name.startswith(".") or not folder.is_dir():
                continue
            record = self._record(folder)
            if record is not None and record["identity"] == identity and self._intact(folder):
                return folder
        return None

    def ensure(self, encoder: Any, identity: str, *, force: bool = False) -> Path:
        """The model's folder, exporting it (``encoder.export_onnx``) when there is none or
        when ``force`` asks for a fresh export. An export that matches an existing folder
        byte for byte keeps that folder."""
        if not force:
            found = self.find(identity)
            if found is not None:
                return found
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".export-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            encoder.export_onnx(staging)
            files = record_files(staging)
            key = _short(json.dumps({"identity": identity, "files": files}, sort_keys=True))
            record = {
                "identity": identity,
                "files": files,
                "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            _write_json(staging / MODEL_RECORD, record)
            fsync_dir(staging)
            target = self.root / key
            if target.exists():
                if self._record(target) is not None and self._intact(target):
                    shutil.rmtree(staging)
                    return target
                shutil.rmtree(target)  # damaged: the fresh export takes its place
            os.replace(staging, target)
            fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    def files(self, folder: Path) -> FileRecords:
        """The size and sha256 of each file of a model folder, as its record holds them."""
        record = self._record(folder)
        if record is None:
            raise ValueError(f"{folder} holds no model record")
        return dict(record["files"])

    def remove_unused(self, keep: Iterable[str]) -> None:
        """Remove the model folders no kept build links to, and exports a kill left behind."""
        if not self.root.is_dir():
            return
        kept = set(keep)
        for folder in self.root.iterdir():
            if folder.name not in kept and folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    def _record(folder: Path) -> dict[str, Any] | None:
        try:
            record = json.loads((folder / MODEL_RECORD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("identity"), str)
            or not isinstance(record.get("files"), dict)
            or not record["files"]
        ):
            return None
        return record

    def _intact(self, folder: Path) -> bool:
        record = self._record(folder)
        if record is None:
            return False
        for name, entry in record["files"].items():
            path = folder / name
            if not isinstance(entry, dict) or ".." in Path(name).parts:
                return False
            try:
                if path.stat().st_size != entry.get("bytes") or sha256_of(path) != entry.get(
                    "sha256"
                ):
                    return False
            except OSError:
                return False
        return True


def record_files(folder: Path) -> FileRecords:
    """Size and sha256 of every plain file under ``folder``, each flushed to disk first."""
    records: FileRecords = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
        records[path.relative_to(folder).as_posix()] = {
            "bytes": path.stat().st_size,
            "sha256": sha256_of(path),
        }
    return records


# --------------------------------------------------------------------------- embeddings


# Texts embedded between two progress reports (a few seconds of work on a busy core).
REPORT_EVERY = 128


class EmbeddingCache:
    """Embeddings by content: ``encode`` embeds only the texts it has not seen with this model.

    ``read=False`` starts empty (a forced rebuild trusts nothing it did not compute); the
    cache is still written at :meth:`save`, replacing the old one.
    """

    def __init__(
        self, index_dir: Path, identity: str, dimension: int, *, read: bool = True
    ) -> None:
        self.folder = index_dir / EMBEDDINGS_DIR / _short(identity)
        self.dimension = dimension
        self._salt = identity.encode("utf-8") + b"\0"
        # One row of 32 bytes (a sha256 digest) per cached vector.
        self._keys = np.zeros((0, 32), dtype=np.uint8)
        self._vectors = np.zeros((0, dimension), dtype=np.float32)
        if read:
            self._load()
        self._row = {key.tobytes(): row for row, key in enumerate(self._keys)}
        self._new: dict[bytes, Vectors] = {}
        self._used: dict[bytes, None] = {}  # in order of first use
        self.embedded = 0  # texts the encoder embedded since this cache was opened
        self.reused = 0  # texts served from the cache

    @staticmethod
    def _encode(
        encode: Callable[[list[str]], Vectors],
        texts: list[str],
        report: Callable[[int, int], None] | None,
    ) -> Vectors:
        if report is None:
            return np.asarray(encode(texts), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), REPORT_EVERY):
            parts.append(np.asarray(encode(texts[start : start + REPORT_EVERY]), np.float32))
            report(min(start + REPORT_EVERY, len(texts)), len(texts))
        return np.concatenate(parts)

    def key(self, text: str) -> bytes:
        return hashlib.sha256(self._salt + text.encode("utf-8", "surrogatepass")).digest()

    def encode(
        self,
        encode: Callable[[list[str]], Vectors],
        texts: list[str],
        report: Callable[[int, int], None] | None = None,
    ) -> Vectors:
        """Vectors of ``texts`` in order: cached rows, and ``encode`` (on the distinct texts
        the cache lacks; once, or in batches of :data:`REPORT_EVERY` told to ``report(done,
        total)``) for the rest."""
        keys = [self.key(text) for text in texts]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._row and key not in self._new and key not in missing:
                missing[key] = text
        if missing:
            fresh = np.asarray(self._encode(encode, list(missing.values()), report))
            if fresh.shape != (len(missing), self.dimension):
                raise ValueError(
                    f"the encoder returned vectors of shape {fresh.shape} for {len(missing)} "
                    f"texts; expected dimension {self.dimension}"
                )
            self._new.update(zip(missing, fresh, strict=True))
            self.embedded += len(missing)
        self.reused += len(texts) - len(missing)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for position, key in enumerate(keys):
            self._used[key] = None
            row = self._row.get(key)
            vectors[position] = self._vectors[row] if row is not None else self._new[key]
        return vectors

    def save(self) -> None:
        """Write the rows this build used, then older ones up to :data:`SPARE_ROWS` more, as
        one new file named by its sha256; the old file goes. Nothing is written when that
        would be the file already there."""
        spare = max(SPARE_ROWS, 0)
        unused = [key for key in self._row if key not in self._used][:spare]
        kept = [*self._used, *unused]
        if not self._new and len(kept) == len(self._row):
            return  # the same rows as the file on disk
        keys = np.frombuffer(b"".join(kept), dtype=np.uint8).reshape(len(kept), 32)
        vectors = np.zeros((len(kept), self.dimension), dtype=np.float32)
        for position, key in enumerate(kept):
            row = self._row.get(key)
            vectors[position] = self._vectors[row] if row is not None else self._new[key]
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".tmp-{uuid.uuid4().hex}.npz"
        try:
            with temporary.open("wb") as handle:
                np.savez(handle, keys=keys, vectors=vectors)
                handle.flush()
                os.fsync(handle.fileno())
            target = self.folder / f"{sha256_of(temporary)}.npz"
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        for old in self.folder.iterdir():
            if old != target:
                with contextlib.suppress(OSError):
                    old.unlink()
        fsync_dir(self.folder)

    def _load(self) -> None:
        """The newest cache file that matches its own name's sha256 and holds this model's
        dimension; none (an empty cache) when there is no such file."""
        if not self.folder.is_dir():
            return
        files = sorted(
            (p for p in self.folder.glob("*.npz") if not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for path in files:
            try:
                if sha256_of(path) != path.stem:
                    continue
                with np.load(path, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError):
                continue
            if (
                keys.dtype == np.uint8
                and keys.ndim == 2
                and keys.shape[1:] == (32,)
                and vectors.shape == (len(keys), self.dimension)
                and vectors.dtype == np.float32
            ):
                self._keys, self._vectors = keys, vectors
                return


def _write_json(path: Path, value: Mapping[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())

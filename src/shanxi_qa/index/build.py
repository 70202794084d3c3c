"""Build, persist and load the search index (FAISS + BM25 + chunk records + ONNX model).

Layout under the index folder::

    index/
      current -> build-<id>/      symlink, swapped atomically when a build completes
      build-<id>/
        manifest.json              what the index was built from (see :func:`expected_manifest`)
                                   and the size and sha256 of every other file in the folder
        documents.json chunks.json dense.faiss sentence_vectors.npy window_vectors.npy bm25/
        vocabulary.json vocabulary_vectors.npy names.json
        model.onnx tokenizer.json  links into models/<key>/, the one copy of the model
      models/<key>/                the exported model, shared by the builds (see :mod:`store`)
      embeddings/<model>/          every text embedded so far, by content hash
      .lock                        held while a build runs, so two builds never interleave

A build writes a fresh ``build-<id>`` folder and only then points ``current`` at it, so a
crash or a kill midway leaves the previous index serving; the next build removes the
leftover folder. Loading checks every file against the manifest's sizes and hashes before
reading it (the model through its link), so a truncated, overwritten or missing file is
reported (and the pipeline rebuilds) instead of being read as an index.

Builds are incremental where it is safe: everything is rebuilt from the corpus each time,
but a text embedded by an earlier build (a chunk, a sentence, a vocabulary word) is taken
from the embedding cache, so adding a document embeds only its own texts and removing one
embeds nothing. A forced build (``index --rebuild``) trusts neither the cache nor the model
export and redoes both.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import numpy.typing as npt

from shanxi_qa import __version__
from shanxi_qa.index.chunk import ChunkerConfig
from shanxi_qa.index.embed import (
    MODEL_NAME,
    MODEL_PACKAGE,
    ONNX_FILE,
    EmbeddingError,
    Encoder,
    OnnxEncoder,
    Vectors,
)
from shanxi_qa.faults import fault_point
from shanxi_qa.records import Block, Chunk, Document, Progress, Repair, Sentence
from shanxi_qa.index.cache import (
    MODELS_DIR,
    EmbeddingCache,
    FileRecords,
    ModelStore,
    encoder_identity,
    fsync_dir,
    record_files,
    sha256_of,
)
from shanxi_qa.language.text import STOPWORDS, content_terms, corpus_names, refers_to_previous, words

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


def _package_versions() -> dict[str, str]:
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


@dataclass
class LoadedIndex:
    """Everything ``ask`` needs, loaded from one index folder."""

    path: Path
    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    dense: Any  # faiss.Index over chunk vectors
    sentence_vectors: Vectors  # one row per sentence, in chunk order
    # Per sentence row: the sentence read with the one before it when it points back
    # ("... she said", "the company ..."), else the sentence's own vector.
    window_vectors: Vectors
    sentence_rows: list[tuple[int, int]]  # (chunk_id, sentence index) for each row
    bm25: Any  # bm25s.BM25 over chunk content terms
    vocabulary: list[str]  # the corpus's content words, lower-cased
    vocabulary_vectors: Vectors  # one embedding per vocabulary word, for soft term matching
    names: frozenset[str] = frozenset()  # words the corpus only capitalises (lower-cased)
    # The query encoder: given (a test's fake, the one a reload keeps), or loaded on first use.
    query_encoder: Encoder | None = None

    @property
    def encoder(self) -> Encoder:
        """The query encoder, loaded on first use.

        Raises :class:`EmbeddingError` in one line that says how to rebuild the model files
        when onnxruntime cannot load them.
        """
        if self.query_encoder is None:
            try:
                self.query_encoder = OnnxEncoder(self.path)
            except EmbeddingError as error:
                reason = " ".join(str(error).split()).rstrip(".")
                raise EmbeddingError(f"{reason}; {REBUILD_HINT}") from error
        return self.query_encoder

    def sentence_row(self, chunk_id: int, sentence_index: int) -> int:
        return self._row_of[(chunk_id, sentence_index)]

    def chunk_mask(self, source: str | None = None) -> npt.NDArray[np.bool_]:
        """True for the chunks of ``source`` (a key of :attr:`documents`), or for every chunk."""
        if source is None:
            return self._every_chunk
        mask = self._masks.get(source)
        if mask is None:
            mask = np.array([chunk.source == source for chunk in self.chunks], dtype=bool)
            mask.setflags(write=False)
            self._masks[source] = mask
        return mask

    def __post_init__(self) -> None:
        self._row_of = {key: row for row, key in enumerate(self.sentence_rows)}
        self.vocabulary_row = {word: row for row, word in enumerate(self.vocabulary)}
        # The chunk of each sentence row, for scoring every sentence at once.
        self.sentence_chunks = np.array([c for c, _ in self.sentence_rows], dtype=np.intp)
        self._every_chunk = np.ones(len(self.chunks), dtype=bool)
        self._every_chunk.setflags(write=False)
        self._masks: dict[str, npt.NDArray[np.bool_]] = {}


def _current_path(index_dir: Path) -> Path:
    return index_dir / "current"


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The current index's manifest, or None when there is no readable one."""
    return _read_manifest_in(_current_path(index_dir))


def _read_manifest_in(build_dir: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((build_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON
        return None
    return manifest if isinstance(manifest, dict) else None


def _file_records(manifest: Mapping[str, Any]) -> dict[str, tuple[int, str]] | None:
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


def _verify_files(build_dir: Path, records: Mapping[str, tuple[int, str]]) -> str | None:
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
    build_dir = _current_path(index_dir)
    manifest = _read_manifest_in(build_dir)
    if manifest is None or manifest.get("complete") is not True:
        return False
    if _freshness_key(manifest) != _freshness_key(expected_manifest(corpus_dir, config)):
        return False
    records = _file_records(manifest)
    return records is not None and _sizes_match(build_dir, records) is None


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    with (index_dir / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


def _quiet(_: str) -> None:
    pass


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    config: ChunkerConfig,
    *,
    encoder_factory: Callable[[], Any] | None = None,
    progress: bool = False,
    force: bool = False,
    warn: Callable[[str], None] = _quiet,
    require: Collection[str] = (),
    read: Mapping[str, tuple[str, Document]] | None = None,
    report: Progress | None = None,
) -> Path:
    """Build the index for ``corpus_dir`` into ``index_dir`` and make it current.

    ``encoder_factory`` returns the index-time encoder (:class:`~shanxi_qa.index.embed.PackagedEncoder`
    by default); it must have ``encode``, ``dimension``, ``count_tokens`` and ``export_onnx``,
    and may have ``identity`` (what its embeddings are cached under) and ``use_model`` (told
    where the exported model is). Texts embedded by an earlier build are reused; ``force``
    re-exports the model and re-embeds everything.

    ``require`` names corpus files (file names) that must be indexed: when one is skipped
    (unreadable, empty, ...) the build fails with the reason and the current index stays.
    ``read`` holds documents the caller has already read, by file name, each with the sha256
    of the file it was read from: used while the file still has those bytes (``add`` reads a
    file to check it, and a long PDF takes a while to read).
    Returns the new index folder. When another process finished an identical build while
    this one waited for the lock, that index is kept and nothing is rebuilt.
    ``report`` is told how far the build is: the pages of each PDF read anew, and the texts
    the encoder embeds (paragraphs, sentences, sentence pairs, words), kind by kind.
    """
    ensure_writable(index_dir)
    with build_lock(index_dir):
        if not force and is_fresh(index_dir, corpus_dir, config):
            current = _current_path(index_dir).resolve()
            _check_required(require, _read_manifest_in(current) or {})
            return current
        manifest = expected_manifest(corpus_dir, config)
        build_dir = index_dir / f"build-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        build_dir.mkdir()
        previous = current_build(index_dir)
        try:
            _write_index(
                corpus_dir,
                index_dir,
                build_dir,
                config,
                manifest,
                _Build(
                    encoder_factory,
                    progress,
                    warn,
                    force,
                    frozenset(require),
                    dict(read or {}),
                    report,
                ),
            )
            _point_current_at(index_dir, build_dir)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        _remove_old_builds(index_dir, keep={build_dir, previous})
        return build_dir


@dataclass(frozen=True)
class _Build:
    """How one build runs (see :func:`build_index`)."""

    encoder_factory: Callable[[], Any] | None
    progress: bool
    warn: Callable[[str], None]
    force: bool
    require: frozenset[str]
    read: dict[str, tuple[str, Document]]
    report: Progress | None = None


def _check_required(
    require: Collection[str], manifest: Mapping[str, Any], warnings: list[str] | None = None
) -> None:
    """Raise when a required corpus file is not among the indexed ones, with its reason."""
    indexed = manifest.get("sources") or {}
    skipped = (manifest.get("skipped") or []) if warnings is None else warnings
    for name in sorted(require):
        if name not in indexed:
            reasons = [
                str(w).split(f"{name}: ", 1)[1]
                for w in skipped
                if f"/{name}: " in str(w) or str(w).startswith(f"skipped {name}: ")
            ]
            reason = reasons[0] if reasons else "the reader could not read it"
            raise IndexStoreError(f"cannot index {name}: {reason}")


class _Earlier:
    """What the current build already computed from corpus files that have not changed: their
    cleaned documents and their chunks, reused so that adding one document to a corpus of
    many cleans and chunks only that one (a PDF's layout analysis is the slow part of a
    build after embedding). Nothing is reused for a forced build, from a build of another
    format or version, or from files that do not match their manifest record."""

    def __init__(self, manifest: Mapping[str, Any], documents: dict[str, Document]) -> None:
        self.manifest = manifest
        sources = manifest.get("sources")
        self.sources: dict[str, Any] = sources if isinstance(sources, dict) else {}
        self.documents = documents  # by file name, only those whose hash is recorded
        self.chunks: dict[str, list[Chunk]] = {}
        self.documents_reused = 0

    @classmethod
    def of(cls, index_dir: Path, expected: Mapping[str, Any], force: bool) -> _Earlier:
        build_dir = _current_path(index_dir)
        manifest = None if force else _read_manifest_in(build_dir)
        if (
            manifest is None
            or manifest.get("complete") is not True
            or manifest.get("format_version") != expected["format_version"]
            or manifest.get("shanxi_qa") != expected["shanxi_qa"]
        ):
            return cls({}, {})
        records = _file_records(manifest)
        wanted = ("documents.json", "chunks.json")
        if records is None or _verify_files(build_dir, {n: records[n] for n in wanted}):
            return cls({}, {})
        try:
            documents = [_document_from_dict(d) for d in _read_json(build_dir / "documents.json")]
            chunks = [_chunk_from_dict(c) for c in _read_json(build_dir / "chunks.json")]
        except (OSError, ValueError, KeyError, TypeError):
            return cls({}, {})
        earlier = cls(manifest, {PurePosixPath(d.source).name: d for d in documents})
        if manifest.get("chunker") == expected["chunker"]:
            for chunk in chunks:
                earlier.chunks.setdefault(PurePosixPath(chunk.source).name, []).append(chunk)
        return earlier

    def _unchanged(self, name: str, digest: str | None) -> bool:
        record = self.sources.get(name)
        return isinstance(record, dict) and digest is not None and record.get("sha256") == digest

    def indexed_at(self, name: str, digest: str | None) -> str | None:
        """When this content of ``name`` was first indexed, if an earlier build had it."""
        if not self._unchanged(name, digest):
            return None
        when = self.sources[name].get("indexed_at")
        return when if isinstance(when, str) else None

    def load_corpus(
        self,
        corpus_dir: Path,
        hashes: Mapping[str, str],
        read: Mapping[str, tuple[str, Document]],
        report: Progress | None = None,
    ) -> tuple[list[Document], list[str]]:
        """The corpus's documents and skip warnings, as :func:`~shanxi_qa.documents.load.load_corpus` gives
        them, with unchanged files taken from the earlier build, and files the caller has
        just read (``read``, see :func:`build_index`), instead of read again."""
        from shanxi_qa.documents.files import IngestError
        from shanxi_qa.documents.load import load_corpus, load_document

        if not self.documents and not read and report is None:
            return load_corpus(corpus_dir)
        if not corpus_dir.is_dir():  # load_corpus's own message for a missing folder
            return load_corpus(corpus_dir)
        documents: list[Document] = []
        warnings: list[str] = []
        for path in corpus_files(corpus_dir):
            source = f"{corpus_dir.name}/{path.name}"
            digest, given = read.get(path.name, (None, None))
            if given is not None and given.source == source and digest == hashes.get(path.name):
                documents.append(given)
                continue
            earlier = self.documents.get(path.name)
            if (
                earlier is not None
                and earlier.source == source
                and self._unchanged(path.name, hashes.get(path.name))
            ):
                documents.append(earlier)
                self.documents_reused += 1
                continue
            # The same handling as load_corpus: a bad file is skipped with its reason.
            try:
                documents.append(load_document(path, source, report))
            except IngestError as err:
                warnings.append(f"skipped {err}")
            except Exception as err:
                reason = " ".join(str(err).split())[:200]
                warnings.append(f"skipped {path}: cannot clean it ({type(err).__name__}: {reason})")
        return documents, warnings

    def chunk_corpus(
        self,
        documents: list[Document],
        hashes: Mapping[str, str],
        config: ChunkerConfig,
        identity: str,
        count_model_tokens: Callable[[str], int],
    ) -> list[Chunk]:
        """Every document chunked (chunks numbered across the corpus), with an unchanged document's chunks renumbered from the
        earlier build when it was chunked with the same settings and model."""
        from shanxi_qa.index.chunk import chunk_document

        same_model = self.manifest.get("model_identity") == identity
        chunks: list[Chunk] = []
        for document in documents:
            name = PurePosixPath(document.source).name
            earlier = self.chunks.get(name) if same_model else None
            if (
                earlier
                and self._unchanged(name, hashes.get(name))
                and all(c.source == document.source for c in earlier)
            ):
                first = len(chunks)
                chunks += [replace(c, chunk_id=first + i) for i, c in enumerate(earlier)]
                continue
            chunks += chunk_document(
                document, config, first_id=len(chunks), count_model_tokens=count_model_tokens
            )
        return chunks


def _write_index(
    corpus_dir: Path,
    index_dir: Path,
    build_dir: Path,
    config: ChunkerConfig,
    manifest: dict[str, Any],
    build: _Build,
) -> None:
    import faiss
    from tqdm import tqdm

    steps = tqdm(total=6, desc="index", unit="step", disable=not build.progress, file=sys.stderr)

    def step(name: str) -> None:
        steps.set_postfix_str(name)
        steps.update(1)

    hashes = manifest["corpus_files"]
    earlier = _Earlier.of(index_dir, manifest, build.force)
    documents, warnings = earlier.load_corpus(corpus_dir, hashes, build.read, build.report)
    for warning in warnings:
        build.warn(warning)
    sources = {Path(d.source).name: d for d in documents}
    _check_required(build.require, {"sources": sources}, warnings)
    if not documents:
        raise IndexStoreError(f"no readable documents in {corpus_dir}")
    step("cleaned")

    if build.encoder_factory is None:
        from shanxi_qa.index.embed import PackagedEncoder

        encoder: Any = PackagedEncoder()
    else:
        encoder = build.encoder_factory()
    identity = encoder_identity(encoder)
    step("tokenizer loaded")

    chunks = earlier.chunk_corpus(documents, hashes, config, identity, encoder.count_tokens)
    step("chunked")

    # The model is exported once per model (and again only when forced or damaged).
    store = ModelStore(index_dir)
    model_dir = store.ensure(encoder, identity, force=build.force)
    use_model = getattr(encoder, "use_model", None)
    if callable(use_model):
        use_model(model_dir)
    step("model ready")

    cache = EmbeddingCache(index_dir, identity, int(encoder.dimension), read=not build.force)

    def embed(texts: list[str], what: str = "texts") -> Vectors:
        report = build.report
        if report is None:
            return cache.encode(encoder.encode, texts)
        return cache.encode(
            encoder.encode, texts, lambda done, total: report(f"{what} embedded", done, total)
        )

    chunk_vectors = embed([chunk.text for chunk in chunks], "paragraphs")
    sentence_rows = [(c.chunk_id, i) for c in chunks for i in range(len(c.sentences))]
    texts = {d.source: d.text for d in documents}
    sentence_texts = [
        texts[chunks[cid].source][chunks[cid].sentences[i].start : chunks[cid].sentences[i].end]
        for cid, i in sentence_rows
    ]
    sentence_vectors = embed(sentence_texts, "sentences")
    np.save(
        build_dir / "window_vectors.npy",
        _window_vectors(
            chunks, texts, sentence_rows, sentence_vectors, lambda t: embed(t, "sentence pairs")
        ),
    )
    dense = faiss.IndexFlatIP(encoder.dimension)
    dense.add(np.ascontiguousarray(chunk_vectors, dtype=np.float32))
    faiss.write_index(dense, str(build_dir / "dense.faiss"))
    np.save(build_dir / "sentence_vectors.npy", sentence_vectors)
    vocabulary = corpus_vocabulary(chunks)
    np.save(build_dir / "vocabulary_vectors.npy", embed(vocabulary, "words"))
    cache.save()
    step("embedded")

    _write_json(build_dir / "vocabulary.json", vocabulary)
    _write_json(build_dir / "names.json", corpus_names([d.text for d in documents]))
    _build_bm25(chunks).save(str(build_dir / "bm25"), show_progress=False)
    step("bm25")
    steps.close()

    model_files = store.files(model_dir)
    for name in model_files:
        link = build_dir / name
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(model_dir / name, link.parent), link)

    _write_json(build_dir / "documents.json", [asdict(d) for d in documents])
    _write_json(build_dir / "chunks.json", [asdict(c) for c in chunks])
    _write_json(build_dir / "sentence_rows.json", sentence_rows)
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    indexed: dict[str, dict[str, Any]] = {}
    for name in sources:
        when = earlier.indexed_at(name, hashes.get(name))
        indexed[name] = {"sha256": hashes.get(name), "indexed_at": when or now}
    manifest = {
        **manifest,
        "dimension": encoder.dimension,
        "documents": len(documents),
        "chunks": len(chunks),
        "sentences": len(sentence_rows),
        "model_dir": f"{MODELS_DIR}/{model_dir.name}",
        "model_identity": identity,
        "embedded": cache.embedded,
        "reused": cache.reused,
        "documents_reused": earlier.documents_reused,
        "sources": indexed,
        "skipped": warnings,
        "packages": _package_versions(),
        "built_at": now,
        "files": _record_files(build_dir, model_files),
        "complete": True,
    }
    fault_point("build-unfinished")
    # The manifest is written last: an index folder without one is never used.
    _write_json(build_dir / MANIFEST_FILE, manifest)
    _fsync_dir(build_dir)


def _record_files(build_dir: Path, linked: FileRecords) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file in the build, each flushed to disk first; the model's
    files are links into the model store, which recorded (and verified) theirs."""
    records: dict[str, dict[str, Any]] = dict(record_files(build_dir))
    for path in sorted(p for p in build_dir.rglob("*") if p.is_symlink()):
        name = path.relative_to(build_dir).as_posix()
        if name not in linked:
            raise IndexStoreError(f"unexpected link {name} in {build_dir}")
        records[name] = dict(linked[name])
    for folder in {p.parent for p in build_dir.rglob("*") if p.is_file()}:
        _fsync_dir(folder)
    return dict(sorted(records.items()))


def _fsync_dir(folder: Path) -> None:
    fsync_dir(folder)


def corpus_vocabulary(chunks: list[Chunk]) -> list[str]:
    """Distinct content words of the corpus (letters only), the targets of soft term matching."""
    found = {
        word
        for chunk in chunks
        for word in words(chunk.text)
        if word.isalpha() and len(word) > 1 and word not in STOPWORDS
    }
    return sorted(found)


def _build_bm25(chunks: list[Chunk]) -> Any:
    import bm25s

    # "lucene" idf is log(1 + (N - n + 0.5) / (n + 0.5)): never negative, so a term that
    # occurs in most chunks of a one-article corpus still counts a little instead of
    # pushing a matching chunk below one that does not match at all.
    retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    retriever.index([content_terms(chunk.text) or ["_"] for chunk in chunks], show_progress=False)
    return retriever


def _write_json(path: Path, value: Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def current_build(index_dir: Path) -> Path | None:
    """The build folder ``current`` points at, when it points at one in ``index_dir``."""
    link = _current_path(index_dir)
    if not link.is_symlink():
        return None
    target = link.resolve()
    return target if target.parent == index_dir.resolve() and target.is_dir() else None


def _point_current_at(index_dir: Path, build_dir: Path) -> None:
    link = _current_path(index_dir)
    temporary = index_dir / f".current-{uuid.uuid4().hex}"
    os.symlink(build_dir.name, temporary)
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)  # an old real folder in the way of the symlink
    os.replace(temporary, link)  # atomic; also replaces a dangling link or a stray file
    _fsync_dir(index_dir)


def _remove_old_builds(index_dir: Path, keep: set[Path | None]) -> None:
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
        model_dir = (_read_manifest_in(build) or {}).get("model_dir")
        if isinstance(model_dir, str):
            models.add(PurePosixPath(model_dir).name)
    ModelStore(index_dir).remove_unused(models)
    for leftover in index_dir.glob(".current-*"):  # a swap interrupted by a kill
        with contextlib.suppress(OSError):
            leftover.unlink()


def load_index(index_dir: Path) -> LoadedIndex:
    """Load the current index, or raise :class:`IndexStoreError` saying how to rebuild it.

    Every file is checked against the size and sha256 the manifest records before anything
    reads it, the ONNX model included (about 0.1 s for its 90 MB): a damaged index must
    fail here, where the pipeline rebuilds it, not give wrong answers later.
    """
    path = _current_path(index_dir).resolve()
    manifest = _read_manifest_in(path)  # from the folder resolved once, not a newer swap
    if manifest is None or manifest.get("complete") is not True:
        raise IndexStoreError(f"no usable index in {index_dir}: {REBUILD_HINT}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStoreError(f"the index in {index_dir} is from another version: {REBUILD_HINT}")
    records = _file_records(manifest)
    if records is None:
        raise IndexStoreError(
            f"the index in {index_dir} has a manifest without its file list: {REBUILD_HINT}"
        )
    problem = _verify_files(path, records)
    if problem is not None:
        raise IndexStoreError(f"the index in {index_dir} is damaged ({problem}): {REBUILD_HINT}")
    return _read_index_files(index_dir, path, manifest)


def _read_index_files(index_dir: Path, path: Path, manifest: dict[str, Any]) -> LoadedIndex:
    import faiss

    try:
        documents = [_document_from_dict(d) for d in _read_json(path / "documents.json")]
        chunks = [_chunk_from_dict(c) for c in _read_json(path / "chunks.json")]
        sentence_rows = [(int(a), int(b)) for a, b in _read_json(path / "sentence_rows.json")]
        dense = faiss.read_index(str(path / "dense.faiss"))
        sentence_vectors = np.load(path / "sentence_vectors.npy", allow_pickle=False)
        window_vectors = np.load(path / "window_vectors.npy", allow_pickle=False)
        bm25 = _load_bm25(path / "bm25")
        vocabulary = [str(w) for w in _read_json(path / "vocabulary.json")]
        vocabulary_vectors = np.load(path / "vocabulary_vectors.npy", allow_pickle=False)
        names = _read_json(path / "names.json")
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RuntimeError,
        EOFError,
    ) as error:
        raise IndexStoreError(
            f"the index in {index_dir} is damaged ({type(error).__name__}): {REBUILD_HINT}"
        ) from error
    sources = {d.source for d in documents}
    if (
        dense.ntotal != len(chunks)
        or not _rows_of(sentence_vectors, len(sentence_rows), dense.d)
        or not _rows_of(window_vectors, len(sentence_rows), dense.d)
        or dense.d != manifest.get("dimension")
        or not _rows_of(vocabulary_vectors, len(vocabulary), dense.d)
        or not isinstance(names, list)
        or not all(isinstance(name, str) for name in names)
        or [c.chunk_id for c in chunks] != list(range(len(chunks)))
        or any(c.source not in sources for c in chunks)
        or any(
            not (0 <= c < len(chunks) and 0 <= i < len(chunks[c].sentences))
            for c, i in sentence_rows
        )
    ):
        raise IndexStoreError(f"the index in {index_dir} is inconsistent: {REBUILD_HINT}")
    return LoadedIndex(
        path=path,
        manifest=manifest,
        documents={d.source: d for d in documents},
        chunks=chunks,
        dense=dense,
        sentence_vectors=np.asarray(sentence_vectors, dtype=np.float32),
        window_vectors=np.asarray(window_vectors, dtype=np.float32),
        sentence_rows=sentence_rows,
        bm25=bm25,
        vocabulary=vocabulary,
        vocabulary_vectors=np.asarray(vocabulary_vectors, dtype=np.float32),
        names=frozenset(names),
    )


def previous_sentence(chunks: list[Chunk], chunk_id: int, sentence_index: int) -> Sentence | None:
    """The sentence before one of a chunk's sentences, in the same document, if any."""
    chunk = chunks[chunk_id]
    if sentence_index > 0:
        return chunk.sentences[sentence_index - 1]
    if chunk_id > 0 and chunks[chunk_id - 1].source == chunk.source:
        return chunks[chunk_id - 1].sentences[-1]
    return None


def _window_vectors(
    chunks: list[Chunk],
    texts: dict[str, str],
    sentence_rows: list[tuple[int, int]],
    sentence_vectors: Vectors,
    encode: Callable[[list[str]], Vectors],
) -> Vectors:
    windows: dict[int, str] = {}
    for row, (chunk_id, index) in enumerate(sentence_rows):
        text = texts[chunks[chunk_id].source]
        sentence = chunks[chunk_id].sentences[index]
        previous = previous_sentence(chunks, chunk_id, index)
        if previous is None:
            continue
        before = text[previous.start : previous.end]
        own = text[sentence.start : sentence.end]
        if refers_to_previous(own, before):
            windows[row] = before + " " + own
    vectors = np.array(sentence_vectors, dtype=np.float32, copy=True)
    if windows:
        vectors[list(windows)] = encode(list(windows.values()))
    return vectors


def _rows_of(vectors: Any, rows: int, dimension: int) -> bool:
    """True when ``vectors`` holds ``rows`` vectors of ``dimension`` (any shape when empty)."""
    shape = tuple(vectors.shape)
    return shape[:1] == (rows,) and (rows == 0 or shape[1:] == (dimension,))


class Bm25Scores:
    """Scores queries against an index that bm25s built and saved, without importing bm25s.

    bm25s stores each term's precomputed per-document scores as a sparse CSC matrix; a
    query's score is the sum of its terms' columns. Reading those arrays with numpy keeps
    scipy (~0.2 s to import) off the query path. ``tests/test_index.py`` checks the scores
    against bm25s's own.
    """

    _SUPPORTED = ("lucene", "robertson", "atire")  # variants without a non-occurrence term

    def __init__(self, folder: Path) -> None:
        params = _read_json(folder / "params.index.json")
        if params.get("method") not in self._SUPPORTED:
            raise ValueError(f"unsupported BM25 variant {params.get('method')!r}")
        self.vocabulary: dict[str, int] = _read_json(folder / "vocab.index.json")
        self.data = np.load(folder / "data.csc.index.npy", allow_pickle=False)
        self.indices = np.load(folder / "indices.csc.index.npy", allow_pickle=False)
        self.indptr = np.load(folder / "indptr.csc.index.npy", allow_pickle=False)
        self.documents = int(params["num_docs"])
        self.dtype = np.dtype(params.get("dtype", "float32"))
        # bm25s adds an empty token to the vocabulary without a column of its own.
        self.columns = len(self.indptr) - 1
        if self.columns < len(self.vocabulary) - 1 or len(self.data) != len(self.indices):
            raise ValueError("BM25 arrays do not match its vocabulary")

    def get_scores(self, terms: list[str]) -> Any:
        """BM25 score of every document; repeated terms count again, unknown terms not at all."""
        scores = np.zeros(self.documents, dtype=self.dtype)
        for term in terms:
            column = self.vocabulary.get(term)
            if column is not None and column < self.columns:
                start, end = self.indptr[column], self.indptr[column + 1]
                np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores


def _load_bm25(path: Path) -> Bm25Scores:
    return Bm25Scores(path)


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _document_from_dict(data: dict[str, Any]) -> Document:
    return Document(
        source=data["source"],
        text=data["text"],
        blocks=[Block(**b) for b in data["blocks"]],
        repairs=[Repair(**r) for r in data["repairs"]],
    )


def _chunk_from_dict(data: dict[str, Any]) -> Chunk:
    return Chunk(**{**data, "sentences": [Sentence(**s) for s in data["sentences"]]})

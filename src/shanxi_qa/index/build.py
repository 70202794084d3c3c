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
export and redoes both."""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shanxi_qa.faults import fault_point
from shanxi_qa.index.cache import (
    MODELS_DIR,
    EmbeddingCache,
    ModelStore,
    encoder_identity,
)
from shanxi_qa.index.chunk import ChunkerConfig
from shanxi_qa.index.embed import (
    Vectors,
)
from shanxi_qa.index.layout import (
    MANIFEST_FILE,
    IndexStoreError,
    build_lock,
    current_build,
    current_path,
    ensure_writable,
    expected_manifest,
    is_fresh,
    manifest_in,
    package_versions,
    point_current_at,
    record_build_files,
    remove_old_builds,
    sync_folder,
    write_json,
)
from shanxi_qa.index.reuse import EarlierBuild, check_required
from shanxi_qa.language.names import corpus_names
from shanxi_qa.language.text import (
    STOPWORDS,
    content_terms,
    refers_to_previous,
    words,
)
from shanxi_qa.records import Chunk, Document, Progress, Sentence


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
            current = current_path(index_dir).resolve()
            check_required(require, manifest_in(current) or {})
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
            point_current_at(index_dir, build_dir)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        remove_old_builds(index_dir, keep={build_dir, previous})
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
    earlier = EarlierBuild.of(index_dir, manifest, build.force)
    documents, warnings = earlier.load_corpus(corpus_dir, hashes, build.read, build.report)
    for warning in warnings:
        build.warn(warning)
    sources = {Path(d.source).name: d for d in documents}
    check_required(build.require, {"sources": sources}, warnings)
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

    write_json(build_dir / "vocabulary.json", vocabulary)
    write_json(build_dir / "names.json", corpus_names([d.text for d in documents]))
    _build_bm25(chunks).save(str(build_dir / "bm25"), show_progress=False)
    step("bm25")
    steps.close()

    model_files = store.files(model_dir)
    for name in model_files:
        link = build_dir / name
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(model_dir / name, link.parent), link)

    write_json(build_dir / "documents.json", [asdict(d) for d in documents])
    write_json(build_dir / "chunks.json", [asdict(c) for c in chunks])
    write_json(build_dir / "sentence_rows.json", sentence_rows)
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
        "packages": package_versions(),
        "built_at": now,
        "files": record_build_files(build_dir, model_files),
        "complete": True,
    }
    fault_point("build-unfinished")
    # The manifest is written last: an index folder without one is never used.
    write_json(build_dir / MANIFEST_FILE, manifest)
    sync_folder(build_dir)


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

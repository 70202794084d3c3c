"""What a new build takes from the one before: the documents, chunks and indexing times of files that did not change."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from shanxi_qa.index.chunk import ChunkerConfig
from shanxi_qa.index.layout import (
    IndexStoreError,
    corpus_files,
    current_path,
    file_records,
    manifest_in,
    read_json,
    verify_files,
)
from shanxi_qa.index.loaded import chunk_from_dict, document_from_dict
from shanxi_qa.records import Chunk, Document, Progress


def check_required(
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


class EarlierBuild:
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
    def of(cls, index_dir: Path, expected: Mapping[str, Any], force: bool) -> EarlierBuild:
        build_dir = current_path(index_dir)
        manifest = None if force else manifest_in(build_dir)
        if (
            manifest is None
            or manifest.get("complete") is not True
            or manifest.get("format_version") != expected["format_version"]
            or manifest.get("shanxi_qa") != expected["shanxi_qa"]
        ):
            return cls({}, {})
        records = file_records(manifest)
        wanted = ("documents.json", "chunks.json")
        if records is None or verify_files(build_dir, {n: records[n] for n in wanted}):
            return cls({}, {})
        try:
            documents = [document_from_dict(d) for d in read_json(build_dir / "documents.json")]
            chunks = [chunk_from_dict(c) for c in read_json(build_dir / "chunks.json")]
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
        from shanxi_qa.documents.load import load_corpus, read_or_skip

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
            document, warning = read_or_skip(path, source, report)
            if document is not None:
                documents.append(document)
            if warning is not None:
                warnings.append(warning)
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

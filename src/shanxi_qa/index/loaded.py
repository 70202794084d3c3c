"""A built index loaded for answering: documents, chunks, vectors, BM25 and the vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shanxi_qa.index.embed import (
    EmbeddingError,
    Encoder,
    OnnxEncoder,
    Vectors,
)
from shanxi_qa.index.layout import (
    FORMAT_VERSION,
    REBUILD_HINT,
    IndexStoreError,
    current_path,
    file_records,
    manifest_in,
    read_json,
    verify_files,
)
from shanxi_qa.records import Block, Chunk, Document, Repair, Sentence


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


def load_index(index_dir: Path) -> LoadedIndex:
    """Load the current index, or raise :class:`IndexStoreError` saying how to rebuild it.

    Every file is checked against the size and sha256 the manifest records before anything
    reads it, the ONNX model included (about 0.1 s for its 90 MB): a damaged index must
    fail here, where the pipeline rebuilds it, not give wrong answers later.
    """
    path = current_path(index_dir).resolve()
    manifest = manifest_in(path)  # from the folder resolved once, not a newer swap
    if manifest is None or manifest.get("complete") is not True:
        raise IndexStoreError(f"no usable index in {index_dir}: {REBUILD_HINT}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStoreError(f"the index in {index_dir} is from another version: {REBUILD_HINT}")
    records = file_records(manifest)
    if records is None:
        raise IndexStoreError(
            f"the index in {index_dir} has a manifest without its file list: {REBUILD_HINT}"
        )
    problem = verify_files(path, records)
    if problem is not None:
        raise IndexStoreError(f"the index in {index_dir} is damaged ({problem}): {REBUILD_HINT}")
    return _read_index_files(index_dir, path, manifest)


def _read_index_files(index_dir: Path, path: Path, manifest: dict[str, Any]) -> LoadedIndex:
    import faiss

    try:
        documents = [document_from_dict(d) for d in read_json(path / "documents.json")]
        chunks = [chunk_from_dict(c) for c in read_json(path / "chunks.json")]
        sentence_rows = [(int(a), int(b)) for a, b in read_json(path / "sentence_rows.json")]
        dense = faiss.read_index(str(path / "dense.faiss"))
        sentence_vectors = np.load(path / "sentence_vectors.npy", allow_pickle=False)
        window_vectors = np.load(path / "window_vectors.npy", allow_pickle=False)
        bm25 = _load_bm25(path / "bm25")
        vocabulary = [str(w) for w in read_json(path / "vocabulary.json")]
        vocabulary_vectors = np.load(path / "vocabulary_vectors.npy", allow_pickle=False)
        names = read_json(path / "names.json")
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
        params = read_json(folder / "params.index.json")
        if params.get("method") not in self._SUPPORTED:
            raise ValueError(f"unsupported BM25 variant {params.get('method')!r}")
        self.vocabulary: dict[str, int] = read_json(folder / "vocab.index.json")
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


def document_from_dict(data: dict[str, Any]) -> Document:
    return Document(
        source=data["source"],
        text=data["text"],
        blocks=[Block(**b) for b in data["blocks"]],
        repairs=[Repair(**r) for r in data["repairs"]],
    )


def chunk_from_dict(data: dict[str, Any]) -> Chunk:
    return Chunk(**{**data, "sentences": [Sentence(**s) for s in data["sentences"]]})

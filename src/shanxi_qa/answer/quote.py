"""Quote: the verbatim proof of an answer, by offsets into the cleaned document.

Every quote keeps ``text == document.text[start:end]`` and names its document, paragraph and
page (for formats that have pages), with the whole paragraph as context.
"""

from __future__ import annotations

from shanxi_qa.language.text import split_sentences
from shanxi_qa.records import Document, Quote


def quote(document: Document, start: int, end: int, score: float) -> Quote:
    """``document.text[start:end]`` as a quote, in the paragraph holding ``start``."""
    number = document.paragraph_of(start)
    block = document.blocks[number - 1]
    return Quote(
        text=document.text[start:end],
        source=document.source,
        paragraph=number,
        start=start,
        end=end,
        score=round(score, 4),
        context=document.text[block.start : block.end],
        context_start=block.start,
        page=document.page_of(start),
    )


def span_quote(document: Document, start: int, end: int, score: float) -> Quote:
    """The sentence or sentences of the paragraph holding ``[start, end)``: the proof of a
    short answer is the whole of every sentence it touches."""
    block = document.blocks[document.paragraph_of(start) - 1]
    inside = [
        s
        for s in split_sentences(document.text, block.start, block.end)
        if s.start < end and start < s.end
    ]
    quote_start = min([start, *(s.start for s in inside)])
    quote_end = max([end, *(s.end for s in inside)])
    return quote(document, quote_start, quote_end, score)

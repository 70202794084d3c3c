"""An earlier turn as a follow-up reads it: its question, answer and quote, from the answer record."""

from __future__ import annotations

from dataclasses import dataclass

from shanxi_qa.records import Answer, Hit

# A previous answer longer than this is not put into a rewritten question.
MAX_ANSWER_WORDS = 8


@dataclass(frozen=True)
class Turn:
    """One earlier turn as the rules see it: the standalone question, its answer and quote."""

    question: str  # the question as it was answered (the rewritten one for a follow-up)
    answer: str | None = None  # the short answer; None when it abstained
    quote: str | None = None  # the first quote, when it answered
    source: str | None = None  # where that quote lies (for the retrieval prior)
    start: int | None = None  # the quote's offset in the cleaned document
    # The short answer's own offsets in that document (the record's answer_start/answer_end).
    answer_start: int | None = None
    answer_end: int | None = None

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        """The turn an answer record closes (an abstention keeps only its question)."""
        question = answer.resolved_question or answer.question
        if answer.abstained or not answer.quotes:
            return cls(question)
        quote = answer.quotes[0]
        return cls(
            question,
            answer.answer,
            quote.text,
            quote.source,
            quote.start,
            answer.answer_start,
            answer.answer_end,
        )

    def answered_at(self) -> tuple[str, int, int] | None:
        """Where the short answer lies in its document (source, start, end), when it is in the
        quote: a follow-up is asking for something else."""
        if self.answer is None or self.quote is None or self.source is None:
            return None
        if self.start is None or self.answer_start is None or self.answer_end is None:
            return None
        if not self.start <= self.answer_start <= self.answer_end <= self.start + len(self.quote):
            return None
        return self.source, self.answer_start, self.answer_end


def prefer_passage(hits: list[Hit], previous: Turn | None, top_k: int) -> list[Hit]:
    """``hits`` with the chunk the previous answer quoted moved into the ``top_k`` read, when
    retrieval ranked it just below them: a follow-up is most often about the same passage.
    The answer is still chosen, and quoted, from the text by the answerer."""
    if previous is None or previous.source is None or previous.start is None:
        return hits
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        if chunk.source == previous.source and chunk.start <= previous.start < chunk.end:
            if rank < top_k:
                return hits
            return [*hits[: top_k - 1], hit, *hits[top_k - 1 : rank], *hits[rank + 1 :]]
    return hits

"""Answer: the ranked sentences are read, a span chosen, and the decision made to give it or
to abstain.

The stages live in their own modules: :mod:`shanxi_qa.answer.rank` scores the sentences of the
retrieved chunks, :mod:`shanxi_qa.answer.read` runs the reader over the best of them,
:mod:`shanxi_qa.answer.decide` weighs the reader's span against its no-answer score and the
sentence's checks, and :mod:`shanxi_qa.answer.quote` proves the answer with the sentence holding it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from shanxi_qa.answer.checks import failed_checks
from shanxi_qa.answer.decide import (
    DECISION_FEATURES,
    Decision,
    decide,
    decision_weights,
    span_share,
)
from shanxi_qa.answer.quote import quote as make_quote
from shanxi_qa.answer.quote import span_quote
from shanxi_qa.answer.rank import Candidate, SentenceRanker
from shanxi_qa.answer.read import Passage, Reading, Span, SpanReader, shared_reader
from shanxi_qa.answer.spans import ALTERNATIVES, complete, given_in, spans_of_type
from shanxi_qa.index.embed import Vectors
from shanxi_qa.index.loaded import LoadedIndex
from shanxi_qa.language.dates import DATE
from shanxi_qa.language.numbers import NUMBER
from shanxi_qa.language.question import AnswerType, QuestionParse
from shanxi_qa.language.text import split_sentences
from shanxi_qa.records import Answer, Hit


@dataclass(frozen=True)
class AnswerConfig:
    """Answering settings, checked where they enter."""

    abstain_below: float | None = None  # None: the line fitted with the decision model
    passages: int = 3  # best-ranked sentences the reader reads
    neighbours: int = 1  # sentences each side of each, within its paragraph
    read: Literal["sentences", "chunks"] = "sentences"  # what a passage is built from
    ranking_weight: float = 1.0  # weight of log(ranker probability) beside the span score
    # Pass over spans the question already says ("Shanxi" for "... does Shanxi ...?").
    skip_given: bool = True
    # For a question asking a number or a date, pass over spans that hold none.
    typed_spans: bool = True
    # ... and narrow a span holding more than the value to the value ("14 kilometers long and
    # has 22" -> "14 kilometers").
    narrow: bool = True
    # Extend a number cut before "percent" over it ("3.3" -> "3.3 percent").
    complete: bool = True
    # Pass over spans that run from one sentence into the next.
    one_sentence: bool = True

    def __post_init__(self) -> None:
        if self.passages < 1 or self.neighbours < 0:
            raise ValueError(
                "passages must be at least 1 and neighbours at least 0. "
                f"Currently, passages is {self.passages} and neighbours is {self.neighbours}"
            )
        if self.abstain_below is not None and not 0.0 <= self.abstain_below <= 1.0:
            raise ValueError(
                "abstain_below must be within [0, 1]. "
                f"Currently, abstain_below is {self.abstain_below}"
            )


# Spans the reader proposes, before those the question already says are passed over.
READ_TOP = 16


# The sentence features the decision also looks at, taken from the sentence holding the span.
HOLDER_FEATURES = (
    "checks_failed",
    "dense",
    "sentence_coverage",
    "coverage",
    "names_missing",
    "numbers_missing",
)


def _span_text(span: Span, passages: list[Passage]) -> str:
    passage = passages[span.passage]
    return passage.text[span.start - passage.start : span.end - passage.start]


def of_asked_type(reading: Reading, passages: list[Passage], answer_type: AnswerType) -> Reading:
    """For a question that asks a number or a date, the reader's spans that hold one: "how
    many ...?" is not answered by "flying train". When no span holds one, all are kept and the
    decision weighs them."""
    pattern = {"number": NUMBER, "date": DATE}.get(answer_type)
    if pattern is None:
        return reading
    kept = [span for span in reading.spans if pattern.search(_span_text(span, passages))]
    return replace(reading, spans=kept) if kept else reading


def narrow(analysis: QuestionParse, text: str, start: int, end: int) -> tuple[int, int]:
    """For a question asking a number or a date, a span running on past its value into another
    ("14 kilometers long and has 22") cut to the value it starts with; a span with one value
    is kept whole ("about 400 people")."""
    if analysis.answer_type not in ("number", "date"):
        return start, end
    values = spans_of_type(analysis.answer_type, text[start:end], analysis.text)
    if len(values) >= 2 and values[0][0] == 0:
        return start + values[0][0], start + values[0][1]
    return start, end


def unsaid(reading: Reading, passages: list[Passage], question: str) -> Reading:
    """The reader's spans less those the question already says: an answer that only repeats
    the question's words is almost never right (0.7% of the SQuAD training answers), unless
    the question offers a choice ("a city or a county?"). When every span repeats the
    question, all are kept and the decision weighs them."""
    if ALTERNATIVES.search(question.lower()):
        return reading
    kept = [span for span in reading.spans if not given_in(_span_text(span, passages), question)]
    return replace(reading, spans=kept) if kept else reading


def not_repeated(
    reading: Reading, passages: list[Passage], said: tuple[str, int, int] | None
) -> Reading:
    """The reader's spans less those overlapping ``said``, the answer the conversation's last
    turn just gave (source, start, end): a follow-up asks for something else ("how wide are
    the pipes?" "6 meters"; "how long are they?" is not answered by "6 meters" again). When
    every span overlaps it, all are kept and the decision weighs them."""
    if said is None:
        return reading
    source, start, end = said
    kept = [
        span
        for span in reading.spans
        if not (passages[span.passage].source == source and span.start < end and start < span.end)
    ]
    return replace(reading, spans=kept) if kept else reading


def in_one_sentence(reading: Reading, passages: list[Passage]) -> Reading:
    """The reader's spans less those running from one sentence into the next ("the opening
    day of the conference. The report said that Shanxi"): a short answer lies within a
    sentence. When every span crosses, all are kept and the decision weighs them."""
    ends = [
        [passage.start + s.end for s in split_sentences(passage.text)][:-1] for passage in passages
    ]
    kept = [
        span
        for span in reading.spans
        if not any(span.start < end < span.end for end in ends[span.passage])
    ]
    return replace(reading, spans=kept) if kept else reading


class Answerer:
    """Turns retrieved chunks into an :class:`Answer` with verbatim quotes."""

    def __init__(
        self,
        index: LoadedIndex,
        config: AnswerConfig | None = None,
        reader: SpanReader | None = None,
    ) -> None:
        """``reader`` reads the passages (the trained reader by default, loaded by
        :meth:`warm_up` or the first question; a test passes a fake)."""
        self.index = index
        self.config = config or AnswerConfig()
        self.ranker = SentenceRanker(index)
        self._reader = reader

    def warm_up(self) -> None:
        """Load the reader model now rather than at the first question."""
        _ = self.reader

    @property
    def reader(self) -> SpanReader:
        if self._reader is None:
            self._reader = shared_reader()
        return self._reader

    def answer(
        self,
        analysis: QuestionParse,
        question_vector: Vectors,
        hits: list[Hit],
        question: str,
        said: tuple[str, int, int] | None = None,
    ) -> Answer:
        return self.explain(analysis, question_vector, hits, question, said)[0]

    def explain(
        self,
        analysis: QuestionParse,
        question_vector: Vectors,
        hits: list[Hit],
        question: str,
        said: tuple[str, int, int] | None = None,
    ) -> tuple[Answer, Decision | None]:
        """The answer and the decision behind it (None when nothing was retrieved). ``said``
        is where the answer just given in the conversation lies, for a follow-up: see
        :func:`not_repeated`."""
        candidates = self.ranker.candidates(analysis, question_vector, hits)
        if not candidates:
            empty = Answer(
                question=question, answer=None, abstained=True, confidence=0.0, quotes=[]
            )
            return empty, None
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        passages, seeds = self.passages(ranked)
        reading = self.reader.read(question, passages, top=READ_TOP)
        if self.config.skip_given:
            reading = unsaid(reading, passages, question)
        reading = not_repeated(reading, passages, said)
        if self.config.one_sentence:
            reading = in_one_sentence(reading, passages)
        if self.config.typed_spans:
            reading = of_asked_type(reading, passages, analysis.answer_type)
        if not reading.spans:
            best = ranked[0]
            document = self.index.documents[best.hit.chunk.source]
            quote = make_quote(document, best.start, best.end, best.score)
            features = dict.fromkeys(DECISION_FEATURES, 0.0)
            decision = Decision(features, 0.0)
            abstain = Answer(question, None, True, 0.0, [quote])
            return abstain, decision
        # The reader's score, with the ranker's belief in the sentence holding each span.
        scored = []
        for span in reading.spans:
            holder = self._holder(candidates, passages[span.passage].source, span.start)
            holder = holder or seeds[span.passage]
            weight = self.config.ranking_weight * math.log(max(holder.score, 1e-6))
            scored.append((span.score + weight, span, holder))
        _, span, holder = max(scored, key=lambda item: item[0])
        features = {
            "margin": span.score - span.null,
            "margin_least": span.score - reading.null,
            "span_share": span_share([s.score for s in reading.spans]),
            "ranking": holder.score,
            **{name: holder.features[name] for name in HOLDER_FEATURES},
        }
        document = self.index.documents[holder.hit.chunk.source]
        start, end = span.start, span.end
        if self.config.complete:
            start, end = complete(document.text, start, end)
        if self.config.narrow:
            start, end = narrow(analysis, document.text, start, end)
        text = document.text[start:end]
        decision = replace(decide(features), span=text)
        quote = span_quote(document, start, end, holder.score)
        confidence = round(decision.confidence, 3)
        below = self.config.abstain_below
        if below is None:
            below = decision_weights()["abstain_below"]
        checks = failed_checks(holder.features)
        if decision.confidence < below:
            return Answer(question, None, True, confidence, [quote], checks=checks), decision
        answered = Answer(
            question, text, False, confidence, [quote], answer_start=start, answer_end=end
        )
        answered.checks = checks
        return answered, decision

    def passages(self, ranked: list[Candidate]) -> tuple[list[Passage], list[Candidate]]:
        """What the reader reads: the best-ranked sentences, each with its neighbours in its
        paragraph, overlapping ones merged; with the candidate each passage was built around."""
        passages: list[Passage] = []
        seeds: list[Candidate] = []
        taken: list[tuple[str, int, int]] = []
        if self.config.read == "chunks":
            for candidate in ranked:
                chunk = candidate.hit.chunk
                if len(passages) == self.config.passages:
                    break
                if any(seed.hit.chunk.chunk_id == chunk.chunk_id for seed in seeds):
                    continue
                passages.append(Passage(chunk.source, chunk.start, chunk.text))
                seeds.append(candidate)
            return passages, seeds
        for candidate in ranked:
            if len(passages) == self.config.passages:
                break
            source = candidate.hit.chunk.source
            document = self.index.documents[source]
            block = document.blocks[document.paragraph_of(candidate.start) - 1]
            sentences = split_sentences(document.text, block.start, block.end)
            at = next(
                (i for i, s in enumerate(sentences) if s.start <= candidate.start < s.end), None
            )
            if at is None:
                start, end = candidate.start, candidate.end
            else:
                lo = max(0, at - self.config.neighbours)
                hi = min(len(sentences) - 1, at + self.config.neighbours)
                start, end = sentences[lo].start, sentences[hi].end
            if any(s == source and a <= candidate.start < b for s, a, b in taken):
                continue
            taken.append((source, start, end))
            passages.append(Passage(source, start, document.text[start:end]))
            seeds.append(candidate)
        return passages, seeds

    @staticmethod
    def _holder(candidates: list[Candidate], source: str, offset: int) -> Candidate | None:
        for candidate in candidates:
            if candidate.hit.chunk.source == source and candidate.start <= offset < candidate.end:
                return candidate
        return None

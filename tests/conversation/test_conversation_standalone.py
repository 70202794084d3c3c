"""Questions that stand on their own, asked one after another in one conversation: each is asked
with the three questions before it as ``history`` (as the batch CLI and the ``/ask`` API pass
them) and must get exactly the answer record it gets asked alone, read as asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from shanxi_qa.pipeline import Pipeline, PipelineConfig
from tests.conftest import SEED_DIR, FakeEncoder

HISTORY = 3


def _asked_in_turn(pipeline: Pipeline, questions: list[str]) -> None:
    for number, question in enumerate(questions):
        alone = pipeline.ask(question)
        history = questions[max(0, number - HISTORY) : number]
        within = pipeline.ask(question, history=history)
        assert within.resolved_question is None, (history, question)
        assert within.to_dict() == alone.to_dict(), (history, question)


# Each after questions about other things: a person, a count, a place, the document itself.
TRAM_QUESTIONS = [
    "Who is the mayor?",
    "Who wrote this article?",  # not "the article of the mayor"
    "How long is the tram line?",
    "How many electric buses does the city plan to buy?",
    "how many stops?",  # a count of its own, not of the buses
    "Where was the new ferry terminal built?",
    "When did Harbor City open its first tram line?",  # "its" is Harbor City's
    "How much did the ferry terminal cost?",  # unanswerable: an abstention either way
    "Who took the photo at Central Station?",
]


def test_standalone_questions_in_one_conversation_get_their_answers_alone(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    config = PipelineConfig(corpus_dir=tiny_corpus, index_dir=tmp_path / "index")
    pipeline = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)
    _asked_in_turn(pipeline, TRAM_QUESTIONS)


# Over the seed with the real model: the questions the chat misread, among others.
SEED_QUESTIONS = [
    "Who delivered the government work report?",
    "how many smart coal mines?",  # not "... was it that Jin Xiangjun delivered ..."
    "Who wrote the article?",
    "who else contributed to this story",  # not "the story of the article"
    "How many wind farms does Shanxi have?",
    "How much did the maglev test line cost?",  # not "how much wind farms ..."
    "Where is the huge solar farm?",
    "How many cargo trains had run between Shanxi and overseas destinations by the end of 2024?",
]


@pytest.mark.model
def test_standalone_seed_questions_in_one_conversation_get_their_answers_alone(
    seed_index: Path,
) -> None:
    pipeline = Pipeline(PipelineConfig(corpus_dir=SEED_DIR, index_dir=seed_index))
    _asked_in_turn(pipeline, SEED_QUESTIONS)

"""Follow-up questions: each kind of rewrite, on two-turn conversations of our own, asserting the
whole standalone question; then the pipeline with ``history`` on a tiny corpus (fake encoder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shanxi_qa.conversation.followup import resolve
from shanxi_qa.conversation.turn import Turn, prefer_passage
from shanxi_qa.evaluation.conversations import load_conversations
from shanxi_qa.pipeline import Pipeline, PipelineConfig, QuestionError
from shanxi_qa.records import Answer, Chunk, Hit, Quote
from tests.conftest import FakeEncoder

REPO_ROOT = Path(__file__).resolve().parents[2]

# (previous question, its short answer, the follow-up, the standalone question expected)
Case = tuple[str, str | None, str, str]

PRONOUNS: list[Case] = [
    (
        "How wide are the pipes of the vacuum tube?",
        "6 meters",
        "How long are they?",
        "How long are the pipes of the vacuum tube?",
    ),
    (
        "What is the maximum speed of the maglev?",
        "1,000 kilometers per hour",
        "When did it complete its first test?",
        "When did the maglev complete its first test?",
    ),
    (
        "Who delivered the government work report?",
        "Jin Xiangjun",
        "When did he deliver it?",
        "When did Jin Xiangjun deliver the government work report?",
    ),
    (
        "Which company opened the new ferry terminal?",
        "Eastbay Ferries",
        "How many boats does it run?",
        "How many boats does Eastbay Ferries run?",
    ),
    (
        "Who is Fu Lijing?",
        "a deputy to the congress",
        "Where does she work?",
        "Where does Fu Lijing work?",
    ),
    (
        "How many cargo trains ran between Shanxi and Europe by the end of 2024?",
        "874",
        "How many routes do they use?",
        "How many routes do the cargo trains use?",
    ),
    (
        "How many smart coal mines does Shanxi have?",
        "268",
        "How does it rank nationwide?",
        "How does Shanxi rank nationwide?",
    ),
    ("Where is the solar farm?", None, "How big is it?", "How big is the solar farm?"),
    (
        "What is the maglev train known as in the industry?",
        "flying train",
        "What is it designed to run inside?",  # a participle: "it" is the maglev train
        "What is the maglev train designed to run inside?",
    ),
    (
        "Where is Fechnology based?",
        "Shanghai",
        "What kind of company is it?",  # "kind of" names no thing of its own
        "What kind of company is Fechnology?",
    ),
    (
        "Where is the huge solar farm?",
        "Tianzhen",
        "What else was built there?",
        "What else was built in Tianzhen?",
    ),
]

POSSESSIVES: list[Case] = [
    (
        "What did the city build in the port district?",
        "a ferry terminal",
        "What is its purpose?",
        "What is the purpose of the ferry terminal?",
    ),
    (
        "Who is the mayor of Harbor City?",
        "Alan Smith",
        "What is his plan for buses?",
        "What is Alan Smith's plan for buses?",
    ),
    (
        "Which sectors make up the new three sectors?",
        "photovoltaics, batteries and new energy vehicles",
        "How much did their exports grow?",
        "How much did the exports of the new three sectors grow?",
    ),
    (
        "What policy framework has Shanxi created?",
        "one-plus-N",
        "What is its master plan?",
        "What is the master plan of the policy framework?",
    ),
]

DEMONSTRATIVES: list[Case] = [
    (
        "Which company was named in the Global Lighthouse Network list?",
        "Taiyuan Heavy Industry Transit Equipment",
        "What does this company make?",
        "What does Taiyuan Heavy Industry Transit Equipment make?",
    ),
    (
        "In which county was the test line completed?",
        "Yanggao county",
        "Which city is that county in?",
        "Which city is Yanggao county in?",
    ),
    (
        "How much will the government spend on rebuilding?",
        "1 trillion RMB",
        "How much is that in US dollars?",
        "How much is 1 trillion RMB in US dollars?",
    ),
]

WHAT_ABOUT: list[Case] = [
    (
        "How many 5G base stations did Shanxi have last year?",
        "108,000",
        "What about high-tech enterprises?",
        "How many high-tech enterprises did Shanxi have last year?",
    ),
    (
        "What GDP increase did the report project for 2025?",
        "about 5 percent",
        "And fixed asset investment?",
        "What fixed asset investment increase did the report project for 2025?",
    ),
    (
        "How many cities do the railway routes reach?",
        "48",
        "And how many countries?",
        "How many countries do the railway routes reach?",
    ),
    (
        "How many people did the earthquake leave homeless?",
        "4.8 million",
        "And how many were injured?",
        "How many people were injured?",
    ),
]

NEW_YEAR_OR_PLACE: list[Case] = [
    (
        "What was the transaction volume of green electricity in 2024?",
        "7.66 billion kilowatt-hours",
        "And in 2023?",
        "What was the transaction volume of green electricity in 2023?",
    ),
    (
        "How many cargo trains had run by the end of 2024?",
        "874",
        "And by the end of 2020?",
        "How many cargo trains had run by the end of 2020?",
    ),
    (
        "What happened at the test line in May 2021?",
        "the groundbreaking",
        "And in August?",
        "What happened at the test line in August?",
    ),
    (
        "What was the transaction volume of green electricity in 2024?",
        "7.66 billion",
        "And the year before?",
        "What was the transaction volume of green electricity in 2023?",
    ),
    (
        "What was the transaction volume of green electricity in 2024?",
        "7.66 billion",
        "What about the following year?",
        "What was the transaction volume of green electricity in 2025?",
    ),
    (
        "How many 5G base stations does Shanxi have?",
        "108,000",
        "What about Taiyuan?",
        "How many 5G base stations does Taiyuan have?",
    ),
    (
        "What share of energy in commercial buildings do HVAC systems use?",
        "30%",
        "And in residential buildings?",
        "What share of energy in residential buildings do HVAC systems use?",
    ),
]

WH_ELLIPSIS: list[Case] = [
    (
        "What share of power capacity should green electricity reach?",
        "more than 50 percent",
        "By when?",
        "By when should green electricity reach more than 50 percent?",
    ),
    (
        "Who delivered the government work report?",
        "Jin Xiangjun",
        "When?",
        "When was it that Jin Xiangjun delivered the government work report?",
    ),
    (
        "Which company was named in the lighthouse list?",
        "Taiyuan Heavy Industry Transit Equipment",
        "When?",
        "When was Taiyuan Heavy Industry Transit Equipment named in the lighthouse list?",
    ),
    (
        "When did the maglev complete a successful test?",
        "August",
        "Where?",
        "Where did the maglev complete a successful test in August?",
    ),
    (
        "When did the company join the network?",
        "Oct 8",
        "Why is that?",
        "Why did the company join the network on Oct 8?",
    ),
    (
        "What did the company join on Oct 8?",
        "the Global Lighthouse Network",
        "When did that happen?",
        "When did the company join the Global Lighthouse Network?",
    ),
]


@pytest.mark.parametrize(
    ("previous", "answer", "question", "expected"),
    PRONOUNS + POSSESSIVES + DEMONSTRATIVES + WHAT_ABOUT + NEW_YEAR_OR_PLACE + WH_ELLIPSIS,
)
def test_a_follow_up_is_rewritten_into_a_standalone_question(
    previous: str, answer: str | None, question: str, expected: str
) -> None:
    assert resolve(question, Turn(previous, answer)) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Where is the huge solar farm?",
        "How many cargo trains are there?",  # existential "there"
        "How does the report describe its goals?",  # "its" is the report's
        "How big is the solar farm and where is it?",  # "it" is the solar farm
        "What is the name of the factory that makes wheels?",  # a relative "that"
        "What did Jin Xiangjun say about the year?",
        "How long is the tram line?",
    ],
)
def test_a_question_that_stands_on_its_own_is_left_alone(question: str) -> None:
    previous = Turn("How many smart coal mines does Shanxi have?", "268")
    assert resolve(question, previous) is None


# (previous question, its short answer, a question with its own subject and content words)
STANDALONE_AFTER: list[tuple[str, str | None, str]] = [
    # A bare count names what it counts; the previous question asked for a person.
    (
        "Who delivered the government work report?",
        "Shanxi Governor Jin Xiangjun",
        "how many smart coal mines?",
    ),
    ("Who delivered the government work report?", "Jin Xiangjun", "And how many 5G stations?"),
    # It counts something of another kind than the previous count.
    ("How many cargo trains ran to Europe?", "874", "How many smart coal mines?"),
    # "this article", "this story": the document read, not the mayor or the article's author.
    ("Who is the mayor of Taiyuan?", "Zhang Xinwei", "who wrote this article?"),
    ("Who wrote the article?", "YUAN SHENGGAO", "Who else contributed to this story?"),
    ("Who delivered the government work report?", "Jin Xiangjun", "When was this report made?"),
    # "how much" with a subject of its own is not the previous count.
    ("How many wind farms does Shanxi have?", "100", "How much did the maglev test line cost?"),
    (
        "How many places did Shanxi's ranking rise?",
        "two",
        "By how much did the province climb in the league table?",
    ),
    # "it" points into the question's own main clause.
    (
        "When was the company commissioned?",
        "2019",
        "How did the engineers see the job when they got it?",
    ),
    # "it" anticipates the infinitive after it.
    ("Who is the mayor of Harbor City?", "Alan Smith", "How long does it take to ride the tram?"),
    ("Who is the mayor of Harbor City?", "Alan Smith", "Is it possible to buy tickets online?"),
    # "which X was it": the pronoun is the thing the wh-phrase names.
    (
        "In which city was the congress held?",
        "Taiyuan",
        "Which session of the 14th Congress was it?",
    ),
    ("In which city was the congress held?", "Taiyuan", "Which session of the congress was it?"),
]


@pytest.mark.parametrize(("previous", "answer", "question"), STANDALONE_AFTER)
def test_a_question_with_its_own_subject_is_not_read_as_a_follow_up(
    previous: str, answer: str | None, question: str
) -> None:
    assert resolve(question, Turn(previous, answer)) is None


def test_a_bare_count_is_a_follow_up_of_a_count_of_the_same_kind() -> None:
    cities = Turn("How many cities do the railway routes reach?", "48")
    assert (
        resolve("how many countries?", cities) == "how many countries do the railway routes reach?"
    )
    # After a preposition a wh-phrase is a part of a question, whatever it names.
    session = Turn("When did the third session conclude?", "Jan 21")
    assert (
        resolve("In which city?", session)
        == "In which city did the third session conclude on Jan 21?"
    )


def test_nothing_to_resolve_against_leaves_the_question_alone() -> None:
    assert resolve("How long are they?", None) is None
    assert resolve("And the year before?", Turn("Where is the solar farm?")) is None  # no year
    assert resolve("What is it?", Turn("What is it?")) is None


def test_an_abstained_turn_still_lends_its_question() -> None:
    turn = Turn.of(Answer("How wide are the pipes?", None, True, 0.2, [_quote("Some text.")]))
    assert (turn.question, turn.answer, turn.quote) == ("How wide are the pipes?", None, None)
    assert resolve("How long are they?", turn) == "How long are the pipes?"


def test_a_chain_of_follow_ups_reads_each_against_the_rewritten_one() -> None:
    first = Turn("How many smart coal mines did Shanxi have in 2024?", "268")
    second = resolve("And in 2023?", first)
    assert second == "How many smart coal mines did Shanxi have in 2023?"
    assert resolve("And the year before?", Turn(second)) == (
        "How many smart coal mines did Shanxi have in 2022?"
    )


def _quote(text: str, source: str = "corpus/a.txt", start: int = 0) -> Quote:
    return Quote(text, source, 1, start, start + len(text), 0.9, text, start)


def _hit(chunk_id: int, start: int, end: int, source: str = "corpus/a.txt") -> Hit:
    chunk = Chunk(chunk_id, source, chunk_id + 1, "body", start, end, "x", [], 1)
    return Hit(chunk, 1.0 / (chunk_id + 1))


def test_the_previous_passage_is_moved_into_the_chunks_read() -> None:
    hits = [_hit(i, i * 100, i * 100 + 100) for i in range(8)]
    previous = Turn("q", "a", "quote", "corpus/a.txt", 650)  # inside chunk 6
    moved = prefer_passage(hits, previous, top_k=3)
    assert [h.chunk.chunk_id for h in moved] == [0, 1, 6, 2, 3, 4, 5, 7]
    assert prefer_passage(hits, Turn("q", "a", "quote", "corpus/a.txt", 150), 3) == hits
    assert prefer_passage(hits, Turn("q"), 3) == hits


def test_the_subject_after_do_ends_before_its_verb() -> None:
    # "do [farmers] grow rice": the verb is not part of the subject, and the object after it
    # is a phrase a pronoun can point to.
    previous = Turn("Where do farmers grow rice?", "along the river")
    assert resolve("When do they harvest it?", previous) == "When do the farmers harvest the rice?"
    cars = Turn("Where do workers assemble new energy cars?", "in Jinzhong city")
    assert resolve("How many do they make a year?", cars) == "How many do the workers make a year?"
    # No singular phrase to point to: the question is taken as it stands, not rewritten into
    # "Which city is the workers assemble new energy in?".
    assert resolve("Which city is it in?", cars) is None


def test_the_answer_just_given_is_located_in_its_document() -> None:
    quote = "Pipes each with a diameter of 6 meters and a length of 21 meters."
    at = 400 + quote.index("6 meters")
    turn = Turn("How wide are the pipes?", "6 meters", quote, "corpus/a.txt", 400, at, at + 8)
    assert turn.answered_at() == ("corpus/a.txt", at, at + len("6 meters"))
    # An abstention, or an answer the quote does not hold, lies nowhere.
    assert Turn("How wide are the pipes?").answered_at() is None
    assert Turn("q", "7 meters", quote, "corpus/a.txt", 400).answered_at() is None


# ---------------------------------------------------------------------------------------
# Through the pipeline, on the tiny corpus with the fake encoder


@pytest.fixture
def pipeline(tiny_corpus: Path, tmp_path: Path) -> Pipeline:
    config = PipelineConfig(corpus_dir=tiny_corpus, index_dir=tmp_path / "index")
    return Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)


def test_history_questions_are_answered_again_and_the_follow_up_resolved(
    pipeline: Pipeline,
) -> None:
    answer = pipeline.ask("How many stops does it have?", history=["How long is the tram line?"])
    assert answer.question == "How many stops does it have?"
    assert answer.resolved_question == "How many stops does the tram line have?"
    assert answer.quotes and "22 stops" in answer.quotes[0].text
    assert answer.to_dict()["resolved_question"] == answer.resolved_question


def test_history_answer_records_are_used_as_they_are(pipeline: Pipeline) -> None:
    first = pipeline.ask("Who is the mayor?")
    answer = pipeline.ask("How many electric buses does he plan to buy?", history=[first])
    assert answer.resolved_question == "How many electric buses does Alan Smith plan to buy?"
    assert answer.answer == "40"


def test_a_standalone_question_in_a_conversation_is_taken_as_it_stands(
    pipeline: Pipeline,
) -> None:
    alone = pipeline.ask("How long is the tram line?")
    within = pipeline.ask("How long is the tram line?", history=["Who is the mayor?"])
    assert within.resolved_question is None
    assert within.to_dict() == alone.to_dict()


def test_bad_history_is_a_question_error(pipeline: Pipeline) -> None:
    with pytest.raises(QuestionError, match="earlier question 2: the question is empty"):
        pipeline.ask("How long is it?", history=["Who is the mayor?", "  "])
    with pytest.raises(QuestionError, match="list of earlier questions"):
        pipeline.ask("How long is it?", history="Who is the mayor?")  # type: ignore[arg-type]


def test_the_conversation_set_has_thirty_conversations_over_the_seed() -> None:
    conversations = load_conversations(REPO_ROOT / "eval" / "conversations.jsonl")
    seed = [c for c in conversations if c.corpus == "seed"]
    assert len(seed) >= 30
    assert all(2 <= len(c.turns) <= 3 for c in conversations)
    assert any(len(c.turns) == 3 for c in seed)
    assert len({c.id for c in conversations}) == len(conversations)


def test_the_answer_is_placed_by_its_own_offsets_not_by_searching_the_quote() -> None:
    # "22" twice in the quote: the answer is the second one, which quote.find would miss.
    quote = "The line has 22 stops and 22 trams."
    second = 100 + quote.rindex("22")
    turn = Turn("How many trams?", "22", quote, "corpus/a.txt", 100, second, second + 2)
    assert turn.answered_at() == ("corpus/a.txt", second, second + 2)
    # Offsets outside the quote, or none: nothing to point to.
    assert Turn("q", "22", quote, "corpus/a.txt", 100, 10, 12).answered_at() is None
    assert Turn("q", "22", quote, "corpus/a.txt", 100).answered_at() is None


def test_a_trace_says_what_led_to_the_answer(pipeline: Pipeline) -> None:
    trace = pipeline.run("How long is the tram line?")
    assert trace.answer == pipeline.ask("How long is the tram line?")
    assert trace.hits and trace.hits[0].chunk.source == "corpus/tram.txt"
    assert trace.decision is not None
    assert trace.decision.confidence == pytest.approx(trace.answer.confidence, abs=5e-4)
    assert trace.resolved_question is None
    assert set(trace.timings) == {"analyse", "retrieve", "answer"}
    assert all(seconds >= 0 for seconds in trace.timings.values())


def test_a_conversation_of_strings_answers_each_question_once(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = [
        "How long is the tram line?",
        "How many stops does it have?",
        "Who is the mayor?",
        "How many electric buses will the city buy?",
    ]
    alone = [pipeline.ask(q, history=questions[:n]) for n, q in enumerate(questions)]
    fresh = Pipeline(pipeline.config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)
    answered: list[str] = []
    explain = fresh.answerer.explain

    def counting(*args: Any, **kwargs: Any) -> Any:
        answered.append(kwargs["question"])
        return explain(*args, **kwargs)

    monkeypatch.setattr(fresh.answerer, "explain", counting)
    again = [fresh.ask(q, history=questions[:n]) for n, q in enumerate(questions)]
    assert again == alone  # the same answers as before
    assert len(answered) == len(questions)  # and each question answered once


class _FirstWordsReader:
    """A fake reader: proposes the first two words of the first passage, and counts calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.proposed = ""

    def read(self, question: str, passages: list[Any], top: int = 8) -> Any:
        from shanxi_qa.answer.read import Reading, Span

        self.calls += 1
        first = passages[0]
        self.proposed = " ".join(first.text.split()[:2])
        end = first.start + len(self.proposed)
        return Reading([Span(0, first.start, end, score=9.0, null=-9.0)], null=-9.0)


def test_the_answerer_reads_with_the_reader_it_is_given(tiny_corpus: Path, tmp_path: Path) -> None:
    config = PipelineConfig(corpus_dir=tiny_corpus, index_dir=tmp_path / "index")
    reader = _FirstWordsReader()
    pipeline = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder, reader=reader)
    trace = pipeline.run("Who is the mayor?")
    assert reader.calls == 1
    assert pipeline.answerer.reader is reader  # the trained model was never loaded for it
    assert trace.answer.answer == reader.proposed == "The city"
    document = pipeline.index.documents[trace.answer.quotes[0].source]
    start, end = trace.answer.answer_start, trace.answer.answer_end
    assert start is not None and end is not None
    assert document.text[start:end] == "The city"

"""The pipeline end to end on a tiny corpus, with the fake encoder (no model, no torch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shanxi_qa.pipeline import Pipeline, PipelineConfig, QuestionError, clean_question
from tests.conftest import FakeEncoder


@pytest.fixture
def pipeline(tiny_corpus: Path, tmp_path: Path) -> Pipeline:
    config = PipelineConfig(corpus_dir=tiny_corpus, index_dir=tmp_path / "index")
    return Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)


@pytest.mark.parametrize(
    ("question", "answer", "quote"),
    [
        (
            "How long is the tram line?",
            "14 kilometers",
            "The line is 14 kilometers long and has 22 stops.",
        ),
        (
            "When did Harbor City open its first tram line?",
            "March 3",
            "Harbor City opened its first tram line on March 3, the transport bureau said.",
        ),
        (
            "How many electric buses will the city buy?",
            "40",
            "The city plans to buy 40 electric buses by the end of 2026, according to Mayor Alan Smith.",
        ),
        (
            "Who is the mayor?",
            "Alan Smith",
            "The city plans to buy 40 electric buses by the end of 2026, according to Mayor Alan Smith.",
        ),
        # The reader's own span: it stops before "on the bridge" (SQuAD F1 0.67 against the
        # whole clause), and names the place without "the port district of".
        (
            "Why was the ferry terminal built?",
            "to reduce traffic",
            "A new ferry terminal was built in the port district of Eastbay to reduce traffic on the bridge.",
        ),
        ("Where was the new ferry terminal built?", "Eastbay", None),
        ("Who took the photo of the tram?", "JOHN DOE", None),
    ],
)
def test_answers_are_short_spans_of_verbatim_quotes(
    pipeline: Pipeline, question: str, answer: str, quote: str | None
) -> None:
    result = pipeline.ask(question)
    assert (result.answer, result.abstained) == (answer, False)
    top = result.quotes[0]
    document = pipeline.document(top.source)
    assert document.text[top.start : top.end] == top.text
    assert top.context[top.start - top.context_start : top.end - top.context_start] == top.text
    assert result.answer in top.text
    if quote is not None:
        assert top.text == quote


def test_answer_record_is_the_json_contract(pipeline: Pipeline) -> None:
    record = pipeline.ask("How long is the tram line?").to_dict()
    assert set(record) == {
        "question",
        "answer",
        "abstained",
        "confidence",
        "quotes",
        "resolved_question",
        "answer_start",
        "answer_end",
        "checks",
        "certainty",
    }
    assert record["resolved_question"] is None
    if not record["abstained"]:
        # The short answer's own offsets, into the cleaned text of the first quote's document.
        text = pipeline.document(record["quotes"][0]["source"]).text
        assert text[record["answer_start"] : record["answer_end"]] == record["answer"]
    assert record["certainty"] in ("sure", "likely", "unsure")
    assert set(record["quotes"][0]) == {
        "text",
        "source",
        "paragraph",
        "start",
        "end",
        "score",
        "context",
        "context_start",
        "page",
    }
    assert record["quotes"][0]["source"] == "corpus/tram.txt"
    assert record["quotes"][0]["page"] is None  # a text file has no pages
    assert record["quotes"][0]["paragraph"] == 3  # headline, byline, then this paragraph
    assert 0.0 <= record["confidence"] <= 1.0


def test_a_question_with_a_year_the_text_lacks_is_not_answered(pipeline: Pipeline) -> None:
    result = pipeline.ask("How many electric buses will the city buy by 2031?")
    assert result.abstained and result.answer is None
    assert result.quotes  # the closest passage is still shown


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "the question is empty"),
        ("  \t\n ", "the question is empty"),
        ("x" * 60_000, "the question is 60,000 characters long; the limit is 1,000"),
    ],
)
def test_bad_questions_are_refused_with_a_clear_message(question: str, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        clean_question(question)


def test_control_characters_become_spaces() -> None:
    assert clean_question("how\x00 many\x1b trams?\u200b") == "how many trams?\u200b"


def test_retrieval_modes_all_find_the_passage(pipeline: Pipeline) -> None:
    for mode in ("bm25", "dense", "hybrid"):
        hits = pipeline.retrieve("electric buses mayor", mode=mode, top_k=2)
        assert "electric buses" in hits[0].chunk.text, mode


def test_unchanged_corpus_reuses_the_index_and_a_change_rebuilds_it(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    config = PipelineConfig(corpus_dir=tiny_corpus, index_dir=tmp_path / "index")
    first = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder).index.path
    again = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder).index.path
    assert again == first
    (tiny_corpus / "extra.md").write_text("The zoo opened a new penguin house in May.\n")
    rebuilt = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)
    assert rebuilt.index.path != first
    assert set(rebuilt.index.documents) == {"corpus/tram.txt", "corpus/extra.md"}


def test_the_speaker_of_a_quote_may_be_named_sentences_before(pipeline: Pipeline) -> None:
    from shanxi_qa.language.question import parse_question

    analysis = parse_question("what did the trial prove, according to Okafor")
    before = "Chief engineer Ben Okafor led the build. Work began in May."

    def names_missing(sentence: str, antecedent: str) -> float:
        features = pipeline.answerer.ranker.features(
            analysis,
            sentence,
            sentence,
            set(),
            0.5,
            previous="Work began in May.",
            antecedent=antecedent,
        )
        return features["names_missing"]

    # "he added" points back to Okafor, named two sentences earlier.
    assert names_missing('"The trial proved we can do it," he added.', before) == 0.0
    assert names_missing('"The trial proved we can do it," he added.', "") == 1.0
    # A sentence that does not point back does not borrow names from before it.
    assert names_missing("The trial proved the design works.", before) == 1.0


def test_the_company_points_back_to_the_company_named_before(pipeline: Pipeline) -> None:
    from shanxi_qa.language.question import parse_question

    analysis = parse_question("Where has Volta Motors won praise?")

    def names_missing(sentence: str) -> float:
        features = pipeline.answerer.ranker.features(
            analysis, sentence, sentence, set(), 0.5, previous="Volta Motors builds trams."
        )
        return features["names_missing"]

    assert names_missing("The company has won praise at home and abroad.") == 0.0
    assert names_missing("Trams have won praise at home and abroad.") == 2.0


def test_a_loose_synonym_does_not_stand_in_for_the_thing_asked_about(pipeline: Pipeline) -> None:
    from dataclasses import replace

    from shanxi_qa.answer.checks import failed_checks
    from shanxi_qa.language.question import parse_question

    sentence = "The report was delivered by Governor Ann Lee."
    analysis = parse_question("Who is the mayor of the city?")

    def checks(similarity: float) -> list[str]:
        loose = replace(analysis, expansions={"mayor": (("mayor", 1.0), ("governor", similarity))})
        return failed_checks(
            pipeline.answerer.ranker.features(loose, sentence, sentence, set(), 0.5)
        )

    assert "the thing asked about is absent" in checks(0.65)  # a governor is no mayor
    assert "the thing asked about is absent" not in checks(0.9)


def test_a_quotation_shares_the_relevance_of_the_chunk_naming_its_speaker(
    tmp_path: Path,
) -> None:
    from shanxi_qa.records import Hit

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "talk.txt").write_text(
        "Jo Lin, a deputy from Harbor City who has worked on transport for many years, spoke at"
        " the session on Monday about the trams, the buses and the ferries of the region.\n\n"
        '"We want more trams in the villages, a night service on every line, and fares that'
        ' families with small children and older people can easily afford," she said.\n\n'
        "The session ended on Friday after four long days of debate in the great hall of Harbor"
        " Hall, with a vote on the budget for the coming year and a short closing speech.\n",
        encoding="utf-8",
    )
    config = PipelineConfig(corpus_dir=corpus, index_dir=tmp_path / "index")
    pipeline = Pipeline(config, encoder=FakeEncoder(), encoder_factory=FakeEncoder)
    analysis, vector = pipeline.analyse("what does jo lin want")
    chunks = pipeline.index.chunks
    assert len(chunks) == 3
    hits = [Hit(chunks[0], 1.0), Hit(chunks[1], 0.5), Hit(chunks[2], 0.4)]
    retrieval = {
        pipeline.index.documents[c.hit.chunk.source].text[c.start : c.end][:12]: c.features[
            "retrieval"
        ]
        for c in pipeline.answerer.ranker.candidates(analysis, vector, hits)
    }
    # The quotation takes the score of the chunk before it; a sentence that does not point
    # back keeps its own.
    assert retrieval == {"Jo Lin, a de": 1.0, '"We want mor': 1.0, "The session ": 0.4}


def test_a_naming_question_looks_for_a_sentence_that_gives_a_name(pipeline: Pipeline) -> None:
    from shanxi_qa.language.question import parse_question

    def name_given(question: str, sentence: str) -> float:
        features = pipeline.answerer.ranker.features(
            parse_question(question), sentence, sentence, set(), 0.5
        )
        return features["name_given"]

    named = "The tram, known as the Green Snake, opened in May."
    assert name_given("What do locals call the tram?", named) == 1.0
    assert name_given("What do locals call the tram?", "The tram opened in May.") == 0.0
    assert name_given("When did the tram open?", named) == 0.0  # not a naming question


def test_he_said_makes_the_named_speaker_the_subject_of_a_quotation(pipeline: Pipeline) -> None:
    from shanxi_qa.language.question import parse_question

    analysis = parse_question("What does Jo Lin hope for?")
    previous = "Jo Lin, a deputy, spoke on Monday."

    def coverage(sentence: str) -> float:
        features = pipeline.answerer.ranker.features(
            analysis, sentence, sentence, set(), 0.5, previous=previous
        )
        return features["sentence_coverage"]

    # The speaker's name counts fully for "... she said", partly for a sentence that
    # merely refers back.
    said = coverage('"I hope for more trams," she said.')
    referred = coverage("It hopes for more trams.")
    assert said > referred


def test_where_is_it_based_needs_a_place_not_the_word_based(pipeline: Pipeline) -> None:
    from shanxi_qa.answer.checks import failed_checks
    from shanxi_qa.language.question import parse_question

    def checks(question: str, sentence: str) -> list[str]:
        analysis = parse_question(question)
        features = pipeline.answerer.ranker.features(analysis, sentence, sentence, set(), 0.5)
        return failed_checks(features)

    assert (
        checks("Where is Volta Motors based?", "Volta Motors, a tram maker in Harbor City.") == []
    )
    assert checks("When did the Volta Motors merger happen?", "Volta Motors merged in 2019.") == []
    # A verb that says what happened still has to be there.
    assert checks("When was Volta Motors founded?", "Volta Motors, a tram maker in 2019.") == [
        "only the names of the question are in the sentence"
    ]


def test_a_year_the_question_insists_on_must_be_in_the_sentences_own_paragraph(
    pipeline: Pipeline,
) -> None:
    from shanxi_qa.language.question import parse_question

    analysis = parse_question("What share of power was green in 2024?")
    sentence = "Green power should reach 50 percent of power this year."
    neighbour = "Trade grew in 2024. "

    def numbers_missing(paragraph: str) -> float:
        features = pipeline.answerer.ranker.features(
            analysis, sentence, neighbour + sentence, set(), 0.5, paragraph=paragraph
        )
        return features["numbers_missing"]

    # The chunk holds 2024, but only in the paragraph before.
    assert numbers_missing(sentence) == 1.0
    assert numbers_missing("In 2024, the plan was set. " + sentence) == 0.0

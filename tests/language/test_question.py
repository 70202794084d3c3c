import pytest

from shanxi_qa.language.question import parse_question


@pytest.mark.parametrize(
    ("question", "answer_type", "focus"),
    [
        ("How many electric buses will the city buy?", "number", ("electric", "bus")),
        ("how much did the bridge cost", "number", ()),
        ("What was the city's total budget in 2023?", "number", ("city", "total", "budget")),
        ("When did the tram line open?", "date", ()),
        ("In which year was the port built?", "date", ()),  # "year" names the type
        ("Who is the mayor of Harbor City?", "person", ("mayor",)),
        ("Who is Alan Smith", "other", ("alan", "smith")),  # a description, not a name
        ("Where was the ferry terminal built?", "place", ()),
        ("Where does the city rank nationally?", "other", ()),
        ("Which company built the trams?", "organisation", ()),
        ("Why was the terminal built?", "reason", ()),
        ("what do locals call the tram", "other", ()),  # wh-word then a verb: no focus
        ("What kind of buses will the city buy?", "other", ("bus",)),  # the kind of buses
    ],
)
def test_answer_type_and_focus(question: str, answer_type: str, focus: tuple[str, ...]) -> None:
    analysis = parse_question(question)
    assert (analysis.answer_type, analysis.focus) == (answer_type, focus)


def test_numbers_and_names_the_question_insists_on() -> None:
    analysis = parse_question("How many trams did Harbor City run in 2019?")
    assert analysis.numbers == ("2019",)
    assert analysis.names == ("harbor", "city")
    assert analysis.focus_strict


def test_terms_are_stemmed_once_each() -> None:
    analysis = parse_question("Which mines and mining towns?")
    assert analysis.terms == ("min", "town")
    assert analysis.content_words == ("mines", "towns")


@pytest.mark.parametrize(
    ("question", "answer_type", "focus"),
    [
        ("how thick is the ice on the lake", "number", ()),
        ("How heavy is the new bell?", "number", ()),
        ("Which 16 countries does the line reach?", "place", ("country",)),
        ("length of the harbor bridge", "number", ("length",)),  # a keyword query: head before "of"
        ("harbor bridge length", "number", ("length",)),
    ],
)
def test_more_question_forms(question: str, answer_type: str, focus: tuple[str, ...]) -> None:
    analysis = parse_question(question)
    assert (analysis.answer_type, analysis.focus) == (answer_type, focus)


def test_ordinals_past_the_first_are_insisted_on() -> None:
    assert parse_question("When will the second phase open?").numbers == ("second",)
    assert parse_question("When did the first tram run?").numbers == ()
    assert parse_question("Which city is third in 2023?").numbers == ("2023", "third")


def test_months_are_dates_not_names() -> None:
    assert parse_question("How fast did sales grow Jan-Nov in Harbor City?").names == (
        "harbor",
        "city",
    )


def test_a_goal_for_something_is_a_target_not_a_purpose() -> None:
    assert parse_question("What is the goal for budget growth this year?").answer_type != "reason"
    assert parse_question("What is the goal of the new plan?").answer_type == "reason"


def test_a_noun_naming_the_answer_type_is_not_the_focus() -> None:
    # The sentence names the carmaker ("Volta Motors"); it need not say "carmaker".
    analysis = parse_question("Which carmaker's plant is shown?")
    assert (analysis.answer_type, analysis.focus) == ("organisation", ())


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        ("harbor bridge toll revenue", "number"),  # a measure: a quantity is wanted
        ("population of harbor city", "number"),
        ("harbor bridge opening date", "date"),  # the noun names the kind of answer
        ("tram line builder company", "organisation"),
        ("mayor job title", "other"),
    ],
)
def test_a_keyword_query_ending_in_a_measure_or_a_type_noun_asks_for_it(
    question: str, answer_type: str
) -> None:
    analysis = parse_question(question)
    assert analysis.answer_type == answer_type
    if answer_type in ("date", "organisation"):
        assert analysis.focus == ()  # a sentence need not say "date" to give one


@pytest.mark.parametrize(
    ("question", "answer_type", "focus"),
    [
        # "speed" is no past participle; a count is not part of what is asked about.
        ("What is the top speed of the tram?", "number", ("top", "spe")),
        ("Which two bridges are the longest?", "other", ("bridg",)),
        # An adjective in -ed goes on; a verb before "the" ends the phrase.
        ("How many small, specialized firms are there?", "number", ("small", "specializ", "firm")),
        ("which agency co-launched the scheme", "other", ("agency",)),
        # A number noun after a numeral is given, not asked for; "what" is the subject of a
        # verb, so no phrase is asked about.
        ("What grew 3.3 percent last year?", "other", ()),
        # A question that does not open with its wh-word is read from it.
        ("In 2019, which tram line grew fastest?", "other", ("tram", "lin")),
        # "the name of the plan" asks about the plan.
        ("What is the name of the city's tram plan?", "other", ("city", "tram", "plan")),
        # "Who are the clinics meant to serve?" does not ask who the clinics are.
        ("Who are the clinics built by the city meant to serve?", "person", ()),
        ("Who is the mayor of Harbor City?", "person", ("mayor",)),
    ],
)
def test_the_focus_phrase(question: str, answer_type: str, focus: tuple[str, ...]) -> None:
    analysis = parse_question(question)
    assert (analysis.answer_type, analysis.focus) == (answer_type, focus)


def test_synonyms_come_from_close_corpus_words_but_names_have_none() -> None:
    import numpy as np

    from shanxi_qa.language.match import expand_terms

    vocabulary = ["smart", "mines", "eastbay", "kettle"]
    vectors = np.array(
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.6, 0.0, 0.8]], dtype=np.float32
    )
    analysis = parse_question("How many intelligent mines does Westbay run?")
    word_vectors = {
        "intelligent": np.array([0.9, 0.0, 0.436], dtype=np.float32),  # close to "smart"
        "mines": vectors[1],
        "westbay": vectors[2],  # as close to "eastbay" as can be, but a name
    }
    expansions = expand_terms(analysis, vocabulary, vectors, word_vectors)
    assert expansions["intelligent"] == (("intelligent", 1.0), ("smart", 0.9), ("kettl", 0.889))
    assert expansions["westbay"] == (("westbay", 1.0),)


def test_a_lower_case_question_names_what_the_corpus_writes_as_names() -> None:
    from shanxi_qa.language.match import with_corpus_names

    analysis = with_corpus_names(
        parse_question("what does jo lin hope for in may"), frozenset({"jo", "lin", "may"})
    )
    assert analysis.names == ("jo", "lin")  # a month is a date, not a name


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        ("What did the crew fear when they started the tunnel?", "other"),
        ("Which two figures showed how far the port had grown?", "other"),
        ("Who ran the city when the bridge opened?", "person"),
        ("What did the mayor say about why fares rose?", "other"),
        ("When did the crew start the tunnel?", "date"),
        ("In what year did the port open?", "date"),
        ("How young are the pupils?", "number"),
        ("How soon will the line open?", "date"),
        ("How well does the port compare?", "other"),
    ],
)
def test_a_later_wh_word_sets_no_type_and_how_adjectives_ask_for_measures(
    question: str, answer_type: str
) -> None:
    assert parse_question(question).answer_type == answer_type


def test_a_target_or_forecast_is_the_standing_of_a_figure_not_what_it_measures() -> None:
    analysis = parse_question("What ridership growth target did the city set?")
    assert (analysis.answer_type, analysis.focus) == ("number", ("ridership", "growth"))
    assert parse_question("What were the trams worth in dollars?").answer_type == "number"
    # "worth mentioning" is no value.
    assert parse_question("What is worth mentioning about the trams?").answer_type == "other"


def test_a_quantity_no_unit_tells_apart_stays_the_focus() -> None:
    analysis = parse_question("What is the population of Harbor City?")
    assert (analysis.answer_type, analysis.focus) == ("number", ("population",))
    analysis = parse_question("What was the city's tram revenue in 2023?")
    assert (analysis.answer_type, analysis.focus[-1]) == ("number", "revenu")
    # A speed is told by its unit, so the sentence need not say "speed".
    assert parse_question("What is the speed of the tram?").focus == ()

def test_spans_the_question_already_says_are_passed_over() -> None:
    from shanxi_qa.answer.answerer import unsaid
    from shanxi_qa.answer.read import Passage, Reading, Span

    text = "Harbor City opened the Green Line in May. Harbor City is in Eastbay county."
    passages = [Passage("doc.txt", 100, text)]

    def span(phrase: str, score: float) -> Span:
        at = 100 + text.index(phrase)
        return Span(passage=0, start=at, end=at + len(phrase), score=score, null=0.0)

    reading = Reading(spans=[span("Harbor City", 9.0), span("May", 7.0)], null=1.0)
    # "Harbor City" is the question's own subject: the next span answers.
    assert unsaid(reading, passages, "When did Harbor City open the Green Line?") == Reading(
        spans=[span("May", 7.0)], null=1.0
    )
    # A question offering a choice is answered by one of its own words.
    choice = Reading(spans=[span("county", 9.0)], null=1.0)
    assert unsaid(choice, passages, "Is Eastbay a city or a county?") == choice
    # Every span repeats the question: all are kept, for the decision to weigh.
    said = Reading(spans=[span("Harbor City", 9.0)], null=1.0)
    assert unsaid(said, passages, "What did Harbor City open?") == said


def test_a_number_question_passes_over_spans_without_a_number() -> None:
    from shanxi_qa.answer.answerer import of_asked_type
    from shanxi_qa.answer.read import Passage, Reading, Span

    text = "The flying train reached a top speed of 1,000 kilometers per hour in May 2024."
    passages = [Passage("doc.txt", 0, text)]

    def span(phrase: str, score: float) -> Span:
        at = text.index(phrase)
        return Span(passage=0, start=at, end=at + len(phrase), score=score, null=0.0)

    reading = Reading(spans=[span("flying train", 9.0), span("1,000 kilometers", 7.0)], null=1.0)
    assert of_asked_type(reading, passages, "number").spans == [span("1,000 kilometers", 7.0)]
    dated = Reading(spans=[span("flying train", 9.0), span("May 2024", 5.0)], null=1.0)
    assert of_asked_type(dated, passages, "date").spans == [span("May 2024", 5.0)]
    # Other types are left to the reader; so is a reading with no span of the type.
    assert of_asked_type(reading, passages, "other") == reading
    bare = Reading(spans=[span("flying train", 9.0)], null=1.0)
    assert of_asked_type(bare, passages, "number") == bare


def test_a_number_span_running_into_another_value_is_cut_to_the_first() -> None:
    from shanxi_qa.answer.answerer import narrow
    from shanxi_qa.language.question import parse_question

    text = "The line is 14 kilometers long and has 22 stops, about 400 people said."
    long_span = (text.index("14"), text.index(" stops"))
    assert narrow(parse_question("How long is the tram line?"), text, *long_span) == (
        text.index("14"),
        text.index(" long"),
    )
    # One value: the span is kept whole, words around the number and all.
    one = (text.index("about"), text.index(" said"))
    assert narrow(parse_question("How many people said so?"), text, *one) == one
    # Not a number question: nothing is cut.
    assert narrow(parse_question("What does the line have?"), text, *long_span) == long_span


def test_a_follow_up_passes_over_the_answer_just_given() -> None:
    from shanxi_qa.answer.answerer import not_repeated
    from shanxi_qa.answer.read import Passage, Reading, Span

    text = "The pipes have a diameter of 6 meters and a length of 21 meters."
    passages = [Passage("doc.txt", 50, text)]

    def span(phrase: str, score: float) -> Span:
        at = 50 + text.index(phrase)
        return Span(passage=0, start=at, end=at + len(phrase), score=score, null=0.0)

    reading = Reading(spans=[span("6 meters", 9.0), span("21 meters", 7.0)], null=1.0)
    given = 50 + text.index("6 meters")
    # "How wide are the pipes?" "6 meters"; "How long are they?" asks for something else.
    assert not_repeated(reading, passages, ("doc.txt", given, given + 8)).spans == [
        span("21 meters", 7.0)
    ]
    # A span overlapping the answer given is passed over too ("a diameter of 6").
    wider = Reading(spans=[span("diameter of 6", 9.0), span("21 meters", 7.0)], null=1.0)
    assert not_repeated(wider, passages, ("doc.txt", given, given + 8)).spans == [
        span("21 meters", 7.0)
    ]
    # The same offsets in another document, no answer given, or nothing else to give.
    assert not_repeated(reading, passages, ("other.txt", given, given + 8)) == reading
    assert not_repeated(reading, passages, None) == reading
    only = Reading(spans=[span("6 meters", 9.0)], null=1.0)
    assert not_repeated(only, passages, ("doc.txt", given, given + 8)) == only


def test_spans_running_into_the_next_sentence_are_passed_over() -> None:
    from shanxi_qa.answer.answerer import in_one_sentence
    from shanxi_qa.answer.read import Passage, Reading, Span

    text = "It was delivered on Jan 17, the opening day. Dr. Li said the report was long."
    passages = [Passage("doc.txt", 10, text)]

    def span(phrase: str, score: float) -> Span:
        at = 10 + text.index(phrase)
        return Span(passage=0, start=at, end=at + len(phrase), score=score, null=0.0)

    crossing = span("the opening day. Dr. Li", 9.0)
    reading = Reading(spans=[crossing, span("Jan 17", 7.0), span("Dr. Li", 5.0)], null=1.0)
    # "Dr." ends no sentence: "Dr. Li" is kept, the span across "day. Dr." is not.
    assert in_one_sentence(reading, passages).spans == [span("Jan 17", 7.0), span("Dr. Li", 5.0)]
    only = Reading(spans=[crossing], null=1.0)
    assert in_one_sentence(only, passages) == only

def test_spans_the_question_already_says_are_passed_over() -> None:
    from shanxi_qa.answer import unsaid
    from shanxi_qa.read import Passage, Reading, Span

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

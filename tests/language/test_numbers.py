from __future__ import annotations

from shanxi_qa.language.numbers import NUMBER, ORDINALS, insisted_ordinals, is_count, numerals


def test_quantities_in_a_sentence_with_hedge_currency_and_scale() -> None:
    sentence = "It cost about $2.5 billion, twofold the 1,200 planned, and ranks third."
    assert [m.group() for m in NUMBER.finditer(sentence)] == [
        "about $2.5 billion",
        "twofold",
        "1,200",
        "third",
    ]


def test_what_a_question_insists_on() -> None:
    question = "When will the second phase of the 3.3 km line open in 2026?"
    assert numerals(question) == ["3.3", "2026"]
    assert insisted_ordinals(question) == ["second"]
    assert insisted_ordinals("When did the first tram run?") == []
    assert ORDINALS["tenth"] == 10 and "first" not in ORDINALS
    assert [is_count(w) for w in ("three", "16", "5g", "tram")] == [True, True, False, False]

from __future__ import annotations

from shanxi_qa.language.dates import (
    DATE,
    MONTH_DAY,
    date_spans,
    is_date,
    is_month_day,
    is_year,
)
from shanxi_qa.language.phrases import tokens_of


def test_dates_in_a_sentence_are_character_spans() -> None:
    sentence = "It opened on Jan 17, 2024, grew in the 1990s and will close by the end of 2030."
    assert [m.group() for m in DATE.finditer(sentence)] == [
        "Jan 17, 2024",
        "1990s",
        "the end of 2030",
    ]
    assert [m.group() for m in DATE.finditer("Sales rose this year and in Sept. 2023")] == [
        "this year",
        "Sept. 2023",
    ]


def test_dates_among_a_questions_tokens() -> None:
    tokens = tokens_of("What did the city build in May 2021 and on Oct 8 this year?")
    assert [" ".join(tokens[a:b]) for a, b in date_spans(tokens)] == [
        "May 2021",
        "Oct 8",
        "this year",
    ]
    # "May" the modal is no month.
    assert date_spans(tokens_of("May I ask what 2019 brought?")) == [(4, 5)]
    assert is_date(tokens_of("Jan 17, 2024")) and not is_date(tokens_of("in 2024"))


def test_years_and_month_days() -> None:
    assert [is_year(t) for t in ("1999", "2024", "1700", "20245")] == [True, True, False, False]
    assert MONTH_DAY.match("oct 8 was the day") and not MONTH_DAY.match("October")
    assert is_month_day("May") and is_month_day("Jan 17") and not is_month_day("Janet 17")

"""Hand-built cases for the evaluation metrics, with the expected numbers worked out."""

from __future__ import annotations

import pytest

from shanxi_qa.evaluation.metrics import (
    abstention,
    answer_hit,
    exact_match,
    f1,
    mrr,
    normalize_answer,
    percentile,
    recall_at_k,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The  Belt and Road Initiative!", "belt and road initiative"),
        # punctuation goes first, so "year-on-year" becomes one token
        ("a year-on-year rise", "yearonyear rise"),
        ("159.58 billion yuan ($21.91 billion)", "15958 billion yuan 2191 billion"),
        # articles only as whole words: "another" and "theme" keep their letters
        ("Another theme of AN ode", "another theme of ode"),
        # Unicode punctuation (em dash, curly quotes) is removed as well
        ("\u201cnew three sectors\u201d \u2014 photovoltaics", "new three sectors photovoltaics"),
        ("  \t\n ", ""),
        ("the", ""),
    ],
)
def test_normalize_answer(raw: str, expected: str) -> None:
    assert normalize_answer(raw) == expected


def test_exact_match() -> None:
    predictions: list[str | None] = [
        "Jin Xiangjun.",
        "the 268",
        "Taiyuan city",
        None,
        None,
        "Paris",
    ]
    golds = [
        ["Jin Xiangjun"],  # equal after dropping the full stop -> 1
        ["268"],  # equal after dropping the article -> 1
        ["Taiyuan"],  # an extra token is not exact -> 0
        ["Jan 17"],  # abstained on an answerable question -> 0
        [],  # abstained on an unanswerable question -> 1
        [],  # answered an unanswerable question -> 0
    ]
    # three of six correct -> 0.5
    assert exact_match(predictions, golds) == {
        "score": 0.5,
        "individual_scores": [1.0, 1.0, 0.0, 0.0, 1.0, 0.0],
    }


def test_exact_match_takes_best_gold() -> None:
    # the second gold matches -> 1
    assert exact_match(["7.66 billion"], [["7.66 billion kilowatt-hours", "7.66 billion"]]) == {
        "score": 1.0,
        "individual_scores": [1.0],
    }


def test_exact_match_empty_and_mismatched() -> None:
    assert exact_match([], []) == {"score": 0.0, "individual_scores": []}
    with pytest.raises(ValueError):
        exact_match(["a"], [])


def test_f1() -> None:
    predictions: list[str | None] = [
        "Taiyuan city",
        "the Datong high-speed flying train project unit",
        "Moscow",
        None,
        "",
    ]
    golds = [
        # 1 common token; precision 1/2, recall 1/1 -> 2 * 0.5 * 1 / 1.5 = 2/3
        ["Taiyuan"],
        # normalised prediction: "datong highspeed flying train project unit" (6 tokens);
        # gold 1 "china railway sixth bureau group" shares none -> 0;
        # gold 2 "datong highspeed flying train project unit" is identical -> 1; best is 1
        ["China Railway Sixth Bureau Group", "Datong high-speed flying train project unit"],
        ["Changzhi"],  # no common token -> 0
        ["Jan 21"],  # abstained on an answerable question -> 0
        [],  # empty prediction on an unanswerable question counts as abstaining -> 1
    ]
    # mean: (2/3 + 1 + 0 + 0 + 1) / 5 = (8/3) / 5 = 8/15
    expected: dict[str, object] = {
        "score": pytest.approx(8 / 15),
        "individual_scores": pytest.approx([2 / 3, 1.0, 0.0, 0.0, 1.0]),
    }
    assert f1(predictions, golds) == expected


def test_f1_counts_repeated_tokens_once_each() -> None:
    # prediction "5 percent 5 percent" (4 tokens), gold "about 5 percent" (3 tokens):
    # common multiset {5, percent} -> 2; precision 2/4, recall 2/3
    # F1 = 2 * (1/2) * (2/3) / (1/2 + 2/3) = (2/3) / (7/6) = 4/7
    result = f1(["5 percent 5 percent"], [["about 5 percent"]])
    assert result == {"score": pytest.approx(4 / 7), "individual_scores": [pytest.approx(4 / 7)]}


def test_f1_article_only_gold() -> None:
    # both sides normalise to no tokens -> SQuAD gives 1; a non-empty prediction -> 0
    assert f1(["The", "an answer"], [["the"], ["a"]]) == {
        "score": 0.5,
        "individual_scores": [1.0, 0.0],
    }


def test_answer_hit() -> None:
    predictions: list[str | None] = [
        "Shanxi has 268 smart coal mines",
        "It is the largest supplier.",
        None,
        "150",
        None,
        "Paris",
        "Yanggao",
    ]
    first_quotes: list[str | None] = [
        None,
        "There are 15 railway routes that reach 48 cities across 16 countries.",
        "The system has a maximum travel speed of 1,000 kilometers per hour.",
        "reached 150 units",
        None,
        None,
        "in Yanggao county",
    ]
    golds = [
        ["268"],  # inside the prediction -> 1
        ["15"],  # not in the prediction, but in the first quote -> 1
        ["1,000"],  # abstained, yet the quote holds "1000" -> 1
        ["15"],  # "15" is not a whole token of "150" -> 0
        [],  # abstained on an unanswerable question -> 1
        [],  # answered an unanswerable question -> 0
        ["Datong"],  # neither prediction nor quote mentions it -> 0
    ]
    # four hits of seven -> 4/7
    result = answer_hit(predictions, first_quotes, golds)
    assert result == {
        "score": pytest.approx(4 / 7),
        "individual_scores": [1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0],
    }


def test_answer_hit_ignores_golds_that_normalise_to_nothing() -> None:
    # the gold "the" normalises to "" and would otherwise match anything -> 0
    assert answer_hit(["anything"], [None], [["the"]]) == {
        "score": 0.0,
        "individual_scores": [0.0],
    }


def test_recall_at_k() -> None:
    ranks = [1, 3, 4, 0]
    # ranks 1 and 3 are within 3; 4 is too deep; 0 was not retrieved -> 2/4
    assert recall_at_k(ranks, 3) == {"score": 0.5, "individual_scores": [1.0, 1.0, 0.0, 0.0]}
    # only rank 1 is within 1 -> 1/4
    assert recall_at_k(ranks, 1) == {"score": 0.25, "individual_scores": [1.0, 0.0, 0.0, 0.0]}


def test_recall_at_k_two_of_three() -> None:
    # two of three ranks are within 3 -> 2/3
    assert recall_at_k([2, 5, 3], 3) == {
        "score": pytest.approx(2 / 3),
        "individual_scores": [1.0, 0.0, 1.0],
    }


def test_recall_at_k_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        recall_at_k([1], 0)
    with pytest.raises(ValueError):
        recall_at_k([-1], 3)
    assert recall_at_k([], 5) == {"score": 0.0, "individual_scores": []}


def test_mrr() -> None:
    # reciprocal ranks 1/1, 1/2, 1/4, 0 -> sum 1.75, mean 1.75 / 4 = 0.4375
    assert mrr([1, 2, 4, 0]) == {"score": 0.4375, "individual_scores": [1.0, 0.5, 0.25, 0.0]}
    assert mrr([]) == {"score": 0.0, "individual_scores": []}
    with pytest.raises(ValueError):
        mrr([0, -2])


def test_abstention() -> None:
    abstained = [True, True, False, True, False, False]
    unanswerable = [True, False, True, True, False, False]
    # abstentions: q1 (right), q2 (wrong), q4 (right) -> precision 2/3
    # unanswerable: q1, q3, q4; caught q1 and q4 -> recall 2/3
    # F1 of 2/3 and 2/3 is 2/3; one answerable question (q2) was abstained on
    # decisions right on q1, q4, q5, q6; wrong on q2, q3
    result = abstention(abstained, unanswerable)
    assert result == {
        "abstain_precision": pytest.approx(2 / 3),
        "abstain_recall": pytest.approx(2 / 3),
        "abstain_f1": pytest.approx(2 / 3),
        "wrong_abstentions": 1,
        "score": pytest.approx(2 / 3),
        "individual_scores": [1.0, 0.0, 0.0, 1.0, 1.0, 1.0],
    }


def test_abstention_unequal_precision_and_recall() -> None:
    # one abstention, right -> precision 1; two unanswerable, one caught -> recall 1/2
    # F1 = 2 * 1 * 0.5 / 1.5 = 2/3
    result = abstention([True, False, False], [True, True, False])
    assert result == {
        "abstain_precision": 1.0,
        "abstain_recall": 0.5,
        "abstain_f1": pytest.approx(2 / 3),
        "wrong_abstentions": 0,
        "score": pytest.approx(2 / 3),
        "individual_scores": [1.0, 0.0, 1.0],
    }


def test_abstention_never_abstaining() -> None:
    # no abstentions: precision 0/0 -> 1.0; one unanswerable missed: recall 0/1 -> 0; F1 0
    assert abstention([False, False], [True, False]) == {
        "abstain_precision": 1.0,
        "abstain_recall": 0.0,
        "abstain_f1": 0.0,
        "wrong_abstentions": 0,
        "score": 0.0,
        "individual_scores": [0.0, 1.0],
    }


def test_abstention_nothing_to_abstain_on() -> None:
    # no abstentions and no unanswerable questions: both 0/0 -> 1.0, F1 1.0
    assert abstention([False, False], [False, False]) == {
        "abstain_precision": 1.0,
        "abstain_recall": 1.0,
        "abstain_f1": 1.0,
        "wrong_abstentions": 0,
        "score": 1.0,
        "individual_scores": [1.0, 1.0],
    }


def test_abstention_only_wrong_abstentions() -> None:
    # two abstentions, both on answerable questions: precision 0/2 = 0;
    # no unanswerable questions: recall 0/0 -> 1.0; F1 = 2 * 0 * 1 / 1 = 0
    assert abstention([True, True, False], [False, False, False]) == {
        "abstain_precision": 0.0,
        "abstain_recall": 1.0,
        "abstain_f1": 0.0,
        "wrong_abstentions": 2,
        "score": 0.0,
        "individual_scores": [0.0, 0.0, 1.0],
    }


def test_abstention_empty_and_mismatched() -> None:
    # no questions at all: both ratios are 0/0 -> 1.0
    assert abstention([], []) == {
        "abstain_precision": 1.0,
        "abstain_recall": 1.0,
        "abstain_f1": 1.0,
        "wrong_abstentions": 0,
        "score": 1.0,
        "individual_scores": [],
    }
    with pytest.raises(ValueError):
        abstention([True], [True, False])


def test_percentile() -> None:
    values = [40.0, 10.0, 30.0, 20.0]  # sorted: 10, 20, 30, 40
    # p50: position (4 - 1) * 0.5 = 1.5 -> halfway between 20 and 30 = 25
    assert percentile(values, 50) == 25.0
    # p95: position 3 * 0.95 = 2.85 -> 30 + 0.85 * (40 - 30) = 38.5
    assert percentile(values, 95) == pytest.approx(38.5)
    # the ends are the minimum and maximum
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    # p25: position 0.75 -> 10 + 0.75 * 10 = 17.5
    assert percentile(values, 25) == 17.5
    # a single value is every percentile
    assert percentile([7.0], 95) == 7.0
    # odd count: p50 is the middle value
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_percentile_matches_numpy() -> None:
    np = pytest.importorskip("numpy")
    values = [0.12, 0.5, 0.07, 1.3, 0.33, 0.9, 0.21]
    for q in (0, 5, 37.5, 50, 90, 95, 99, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    with pytest.raises(ValueError):
        percentile([1.0], -1)
    with pytest.raises(ValueError):
        percentile([1.0], float("nan"))

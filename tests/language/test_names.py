from __future__ import annotations

from shanxi_qa.language.names import corpus_names, name_spans, question_names


def test_corpus_names_are_the_words_only_ever_capitalised_inside_a_sentence() -> None:
    texts = [
        "The tram runs in Harbor City, said Jo Lin. Trams are new.",
        "Lin rode the tram; the city grew. City Hall is old.",
    ]
    # "city" is also written in lower case; "Trams" and "City" start sentences.
    assert corpus_names(texts) == ["hall", "harbor", "jo", "lin"]


def test_name_spans_drop_a_leading_function_word_and_titles() -> None:
    sentence = "The plant was opened by Shanxi Governor Jin Xiangjun with Geely in Taiyuan."
    assert [sentence[a:b] for a, b in name_spans(sentence)] == [
        "Jin Xiangjun",
        "Geely",
        "Taiyuan",
    ]


def test_question_names_skip_the_first_word_dates_and_function_words() -> None:
    question = "When did Geely's plant in Changzhi-Moscow open in May, and The Times report it?"
    assert question_names(question) == ("geely", "changzhi", "moscow", "times")

"""Checks: what a question insists on that a sentence lacks.

A question that asks for a number, a date or a name is not answered by a sentence without
one; "how many wind farms" is not answered by a sentence that counts something else; "in
2023" is not answered by a sentence about 2024. The checks feed the sentence ranker and the
decision: how many fail is one of the decision's features, and their names are reported with
the answer (``Answer.checks``), so a user can see why a question abstained.
"""

from __future__ import annotations

import math
import re

from shanxi_qa.answer.spans import distance, given_in, number_spans, spans_of_type
from shanxi_qa.language.dates import DATE
from shanxi_qa.language.match import match_weight
from shanxi_qa.language.question import QuestionParse
from shanxi_qa.language.text import STOPWORDS, stem, word_spans, words


def sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


def failed_checks(features: dict[str, float]) -> list[str]:
    """What the question insists on that the sentence lacks.

    A question that asks for a number, a date or a name is not answered by a sentence
    without one; "how many wind farms" is not answered by a sentence that counts
    something else; "in 2023" is not answered by a sentence about 2024.
    """
    failed = []
    if features["type_missing"] and features["quantity_question"]:
        # Numbers, dates and photo credits are recognised reliably; other names and places
        # too loosely to veto an answer.
        failed.append("no number, date or credit of the asked kind in the sentence")
    about_the_page = features["block_cue"] or features["photo_question"]
    if not about_the_page and (
        (not features["sentence_coverage"] and features["dense"] < 0.3)
        or (
            features["dense"] < 0.2
            and features["sentence_coverage"] < 0.35
            and not features["question_numbers"]
        )
    ):
        failed.append("the sentence shares next to nothing with the question")
    if features["typed"] and not features["predicate_coverage"] and not about_the_page:
        # "When was <company> founded?": the sentence names the company, but nothing of
        # what the question asks about it.
        failed.append("only the names of the question are in the sentence")
    if features["strict_focus_missing"] >= 0.5 and not features["block_cue"]:
        failed.append("the thing asked about is absent")
    if features["numbers_missing"]:
        failed.append("a number in the question is absent")
    if not features["asked_terms"]:
        failed.append("the question names nothing to look for")
    if features["left_unnamed"]:
        failed.append("the sentence mentions the thing but never names it")
    if features["date_question"] and not features["date_bound"] and not features["type_missing"]:
        failed.append("the date is for something else")
    return failed


_NAME_OF = re.compile(r"\bname of\s+(.*)", re.IGNORECASE)


def _named_head(question: str) -> str | None:
    """The noun whose name is asked: "the name of Fu Lijing's steel company" -> "company";
    the phrase ends at a function word or a name ("... company Fu Lijing works for")."""
    asked = _NAME_OF.search(question)
    if asked is None:
        return None
    head = None
    for word in re.findall(r"[\w'’-]+", asked.group(1)):
        if re.search(r"['’]s$", word):
            head = None  # a possessor: what follows is the thing
            continue
        if word.lower() in STOPWORDS or word[0].isupper():
            if head is not None:
                break
            continue
        head = word.lower()
    return head


def left_unnamed(question: str, sentence: str) -> bool:
    """Does the sentence speak of the thing whose name is asked only as "a steel company",
    "a huge solar farm", with no name beside it ("Fechnology, a high-tech company" names it)?"""
    head = _named_head(question)
    if head is None:
        return False
    head = head.removesuffix("s")
    mentions = list(
        re.finditer(
            rf"\b(a|an|the|its|their)\s+((?:[\w\"“”'-]+\s+){{0,3}}){head}s?\b", sentence, re.I
        )
    )
    if not mentions:
        return False
    for mention in mentions:
        modifiers = mention.group(2)
        before = sentence[: mention.start()]
        after = sentence[mention.end() :]
        named = (
            mention.group(1).lower() not in ("a", "an")
            or re.search(r"[A-Z\"“]", modifiers)
            or re.search(r"[A-Z][\w'’-]*,\s*$", before)  # "Fechnology, a company"
            or re.match(r"\s*(?:,\s*)?(?:called|named|known as|dubbed)\b", after)
        )
        if named:
            return False
    return True


def has_answer_type(analysis: QuestionParse, sentence: str) -> bool:
    """Does ``sentence`` hold a span of the type the question asks for, not given in it?

    A number must also stand near the thing the question counts ("268 smart coal mines").
    """
    if analysis.answer_type in ("other", "reason"):
        return True
    question = analysis.text.lower()
    spans = [
        (s, e)
        for s, e in spans_of_type(analysis.answer_type, sentence, question)
        if not given_in(sentence[s:e], question)
    ]
    if analysis.answer_type == "number" and analysis.focus and spans:
        anchors = [
            (start, end)
            for start, end, word in word_spans(sentence)
            if match_weight(analysis, analysis.focus[-1], {stem(word)}) > 0
        ]
        if anchors:
            spans = [span for span in spans if distance(span, anchors) <= 150]
    kind = _PLACE_KIND_QUESTION.search(question)
    if analysis.answer_type == "place" and kind:
        # "Which county ...?" wants a name called a county: "Yanggao county", "the county
        # of Tianzhen"; "in China" is a place but not the county asked for.
        word = kind.group(1)
        noun = (
            re.sub(r"(ies|y)$", "(?:y|ies)", word)
            if word.endswith(("ies", "y"))
            else word.removesuffix("s") + "s?"
        )
        named = re.compile(rf"\b[A-Z][\w'’-]*\s+{noun}\b|\b{noun}\s+of\s+[A-Z]")
        return any(named.search(sentence[max(0, s - 30) : e + 30]) for s, e in spans)
    return bool(spans)


_PLACE_KIND_QUESTION = re.compile(
    r"\b(?:which|what)\s+(county|counties|city|cities|province|provinces|country|countries"
    r"|district|districts|village|villages|town|towns|region|regions)\b"
)


def count_bound(analysis: QuestionParse, sentence: str) -> bool:
    """Does ``sentence`` give a number bound to the thing the question counts?

    "How many railway routes?" is answered by "15 railway routes" or "the number of
    railway routes reached 15", not by a number standing elsewhere in the sentence.
    """
    question = analysis.text.lower()
    if not analysis.focus or not re.search(r"\bhow many\b|\bnumber of\b", question):
        return False  # "how much electricity" wants an amount, which "50 percent of" is not
    heads = [
        (start, end)
        for start, end, word in word_spans(sentence)
        if match_weight(analysis, analysis.focus[-1], {stem(word)}) > 0
    ]
    for number_start, number_end in number_spans(question, sentence):
        for head_start, head_end in heads:
            between = sentence[number_end:head_start]
            # Words between a count and its noun modify the noun, as the question's own
            # words do: "268 smart coal mines", not "6 buses serve tram lines".
            foreign = [
                word
                for word in words(between)
                if not any(match_weight(analysis, term, {stem(word)}) for term in analysis.terms)
            ]
            if (
                0 <= head_start - number_end <= 40
                and not re.search(r"[,.;:]|\d", between)
                and len(foreign) <= 1
            ):
                return True  # "15 railway routes", "268 smart coal mines"
            before, after = sentence[:head_start].lower(), sentence[head_end:number_start]
            if (
                0 <= number_start - head_end <= 60
                and re.search(r"\b(number|total|amount) of\s+(\S+\s+){0,4}$", before)
                and not re.search(r"[.;]", after)
            ):
                return True  # "the number of 5G base stations reaching 108,000"
    return False


def date_bound(analysis: QuestionParse, sentence: str, predicate: list[str]) -> bool:
    """Does a date in ``sentence`` stand by what the question asks happened ("departs ... on
    Dec 6" for "when did it depart")? A date for something else does not answer "when"."""
    if analysis.answer_type != "date":
        return False
    anchors = [
        (start, end)
        for start, end, word in word_spans(sentence)
        if any(match_weight(analysis, term, {stem(word)}) for term in predicate)
    ]
    return any(distance((m.start(), m.end()), anchors) <= 60 for m in DATE.finditer(sentence))

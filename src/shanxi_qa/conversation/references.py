"""What a pronoun, a possessive or a demonstrative of a follow-up points to in the turn before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from shanxi_qa.conversation.turn import MAX_ANSWER_WORDS, Turn
from shanxi_qa.language.phrases import (
    TokenSpan,
    has_noun,
    head_word,
    is_capitalised,
    is_plural,
    is_proper,
    join_tokens,
    lowered,
    noun_phrases,
    of_object,
    tokens_of,
)
from shanxi_qa.language.question import parse_question
from shanxi_qa.language.reading import (
    QuestionReading,
)
from shanxi_qa.language.text import stem
from shanxi_qa.language.vocabulary import (
    ATTRIBUTE_NOUNS,
    BE_AUXILIARIES,
    FUNCTION_WORDS,
    NAME_BREAKS,
    NP_LEADERS,
    PERSON_STEMS,
    PLACE_STEMS,
    PREPOSITIONS,
    TITLES,
)

Kind = Literal["person", "thing", "plural", "place"]


@dataclass
class Context:
    """The previous turn, read once."""

    turn: Turn
    reading: QuestionReading
    answer_type: str
    quote: QuestionReading

    @classmethod
    def of(cls, turn: Turn) -> Context:
        parse = parse_question(turn.question)
        reading = parse.reading
        quote = tokens_of(turn.quote or "")
        answer_type: str = parse.answer_type
        if reading.wh_word in ("who", "whom"):
            answer_type = "person"
        return cls(
            turn, reading, answer_type, QuestionReading(quote, phrases=tuple(noun_phrases(quote)))
        )

    @property
    def answer(self) -> str | None:
        """The previous short answer, when it is short enough to stand in a question."""
        answer = " ".join((self.turn.answer or "").split()).strip(" ,.;:")
        return answer if answer and len(answer.split()) <= MAX_ANSWER_WORDS else None

    def name(self) -> str | None:
        """The name the previous answer starts with ("Yuji Yagi" of "Yuji Yagi at the
        University of Tsukuba")."""
        words = tokens_of(self.answer or "")
        end = next(
            (
                i
                for i, w in enumerate(words)
                if (i and lowered(w) in NAME_BREAKS) or w in (",", ";")
            ),
            len(words),
        )
        return join_tokens(words[:end]) or None

    def answer_is_name(self) -> bool:
        """Whether the previous answer is a name ("Taiyuan Heavy Industry Transit Equipment")."""
        answer = self.answer
        return answer is not None and all(
            word[:1].isupper() or word.lower() in FUNCTION_WORDS for word in answer.split()
        )


def definite(reading: QuestionReading, span: TokenSpan) -> str:
    """A phrase as a referent: "the" before a bare common noun phrase ("the smart coal mines")."""
    text = reading.text(span)
    first = reading.tokens[span[0]]
    if lowered(first) in NP_LEADERS or is_capitalised(first) or first[0].isdigit():
        return text
    return "the " + text


def entity_of(reading: QuestionReading, span: TokenSpan) -> TokenSpan:
    """The entity a phrase is about: "the maglev" in "the maximum speed of the maglev"."""
    inner = of_object(reading.tokens, span)
    if inner and stem(head_word(reading.tokens, span)) in ATTRIBUTE_NOUNS:
        return entity_of(reading, inner)
    return span


def _outside_wh(reading: QuestionReading) -> list[TokenSpan]:
    wh = reading.wh
    return [span for span in reading.phrases if not (wh and wh[0] <= span[0] < wh[1])]


def _untitled(name: str | None) -> str | None:
    """A person's name without the titles before it ("Shanxi Governor Jin Xiangjun" -> "Jin
    Xiangjun"): "what is his position?" then asks for the title rather than repeating it."""
    if name is None:
        return None
    words = name.split()
    titles = [i for i, word in enumerate(words[:-1]) if word.lower().strip(".") in TITLES]
    return " ".join(words[titles[-1] + 1 :]) if titles else name


def referent_of(kind: Kind, context: Context) -> str | None:
    """What a pronoun of ``kind`` points to in the previous turn, or None."""
    reading, tokens = context.reading, context.reading.tokens
    answer = context.answer
    if kind == "person":
        asked_for = context.answer_type == "person" or (reading.subject_wh and reading.focus)
        if answer and asked_for and context.answer_is_name():
            # "who delivered the report?" "Shanxi Governor Jin Xiangjun": "Jin Xiangjun"
            return _untitled(context.name())
        spans = [reading.subject] if reading.subject else []
        for span in [*spans, *reading.phrases]:
            if has_noun(tokens, span, PERSON_STEMS) or (
                is_proper(tokens, span) and span[1] - span[0] >= 2
            ):
                return definite(reading, span)
        return None
    if kind == "place":
        if answer and context.answer_type == "place":
            return answer
        for source in (reading, context.quote):
            for span in source.phrases:
                before = lowered(source.tokens[span[0] - 1]) if span[0] else ""
                if has_noun(source.tokens, span, PLACE_STEMS) or (
                    before in PREPOSITIONS and is_proper(source.tokens, span)
                ):
                    return definite(source, span)
        return None
    plural = kind == "plural"
    if (
        answer
        and reading.subject_wh
        and not plural
        and context.answer_type not in ("person", "date", "number", "reason")
        and context.answer_is_name()
    ):
        return context.name()  # "which company was named ...?" -> the company named
    if answer and reading.subject_wh and reading.wh_word == "what" and not reading.focus:
        # "what derailed ...?" "a cargo train carrying 13 petrol tanks": the cargo train
        words = tokens_of(answer)
        spans = noun_phrases(words)
        if spans and spans[0][0] == 0 and is_plural(words, spans[0]) == plural:
            phrase = words[spans[0][0] : spans[0][1]]
            if lowered(phrase[0]) in ("a", "an"):
                phrase = ["the", *phrase[1:]]
            return join_tokens(phrase)
    if (
        answer
        and not plural
        and reading.wh_word == "what"
        and not reading.focus
        and not reading.subject_wh
        and reading.aux is not None
        and lowered(reading.tokens[reading.aux]) not in BE_AUXILIARIES
        and context.answer_type == "other"
        and not any(ch.isdigit() for ch in answer)
    ):
        # "what did the city build?" "a ferry terminal": "its purpose" is the terminal's
        words = tokens_of(answer)
        spans = noun_phrases(words)
        if spans and spans[0] == (0, len(words)) and not is_plural(words, spans[0]):
            return "the " + join_tokens(words[1:]) if lowered(words[0]) in ("a", "an") else answer
    candidates: list[TokenSpan] = []
    focus = reading.focus
    if focus and (reading.subject_wh or stem(head_word(tokens, focus)) not in ATTRIBUTE_NOUNS):
        # "which company ...", "what policy framework has Shanxi created?": the thing asked for
        candidates.append(focus)
    if reading.subject:
        candidates.append(entity_of(reading, reading.subject))
    candidates += [entity_of(reading, span) for span in _outside_wh(reading)]
    if focus:
        candidates.append(entity_of(reading, focus))
    for span in candidates:
        if is_plural(tokens, span) == plural:
            if span == focus and answer and _answers_focus(answer, tokens, span, context):
                return answer  # "along which fault ...?" "Longmenshan fault": that fault
            return definite(reading, span)
    if plural and answer and context.answer_is_name():
        return context.name()  # "who designed the iPod?" "Apple": "when did they release it?"
    quote = context.quote
    if quote.phrases and quote.phrases[0][0] == 0:
        span = entity_of(quote, quote.phrases[0])
        if is_plural(quote.tokens, span) == plural and span[1] - span[0] <= 6:
            return definite(quote, span)
    return None


def _answers_focus(answer: str, tokens: Sequence[str], focus: TokenSpan, context: Context) -> bool:
    """Whether the previous answer names the thing the wh-phrase asked for: a name, or a phrase
    with the same head ("which fault" -> "Longmenshan fault")."""
    words = tokens_of(answer)
    if not words or any(ch.isdigit() for ch in answer):
        return False
    same_head = stem(head_word(words, (0, len(words)))) == stem(head_word(tokens, focus))
    return same_head or context.answer_is_name()

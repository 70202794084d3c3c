"""What a pronoun, a possessive or a demonstrative of a follow-up points to in the turn before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from shanxi_qa.conversation.turn import MAX_ANSWER_WORDS, Turn
from shanxi_qa.language.phrases import (
    Span,
    has_noun,
    head_word,
    is_capitalised,
    is_content,
    is_plural,
    is_proper,
    join_tokens,
    looks_verb,
    lowered,
    noun_phrases,
    noun_run_end,
    of_object,
    tokens_of,
)
from shanxi_qa.language.question import analyse_question
from shanxi_qa.language.reading import (
    Reading,
    read_question,
)
from shanxi_qa.language.text import stem
from shanxi_qa.language.vocabulary import (
    ANTICIPATORY_VERBS,
    ARTICLES,
    ATTRIBUTE_NOUNS,
    BE_AUXILIARIES,
    CLAUSE_BREAKS,
    CLAUSE_VERBS,
    DEMONSTRATIVES,
    DOCUMENT_STEMS,
    FUNCTION_WORDS,
    HAVE_AUXILIARIES,
    LOCATIVE_PRONOUNS,
    NAME_BREAKS,
    NP_LEADERS,
    PERSON_PRONOUNS,
    PERSON_STEMS,
    PLACE_STEMS,
    PLURAL_DEMONSTRATIVES,
    PLURAL_PRONOUNS,
    POSSESSIVE_PRONOUNS,
    PREPOSITIONS,
    SUBORDINATORS,
    THING_PRONOUNS,
    TITLES,
)

Kind = Literal["person", "thing", "plural", "place"]


@dataclass
class Context:
    """The previous turn, read once."""

    turn: Turn
    reading: Reading
    answer_type: str
    quote: Reading

    @classmethod
    def of(cls, turn: Turn) -> Context:
        reading = read_question(turn.question)
        quote = tokens_of(turn.quote or "")
        answer_type = analyse_question(turn.question).answer_type
        if reading.wh_word in ("who", "whom"):
            answer_type = "person"
        return cls(turn, reading, answer_type, Reading(quote, phrases=tuple(noun_phrases(quote))))

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


def _definite(reading: Reading, span: Span) -> str:
    """A phrase as a referent: "the" before a bare common noun phrase ("the smart coal mines")."""
    text = reading.text(span)
    first = reading.tokens[span[0]]
    if lowered(first) in NP_LEADERS or is_capitalised(first) or first[0].isdigit():
        return text
    return "the " + text


def entity_of(reading: Reading, span: Span) -> Span:
    """The entity a phrase is about: "the maglev" in "the maximum speed of the maglev"."""
    inner = of_object(reading.tokens, span)
    if inner and stem(head_word(reading.tokens, span)) in ATTRIBUTE_NOUNS:
        return entity_of(reading, inner)
    return span


def _outside_wh(reading: Reading) -> list[Span]:
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
                return _definite(reading, span)
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
                    return _definite(source, span)
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
    candidates: list[Span] = []
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
            return _definite(reading, span)
    if plural and answer and context.answer_is_name():
        return context.name()  # "who designed the iPod?" "Apple": "when did they release it?"
    quote = context.quote
    if quote.phrases and quote.phrases[0][0] == 0:
        span = entity_of(quote, quote.phrases[0])
        if is_plural(quote.tokens, span) == plural and span[1] - span[0] <= 6:
            return _definite(quote, span)
    return None


def _answers_focus(answer: str, tokens: Sequence[str], focus: Span, context: Context) -> bool:
    """Whether the previous answer names the thing the wh-phrase asked for: a name, or a phrase
    with the same head ("which fault" -> "Longmenshan fault")."""
    words = tokens_of(answer)
    if not words or any(ch.isdigit() for ch in answer):
        return False
    same_head = stem(head_word(words, (0, len(words)))) == stem(head_word(tokens, focus))
    return same_head or context.answer_is_name()


def _phrase_headed(noun: str, context: Context) -> str | None:
    """The earlier phrase whose head is ``noun`` ("this line" -> "the test line")."""
    wanted = stem(lowered(noun))
    reading = context.reading
    answer = context.answer
    if reading.focus and stem(head_word(reading.tokens, reading.focus)) == wanted and answer:
        return answer  # "which company ...?" then "this company"
    if answer:
        words = tokens_of(answer)
        if words and stem(head_word(words, (0, len(words)))) == wanted:
            return answer  # "in which county ...?" "Yanggao county" then "that county"
    for source in (reading, context.quote):
        for span in source.phrases:
            parts = [span]
            inner = of_object(source.tokens, span)
            if inner:
                parts.append(inner)
            for part in parts:
                if stem(head_word(source.tokens, part)) == wanted and (
                    part[1] - part[0] > 1 or is_proper(source.tokens, part)
                ):
                    return _definite(source, part)
    return None


def _bound(reading: Reading, index: int, kind: Kind) -> bool:
    """Whether the question itself names what the pronoun at ``index`` points to: its own
    subject ("how does the report describe its goals?") or a phrase of an earlier clause
    ("how big is the solar farm and where is it?"), not the phrase the pronoun depends on
    ("who took the photo of it?"). A subordinate clause is a clause of its own: "how did the
    builders view the job when they got it?" got the job."""
    tokens = reading.tokens
    spans = [reading.subject] if reading.subject and reading.subject[1] <= index else []
    breaks = CLAUSE_BREAKS | SUBORDINATORS
    for span in noun_phrases(tokens[:index]):
        if any(lowered(t) in breaks for t in tokens[span[1] : index]):
            spans.append(span)
    for span in spans:
        if not (lowered(tokens[span[0]]) in ARTICLES or is_proper(tokens, span)):
            continue
        if kind == "person" and (has_noun(tokens, span, PERSON_STEMS) or is_proper(tokens, span)):
            return True
        if kind == "place" and (has_noun(tokens, span, PLACE_STEMS) or is_proper(tokens, span)):
            return True
        if kind in ("thing", "plural") and is_plural(tokens, span) == (kind == "plural"):
            return True
    return False


def _existential(low: Sequence[str], index: int) -> bool:
    """ "there" in "are there", "there is": no place."""
    before = low[index - 1] if index else ""
    after = low[index + 1] if index + 1 < len(low) else ""
    return before in BE_AUXILIARIES | HAVE_AUXILIARIES or after in BE_AUXILIARIES | {
        "have",
        "has",
        "had",
    }


def _anticipatory(tokens: Sequence[str], index: int) -> bool:
    """ "it" standing for an infinitive or a clause that follows it, not for an earlier turn:
    "how long does it take to reach Moscow?", "is it possible to visit the farm?", "it is
    true that ...". An adjective only, not a participle: "what is it designed to run inside?"
    asks about something named before."""
    low = [lowered(t) for t in tokens]

    def infinitive(at: int) -> bool:
        return (
            at + 1 < len(tokens)
            and low[at] == "to"
            and tokens[at + 1][:1].islower()
            and low[at + 1] not in NP_LEADERS
        )

    after = index + 1
    if after < len(low) and low[after] in ANTICIPATORY_VERBS:
        return any(infinitive(at) for at in range(after + 1, min(after + 5, len(low))))
    be_before = index > 0 and low[index - 1] in BE_AUXILIARIES
    if after < len(low) and low[after] in BE_AUXILIARIES and not be_before:
        after += 1  # "it is possible to ..."
    elif not be_before:
        return False
    if after + 1 >= len(low) or not is_content(tokens[after]) or looks_verb(tokens[after]):
        return False
    return infinitive(after + 1) or low[after + 1] == "that"


def _possessed(referent: str, thing: str) -> str:
    """ "its speed" of "the maglev" -> "the speed of the maglev"; of "Shanxi" -> "Shanxi's speed"."""
    if not thing:
        return referent
    words = referent.split()
    proper = referent[:1].isupper() and " of " not in referent and len(words) <= 3
    if proper and not referent.endswith("s"):
        return f"{referent}'s {thing}"
    return f"the {thing} of {referent}"


def _pronoun_kind(word: str) -> Kind:
    if word in PERSON_PRONOUNS:
        return "person"
    if word in PLURAL_PRONOUNS or word in PLURAL_DEMONSTRATIVES:
        return "plural"
    return "thing"


def resolve_references(reading: Reading, context: Context) -> list[str] | None:
    """Replace the pronouns and demonstratives that have no referent of their own."""
    tokens = reading.tokens
    low = [lowered(t) for t in tokens]
    out: list[str] = []
    changed = False
    replaced: set[Kind] = set()  # a second "it" points where the first one does
    i = 0
    while i < len(tokens):
        word = low[i]
        before = low[i - 1] if i else ""
        replacement: str | None = None
        consumed = 1
        kind = _pronoun_kind(word)
        if kind in replaced and (word in POSSESSIVE_PRONOUNS or word not in DEMONSTRATIVES):
            out.append(tokens[i])
            i += 1
            continue
        followed = i + 1 < len(tokens) and is_content(tokens[i + 1])
        if word in POSSESSIVE_PRONOUNS and followed:
            if not _bound(reading, i, kind):
                end = noun_run_end(tokens, i + 1)
                if reading.subject and reading.subject[0] == i:
                    end = reading.subject[1]  # "did [their product exports] increase"
                referent = referent_of(kind, context)
                if referent:
                    replacement = _possessed(referent, join_tokens(tokens[i + 1 : end]))
                    consumed = end - i
        elif word in DEMONSTRATIVES and _demonstrative(tokens, i):
            if followed:
                replacement, consumed = _demonstrative_phrase(reading, i, context)
            elif not _bound(reading, i, kind):
                answer = context.answer
                if answer and any(ch.isdigit() for ch in answer) and kind == "thing":
                    replacement = answer  # "1 trillion RMB", then "how much is that in dollars?"
                else:
                    replacement = referent_of(kind, context)
        elif word in PERSON_PRONOUNS | THING_PRONOUNS | PLURAL_PRONOUNS - {"itself"}:
            if not _bound(reading, i, kind) and not (word == "it" and _anticipatory(tokens, i)):
                replacement = referent_of(kind, context)
        elif (
            word in LOCATIVE_PRONOUNS
            and not _existential(low, i)
            and not _bound(reading, i, "place")
        ):
            place = referent_of("place", context)
            if place:
                starts_with_preposition = lowered(place.split()[0]) in PREPOSITIONS
                replacement = (
                    place if before in PREPOSITIONS or starts_with_preposition else f"in {place}"
                )
        if replacement:
            out.extend(tokens_of(replacement))
            changed = True
            if word not in DEMONSTRATIVES and word not in LOCATIVE_PRONOUNS:
                replaced.add(kind)
            i += consumed
        else:
            out.append(tokens[i])
            i += 1
    return out if changed else None


def _demonstrative_phrase(reading: Reading, index: int, context: Context) -> tuple[str | None, int]:
    """What "this company" at ``index`` points to, and how many tokens it spans."""
    tokens = reading.tokens
    run_end = noun_run_end(tokens, index + 1)
    if reading.subject and reading.subject[0] == index:
        run_end = reading.subject[1]
    if run_end > index + 1 and stem(lowered(tokens[run_end - 1])) in DOCUMENT_STEMS:
        return None, 1  # "who wrote this article?": the document read, not an earlier turn
    # "this company make": the head is the last word that heads an earlier phrase.
    for end in range(run_end, index + 1, -1):
        referent = _phrase_headed(tokens[end - 1], context)
        if referent:
            return referent, end - index
    thing = join_tokens(tokens[index + 1 : run_end])
    earlier = {stem(lowered(t)) for t in context.reading.tokens}
    if stem(lowered(tokens[run_end - 1])) in earlier:
        return f"the {thing}", run_end - index  # "that lab" after "the lab groundbreaking"
    # "that photo" with no photo before: the photo of what was asked about
    about = referent_of(_pronoun_kind(lowered(tokens[index])), context)
    return (f"the {thing} of {about}" if about else None), run_end - index


def _demonstrative(tokens: Sequence[str], index: int) -> bool:
    """Whether "this"/"that" at ``index`` points at something (not "the plan that ...")."""
    if index == 0:
        return True
    before = tokens[index - 1]
    low = lowered(before)
    if low in CLAUSE_VERBS or low in ("so", "such", "now"):
        return False
    return not is_content(before) or looks_verb(before)

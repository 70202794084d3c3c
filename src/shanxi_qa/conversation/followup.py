"""Follow-up questions: read a question against the conversation so far, without a language model.

A follow-up depends on an earlier turn for what it is about: a pronoun or demonstrative with no
referent of its own ("how long are *they*?", "what does *this company* make?", "what is *its*
speed?", "what was built *there*?"), or an ellipsis ("what about Taiyuan?", "and in 2023?", "and
the year before?", "by when?"). :func:`resolve` rewrites such a question into a standalone one
from the previous turn: the previous (already standalone) question, the short answer it got and
the quote behind it. A question that stands on its own is left alone, even mid-conversation:
one whose pronouns point into the question itself ("how did the builders view the job when
they got it?") or to nothing ("how long does it take to ...?", "which session of the Congress
was it?"), whose "this article" or "this story" is the document read, or a bare count that
names what it counts ("how many smart coal mines?") unless the previous question counted
something of the same kind ("how many countries?" after "how many cities ...?").

The rewriting is rule-based over a light reading of both questions:

- the previous question is split into its wh-phrase ("how many smart coal mines", "what share
  of power capacity", "who"), the auxiliary that follows it, its subject and its noun phrases;
- a pronoun is replaced by the phrase it most plausibly points to, by agreement: *he/she* the
  person the previous answer named (or one the previous question names), *it* the entity the
  answer named when the previous question asked for one ("which company ...?"), otherwise the
  previous subject (the entity, not the attribute, of "the speed *of the maglev*"), *they* a
  plural phrase, *there* the place answered or named; possessives become "the X of ..." (or
  "Name's X"); "this X" the earlier phrase whose head is X;
- an ellipsis replaces the matching slot of the previous question: a year for a year, a place
  for a place, a counted thing for a counted thing ("how many X"), otherwise the subject;
- a bare wh-question ("by when?", "where?", "why is that?") re-asks the previous question with
  the new wh-word and the previous answer in place of the old wh-phrase.

Every word list the rules use lives in :mod:`shanxi_qa.language.vocabulary`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from shanxi_qa.language.question import analyse_question
from shanxi_qa.language.text import stem
from shanxi_qa.language.vocabulary import (
    ANTICIPATORY_VERBS,
    ARTICLES,
    ATTRIBUTE_NOUNS,
    AUXILIARIES,
    BE_AUXILIARIES,
    CLAUSE_BREAKS,
    CLAUSE_OPENERS,
    CLAUSE_VERBS,
    DATE_STEMS,
    DEMONSTRATIVES,
    DO_AUXILIARIES,
    DOCUMENT_STEMS,
    ELLIPSIS_OPENERS,
    EVENT_VERBS,
    FUNCTION_WORDS,
    HAVE_AUXILIARIES,
    IRREGULAR_PLURALS,
    IRREGULAR_VERBS,
    LEADING_FILLERS,
    LOCATIVE_PRONOUNS,
    MODALS,
    MONTHS,
    NAME_BREAKS,
    NAME_END_STEMS,
    NEGATION,
    NOT_VERBS,
    NP_LEADERS,
    OBJECT_PRONOUNS,
    ORGANISATION_STEMS,
    PERSON_PRONOUNS,
    PERSON_STEMS,
    PLACE_STEMS,
    PLURAL_DEMONSTRATIVES,
    PLURAL_PRONOUNS,
    POSSESSIVE_PRONOUNS,
    PREPOSITIONS,
    RELATIVE_YEARS,
    SUBORDINATORS,
    THING_PRONOUNS,
    TIME_PHRASES,
    TITLE_WORDS,
    TITLES,
    TRAILING_ADVERBS,
    WH_WORDS,
)
from shanxi_qa.records import Answer, Hit

# A previous answer longer than this is not put into a rewritten question.
MAX_ANSWER_WORDS = 8

_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_MONTH_DAY = re.compile(
    r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}\b", re.IGNORECASE
)
_TOKEN = re.compile(r"\w(?:[\w'’\-.,]*\w)?|[^\w\s]")
_ATTACH = frozenset(",;:?!.)]}'%")
_OPEN = frozenset("([{$")


# ---------------------------------------------------------------------------------------------
# The conversation


@dataclass(frozen=True)
class Turn:
    """One earlier turn as the rules see it: the standalone question, its answer and quote."""

    question: str  # the question as it was answered (the rewritten one for a follow-up)
    answer: str | None = None  # the short answer; None when it abstained
    quote: str | None = None  # the first quote, when it answered
    source: str | None = None  # where that quote lies (for the retrieval prior)
    start: int | None = None  # the quote's offset in the cleaned document

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        """The turn an answer record closes (an abstention keeps only its question)."""
        question = answer.resolved_question or answer.question
        if answer.abstained or not answer.quotes:
            return cls(question)
        quote = answer.quotes[0]
        return cls(question, answer.answer, quote.text, quote.source, quote.start)

    def answered_at(self) -> tuple[str, int, int] | None:
        """Where the short answer lies in its document (source, start, end), when it is in the
        quote: a follow-up is asking for something else."""
        if self.answer is None or self.quote is None or self.source is None:
            return None
        if self.start is None:
            return None
        at = self.quote.find(self.answer)
        if at < 0:
            return None
        return self.source, self.start + at, self.start + at + len(self.answer)


# ---------------------------------------------------------------------------------------------
# Reading a question


Span = tuple[int, int]


def tokens_of(text: str) -> list[str]:
    """Words (with their inner hyphens, apostrophes and number punctuation) and punctuation."""
    return _TOKEN.findall(" ".join(text.split()))


def join_tokens(tokens: Sequence[str]) -> str:
    """The tokens as text: punctuation attached to the word before it, a quotation mark to
    the words it encloses."""
    out = ""
    quotes = 0
    for token in tokens:
        closing_quote = token == '"' and quotes % 2 == 1
        after_open = out[-1:] in _OPEN or (out.endswith('"') and quotes % 2 == 1)
        if out and not after_open and (token not in _ATTACH or token == '"') and not closing_quote:
            out += " "
        quotes += token == '"'
        out += token
    return out


def _low(token: str) -> str:
    return token.lower()


def _is_word(token: str) -> bool:
    return bool(token) and (token[0].isalnum())


def _is_content(token: str) -> bool:
    return _is_word(token) and _low(token) not in FUNCTION_WORDS


def _looks_verb(token: str) -> bool:
    """A past form or participle ("completed", "built"): it ends a noun phrase."""
    word = _low(token)
    if word in IRREGULAR_VERBS:
        return True
    return (
        len(word) > 4 and word.endswith("ed") and not word.endswith("eed") and word not in NOT_VERBS
    )


def _is_capitalised(token: str) -> bool:
    return token[:1].isupper()


def _is_year(token: str) -> bool:
    return bool(_YEAR.match(token))


def _adjectival(tokens: Sequence[str], index: int) -> bool:
    """A regular -ed form used as an adjective: "what [fixed] asset investment"."""
    word = _low(tokens[index])
    before = _low(tokens[index - 1]) if index else ""
    return (
        word not in IRREGULAR_VERBS
        and index + 1 < len(tokens)
        and _is_content(tokens[index + 1])
        and not _looks_verb(tokens[index + 1])
        and (before in ("what", "which", "of", "") or before in PREPOSITIONS)
    )


def _head(tokens: Sequence[str], span: Span) -> str:
    """The head word of a phrase: its last word before "of"."""
    words = [t for t in tokens[span[0] : span[1]] if _is_word(t)]
    if "of" in (_low(w) for w in words):
        words = words[: [_low(w) for w in words].index("of")]
    words = [w for w in words if _low(w) not in NP_LEADERS]
    return _low(words[-1]) if words else ""


def _of_object(tokens: Sequence[str], span: Span) -> Span | None:
    """The span after the first "of" in a phrase ("the speed of [the maglev]")."""
    for i in range(span[0], span[1]):
        if _low(tokens[i]) == "of" and i + 1 < span[1]:
            return (i + 1, span[1])
    return None


def _is_plural(tokens: Sequence[str], span: Span) -> bool:
    words = [_low(t) for t in tokens[span[0] : span[1]]]
    if "and" in words:
        return True
    head = _head(tokens, span)
    if head in IRREGULAR_PLURALS:
        return True
    return len(head) > 2 and head.endswith("s") and not head.endswith(("ss", "us", "is", "'s"))


def _is_proper(tokens: Sequence[str], span: Span) -> bool:
    """A name: capitalised words, no article ("Taiyuan", "Jin Xiangjun")."""
    first = tokens[span[0]]
    return _low(first) not in NP_LEADERS and _is_capitalised(first)


def _has_noun(tokens: Sequence[str], span: Span, stems: frozenset[str]) -> bool:
    return any(stem(_low(t)) in stems for t in tokens[span[0] : span[1]] if _is_word(t))


def noun_phrases(tokens: Sequence[str], sentence_start: bool = True) -> list[Span]:
    """Noun phrases: an optional article, demonstrative or possessive pronoun, then a run of
    content words, joined across "of" and "'s" ("the pipes of the vacuum tube"). A past form
    or participle after the first word ends the phrase ("the test line [completed]"). A
    capitalised word is a name, whatever it is in lower case ("when was [To Kill a Mockingbird]
    published?"), except where it opens the sentence (``sentence_start``)."""
    spans: list[Span] = []
    i, n = 0, len(tokens)

    def content(index: int) -> bool:
        token = tokens[index]
        if _is_content(token):
            return True
        if not token[:1].isupper() or _low(token) not in TITLE_WORDS:
            return False
        if index == 0:
            return not sentence_start
        return tokens[index - 1] not in (".", "!", "?", ":", ";", '"', "“")

    while i < n:
        start = i
        if _low(tokens[i]) in NP_LEADERS and i + 1 < n and content(i + 1) and not content(i):
            i += 1
        elif not content(i) or (_looks_verb(tokens[i]) and not _adjectival(tokens, i)):
            i += 1
            continue
        first = i
        while i < n:
            token = tokens[i]
            if content(i) and not (i > first and _looks_verb(token)):
                i += 1
            elif (
                _low(token) in ARTICLES
                and tokens[i - 1][:1].isupper()
                and i + 1 < n
                and tokens[i + 1][:1].isupper()
            ):
                i += 1  # "Kill [a] Mockingbird"
            elif (
                _low(token) in ("'s", "’s", "of", "and", "&")
                and i + 1 < n
                and (
                    _is_content(tokens[i + 1])
                    or (
                        _low(tokens[i + 1]) in ARTICLES and i + 2 < n and _is_content(tokens[i + 2])
                    )
                )
            ):
                i += 2 if _low(tokens[i + 1]) in ARTICLES else 1
            else:
                break
        end = i
        if (
            end - first > 1
            and _low(tokens[end - 1]) in TRAILING_ADVERBS
            and end < n
            and _looks_verb(tokens[end])
        ):
            end -= 1  # "his theory [first] released"
        if end > first:
            spans.append((start, end))
        else:
            i = start + 1
    return spans


@dataclass
class Reading:
    """A light reading of one question."""

    tokens: list[str]
    wh: Span | None = None  # the wh-phrase, with its preposition ("by when", "how many X")
    wh_word: str | None = None
    focus: Span | None = None  # the noun inside the wh-phrase ("smart coal mines")
    aux: int | None = None  # the auxiliary right after the wh-phrase
    subject_wh: bool = False  # the wh-phrase is the subject ("who delivered ...")
    subject: Span | None = None  # the subject when the wh-phrase is not
    phrases: tuple[Span, ...] = ()

    def text(self, span: Span) -> str:
        return join_tokens(self.tokens[span[0] : span[1]])


def read_question(text: str) -> Reading:
    """Split a question into its wh-phrase, auxiliary, subject and noun phrases."""
    tokens = [t for t in tokens_of(text) if t not in ("?", "!")]
    while tokens and _low(tokens[0]) in LEADING_FILLERS and len(tokens) > 1:
        if not (_low(tokens[1]) in WH_WORDS or _low(tokens[1]) in AUXILIARIES):
            break
        tokens = tokens[1:]
    if tokens and tokens[0] == ",":
        tokens = tokens[1:]
    reading = Reading(tokens)
    low = [_low(t) for t in tokens]
    n = len(tokens)
    i = 0
    if i < n and low[i] in PREPOSITIONS and i + 1 < n and low[i + 1] in WH_WORDS:
        i += 1
    if i < n and low[i] in WH_WORDS:
        start, word = (0 if i else i), low[i]
        reading.wh_word = word
        j = i + 1
        if word == "how" and j < n and low[j] in ("many", "much"):
            j += 1
            focus_end = _run_end(tokens, j)
            if focus_end > j:
                reading.focus = (j, focus_end)
            j = focus_end
        elif word == "how" and j < n and _is_content(tokens[j]) and low[j] not in AUXILIARIES:
            j += 1  # "how wide"
        elif (
            word in ("what", "which", "whose")
            and j < n
            and _is_content(tokens[j])
            and (not _looks_verb(tokens[j]) or _adjectival(tokens, j))
        ):
            focus_end = _run_end(tokens, j)
            reading.focus = (j, focus_end)
            j = focus_end
        reading.wh = (start, j)
        if j < n and low[j] in AUXILIARIES:
            reading.aux = j
            after = j + 1
            while after < n and low[after] in NEGATION:
                after += 1
            if (
                after >= n
                or _looks_verb(tokens[after])
                or low[after].endswith("ing")
                or low[after] in PREPOSITIONS
            ):
                reading.subject_wh = word not in ("when", "where", "why", "how") or bool(
                    reading.focus
                )
            else:
                end = _run_end(tokens, after)
                if low[j] in DO_AUXILIARIES | MODALS:
                    end = _subject_end(tokens, after, end, plural=low[j] == "do")
                if end > after:
                    reading.subject = (after, end)
                if (
                    low[j] in BE_AUXILIARIES
                    and reading.focus
                    and stem(_head(tokens, reading.focus)) not in ATTRIBUTE_NOUNS
                ):
                    # "which region was the first ...?": the region asked for is the subject
                    reading.subject_wh = True
        elif j < n and (word not in ("when", "where", "why", "how") or reading.focus):
            reading.subject_wh = True
    phrases = noun_phrases(tokens)
    if reading.subject:
        subject = reading.subject
        swallowed = [span for span in phrases if span[0] == subject[0] and span[1] > subject[1]]
        phrases = [subject if span[0] == subject[0] else span for span in phrases]
        if swallowed:
            # The phrase ran on past the subject over its verb ("workers assemble new energy
            # cars"): what follows the verb is read again ("new energy cars").
            verb = subject[1]
            rest = noun_phrases(tokens[verb + 1 :], sentence_start=False)
            later = [(a + verb + 1, b + verb + 1) for a, b in rest]
            phrases = [span for span in phrases if span[1] <= verb] + later
    reading.phrases = tuple(phrases)
    return reading


def _subject_end(tokens: Sequence[str], start: int, end: int, plural: bool = False) -> int:
    """Where the subject ``tokens[start:end]`` after "do" or a modal really ends: before the
    verb that the run of content words took in ("does [Shanxi] rank nationwide", "did [the
    service] launch"). After a plural "do" (``plural``) the subject ends with its first plural
    noun when a singular content word follows it: "do [workers] assemble new energy cars"."""
    if plural:
        for k in range(start, end - 1):
            following = tokens[k + 1]
            if (
                _is_plural(tokens, (k, k + 1))
                and _is_content(following)
                and following[:1].islower()
                and not _is_plural(tokens, (k + 1, k + 2))
            ):
                return k + 1
    names = start
    while names < end and (
        (tokens[names][:1].isupper() and not tokens[names].endswith(("'s", "’s")))
        or (names > start and _low(tokens[names]) in ("and", "&"))
    ):
        names += 1
    naming_nouns = PLACE_STEMS | PERSON_STEMS | NAME_END_STEMS
    if (
        start < names < end
        and _is_content(tokens[names])
        and tokens[names][:1].islower()
        and stem(_low(tokens[names])) not in naming_nouns
    ):
        return names  # "Li Ailing [hope] ...", "Shanxi [rank] nationwide"
    return end - 1 if _ends_with_verb(tokens, start, end) else end


def _ends_with_verb(tokens: Sequence[str], start: int, end: int) -> bool:
    """After "do" or a modal, whether the phrase ``tokens[start:end]`` ends with the main verb:
    "did [the service launch]" but not "does [a deputy] ... work" or "does [the first cargo
    train] between Changzhi and Moscow depart"."""
    content = [t for t in tokens[start:end] if _is_content(t)]
    if len(content) < 2:
        return False
    if _name_then_verb(tokens, (start, end)):
        return True  # "did [Li Ailing hope] ..."
    if end >= len(tokens):
        return True
    following = _low(tokens[end])
    if following in NP_LEADERS | OBJECT_PRONOUNS or tokens[end][:1].isdigit():
        return True
    # A later phrase ending in a lower-case word, not inside a prepositional phrase, is the verb;
    # only the main clause is looked at ("... announce on Nov 6 [that it would spend ...]").
    stop = next(
        (
            i
            for i in range(end, len(tokens))
            if _low(tokens[i]) in CLAUSE_OPENERS | AUXILIARIES or tokens[i] in (",", ";")
        ),
        len(tokens),
    )
    for span in noun_phrases(tokens[end:stop]):
        first, last = end + span[0], end + span[1] - 1
        before = _low(tokens[first - 1])
        if before not in PREPOSITIONS | {"of"} and tokens[last][:1].islower():
            return False
        if _name_then_verb(tokens, (first, last + 1)):
            return False  # "between [Changzhi and Moscow depart]"
    return True


def _name_then_verb(tokens: Sequence[str], span: Span) -> bool:
    """A name followed by one lower-case word that names nothing: "Li Ailing hope",
    "Moscow depart" (but not "Yanggao county" or "Shanxi's capacity")."""
    words = tokens[span[0] : span[1]]
    if len(words) < 2 or not words[-1][:1].islower():
        return False
    names = words[:-1]
    if not names[0][:1].isupper() or any(w.endswith(("'s", "’s")) for w in names):
        return False
    if not all(w[:1].isupper() or _low(w) in ("and", "&") for w in names):
        return False
    return stem(_low(words[-1])) not in PLACE_STEMS | PERSON_STEMS | NAME_END_STEMS


def _run_end(tokens: Sequence[str], start: int) -> int:
    """Where the noun phrase beginning at ``start`` ends (``start`` when none begins there)."""
    spans = noun_phrases(tokens[start:], sentence_start=start == 0)
    return start + spans[0][1] if spans and spans[0][0] == 0 else start


# ---------------------------------------------------------------------------------------------
# Referents


Kind = Literal["person", "thing", "plural", "place"]


@dataclass
class _Context:
    """The previous turn, read once."""

    turn: Turn
    reading: Reading
    answer_type: str
    quote: Reading

    @classmethod
    def of(cls, turn: Turn) -> _Context:
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
            (i for i, w in enumerate(words) if (i and _low(w) in NAME_BREAKS) or w in (",", ";")),
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
    if _low(first) in NP_LEADERS or _is_capitalised(first) or first[0].isdigit():
        return text
    return "the " + text


def _entity_of(reading: Reading, span: Span) -> Span:
    """The entity a phrase is about: "the maglev" in "the maximum speed of the maglev"."""
    inner = _of_object(reading.tokens, span)
    if inner and stem(_head(reading.tokens, span)) in ATTRIBUTE_NOUNS:
        return _entity_of(reading, inner)
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


def _referent(kind: Kind, context: _Context) -> str | None:
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
            if _has_noun(tokens, span, PERSON_STEMS) or (
                _is_proper(tokens, span) and span[1] - span[0] >= 2
            ):
                return _definite(reading, span)
        return None
    if kind == "place":
        if answer and context.answer_type == "place":
            return answer
        for source in (reading, context.quote):
            for span in source.phrases:
                before = _low(source.tokens[span[0] - 1]) if span[0] else ""
                if _has_noun(source.tokens, span, PLACE_STEMS) or (
                    before in PREPOSITIONS and _is_proper(source.tokens, span)
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
        if spans and spans[0][0] == 0 and _is_plural(words, spans[0]) == plural:
            phrase = words[spans[0][0] : spans[0][1]]
            if _low(phrase[0]) in ("a", "an"):
                phrase = ["the", *phrase[1:]]
            return join_tokens(phrase)
    if (
        answer
        and not plural
        and reading.wh_word == "what"
        and not reading.focus
        and not reading.subject_wh
        and reading.aux is not None
        and _low(reading.tokens[reading.aux]) not in BE_AUXILIARIES
        and context.answer_type == "other"
        and not any(ch.isdigit() for ch in answer)
    ):
        # "what did the city build?" "a ferry terminal": "its purpose" is the terminal's
        words = tokens_of(answer)
        spans = noun_phrases(words)
        if spans and spans[0] == (0, len(words)) and not _is_plural(words, spans[0]):
            return "the " + join_tokens(words[1:]) if _low(words[0]) in ("a", "an") else answer
    candidates: list[Span] = []
    focus = reading.focus
    if focus and (reading.subject_wh or stem(_head(tokens, focus)) not in ATTRIBUTE_NOUNS):
        # "which company ...", "what policy framework has Shanxi created?": the thing asked for
        candidates.append(focus)
    if reading.subject:
        candidates.append(_entity_of(reading, reading.subject))
    candidates += [_entity_of(reading, span) for span in _outside_wh(reading)]
    if focus:
        candidates.append(_entity_of(reading, focus))
    for span in candidates:
        if _is_plural(tokens, span) == plural:
            if span == focus and answer and _answers_focus(answer, tokens, span, context):
                return answer  # "along which fault ...?" "Longmenshan fault": that fault
            return _definite(reading, span)
    if plural and answer and context.answer_is_name():
        return context.name()  # "who designed the iPod?" "Apple": "when did they release it?"
    quote = context.quote
    if quote.phrases and quote.phrases[0][0] == 0:
        span = _entity_of(quote, quote.phrases[0])
        if _is_plural(quote.tokens, span) == plural and span[1] - span[0] <= 6:
            return _definite(quote, span)
    return None


def _answers_focus(answer: str, tokens: Sequence[str], focus: Span, context: _Context) -> bool:
    """Whether the previous answer names the thing the wh-phrase asked for: a name, or a phrase
    with the same head ("which fault" -> "Longmenshan fault")."""
    words = tokens_of(answer)
    if not words or any(ch.isdigit() for ch in answer):
        return False
    same_head = stem(_head(words, (0, len(words)))) == stem(_head(tokens, focus))
    return same_head or context.answer_is_name()


def _phrase_headed(noun: str, context: _Context) -> str | None:
    """The earlier phrase whose head is ``noun`` ("this line" -> "the test line")."""
    wanted = stem(_low(noun))
    reading = context.reading
    answer = context.answer
    if reading.focus and stem(_head(reading.tokens, reading.focus)) == wanted and answer:
        return answer  # "which company ...?" then "this company"
    if answer:
        words = tokens_of(answer)
        if words and stem(_head(words, (0, len(words)))) == wanted:
            return answer  # "in which county ...?" "Yanggao county" then "that county"
    for source in (reading, context.quote):
        for span in source.phrases:
            parts = [span]
            inner = _of_object(source.tokens, span)
            if inner:
                parts.append(inner)
            for part in parts:
                if stem(_head(source.tokens, part)) == wanted and (
                    part[1] - part[0] > 1 or _is_proper(source.tokens, part)
                ):
                    return _definite(source, part)
    return None


# ---------------------------------------------------------------------------------------------
# Pronouns and demonstratives


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
        if any(_low(t) in breaks for t in tokens[span[1] : index]):
            spans.append(span)
    for span in spans:
        if not (_low(tokens[span[0]]) in ARTICLES or _is_proper(tokens, span)):
            continue
        if kind == "person" and (_has_noun(tokens, span, PERSON_STEMS) or _is_proper(tokens, span)):
            return True
        if kind == "place" and (_has_noun(tokens, span, PLACE_STEMS) or _is_proper(tokens, span)):
            return True
        if kind in ("thing", "plural") and _is_plural(tokens, span) == (kind == "plural"):
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
    low = [_low(t) for t in tokens]

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
    if after + 1 >= len(low) or not _is_content(tokens[after]) or _looks_verb(tokens[after]):
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


def _resolve_references(reading: Reading, context: _Context) -> list[str] | None:
    """Replace the pronouns and demonstratives that have no referent of their own."""
    tokens = reading.tokens
    low = [_low(t) for t in tokens]
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
        followed = i + 1 < len(tokens) and _is_content(tokens[i + 1])
        if word in POSSESSIVE_PRONOUNS and followed:
            if not _bound(reading, i, kind):
                end = _run_end(tokens, i + 1)
                if reading.subject and reading.subject[0] == i:
                    end = reading.subject[1]  # "did [their product exports] increase"
                referent = _referent(kind, context)
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
                    replacement = _referent(kind, context)
        elif word in PERSON_PRONOUNS | THING_PRONOUNS | PLURAL_PRONOUNS - {"itself"}:
            if not _bound(reading, i, kind) and not (word == "it" and _anticipatory(tokens, i)):
                replacement = _referent(kind, context)
        elif (
            word in LOCATIVE_PRONOUNS
            and not _existential(low, i)
            and not _bound(reading, i, "place")
        ):
            place = _referent("place", context)
            if place:
                starts_with_preposition = _low(place.split()[0]) in PREPOSITIONS
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


def _demonstrative_phrase(
    reading: Reading, index: int, context: _Context
) -> tuple[str | None, int]:
    """What "this company" at ``index`` points to, and how many tokens it spans."""
    tokens = reading.tokens
    run_end = _run_end(tokens, index + 1)
    if reading.subject and reading.subject[0] == index:
        run_end = reading.subject[1]
    if run_end > index + 1 and stem(_low(tokens[run_end - 1])) in DOCUMENT_STEMS:
        return None, 1  # "who wrote this article?": the document read, not an earlier turn
    # "this company make": the head is the last word that heads an earlier phrase.
    for end in range(run_end, index + 1, -1):
        referent = _phrase_headed(tokens[end - 1], context)
        if referent:
            return referent, end - index
    thing = join_tokens(tokens[index + 1 : run_end])
    earlier = {stem(_low(t)) for t in context.reading.tokens}
    if stem(_low(tokens[run_end - 1])) in earlier:
        return f"the {thing}", run_end - index  # "that lab" after "the lab groundbreaking"
    # "that photo" with no photo before: the photo of what was asked about
    about = _referent(_pronoun_kind(_low(tokens[index])), context)
    return (f"the {thing} of {about}" if about else None), run_end - index


def _demonstrative(tokens: Sequence[str], index: int) -> bool:
    """Whether "this"/"that" at ``index`` points at something (not "the plan that ...")."""
    if index == 0:
        return True
    before = tokens[index - 1]
    low = _low(before)
    if low in CLAUSE_VERBS or low in ("so", "such", "now"):
        return False
    return not _is_content(before) or _looks_verb(before)


# ---------------------------------------------------------------------------------------------
# Ellipsis


def _strip_opener(tokens: list[str]) -> tuple[list[str], bool]:
    low = [_low(t) for t in tokens]
    for opener in ELLIPSIS_OPENERS:
        if tuple(low[: len(opener)]) == opener and len(tokens) > len(opener):
            rest = tokens[len(opener) :]
            if rest and rest[0] == ",":
                rest = rest[1:]
            return rest, True
    return tokens, False


def _relative_year(low: Sequence[str]) -> int | None:
    words = [w for w in low if w not in ("?", ",")]
    for prefix in ((), ("in",), ("for",), ("during",)):
        for phrase, step in RELATIVE_YEARS:
            for tail in ((), ("that",), ("then",)):
                if tuple(words) == (*prefix, *phrase, *tail):
                    return step
    return None


def _years(tokens: Sequence[str]) -> list[int]:
    return [i for i, token in enumerate(tokens) if _is_year(token)]


def _is_month(tokens: Sequence[str], index: int) -> bool:
    word = _low(tokens[index]).rstrip(".")
    if word not in MONTHS:
        return False
    if word != "may":
        return True
    # "May" the month, not the modal: capitalised, beside a number or after a preposition.
    near_number = index + 1 < len(tokens) and tokens[index + 1][:1].isdigit()
    after_preposition = index > 0 and _low(tokens[index - 1]) in PREPOSITIONS
    return tokens[index][:1].isupper() and (near_number or after_preposition)


def _date_spans(tokens: Sequence[str]) -> list[Span]:
    """Dates: "May 2021", "Oct 8", "Jan 17, 2024", "2024", "this year"."""
    spans: list[Span] = []
    low = [_low(t) for t in tokens]
    i = 0
    while i < len(tokens):
        phrase = next(
            (p for p in TIME_PHRASES if tuple(low[i : i + len(p)]) == p),
            None,
        )
        if phrase:
            spans.append((i, i + len(phrase)))
            i += len(phrase)
            continue
        if _is_month(tokens, i) or _is_year(tokens[i]):
            j = i + 1
            if _is_month(tokens, i) and j < len(tokens) and re.fullmatch(r"\d{1,2}", tokens[j]):
                j += 1
            if j + 1 < len(tokens) and tokens[j] == "," and _is_year(tokens[j + 1]):
                j += 2
            elif j < len(tokens) and j > i and _is_year(tokens[j]) and not _is_year(tokens[i]):
                j += 1
            spans.append((i, j))
            i = j
            continue
        i += 1
    return spans


def _is_date(tokens: Sequence[str]) -> bool:
    spans = _date_spans(tokens)
    return len(spans) == 1 and spans[0] == (0, len(tokens))


def _base_year(context: _Context) -> int | None:
    tokens = context.reading.tokens
    years = _years(tokens)
    if years:
        return int(tokens[years[-1]])
    for text in (context.answer or "", context.turn.quote or ""):
        found = [t for t in tokens_of(text) if _is_year(t)]
        if found:
            return int(found[0])
    return None


def _with_time(context: _Context, phrase: list[str]) -> list[str]:
    """The previous question with its date replaced by ``phrase`` ("in 2023", "August")."""
    tokens = list(context.reading.tokens)
    low = [_low(t) for t in tokens]
    preposition = _low(phrase[0]) if _low(phrase[0]) in PREPOSITIONS else None
    date = phrase[1:] if preposition else phrase
    if preposition is None:
        preposition = "on" if _MONTH_DAY.match(join_tokens(date)) else "in"
    spans = _date_spans(tokens)
    if not spans:
        return [*tokens, preposition, *date]
    start, end = spans[-1]
    if start and low[start - 1] in ("in", "on", "during"):
        # "in 2024" -> "in 2023"; "on Oct 8" -> "in August"
        return [*tokens[: start - 1], preposition, *date, *tokens[end:]]
    if low[start] in (
        "this",
        "last",
        "next",
    ):  # "this year" -> "in 2024", "for this year" -> "for 2024"
        lead = [] if start and low[start - 1] in PREPOSITIONS else [preposition]
        return [*tokens[:start], *lead, *date, *tokens[end:]]
    return [*tokens[:start], *date, *tokens[end:]]  # "by the end of 2024" -> "... of 2023"


def _substitute(context: _Context, phrase: list[str]) -> list[str] | None:
    """The previous question with the slot that ``phrase`` fills replaced by it."""
    reading = context.reading
    tokens = reading.tokens
    if not phrase:
        return None
    preposition = _low(phrase[0]) if _low(phrase[0]) in PREPOSITIONS else None
    body = phrase[1:] if preposition else phrase
    if not body:
        return None
    if _is_date(body):
        return _with_time(context, phrase)
    body_span = (0, len(body))
    outside_wh = [
        span
        for span in reading.phrases
        if not (reading.wh and reading.wh[0] <= span[0] < reading.wh[1])
    ]
    if preposition:
        for span in outside_wh:
            if span[0] and _low(tokens[span[0] - 1]) == preposition:
                return [*tokens[: span[0]], *body, *tokens[span[1] :]]
    if _is_proper(body, body_span):
        names = [span for span in outside_wh if _is_proper(tokens, span)]
        if names:
            span = names[-1]
            return [*tokens[: span[0]], *body, *tokens[span[1] :]]
        if preposition:
            return [*tokens, *phrase]
    if preposition:
        return [*tokens, *phrase]
    head = stem(_head(body, body_span))
    for span in reading.phrases:
        for part in (span, _of_object(tokens, span)):
            if part and stem(_head(tokens, part)) == head:
                return [*tokens[: part[0]], *body, *tokens[part[1] :]]
    if reading.focus and reading.wh_word == "how":
        span = reading.focus
        inner = _of_object(tokens, span)
        if inner and (_low(body[0]) in NP_LEADERS or _is_proper(body, body_span)):
            span = inner  # "how many copies of the novel ...?" "what about the sequel?"
        return [*tokens[: span[0]], *body, *tokens[span[1] :]]
    focus = reading.focus
    if focus and stem(_head(tokens, focus)) in ATTRIBUTE_NOUNS:
        # "what GDP increase ...?" then "what about fixed asset investment?": what is measured
        inner = _of_object(tokens, focus)
        if inner:
            return [*tokens[: inner[0]], *body, *tokens[inner[1] :]]
        last = focus[1] - 1
        if last > focus[0]:
            bare = all(_is_content(t) for t in body)
            new = [*body, tokens[last]] if bare else [tokens[last], "of", *body]
            return [*tokens[: focus[0]], *new, *tokens[focus[1] :]]
    slot: Span | None = None
    if reading.subject:
        slot = _entity_of(reading, reading.subject)
    elif reading.subject_wh and reading.wh:
        after = [span for span in reading.phrases if span[0] >= reading.wh[1]]
        slot = after[0] if after else None
        if slot and _looks_verb(tokens[slot[0]]):
            slot = after[1] if len(after) > 1 else None
    elif reading.focus:
        slot = reading.focus
    if slot is None:
        return None
    return [*tokens[: slot[0]], *body, *tokens[slot[1] :]]


def _preposition_for(answer: str) -> list[str]:
    """The answer as an adverbial: "Jan 17" -> "on Jan 17", "2021" -> "in 2021"."""
    tokens = tokens_of(answer)
    if not tokens or _low(tokens[0]) in PREPOSITIONS:
        return tokens
    if _MONTH_DAY.match(answer):
        return ["on", *tokens]
    return ["in", *tokens]


def _rewh(context: _Context, wh: list[str]) -> list[str] | None:
    """Ask the previous question again with a new wh-phrase ("by when?")."""
    reading = context.reading
    tokens = reading.tokens
    if reading.wh is None or reading.wh_word is None:
        return None
    old_wh = [_low(t) for t in tokens[reading.wh[0] : reading.wh[1]]]
    if [_low(t) for t in wh] == old_wh:
        return None
    new_words = [_low(t) for t in wh if _low(t) not in PREPOSITIONS]
    asks_thing = len(new_words) > 1 and new_words[0] in ("what", "which", "how")
    if asks_thing and not {stem(w) for w in new_words[1:]} & DATE_STEMS and reading.focus:
        # "how many cities ...?" then "and how many countries?": the new wh-phrase in its place
        return [*wh, *tokens[reading.wh[1] :]]
    answer = context.answer
    old_word = reading.wh_word
    focus = join_tokens(tokens[reading.focus[0] : reading.focus[1]]) if reading.focus else ""
    filler: list[str] = []
    if old_word == "how" and reading.focus is not None:  # "how many X"
        if answer:
            filler = tokens_of(answer)
            if stem(_head(tokens, reading.focus)) not in {stem(_low(t)) for t in filler}:
                filler += tokens_of(focus)
        else:
            filler = tokens_of("the " + focus)
    elif (
        old_word == "how"
        and reading.wh[1] - reading.wh[0] == 2
        and _low(tokens[reading.wh[1] - 1]) not in ("many", "much")
    ):  # "how wide"
        filler = [*tokens_of(answer or ""), tokens[reading.wh[1] - 1]]
    elif old_word in ("what", "which", "whose", "who", "whom"):
        if answer:
            filler = tokens_of(answer)
        elif focus:
            filler = tokens_of("the " + focus)
    elif old_word in ("when", "where") and answer:
        filler = _preposition_for(answer)
    if new_words[0] == "when" or {stem(w) for w in new_words[1:]} & DATE_STEMS:
        # "what did the company join on Oct 8?" then "when did that happen?": the old date goes
        tokens = _without_dates(tokens, reading.wh[1])
    if reading.aux is not None and not reading.subject_wh:
        return [*wh, *tokens[reading.aux :], *filler]
    if not filler:
        referent = _referent("thing", context)
        filler = tokens_of(referent) if referent else ["someone"] if old_word == "who" else []
        if not filler:
            return None
    if reading.aux is not None:  # "which company was named ..." -> "when was X named ..."
        return [*wh, tokens[reading.aux], *filler, *tokens[reading.aux + 1 :]]
    verb = _low(tokens[reading.wh[1]]) if reading.wh[1] < len(tokens) else ""
    present = verb.endswith("s") and not verb.endswith("ss") and not _looks_verb(verb)
    return [*wh, "is" if present else "was", "it", "that", *filler, *tokens[reading.wh[1] :]]


def _without_dates(tokens: list[str], start: int) -> list[str]:
    """``tokens`` without the dates after ``start`` (and the preposition before each)."""
    out = list(tokens)
    for first, end in reversed(_date_spans(tokens)):
        if first < start:
            continue
        if first > start and _low(out[first - 1]) in ("in", "on", "during", "since", "by"):
            first -= 1
        del out[first:end]
    return out


def _bare_wh(tokens: Sequence[str]) -> list[str] | None:
    """The wh-phrase of a question that is nothing else: "by when?", "why is that?", "and how
    many countries?"."""
    kept = [t for t in tokens if t not in (",", "?")]
    while kept and _low(kept[0]) in LEADING_FILLERS:
        kept = kept[1:]
    low = [_low(t) for t in kept]
    if not low:
        return None
    i = 1 if low[0] in PREPOSITIONS and len(low) > 1 else 0
    if low[i] not in WH_WORDS:
        return None
    j = i + 1
    if low[i] == "how" and j < len(low) and low[j] in ("many", "much", "long", "far", "big"):
        j = _run_end(kept, j + 1) if low[j] in ("many", "much") else j + 1
    elif low[i] in ("which", "what") and j < len(low) and _is_content(kept[j]):
        j = _run_end(kept, j)
    wh, rest = kept[:j], low[j:]
    if not rest or rest in (["exactly"], ["then"], ["for"], ["instead"]):
        if rest == ["for"] and low[i] == "what":
            return ["why"]
        return wh if wh != ["how"] else None
    pointer = ("that", "this", "it")
    adverbial = len(wh) == i + 1 and low[i] in ("why", "when", "where", "how")
    if adverbial and len(rest) == 2 and rest[0] in BE_AUXILIARIES and rest[1] in pointer:
        return wh  # "why is that?"
    if (
        len(rest) >= 3
        and rest[0] in DO_AUXILIARIES | MODALS
        and rest[1] in pointer
        and tuple(rest[2:]) in EVENT_VERBS
    ):
        return wh  # "when did that happen?"
    if len(rest) >= 2 and rest[0] in pointer and tuple(rest[1:]) in EVENT_VERBS:
        return wh
    return None


def _is_phrase_only(tokens: Sequence[str]) -> bool:
    """No wh-word and no auxiliary or verb: a phrase such as "in 2023" or "Taiyuan"."""
    low = [_low(t) for t in tokens]
    return bool(low) and not any(w in WH_WORDS or w in AUXILIARIES for w in low)


# ---------------------------------------------------------------------------------------------
# The entry point


def resolve(question: str, previous: Turn | None) -> str | None:
    """The standalone form of ``question`` read after ``previous``; None when it stands alone
    (or the previous turn offers nothing to resolve it with)."""
    if previous is None or not previous.question.strip():
        return None
    tokens = [t for t in tokens_of(question) if t not in ("?", "!")]
    if not tokens:
        return None
    context = _Context.of(previous)
    rewritten = _rewrite(tokens, context)
    if rewritten is None:
        return None
    text = join_tokens(rewritten).strip()
    if not text or text.rstrip("?").lower() == join_tokens(tokens).lower():
        return None
    if tokens[0][:1].isupper():
        text = text[:1].upper() + text[1:]
    return text.rstrip("?. ") + "?"


def _rewrite(tokens: list[str], context: _Context) -> list[str] | None:
    rest, opened = _strip_opener(tokens)
    step = _relative_year([_low(t) for t in tokens])
    if step is None and opened:
        step = _relative_year([_low(t) for t in rest])  # "and the year before?"
    if step is not None:
        base = _base_year(context)
        return None if base is None else _with_time(context, [str(base + step)])
    wh = _bare_wh(tokens)
    if wh is not None:
        if _counts_on_its_own(tokens, wh, context):
            return None
        return _rewh(context, wh)
    if _is_phrase_only(rest) and (opened or _low(rest[0]) in PREPOSITIONS) and len(rest) <= 8:
        return _substitute(context, _resolve_references(Reading(rest), context) or rest)
    reading = read_question(join_tokens(tokens))
    if _names_what_it_asks(reading):
        return None
    resolved = _resolve_references(reading, context)
    counted = _counted_thing(read_question(join_tokens(resolved)) if resolved else reading, context)
    return counted or resolved


def _kind_of(word: str) -> str | None:
    """What a head noun names: a person, a place, an organisation, a date (None otherwise)."""
    word = stem(_low(word))
    for kind, stems in (
        ("person", PERSON_STEMS),
        ("place", PLACE_STEMS),
        ("organisation", ORGANISATION_STEMS),
        ("date", DATE_STEMS),
    ):
        if word in stems:
            return kind
    return None


def _counts_on_its_own(tokens: Sequence[str], wh: Sequence[str], context: _Context) -> bool:
    """Whether a bare "how many X?" is a question of its own: it names what it counts, so
    "how many smart coal mines?" after "who delivered the report?" is asked as it stands.
    It is a follow-up when the previous question counted or named something too and the
    question opens with "and" ("and how many countries?") or counts something of the same
    kind ("how many countries?" after "how many cities do the routes reach?"). A wh-phrase
    after a preposition ("in which city?", "over how many years?") or one without a noun
    ("how long?") is always a follow-up."""
    low = [_low(t) for t in wh]
    if len(low) < 3 or low[0] != "how" or low[1] not in ("many", "much"):
        return False
    if not any(_is_content(w) for w in wh[2:]):
        return False
    previous = context.reading
    if previous.focus is None:
        return True
    if _low(tokens[0]) in LEADING_FILLERS:
        return False
    before = _head(previous.tokens, previous.focus)
    now = _head(wh, (2, len(wh)))
    if stem(before) == stem(now):
        return False
    kind = _kind_of(now)
    return kind is None or kind != _kind_of(before)


def _names_what_it_asks(reading: Reading) -> bool:
    """ "which session of the 14th Congress was it?": the pronoun stands for the thing the
    wh-phrase names, and that phrase says what it is about (a name, or an "of" phrase after
    a noun that is no attribute: "what kind of resource is it?" is a follow-up)."""
    tokens, focus = reading.tokens, reading.focus
    if focus is None or reading.wh_word not in ("which", "what") or reading.aux is None:
        return False
    low = [_low(t) for t in tokens]
    if low[reading.aux] not in BE_AUXILIARIES or low[reading.aux + 1 :] not in (
        ["it"],
        ["this"],
        ["that"],
    ):
        return False
    if any(_is_capitalised(t) for t in tokens[focus[0] + 1 : focus[1]]):
        return True
    # "which session of the congress was it?", but not "what kind of resource is it?"
    return _of_object(tokens, focus) is not None and (
        stem(_head(tokens, focus)) not in ATTRIBUTE_NOUNS
    )


def _counted_thing(reading: Reading, context: _Context) -> list[str] | None:
    """ "how many were injured?" after "how many people ...?": "how many people were injured?".
    A question with a subject of its own counts something else ("how much did the test line
    cost?", "by how much did the province climb?")."""
    tokens, previous = reading.tokens, context.reading
    wh = reading.wh
    if not (wh and reading.wh_word == "how" and reading.focus is None and wh[1] - wh[0] >= 2):
        return None
    if reading.subject is not None or _low(tokens[wh[0]]) in PREPOSITIONS:
        return None
    if _low(tokens[wh[1] - 1]) not in ("many", "much") or reading.aux != wh[1]:
        return None
    if previous.wh_word != "how" or previous.focus is None:
        return None
    focus = previous.tokens[previous.focus[0] : previous.focus[1]]
    return [*tokens[: wh[1]], *focus, *tokens[wh[1] :]]


def prefer_passage(hits: list[Hit], previous: Turn | None, top_k: int) -> list[Hit]:
    """``hits`` with the chunk the previous answer quoted moved into the ``top_k`` read, when
    retrieval ranked it just below them: a follow-up is most often about the same passage.
    The answer is still chosen, and quoted, from the text by the answerer."""
    if previous is None or previous.source is None or previous.start is None:
        return hits
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        if chunk.source == previous.source and chunk.start <= previous.start < chunk.end:
            if rank < top_k:
                return hits
            return [*hits[: top_k - 1], hit, *hits[top_k - 1 : rank], *hits[rank + 1 :]]
    return hits

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

Every word list the rules use lives in :mod:`shanxi_qa.language.vocabulary`."""

from __future__ import annotations

from collections.abc import Sequence

from shanxi_qa.conversation.dates import base_year, relative_year, with_time, without_dates
from shanxi_qa.conversation.pronouns import resolve_references
from shanxi_qa.conversation.references import Context, entity_of, referent_of
from shanxi_qa.conversation.turn import Turn
from shanxi_qa.language.dates import (
    MONTH_DAY,
    is_date,
)
from shanxi_qa.language.phrases import (
    TokenSpan,
    head_word,
    is_capitalised,
    is_content,
    is_proper,
    join_tokens,
    looks_verb,
    lowered,
    noun_run_end,
    of_object,
    tokens_of,
)
from shanxi_qa.language.reading import (
    QuestionReading,
    read_question,
)
from shanxi_qa.language.text import stem
from shanxi_qa.language.vocabulary import (
    ATTRIBUTE_NOUNS,
    AUXILIARIES,
    BE_AUXILIARIES,
    DATE_STEMS,
    DO_AUXILIARIES,
    ELLIPSIS_OPENERS,
    EVENT_VERBS,
    LEADING_FILLERS,
    MODALS,
    NP_LEADERS,
    ORGANISATION_STEMS,
    PERSON_STEMS,
    PLACE_STEMS,
    PREPOSITIONS,
    WH_WORDS,
)


def _strip_opener(tokens: list[str]) -> tuple[list[str], bool]:
    low = [lowered(t) for t in tokens]
    for opener in ELLIPSIS_OPENERS:
        if tuple(low[: len(opener)]) == opener and len(tokens) > len(opener):
            rest = tokens[len(opener) :]
            if rest and rest[0] == ",":
                rest = rest[1:]
            return rest, True
    return tokens, False


def _substitute(context: Context, phrase: list[str]) -> list[str] | None:
    """The previous question with the slot that ``phrase`` fills replaced by it."""
    reading = context.reading
    tokens = reading.tokens
    if not phrase:
        return None
    preposition = lowered(phrase[0]) if lowered(phrase[0]) in PREPOSITIONS else None
    body = phrase[1:] if preposition else phrase
    if not body:
        return None
    if is_date(body):
        return with_time(context, phrase)
    body_span = (0, len(body))
    outside_wh = [
        span
        for span in reading.phrases
        if not (reading.wh and reading.wh[0] <= span[0] < reading.wh[1])
    ]
    if preposition:
        for span in outside_wh:
            if span[0] and lowered(tokens[span[0] - 1]) == preposition:
                return [*tokens[: span[0]], *body, *tokens[span[1] :]]
    if is_proper(body, body_span):
        names = [span for span in outside_wh if is_proper(tokens, span)]
        if names:
            span = names[-1]
            return [*tokens[: span[0]], *body, *tokens[span[1] :]]
        if preposition:
            return [*tokens, *phrase]
    if preposition:
        return [*tokens, *phrase]
    head = stem(head_word(body, body_span))
    for span in reading.phrases:
        for part in (span, of_object(tokens, span)):
            if part and stem(head_word(tokens, part)) == head:
                return [*tokens[: part[0]], *body, *tokens[part[1] :]]
    if reading.focus and reading.wh_word == "how":
        span = reading.focus
        inner = of_object(tokens, span)
        if inner and (lowered(body[0]) in NP_LEADERS or is_proper(body, body_span)):
            span = inner  # "how many copies of the novel ...?" "what about the sequel?"
        return [*tokens[: span[0]], *body, *tokens[span[1] :]]
    focus = reading.focus
    if focus and stem(head_word(tokens, focus)) in ATTRIBUTE_NOUNS:
        # "what GDP increase ...?" then "what about fixed asset investment?": what is measured
        inner = of_object(tokens, focus)
        if inner:
            return [*tokens[: inner[0]], *body, *tokens[inner[1] :]]
        last = focus[1] - 1
        if last > focus[0]:
            bare = all(is_content(t) for t in body)
            new = [*body, tokens[last]] if bare else [tokens[last], "of", *body]
            return [*tokens[: focus[0]], *new, *tokens[focus[1] :]]
    slot: TokenSpan | None = None
    if reading.subject:
        slot = entity_of(reading, reading.subject)
    elif reading.subject_wh and reading.wh:
        after = [span for span in reading.phrases if span[0] >= reading.wh[1]]
        slot = after[0] if after else None
        if slot and looks_verb(tokens[slot[0]]):
            slot = after[1] if len(after) > 1 else None
    elif reading.focus:
        slot = reading.focus
    if slot is None:
        return None
    return [*tokens[: slot[0]], *body, *tokens[slot[1] :]]


def _preposition_for(answer: str) -> list[str]:
    """The answer as an adverbial: "Jan 17" -> "on Jan 17", "2021" -> "in 2021"."""
    tokens = tokens_of(answer)
    if not tokens or lowered(tokens[0]) in PREPOSITIONS:
        return tokens
    if MONTH_DAY.match(answer):
        return ["on", *tokens]
    return ["in", *tokens]


def _rewh(context: Context, wh: list[str]) -> list[str] | None:
    """Ask the previous question again with a new wh-phrase ("by when?")."""
    reading = context.reading
    tokens = reading.tokens
    if reading.wh is None or reading.wh_word is None:
        return None
    old_wh = [lowered(t) for t in tokens[reading.wh[0] : reading.wh[1]]]
    if [lowered(t) for t in wh] == old_wh:
        return None
    new_words = [lowered(t) for t in wh if lowered(t) not in PREPOSITIONS]
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
            if stem(head_word(tokens, reading.focus)) not in {stem(lowered(t)) for t in filler}:
                filler += tokens_of(focus)
        else:
            filler = tokens_of("the " + focus)
    elif (
        old_word == "how"
        and reading.wh[1] - reading.wh[0] == 2
        and lowered(tokens[reading.wh[1] - 1]) not in ("many", "much")
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
        tokens = without_dates(tokens, reading.wh[1])
    if reading.aux is not None and not reading.subject_wh:
        return [*wh, *tokens[reading.aux :], *filler]
    if not filler:
        referent = referent_of("thing", context)
        filler = tokens_of(referent) if referent else ["someone"] if old_word == "who" else []
        if not filler:
            return None
    if reading.aux is not None:  # "which company was named ..." -> "when was X named ..."
        return [*wh, tokens[reading.aux], *filler, *tokens[reading.aux + 1 :]]
    verb = lowered(tokens[reading.wh[1]]) if reading.wh[1] < len(tokens) else ""
    present = verb.endswith("s") and not verb.endswith("ss") and not looks_verb(verb)
    return [*wh, "is" if present else "was", "it", "that", *filler, *tokens[reading.wh[1] :]]


def _bare_wh(tokens: Sequence[str]) -> list[str] | None:
    """The wh-phrase of a question that is nothing else: "by when?", "why is that?", "and how
    many countries?"."""
    kept = [t for t in tokens if t not in (",", "?")]
    while kept and lowered(kept[0]) in LEADING_FILLERS:
        kept = kept[1:]
    low = [lowered(t) for t in kept]
    if not low:
        return None
    i = 1 if low[0] in PREPOSITIONS and len(low) > 1 else 0
    if low[i] not in WH_WORDS:
        return None
    j = i + 1
    if low[i] == "how" and j < len(low) and low[j] in ("many", "much", "long", "far", "big"):
        j = noun_run_end(kept, j + 1) if low[j] in ("many", "much") else j + 1
    elif low[i] in ("which", "what") and j < len(low) and is_content(kept[j]):
        j = noun_run_end(kept, j)
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
    low = [lowered(t) for t in tokens]
    return bool(low) and not any(w in WH_WORDS or w in AUXILIARIES for w in low)


def resolve(question: str, previous: Turn | None) -> str | None:
    """The standalone form of ``question`` read after ``previous``; None when it stands alone
    (or the previous turn offers nothing to resolve it with)."""
    if previous is None or not previous.question.strip():
        return None
    tokens = [t for t in tokens_of(question) if t not in ("?", "!")]
    if not tokens:
        return None
    context = Context.of(previous)
    rewritten = _rewrite(tokens, context)
    if rewritten is None:
        return None
    text = join_tokens(rewritten).strip()
    if not text or text.rstrip("?").lower() == join_tokens(tokens).lower():
        return None
    if tokens[0][:1].isupper():
        text = text[:1].upper() + text[1:]
    return text.rstrip("?. ") + "?"


def _rewrite(tokens: list[str], context: Context) -> list[str] | None:
    rest, opened = _strip_opener(tokens)
    step = relative_year([lowered(t) for t in tokens])
    if step is None and opened:
        step = relative_year([lowered(t) for t in rest])  # "and the year before?"
    if step is not None:
        base = base_year(context)
        return None if base is None else with_time(context, [str(base + step)])
    wh = _bare_wh(tokens)
    if wh is not None:
        if _counts_on_its_own(tokens, wh, context):
            return None
        return _rewh(context, wh)
    if _is_phrase_only(rest) and (opened or lowered(rest[0]) in PREPOSITIONS) and len(rest) <= 8:
        return _substitute(context, resolve_references(QuestionReading(rest), context) or rest)
    reading = read_question(join_tokens(tokens))
    if _names_what_it_asks(reading):
        return None
    resolved = resolve_references(reading, context)
    counted = _counted_thing(read_question(join_tokens(resolved)) if resolved else reading, context)
    return counted or resolved


def _kind_of(word: str) -> str | None:
    """What a head noun names: a person, a place, an organisation, a date (None otherwise)."""
    word = stem(lowered(word))
    for kind, stems in (
        ("person", PERSON_STEMS),
        ("place", PLACE_STEMS),
        ("organisation", ORGANISATION_STEMS),
        ("date", DATE_STEMS),
    ):
        if word in stems:
            return kind
    return None


def _counts_on_its_own(tokens: Sequence[str], wh: Sequence[str], context: Context) -> bool:
    """Whether a bare "how many X?" is a question of its own: it names what it counts, so
    "how many smart coal mines?" after "who delivered the report?" is asked as it stands.
    It is a follow-up when the previous question counted or named something too and the
    question opens with "and" ("and how many countries?") or counts something of the same
    kind ("how many countries?" after "how many cities do the routes reach?"). A wh-phrase
    after a preposition ("in which city?", "over how many years?") or one without a noun
    ("how long?") is always a follow-up."""
    low = [lowered(t) for t in wh]
    if len(low) < 3 or low[0] != "how" or low[1] not in ("many", "much"):
        return False
    if not any(is_content(w) for w in wh[2:]):
        return False
    previous = context.reading
    if previous.focus is None:
        return True
    if lowered(tokens[0]) in LEADING_FILLERS:
        return False
    before = head_word(previous.tokens, previous.focus)
    now = head_word(wh, (2, len(wh)))
    if stem(before) == stem(now):
        return False
    kind = _kind_of(now)
    return kind is None or kind != _kind_of(before)


def _names_what_it_asks(reading: QuestionReading) -> bool:
    """ "which session of the 14th Congress was it?": the pronoun stands for the thing the
    wh-phrase names, and that phrase says what it is about (a name, or an "of" phrase after
    a noun that is no attribute: "what kind of resource is it?" is a follow-up)."""
    tokens, focus = reading.tokens, reading.focus
    if focus is None or reading.wh_word not in ("which", "what") or reading.aux is None:
        return False
    low = [lowered(t) for t in tokens]
    if low[reading.aux] not in BE_AUXILIARIES or low[reading.aux + 1 :] not in (
        ["it"],
        ["this"],
        ["that"],
    ):
        return False
    if any(is_capitalised(t) for t in tokens[focus[0] + 1 : focus[1]]):
        return True
    # "which session of the congress was it?", but not "what kind of resource is it?"
    return of_object(tokens, focus) is not None and (
        stem(head_word(tokens, focus)) not in ATTRIBUTE_NOUNS
    )


def _counted_thing(reading: QuestionReading, context: Context) -> list[str] | None:
    """ "how many were injured?" after "how many people ...?": "how many people were injured?".
    A question with a subject of its own counts something else ("how much did the test line
    cost?", "by how much did the province climb?")."""
    tokens, previous = reading.tokens, context.reading
    wh = reading.wh
    if not (wh and reading.wh_word == "how" and reading.focus is None and wh[1] - wh[0] >= 2):
        return None
    if reading.subject is not None or lowered(tokens[wh[0]]) in PREPOSITIONS:
        return None
    if lowered(tokens[wh[1] - 1]) not in ("many", "much") or reading.aux != wh[1]:
        return None
    if previous.wh_word != "how" or previous.focus is None:
        return None
    focus = previous.tokens[previous.focus[0] : previous.focus[1]]
    return [*tokens[: wh[1]], *focus, *tokens[wh[1] :]]

"""How a question reads: its wh-phrase, the noun it asks about, its auxiliary, its subject and
its noun phrases. Retrieval, ranking and follow-ups all read a question through this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shanxi_qa.language.phrases import (
    TokenSpan,
    adjectival,
    head_word,
    is_content,
    is_plural,
    join_tokens,
    looks_verb,
    lowered,
    noun_phrases,
    noun_run_end,
    tokens_of,
)
from shanxi_qa.language.text import stem
from shanxi_qa.language.vocabulary import (
    ATTRIBUTE_NOUNS,
    AUXILIARIES,
    BE_AUXILIARIES,
    CLAUSE_OPENERS,
    DO_AUXILIARIES,
    LEADING_FILLERS,
    MODALS,
    NAME_END_STEMS,
    NEGATION,
    NP_LEADERS,
    OBJECT_PRONOUNS,
    PERSON_STEMS,
    PLACE_STEMS,
    PREPOSITIONS,
    WH_WORDS,
)


@dataclass
class QuestionReading:
    """A light reading of one question."""

    tokens: list[str]
    wh: TokenSpan | None = None  # the wh-phrase, with its preposition ("by when", "how many X")
    wh_word: str | None = None
    focus: TokenSpan | None = None  # the noun inside the wh-phrase ("smart coal mines")
    aux: int | None = None  # the auxiliary right after the wh-phrase
    subject_wh: bool = False  # the wh-phrase is the subject ("who delivered ...")
    subject: TokenSpan | None = None  # the subject when the wh-phrase is not
    phrases: tuple[TokenSpan, ...] = ()

    def text(self, span: TokenSpan) -> str:
        return join_tokens(self.tokens[span[0] : span[1]])


def read_question(text: str) -> QuestionReading:
    """Split a question into its wh-phrase, auxiliary, subject and noun phrases."""
    tokens = [t for t in tokens_of(text) if t not in ("?", "!")]
    while tokens and lowered(tokens[0]) in LEADING_FILLERS and len(tokens) > 1:
        if not (lowered(tokens[1]) in WH_WORDS or lowered(tokens[1]) in AUXILIARIES):
            break
        tokens = tokens[1:]
    if tokens and tokens[0] == ",":
        tokens = tokens[1:]
    reading = QuestionReading(tokens)
    low = [lowered(t) for t in tokens]
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
            focus_end = noun_run_end(tokens, j)
            if focus_end > j:
                reading.focus = (j, focus_end)
            j = focus_end
        elif word == "how" and j < n and is_content(tokens[j]) and low[j] not in AUXILIARIES:
            j += 1  # "how wide"
        elif (
            word in ("what", "which", "whose")
            and j < n
            and is_content(tokens[j])
            and (not looks_verb(tokens[j]) or adjectival(tokens, j))
        ):
            focus_end = noun_run_end(tokens, j)
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
                or looks_verb(tokens[after])
                or low[after].endswith("ing")
                or low[after] in PREPOSITIONS
            ):
                reading.subject_wh = word not in ("when", "where", "why", "how") or bool(
                    reading.focus
                )
            else:
                end = noun_run_end(tokens, after)
                if low[j] in DO_AUXILIARIES | MODALS:
                    end = _subject_end(tokens, after, end, plural=low[j] == "do")
                if end > after:
                    reading.subject = (after, end)
                if (
                    low[j] in BE_AUXILIARIES
                    and reading.focus
                    and stem(head_word(tokens, reading.focus)) not in ATTRIBUTE_NOUNS
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
                is_plural(tokens, (k, k + 1))
                and is_content(following)
                and following[:1].islower()
                and not is_plural(tokens, (k + 1, k + 2))
            ):
                return k + 1
    names = start
    while names < end and (
        (tokens[names][:1].isupper() and not tokens[names].endswith(("'s", "’s")))
        or (names > start and lowered(tokens[names]) in ("and", "&"))
    ):
        names += 1
    naming_nouns = PLACE_STEMS | PERSON_STEMS | NAME_END_STEMS
    if (
        start < names < end
        and is_content(tokens[names])
        and tokens[names][:1].islower()
        and stem(lowered(tokens[names])) not in naming_nouns
    ):
        return names  # "Li Ailing [hope] ...", "Shanxi [rank] nationwide"
    return end - 1 if _ends_with_verb(tokens, start, end) else end


def _ends_with_verb(tokens: Sequence[str], start: int, end: int) -> bool:
    """After "do" or a modal, whether the phrase ``tokens[start:end]`` ends with the main verb:
    "did [the service launch]" but not "does [a deputy] ... work" or "does [the first cargo
    train] between Changzhi and Moscow depart"."""
    content = [t for t in tokens[start:end] if is_content(t)]
    if len(content) < 2:
        return False
    if _name_then_verb(tokens, (start, end)):
        return True  # "did [Li Ailing hope] ..."
    if end >= len(tokens):
        return True
    following = lowered(tokens[end])
    if following in NP_LEADERS | OBJECT_PRONOUNS or tokens[end][:1].isdigit():
        return True
    # A later phrase ending in a lower-case word, not inside a prepositional phrase, is the verb;
    # only the main clause is looked at ("... announce on Nov 6 [that it would spend ...]").
    stop = next(
        (
            i
            for i in range(end, len(tokens))
            if lowered(tokens[i]) in CLAUSE_OPENERS | AUXILIARIES or tokens[i] in (",", ";")
        ),
        len(tokens),
    )
    for span in noun_phrases(tokens[end:stop]):
        first, last = end + span[0], end + span[1] - 1
        before = lowered(tokens[first - 1])
        if before not in PREPOSITIONS | {"of"} and tokens[last][:1].islower():
            return False
        if _name_then_verb(tokens, (first, last + 1)):
            return False  # "between [Changzhi and Moscow depart]"
    return True


def _name_then_verb(tokens: Sequence[str], span: TokenSpan) -> bool:
    """A name followed by one lower-case word that names nothing: "Li Ailing hope",
    "Moscow depart" (but not "Yanggao county" or "Shanxi's capacity")."""
    words = tokens[span[0] : span[1]]
    if len(words) < 2 or not words[-1][:1].islower():
        return False
    names = words[:-1]
    if not names[0][:1].isupper() or any(w.endswith(("'s", "’s")) for w in names):
        return False
    if not all(w[:1].isupper() or lowered(w) in ("and", "&") for w in names):
        return False
    return stem(lowered(words[-1])) not in PLACE_STEMS | PERSON_STEMS | NAME_END_STEMS

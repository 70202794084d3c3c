"""Finding the references in a follow-up (a pronoun, a possessive, "this line", "there") and
putting in what each points to in the turn before."""

from __future__ import annotations

from collections.abc import Sequence

from shanxi_qa.conversation.references import Context, Kind, definite, referent_of
from shanxi_qa.language.phrases import (
    has_noun,
    head_word,
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
from shanxi_qa.language.reading import (
    QuestionReading,
)
from shanxi_qa.language.text import stem
from shanxi_qa.language.vocabulary import (
    ANTICIPATORY_VERBS,
    ARTICLES,
    BE_AUXILIARIES,
    CLAUSE_BREAKS,
    CLAUSE_VERBS,
    DEMONSTRATIVES,
    DOCUMENT_STEMS,
    HAVE_AUXILIARIES,
    LOCATIVE_PRONOUNS,
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
)


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
                    return definite(source, part)
    return None


def _bound(reading: QuestionReading, index: int, kind: Kind) -> bool:
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


def resolve_references(reading: QuestionReading, context: Context) -> list[str] | None:
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


def _demonstrative_phrase(
    reading: QuestionReading, index: int, context: Context
) -> tuple[str | None, int]:
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

"""Unanswerable questions that look answerable, made from answerable SQuAD 1.1 questions.

SQuAD 2.0's writers took a passage and wrote a question it does not answer but that carries a
plausible answer in it (Rajpurkar, Jia and Liang, 2018, section 3): negation, an antonym, an
entity or number swapped for another of the same kind (often one from the same passage), and
retrieval hands the reader passages of the right article that hold no answer. Each function here
makes one kind from an answerable question and its passage with a general rule, or returns
``None`` when the rule does not apply; :func:`make_negative` picks a kind. The made question is
paired with the *same* passage, so the reader sees the plausible answer and must learn that the
question no longer matches it.
"""

from __future__ import annotations

import random
import re

# Kinds, in the order :func:`make_negative` tries them after its random pick.
KINDS = ("swap_entity", "swap_number", "antonym", "negation")

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "the a an of in on at to for by with and or is was were are be been what which who whom "
    "whose when where why how did does do that this it its from as".split()
)
# A run of capitalised words not at the start of a sentence: a name.
_NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’-]+(?: (?:of |de |the )?[A-Z][\w'’-]+)*")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w.]\d)")
_YEAR = re.compile(r"^(1[0-9]|20)\d\d$")

# Words and their opposites, as SQuAD 2.0's writers swapped them ("largest" -> "smallest").
_OPPOSITES = {
    "largest": "smallest",
    "biggest": "smallest",
    "highest": "lowest",
    "most": "least",
    "first": "last",
    "earliest": "latest",
    "before": "after",
    "oldest": "youngest",
    "older": "younger",
    "longest": "shortest",
    "longer": "shorter",
    "larger": "smaller",
    "more": "fewer",
    "increase": "decrease",
    "increased": "decreased",
    "north": "south",
    "east": "west",
    "northern": "southern",
    "eastern": "western",
    "won": "lost",
    "win": "lose",
    "began": "ended",
    "start": "end",
    "started": "stopped",
    "maximum": "minimum",
    "best": "worst",
    "major": "minor",
    "top": "bottom",
    "early": "late",
    "private": "public",
    "positive": "negative",
    "inside": "outside",
    "allowed": "banned",
    "supported": "opposed",
    "accepted": "rejected",
    "higher": "lower",
    "strongest": "weakest",
    "richest": "poorest",
}
OPPOSITES = {**_OPPOSITES, **{b: a for a, b in _OPPOSITES.items()}}

_AUXILIARIES = frozenset(
    "is was were are did does do can could would will has had have should".split()
)


def terms(text: str) -> set[str]:
    """The lower-cased content words of ``text``."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def names(text: str) -> list[str]:
    """Runs of capitalised words not opening a sentence."""
    return [m.group(0) for m in _NAME.finditer(text)]


def swap_entity(
    question: str, context: str, answer: str, pool: list[str], rng: random.Random
) -> str | None:
    """A name of the question that the passage holds, swapped for another name: one from the
    same passage (not the answer, not in the question) when there is one, else from ``pool``."""
    held = [n for n in names(question) if n in context]
    if not held:
        return None
    old = rng.choice(held)
    local = [
        n
        for n in dict.fromkeys(names(context))
        if n != old and n not in answer and answer not in n and n.lower() not in question.lower()
    ]
    candidates = local if local and rng.random() < 0.7 else pool
    for _ in range(10):
        new = rng.choice(candidates)
        if new != old and new not in answer and new.lower() not in question.lower():
            return question.replace(old, new, 1)
    return None


def swap_number(question: str, context: str, rng: random.Random) -> str | None:
    """A number of the question swapped for another that the passage never pairs with it:
    a year moved by a few years, any other number for one of the passage's other numbers or a
    nearby value."""
    numbers = [n for n in _NUMBER.findall(question)]
    if not numbers:
        return None
    old = rng.choice(numbers)
    if _YEAR.match(old):
        new = str(int(old) + rng.choice([-9, -4, -2, -1, 1, 2, 3, 6]))
    else:
        others = [n for n in _NUMBER.findall(context) if n != old]
        if others and rng.random() < 0.5:
            new = rng.choice(others)
        else:
            value = int(old.replace(",", "").split(".")[0] or 0)
            new = str(max(2, value + rng.choice([-3, -1, 1, 2, 7, 10])))
    if new == old:
        return None
    return re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w])", new, question, count=1)


def antonym(question: str, context: str) -> str | None:
    """A word of the question replaced by its opposite, where the passage does not use the
    opposite (so the passage cannot answer the changed question)."""
    words = list(_WORD.finditer(question))
    lowered = context.lower()
    for match in words:
        word = match.group(0)
        opposite = OPPOSITES.get(word.lower())
        if opposite is None or re.search(rf"\b{opposite}\b", lowered):
            continue
        if word[0].isupper():
            opposite = opposite.capitalize()
        return question[: match.start()] + opposite + question[match.end() :]
    return None


_NEGATED = {"can": "can't", "will": "won't", "do": "don't"}


def negation(question: str, context: str) -> str | None:
    """The question's first auxiliary verb negated ("What did X build?" -> "What didn't X
    build?", "Who was the first king?" -> "Who wasn't the first king?"), where the passage
    itself negates nothing."""
    if re.search(r"\b(not|never|no)\b|n't", context.lower()):
        return None
    words = question.split()
    for i, word in enumerate(words[:4]):
        lowered = word.lower()
        if lowered in _AUXILIARIES:
            words[i] = _NEGATED.get(lowered, word + "n't")
            return " ".join(words)
    return None


def make_negative(
    question: str, context: str, answer: str, pool: list[str], rng: random.Random
) -> tuple[str, str] | None:
    """One made unanswerable question and its kind, trying the kinds in a random order."""
    order = list(KINDS)
    rng.shuffle(order)
    for kind in order:
        if kind == "swap_entity":
            made = swap_entity(question, context, answer, pool, rng)
        elif kind == "swap_number":
            made = swap_number(question, context, rng)
        elif kind == "antonym":
            made = antonym(question, context)
        else:
            made = negation(question, context)
        if made and made != question:
            return made, kind
    return None


def hard_negative(question: str, passages: list[str], exclude: str) -> str | None:
    """The passage sharing most question words that does not contain ``exclude``: what
    retrieval hands the reader for a question its article answers elsewhere."""
    wanted = terms(question)
    best, best_score = None, 0
    for passage in passages:
        if exclude and exclude.lower() in passage.lower():
            continue
        score = len(wanted & terms(passage))
        if score > best_score:
            best, best_score = passage, score
    return best

"""Tokens and noun phrases: how a question or a sentence is cut into words and the phrases
they make ("the pipes of the vacuum tube", "To Kill a Mockingbird")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shanxi_qa.language.text import ends_like_past, stem
from shanxi_qa.language.vocabulary import (
    ARTICLES,
    FUNCTION_WORDS,
    IRREGULAR_PLURALS,
    IRREGULAR_VERBS,
    NOT_VERBS,
    NP_LEADERS,
    PREPOSITIONS,
    TITLE_WORDS,
    TRAILING_ADVERBS,
)

TokenSpan = tuple[int, int]

_TOKEN = re.compile(r"\w(?:[\w'’\-.,]*\w)?|[^\w\s]")


_ATTACH = frozenset(",;:?!.)]}'%")


_OPEN = frozenset("([{$")


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


def lowered(token: str) -> str:
    return token.lower()


def _is_word(token: str) -> bool:
    return bool(token) and (token[0].isalnum())


def is_content(token: str) -> bool:
    return _is_word(token) and lowered(token) not in FUNCTION_WORDS


def looks_verb(token: str) -> bool:
    """A past form or participle ("completed", "built"): it ends a noun phrase."""
    word = lowered(token)
    if word in IRREGULAR_VERBS:
        return True
    return ends_like_past(word) and word not in NOT_VERBS


def is_capitalised(token: str) -> bool:
    return token[:1].isupper()


def adjectival(tokens: Sequence[str], index: int) -> bool:
    """A regular -ed form used as an adjective: "what [fixed] asset investment"."""
    word = lowered(tokens[index])
    before = lowered(tokens[index - 1]) if index else ""
    return (
        word not in IRREGULAR_VERBS
        and index + 1 < len(tokens)
        and is_content(tokens[index + 1])
        and not looks_verb(tokens[index + 1])
        and (before in ("what", "which", "of", "") or before in PREPOSITIONS)
    )


def head_word(tokens: Sequence[str], span: TokenSpan) -> str:
    """The head word of a phrase: its last word before "of"."""
    words = [t for t in tokens[span[0] : span[1]] if _is_word(t)]
    if "of" in (lowered(w) for w in words):
        words = words[: [lowered(w) for w in words].index("of")]
    words = [w for w in words if lowered(w) not in NP_LEADERS]
    return lowered(words[-1]) if words else ""


def of_object(tokens: Sequence[str], span: TokenSpan) -> TokenSpan | None:
    """The span after the first "of" in a phrase ("the speed of [the maglev]")."""
    for i in range(span[0], span[1]):
        if lowered(tokens[i]) == "of" and i + 1 < span[1]:
            return (i + 1, span[1])
    return None


def is_plural(tokens: Sequence[str], span: TokenSpan) -> bool:
    words = [lowered(t) for t in tokens[span[0] : span[1]]]
    if "and" in words:
        return True
    head = head_word(tokens, span)
    if head in IRREGULAR_PLURALS:
        return True
    return len(head) > 2 and head.endswith("s") and not head.endswith(("ss", "us", "is", "'s"))


def is_proper(tokens: Sequence[str], span: TokenSpan) -> bool:
    """A name: capitalised words, no article ("Taiyuan", "Jin Xiangjun")."""
    first = tokens[span[0]]
    return lowered(first) not in NP_LEADERS and is_capitalised(first)


def has_noun(tokens: Sequence[str], span: TokenSpan, stems: frozenset[str]) -> bool:
    return any(stem(lowered(t)) in stems for t in tokens[span[0] : span[1]] if _is_word(t))


def noun_phrases(tokens: Sequence[str], sentence_start: bool = True) -> list[TokenSpan]:
    """Noun phrases: an optional article, demonstrative or possessive pronoun, then a run of
    content words, joined across "of" and "'s" ("the pipes of the vacuum tube"). A past form
    or participle after the first word ends the phrase ("the test line [completed]"). A
    capitalised word is a name, whatever it is in lower case ("when was [To Kill a Mockingbird]
    published?"), except where it opens the sentence (``sentence_start``)."""
    spans: list[TokenSpan] = []
    i, n = 0, len(tokens)

    def content(index: int) -> bool:
        token = tokens[index]
        if is_content(token):
            return True
        if not token[:1].isupper() or lowered(token) not in TITLE_WORDS:
            return False
        if index == 0:
            return not sentence_start
        return tokens[index - 1] not in (".", "!", "?", ":", ";", '"', "“")

    while i < n:
        start = i
        if lowered(tokens[i]) in NP_LEADERS and i + 1 < n and content(i + 1) and not content(i):
            i += 1
        elif not content(i) or (looks_verb(tokens[i]) and not adjectival(tokens, i)):
            i += 1
            continue
        first = i
        while i < n:
            token = tokens[i]
            if content(i) and not (i > first and looks_verb(token)):
                i += 1
            elif (
                lowered(token) in ARTICLES
                and tokens[i - 1][:1].isupper()
                and i + 1 < n
                and tokens[i + 1][:1].isupper()
            ):
                i += 1  # "Kill [a] Mockingbird"
            elif (
                lowered(token) in ("'s", "’s", "of", "and", "&")
                and i + 1 < n
                and (
                    is_content(tokens[i + 1])
                    or (
                        lowered(tokens[i + 1]) in ARTICLES
                        and i + 2 < n
                        and is_content(tokens[i + 2])
                    )
                )
            ):
                i += 2 if lowered(tokens[i + 1]) in ARTICLES else 1
            else:
                break
        end = i
        if (
            end - first > 1
            and lowered(tokens[end - 1]) in TRAILING_ADVERBS
            and end < n
            and looks_verb(tokens[end])
        ):
            end -= 1  # "his theory [first] released"
        if end > first:
            spans.append((start, end))
        else:
            i = start + 1
    return spans


def noun_run_end(tokens: Sequence[str], start: int) -> int:
    """Where the noun phrase beginning at ``start`` ends (``start`` when none begins there)."""
    spans = noun_phrases(tokens[start:], sentence_start=start == 0)
    return start + spans[0][1] if spans and spans[0][0] == 0 else start

"""Names, recognised here and nowhere else: the runs of capitalised words in a sentence, the
capitalised words of a question, and the words a corpus only ever writes capitalised."""

from __future__ import annotations

import re

from shanxi_qa.language.text import STOPWORDS, strip_possessive
from shanxi_qa.language.vocabulary import CALENDAR, TITLES

CAPITALISED = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’&.-]*|&)(?:\s+(?:of|and|the|for|de|&)?\s*[A-Z][\w'’&.-]*)*"
)


def name_spans(sentence: str) -> list[tuple[int, int]]:
    """Runs of capitalised words in a sentence, without a sentence-initial function word or
    the titles before a name: "Shanxi Governor Jin Xiangjun" -> "Jin Xiangjun"."""
    spans = []
    for match in CAPITALISED.finditer(sentence):
        # A full stop inside a run ends one name and starts another ("Station. JOHN DOE").
        offset = match.start()
        for part in re.split(r"(?<=[a-z]{2}\.)\s+|(?<=[A-Z]{2}\.)\s+", match.group()):
            start = sentence.index(part, offset)
            offset = start + len(part)
            text = part.rstrip(".,'’")
            tokens = text.split()
            # Drop a sentence-initial function word ("The", "In") and leading titles.
            while tokens and (tokens[0].lower() in STOPWORDS or tokens[0].lower() in TITLES):
                start += len(tokens[0]) + 1
                tokens = tokens[1:]
            # "Shanxi Governor Jin Xiangjun" -> "Jin Xiangjun": a title ends the prefix.
            titles = [i for i, token in enumerate(tokens[:-1]) if token.lower() in TITLES]
            if titles:
                start += len(" ".join(tokens[: titles[-1] + 1])) + 1
                tokens = tokens[titles[-1] + 1 :]
            if tokens:
                spans.append((start, start + len(" ".join(tokens))))
    return spans


def question_names(text: str) -> tuple[str, ...]:
    """Capitalised words that are not the question's first word: "Taiyuan", "Geely", "GDP"."""
    # Hyphenated names count part by part: "Changzhi-Moscow" names Changzhi and Moscow.
    tokens = re.findall(r"[A-Za-z][A-Za-z'’]*", text)
    names = []
    for position, token in enumerate(tokens):
        if position == 0 or not token[0].isupper():
            continue
        word = re.sub(r"['’]s?$", "", token.lower())
        if word in STOPWORDS or word in {"i"} or word in CALENDAR:
            continue  # months and weekdays make a date, which the date checks look after
        names.append(word)
    return tuple(dict.fromkeys(names))


_MID_SENTENCE_WORD = re.compile(r"(?<=[a-z,;] )[A-Za-z][a-z'’]+")


def corpus_names(texts: list[str]) -> list[str]:
    """Words the texts only ever capitalise inside a sentence ("Taiyuan", "Lijing"), lower-cased:
    the names a lower-case question ("what does fu lijing hope for") still means as names."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        for match in _MID_SENTENCE_WORD.finditer(text):
            word = strip_possessive(match.group())
            (capitalised if word[0].isupper() else lower).add(word.lower())
    return sorted(capitalised - lower)

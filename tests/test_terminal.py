"""Control characters in documents are shown, never obeyed, in human-readable output."""

from __future__ import annotations

import io
import json

from shanxi_qa.cli import _nesting
from shanxi_qa.terminal import SafeStream, json_safe, printable


def test_escapes_become_visible_characters_one_for_one() -> None:
    text = "red \x1b[31mtext\x1b[0m, title \x1b]0;pwned\x07, csi \x9b2J, del \x7f\tok\n"
    shown = printable(text)
    assert shown == "red ␛[31mtext␛[0m, title ␛]0;pwned␇, csi \ufffd2J, del ␡\tok\n"
    assert len(shown) == len(text)  # offsets into a printed text still hold


def test_json_keeps_the_exact_text() -> None:
    value = {"answer": "a\x1b[31mb\x9bc\x7f"}
    line = json_safe(json.dumps(value, ensure_ascii=False))
    assert "\x1b" not in line and "\x9b" not in line and "\x7f" not in line
    assert json.loads(line) == value


def test_a_safe_stream_filters_every_write() -> None:
    inner = io.StringIO()
    SafeStream(inner).write("\x1b]0;x\x07done\n")  # type: ignore[arg-type]
    assert inner.getvalue() == "␛]0;x␇done\n"


def test_nesting_counts_brackets_outside_strings() -> None:
    assert _nesting('{"question": "[[[not nested]]]", "history": ["a", "b"]}') == 2
    assert _nesting('{"q": "\\"[", "h": [[[]]]}') == 4
    assert _nesting("{" + "[" * 50 + "]" * 50 + "}") == 51

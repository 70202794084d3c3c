"""Output that cannot drive a terminal: a document's control characters are shown, not obeyed.

A document may hold ANSI or OSC escape sequences (``\\x1b[31m``, ``\\x1b]0;title\\x07``); printed
raw, they recolour the terminal, retitle its window or worse. Every human-readable line the
CLI prints goes through :func:`printable`, which shows each control character as one visible
character (its Unicode control picture: ``\\x1b`` -> ``␛``), so offsets into a printed text still
hold. JSON output keeps the exact text: JSON already escapes C0 controls, and DEL and the C1
controls (which some terminals obey too) are written as ``\\u007f`` ... ``\\u009f``.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

# C0 controls but newline and tab, DEL, and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_JSON_RAW = re.compile(r"[\x7f-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ ... ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # a C1 control has no picture


def printable(text: str) -> str:
    """``text`` with every control character but newline and tab shown as one visible one."""
    return _CONTROL.sub(_picture, text)


def json_safe(text: str) -> str:
    """A JSON text with DEL and C1 controls escaped (still the same JSON value)."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


class SafeStream:
    """A text stream that writes through :func:`printable` (or :func:`json_safe`)."""

    def __init__(self, inner: TextIO, *, json_mode: bool = False) -> None:
        self._inner = inner
        self._clean = json_safe if json_mode else printable

    def write(self, text: str) -> int:
        self._inner.write(self._clean(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextlib.contextmanager
def safe_output(*, json_mode: bool = False) -> Iterator[None]:
    """While the block runs, stdout and stderr cannot carry a control sequence."""
    saved = sys.stdout, sys.stderr
    sys.stdout = SafeStream(saved[0], json_mode=json_mode)  # type: ignore[assignment]
    sys.stderr = SafeStream(saved[1])  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


class ProgressLines:
    """A :data:`~shanxi_qa.records.Progress` for the terminal: a bar on stderr for each step
    ("a.pdf: pages read 12/480", "sentences embedded 384/2100"), closed when the next begins.

    Shown only when stderr is a terminal (a log or a pipe gets no bars), and written to the
    real stderr: the bars' carriage returns are the terminal's to act on, and the step names
    are made printable here."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.__stderr__
        self.shown = self.stream is not None and self.stream.isatty()
        self._what: str | None = None
        self._bar: Any = None

    def __call__(self, what: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if not self.shown:
            return
        if what != self._what:
            self.close()
            self._what = what
            self._bar = tqdm(
                total=total,
                desc=printable(what),
                unit="",
                file=self.stream,
                mininterval=0,
                leave=True,
                dynamic_ncols=True,
            )
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._what = None, None

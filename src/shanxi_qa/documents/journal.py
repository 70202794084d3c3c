"""The corpus journal: a change to the corpus is finished or undone, whatever stopped it.

Before an add, a replace or a remove moves any file, it writes ``.journal.json`` in the corpus
folder (atomically): the staging folder it works in, and for each file name the sha256 the
corpus will hold after the change (``null`` when the file goes) and the one it held before
(``null`` when the file is new). A replaced or removed file is kept in the staging folder until
the change has committed. The change commits when the served index's manifest lists the
corpus as the journal's after-state; only then are the previous files deleted and the
journal removed.

:func:`recover` runs before any command reads the corpus. When a journal is left (the process
was killed: ``kill -9``, a power cut), it looks at the served index: if it already serves the
after-state, the change is completed (the new files put in place, the old ones deleted);
otherwise it is rolled back (the new files taken out, the old ones put back). Either way the
corpus and the served index agree again, and half-written build folders are removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shanxi_qa.index.cache import sha256_of
from shanxi_qa.index.layout import (
    MANIFEST_FILE,
    build_lock,
    current_build,
    ensure_writable,
    file_lock,
    read_manifest,
)

JOURNAL_FILE = ".journal.json"
PREVIOUS = ".previous"
STAGING_PREFIX = ".staging-"


class JournalError(RuntimeError):
    """The journal cannot be read or acted on; the message is one line for a user."""


@dataclass
class Journal:
    """One change to the corpus, as written before its first move."""

    operation: str  # "add" or "remove"
    staging: str  # the staging folder's name, inside the corpus folder
    after: dict[str, str | None] = field(default_factory=dict)  # name -> sha256, None: gone
    before: dict[str, str | None] = field(default_factory=dict)  # name -> sha256, None: new


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(journal: Journal, corpus_dir: Path) -> None:
    """Write the journal atomically (a temporary file renamed over it), synced to disk."""
    target = corpus_dir / JOURNAL_FILE
    temporary = corpus_dir / f"{JOURNAL_FILE}.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(asdict(journal), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    _fsync_dir(corpus_dir)


def read(corpus_dir: Path) -> Journal | None:
    """The journal left in ``corpus_dir``, or None when no change is under way."""
    path = corpus_dir / JOURNAL_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise JournalError(f"the corpus journal {path} is unreadable: {error}") from error
    if not isinstance(data, dict):
        raise JournalError(f"the corpus journal {path} is not a journal")
    try:
        return Journal(
            operation=str(data["operation"]),
            staging=str(data["staging"]),
            after={str(k): v for k, v in dict(data["after"]).items()},
            before={str(k): v for k, v in dict(data["before"]).items()},
        )
    except (KeyError, TypeError, ValueError) as error:
        raise JournalError(f"the corpus journal {path} is not a journal: {error}") from error


def finish(corpus_dir: Path, journal: Journal) -> None:
    """The change committed: drop the journal, then the staging folder with the old files."""
    with contextlib.suppress(FileNotFoundError):
        (corpus_dir / JOURNAL_FILE).unlink()
    _fsync_dir(corpus_dir)
    shutil.rmtree(corpus_dir / journal.staging, ignore_errors=True)


def _digest(path: Path) -> str | None:

    try:
        return sha256_of(path) if path.is_file() else None
    except OSError:
        return None


def served_files(index_dir: Path) -> Mapping[str, str] | None:
    """The corpus the served index was built from (file name -> sha256), or None."""

    manifest = read_manifest(index_dir) or {}
    files = manifest.get("corpus_files")
    return files if isinstance(files, dict) else None


def committed(journal: Journal, index_dir: Path) -> bool:
    """Whether the served index already serves the journal's after-state."""
    served = served_files(index_dir)
    if served is None:
        return False
    return all(served.get(name) == digest for name, digest in journal.after.items())


def roll_forward(corpus_dir: Path, journal: Journal) -> None:
    """Put the corpus in the after-state: new files in place (from staging where a kill left
    them there), removed files out."""
    staging = corpus_dir / journal.staging
    for name, digest in journal.after.items():
        target = corpus_dir / name
        if digest is None:
            if target.is_file():
                (staging / PREVIOUS).mkdir(parents=True, exist_ok=True)
                target.replace(staging / PREVIOUS / name)
            continue
        if _digest(target) != digest and _digest(staging / name) == digest:
            staging.joinpath(name).replace(target)
    finish(corpus_dir, journal)


def roll_back(corpus_dir: Path, journal: Journal) -> None:
    """Put the corpus back in the before-state: new files out, previous files back."""
    staging = corpus_dir / journal.staging
    for name, digest in journal.before.items():
        target = corpus_dir / name
        kept = staging / PREVIOUS / name
        if digest is None:
            # A new file: take it out only when it is the one this change brought.
            if _digest(target) == journal.after.get(name):
                target.unlink()
            continue
        if _digest(target) == digest:
            continue
        if _digest(kept) == digest:
            kept.replace(target)
        else:
            raise JournalError(
                f"cannot roll back the change to {name}: its previous version is not in "
                f"{staging}; the journal {corpus_dir / JOURNAL_FILE} is kept"
            )
    _fsync_dir(corpus_dir)
    finish(corpus_dir, journal)


def remove_half_written_builds(index_dir: Path) -> None:
    """Build folders a killed build left without a manifest (under the build lock)."""

    leftovers = [
        path
        for path in index_dir.glob("build-*")
        if path.is_dir() and not (path / MANIFEST_FILE).is_file()
    ]
    if not leftovers:
        return
    with build_lock(index_dir):
        current = current_build(index_dir)
        for path in leftovers:
            if path != current and not (path / MANIFEST_FILE).is_file():
                shutil.rmtree(path, ignore_errors=True)


def recover(corpus_dir: Path, index_dir: Path) -> str | None:
    """Finish or undo a change a killed process left; returns what was done, or None.

    Cheap when there is nothing to do (one ``stat``); otherwise it takes the corpus lock.
    """
    if not (corpus_dir / JOURNAL_FILE).exists():
        return None
    with corpus_lock(index_dir):
        return recover_locked(corpus_dir, index_dir)


def recover_locked(corpus_dir: Path, index_dir: Path) -> str | None:
    """:func:`recover` for a caller that already holds the corpus lock."""
    journal = read(corpus_dir)
    if journal is None:
        return None
    with contextlib.suppress(OSError):
        remove_half_written_builds(index_dir)
    if committed(journal, index_dir):
        roll_forward(corpus_dir, journal)
        return f"completed an interrupted {journal.operation}"
    roll_back(corpus_dir, journal)
    return f"rolled back an interrupted {journal.operation}"


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the process is so that a change rolls back."""


def _raise_interrupted(signum: int, _: Any) -> None:
    raise Interrupted(f"stopped by signal {signal.Signals(signum).name}")


@contextlib.contextmanager
def signals_roll_back() -> Iterator[None]:
    """While a change runs, SIGTERM and SIGHUP roll it back as Ctrl-C does."""
    previous = {}
    for number in (signal.SIGTERM, signal.SIGHUP):
        # Outside the main thread (the chat server) the server's own handling stays.
        with contextlib.suppress(ValueError):
            previous[number] = signal.signal(number, _raise_interrupted)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def corpus_lock(index_dir: Path) -> Iterator[None]:
    """Held by an add or a remove from its first look at the corpus to its last change."""
    ensure_writable(index_dir)
    with file_lock(index_dir / ".corpus.lock"):
        yield

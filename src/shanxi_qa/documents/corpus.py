"""Adding and removing documents: the corpus folder and its index change together, or not at all.

``add`` checks each file before anything changes: a plain file name (no folders, no ``..``,
nothing hidden) with a suffix the reader takes, within the size limit, and a text the reader
can clean. The file is copied into a staging folder inside the corpus, read from there, moved
into place and indexed; when indexing fails the file is taken out again (a replaced file is
put back), so the corpus and the current index are exactly as they were. A file already in
the corpus byte for byte is not added twice; a file with the name of another document but
other content is refused unless ``replace`` is asked for.

``remove`` takes one document out and rebuilds; the build reuses every embedding, so it
embeds nothing. The last document cannot be removed: an index needs one.

Every change goes through the corpus journal (:mod:`shanxi_qa.documents.journal`), written before the
first file moves: a change killed at any moment is completed or rolled back by the next
command, and a replaced or removed file is kept until its change has committed. SIGTERM and
SIGHUP roll a change back as Ctrl-C does.

Adds and removes take turns under a lock in the index folder (the build has its own lock
inside it), so two at once never interleave their copies and builds."""

from __future__ import annotations

import shutil
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from shanxi_qa.documents import journal
from shanxi_qa.documents.listing import known_names
from shanxi_qa.faults import fault_point
from shanxi_qa.index.build import build_index
from shanxi_qa.index.cache import sha256_of
from shanxi_qa.index.chunk import ChunkerConfig
from shanxi_qa.index.layout import corpus_files, corpus_suffixes
from shanxi_qa.records import Document, Progress

MAX_NAME_CHARS = 200


STAGING_PREFIX = journal.STAGING_PREFIX


Status = Literal["added", "replaced", "unchanged", "refused", "removed"]


# A corpus may name documents that are part of the project (the seed): one file name a line.
READ_ONLY_FILE = ".read-only"


def read_only_names(corpus_dir: Path) -> set[str]:
    """The documents of ``corpus_dir`` that add and remove must leave alone (``.read-only``)."""
    try:
        lines = (corpus_dir / READ_ONLY_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


class CorpusError(ValueError):
    """A document cannot be added or removed as asked; the message is one line for a user."""


@dataclass(frozen=True)
class Change:
    """What happened to one file: its name in the corpus, the outcome and a line to show."""

    name: str
    status: Status
    message: str


def _quiet(_: str) -> None:
    pass


def safe_name(name: str) -> str:
    """``name`` when it is a plain file name the corpus can hold, else :class:`CorpusError`.

    A name is taken as it is, never cleaned up: a name with a folder in it (``/`` or ``\\``),
    ``.`` or ``..``, a leading dot, control characters or surrounding spaces is refused, so
    nothing can be written or removed outside the corpus folder.
    """
    shown = repr(name) if len(name) <= 80 else repr(name[:77] + "...")
    if not name or name != name.strip():
        raise CorpusError(f"{shown} is not a usable file name (empty, or spaces around it)")
    if "/" in name or "\\" in name:
        raise CorpusError(f"{shown} is not a plain file name: it names a folder (/ or \\)")
    if name in (".", "..") or name.startswith("."):
        raise CorpusError(f"{shown} is not a usable file name: it starts with a dot")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        raise CorpusError(f"{shown} is not a usable file name: it holds control characters")
    if len(name) > MAX_NAME_CHARS or len(name.encode("utf-8", "surrogatepass")) > 255:
        raise CorpusError(f"{shown} is too long for a file name ({MAX_NAME_CHARS} characters)")
    suffixes = corpus_suffixes()
    if PurePosixPath(name).suffix.lower() not in suffixes:
        raise CorpusError(f"{name}: not a document the reader takes ({', '.join(suffixes)})")
    return name


def _remove_leftover_staging(corpus_dir: Path, index_dir: Path) -> None:
    """Finish or undo a change a killed process left (its journal), then remove the staging
    folders no change needs any more (under the lock, so none is in use)."""
    journal.recover_locked(corpus_dir, index_dir)
    for folder in corpus_dir.glob(f"{STAGING_PREFIX}*"):
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


def _check_corpus(corpus_dir: Path) -> None:
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir} (pass --corpus DIR)")


def _reading_error(error: Exception, staged: Path, name: str) -> str:
    """The reader's one-line reason, naming the file as the user knows it."""
    message = " ".join(str(error).split()).replace(str(staged), name)
    return message if message.startswith(name) else f"{name}: {message}"


def add_documents(
    files: Sequence[tuple[Path, str]],
    corpus_dir: Path,
    index_dir: Path,
    config: ChunkerConfig | None = None,
    *,
    replace: bool = False,
    encoder_factory: Callable[[], Any] | None = None,
    warn: Callable[[str], None] = _quiet,
    report: Progress | None = None,
) -> list[Change]:
    """Copy each ``(path, name)`` into the corpus as ``name`` and index them, in one build.

    Returns one :class:`Change` per file, in order: ``added``, ``replaced`` (only with
    ``replace``), ``unchanged`` (already in the corpus, byte for byte, under this name or
    another) or ``refused`` (with the reason). A refused file changes nothing. When the
    build fails, every file of this call is taken out again and the error is raised: the
    corpus and the index stay as they were. ``report`` is told how far it is: the pages
    read of each PDF (``"a.pdf: pages read"``) and the texts embedded (see :func:`build_index`).
    """
    from shanxi_qa.documents.files import IngestError
    from shanxi_qa.documents.load import load_document

    config = config or ChunkerConfig()
    _check_corpus(corpus_dir)
    with journal.corpus_lock(index_dir), journal.signals_roll_back():
        _remove_leftover_staging(corpus_dir, index_dir)
        existing = {path.name: sha256_of(path) for path in corpus_files(corpus_dir)}
        by_content = {digest: name for name, digest in sorted(existing.items())}
        staging = corpus_dir / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        changes: list[Change] = []
        planned: dict[str, tuple[Path, bool]] = {}  # name -> (staged copy, replaces a file)
        read: dict[str, tuple[str, Document]] = {}  # name -> (its sha256, the document read)
        try:
            staging.mkdir()
            for path, given in files:
                change = _plan_one(
                    Path(path), given, corpus_dir, staging, existing, by_content, planned, replace
                )
                if change is None:  # a candidate: read it before anything changes
                    name = given
                    staged = planned[name][0]
                    try:
                        document = load_document(
                            staged, f"{corpus_dir.name}/{name}", _naming(report, name)
                        )
                    except IngestError as error:
                        change = Change(name, "refused", _reading_error(error, staged, name))
                    except Exception as error:  # a reader bug on this file must not be fatal
                        reason = " ".join(str(error).split())[:200]
                        change = Change(
                            name,
                            "refused",
                            f"{name}: cannot read it ({type(error).__name__}: {reason})",
                        )
                    if change is not None:
                        del planned[name]
                    else:
                        status: Status = "replaced" if planned[name][1] else "added"
                        change = Change(name, status, f"{status} {name}")
                        digest = sha256_of(staged)
                        by_content[digest] = name
                        read[name] = (digest, document)
                changes.append(change)
            if planned:
                _move_in_and_build(
                    planned,
                    read,
                    corpus_dir,
                    index_dir,
                    config,
                    staging,
                    encoder_factory,
                    warn,
                    report,
                )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return changes


def _naming(report: Progress | None, name: str) -> Progress | None:
    """``report`` with each step's name prefixed by the file it is about."""
    if report is None:
        return None
    given = report
    return lambda what, done, total: given(f"{name}: {what}", done, total)


def _plan_one(
    path: Path,
    name: str,
    corpus_dir: Path,
    staging: Path,
    existing: dict[str, str],
    by_content: dict[str, str],
    planned: dict[str, tuple[Path, bool]],
    replace: bool,
) -> Change | None:
    """The outcome for one file that is decided without reading it, or None when it is a
    candidate (then staged in ``planned``)."""
    from shanxi_qa.documents.files import MAX_FILE_BYTES

    try:
        name = safe_name(name)
    except CorpusError as error:
        return Change(name, "refused", str(error))
    if name in planned:
        return Change(name, "refused", f"{name}: given twice; add it once")
    try:
        if not path.is_file():
            return Change(name, "refused", f"{name}: {path} is not a file")
        size = path.stat().st_size
    except OSError as error:
        return Change(name, "refused", f"{name}: cannot read {path} ({error.strerror or error})")
    if size > MAX_FILE_BYTES:
        return Change(
            name,
            "refused",
            f"{name}: file is {size / 2**20:.1f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit",
        )
    staged = staging / name
    try:
        shutil.copyfile(path, staged)
    except OSError as error:
        return Change(name, "refused", f"{name}: cannot read {path} ({error.strerror or error})")
    digest = sha256_of(staged)
    if existing.get(name) == digest:
        return Change(name, "unchanged", f"{name} is already in the corpus (same content)")
    if digest in by_content:
        other = by_content[digest]
        return Change(name, "unchanged", f"{name} is already in the corpus as {other}")
    if name in existing and name in read_only_names(corpus_dir):
        return Change(
            name, "refused", f"{name} is part of the seed and read-only; rename your file"
        )
    if name in existing and not replace:
        return Change(
            name,
            "refused",
            f"{name} is already in the corpus with other content; "
            "pass --replace to replace it, or rename the file",
        )
    planned[name] = (staged, name in existing)
    return None


def _move_in_and_build(
    planned: dict[str, tuple[Path, bool]],
    read: dict[str, tuple[str, Document]],
    corpus_dir: Path,
    index_dir: Path,
    config: ChunkerConfig,
    staging: Path,
    encoder_factory: Callable[[], Any] | None,
    warn: Callable[[str], None],
    report: Progress | None = None,
) -> None:
    """Journal the change, move the staged files into the corpus (a replaced file into the
    staging folder's ``.previous``) and build; on any failure put everything back."""
    entry = journal.Journal(
        operation="add",
        staging=staging.name,
        after={name: read[name][0] for name in planned},
        before={
            name: sha256_of(corpus_dir / name) if replaces else None
            for name, (_, replaces) in planned.items()
        },
    )
    previous = staging / journal.PREVIOUS
    previous.mkdir()
    journal.write(entry, corpus_dir)
    try:
        fault_point("add-journaled")
        for name, (staged, replaces) in planned.items():
            if replaces:
                (corpus_dir / name).replace(previous / name)
                fault_point("add-previous-kept")
            staged.replace(corpus_dir / name)
        fault_point("add-moved")
        build_index(
            corpus_dir,
            index_dir,
            config,
            encoder_factory=encoder_factory,
            warn=warn,
            require=set(planned),
            read=read,  # checked once, read once
            report=report,
        )
        fault_point("add-built")
    except BaseException:
        journal.recover_locked(corpus_dir, index_dir)
        raise
    journal.finish(corpus_dir, entry)


def remove_document(
    name: str,
    corpus_dir: Path,
    index_dir: Path,
    config: ChunkerConfig | None = None,
    *,
    encoder_factory: Callable[[], Any] | None = None,
    warn: Callable[[str], None] = _quiet,
) -> Change:
    """Take the document ``name`` (a file name, or a quote's source) out of the corpus and
    rebuild; when the build fails the file is put back and the error raised."""
    config = config or ChunkerConfig()
    _check_corpus(corpus_dir)
    with journal.corpus_lock(index_dir), journal.signals_roll_back():
        _remove_leftover_staging(corpus_dir, index_dir)
        prefix = f"{corpus_dir.name}/"
        bare = name[len(prefix) :] if name.startswith(prefix) else name
        bare = safe_name(bare)
        names = [path.name for path in corpus_files(corpus_dir)]
        if bare not in names:
            raise CorpusError(f"no document {name!r} in {corpus_dir}; {known_names(names)}")
        if bare in read_only_names(corpus_dir):
            raise CorpusError(f"{bare} is part of the seed and read-only; it cannot be removed")
        if len(names) == 1:
            raise CorpusError(
                f"{bare} is the only document in {corpus_dir}; add another before removing it"
            )
        staging = corpus_dir / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        (staging / journal.PREVIOUS).mkdir(parents=True)
        entry = journal.Journal(
            operation="remove",
            staging=staging.name,
            after={bare: None},
            before={bare: sha256_of(corpus_dir / bare)},
        )
        journal.write(entry, corpus_dir)
        try:
            fault_point("remove-journaled")
            (corpus_dir / bare).replace(staging / journal.PREVIOUS / bare)
            fault_point("remove-moved")
            build_index(corpus_dir, index_dir, config, encoder_factory=encoder_factory, warn=warn)
            fault_point("remove-built")
        except BaseException:
            journal.recover_locked(corpus_dir, index_dir)
            raise
        journal.finish(corpus_dir, entry)
        return Change(bare, "removed", f"removed {bare}")

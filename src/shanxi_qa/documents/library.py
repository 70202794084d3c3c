"""The default corpus: the user's library, a git-ignored folder beside the seed.

Documents a user adds or uploads go to ``library/``, never to the tracked ``seeds/``. The
library holds a link to each seed document (named in ``seeds/.read-only``), so the seed is
answered from where it is, and lists them in its own ``.read-only``: add and remove leave
them alone, and ``eval`` measures them alone. The library is made on first use, and a seed
link that went missing is made again; any other corpus folder (``--corpus DIR``) is the
user's own and is used as it is.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from shanxi_qa.documents.corpus import READ_ONLY_FILE, read_only_names
from shanxi_qa.index.layout import corpus_files
from shanxi_qa.paths import DEFAULT_LIBRARY, SEED_CORPUS

READ_ONLY_HEADER = (
    "# Links to the seed documents in seeds/: read-only (add and remove refuse them),\n"
    "# and what `shanxi-qa eval` measures whatever else the library holds.\n"
)


def _quiet(_: str) -> None:
    pass


def open_library(
    corpus_dir: Path,
    *,
    seed_dir: Path = SEED_CORPUS,
    library_dir: Path = DEFAULT_LIBRARY,
    warn: Callable[[str], None] = _quiet,
) -> bool:
    """Make ``corpus_dir`` ready when it is the default library (``library_dir``): create it,
    link each seed document into it and list them as read-only. Returns whether anything
    was made; a corpus folder of the user's own is left as it is."""
    if corpus_dir.absolute().resolve() != library_dir.absolute().resolve():
        return False
    seed = sorted(read_only_names(seed_dir))
    made = False
    if not corpus_dir.is_dir():
        corpus_dir.mkdir(parents=True, exist_ok=True)
        made = True
        _mention_old_additions(seed_dir, set(seed), warn)
    for name in seed:
        link = corpus_dir / name
        if link.is_symlink() and link.exists():
            continue
        if link.is_symlink():  # a link to a seed document that is no longer there
            link.unlink()
        elif link.exists():
            continue  # a copy the user put there keeps its place
        try:
            os.symlink(os.path.relpath(seed_dir / name, corpus_dir), link)
            made = True
        except FileExistsError:  # another process made it at the same moment
            pass
    listed = READ_ONLY_HEADER + "".join(f"{name}\n" for name in seed)
    marker = corpus_dir / READ_ONLY_FILE
    try:
        current = marker.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        current = None
    if current != listed:
        temporary = corpus_dir / f".{READ_ONLY_FILE}.{uuid.uuid4().hex}"
        temporary.write_text(listed, encoding="utf-8")
        temporary.replace(marker)
        made = True
    return made


def _mention_old_additions(seed_dir: Path, seed: set[str], warn: Callable[[str], None]) -> None:
    """Documents added to the seed folder before the library existed stay where they are:
    say so once, when the library is made."""
    if not seed_dir.is_dir():
        return
    older = [path.name for path in corpus_files(seed_dir) if path.name not in seed]
    if older:
        warn(
            f"{seed_dir} holds {len(older)} document(s) added before the library existed; "
            f"`shanxi-qa add` them to the library to answer from them: {', '.join(older[:10])}"
        )

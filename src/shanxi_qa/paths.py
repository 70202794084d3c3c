"""Where the project keeps things in a checkout: the seed, the user's library, the index."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# The seed documents: part of the project, tracked, read-only.
SEED_CORPUS = REPO_ROOT / "seeds"
# The documents a user adds or uploads (git-ignored), with a link to each seed document.
DEFAULT_LIBRARY = REPO_ROOT / "library"
DEFAULT_INDEX = REPO_ROOT / "index"

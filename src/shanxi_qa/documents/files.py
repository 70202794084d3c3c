"""What files the reader takes: their suffixes, the size limit, and the error for a file it cannot read."""

from __future__ import annotations

MAX_FILE_BYTES = 20 * 1024 * 1024


# The files a corpus folder is read from, by suffix (compared in lowercase).
TEXT_SUFFIXES = (".txt",)


MARKDOWN_SUFFIXES = (".md", ".markdown")


HTML_SUFFIXES = (".html", ".htm")


PDF_SUFFIXES = (".pdf",)


CORPUS_SUFFIXES = (*TEXT_SUFFIXES, *MARKDOWN_SUFFIXES, *HTML_SUFFIXES, *PDF_SUFFIXES)


class IngestError(Exception):
    """A file or folder that cannot be ingested; the message names it and says why."""

"""Reading files into cleaned documents: one file by its suffix, or a whole corpus folder."""

from __future__ import annotations

from pathlib import Path

from shanxi_qa.documents import formats, ingest
from shanxi_qa.documents.files import (
    CORPUS_SUFFIXES,
    HTML_SUFFIXES,
    MARKDOWN_SUFFIXES,
    MAX_FILE_BYTES,
    TEXT_SUFFIXES,
    IngestError,
)
from shanxi_qa.records import Document, Progress


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IngestError(
                f"{path}: file is {size / 2**20:.1f} MB, over the "
                f"{MAX_FILE_BYTES // 2**20} MB limit; split it into smaller files"
            )
        data = path.read_bytes()
    except OSError as err:
        raise IngestError(f"{path}: cannot read file ({err.strerror or err})") from err
    if not data:
        raise IngestError(f"{path}: file is empty or blank")
    return data


def _decode_text(path: Path, data: bytes) -> str:
    if b"\x00" in data:
        raise IngestError(f"{path}: binary file (contains NUL bytes), expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IngestError(
            f"{path}: not valid UTF-8 (bad byte at offset {err.start}); re-save it as UTF-8"
        ) from err
    if not text.strip():
        raise IngestError(f"{path}: file is empty or blank")
    return text


def load_document(path: Path, source: str, report: Progress | None = None) -> Document:
    """Read one file and clean it into a :class:`Document` named ``source``.

    The reader goes by the suffix (see ``CORPUS_SUFFIXES``): ``.txt`` is a UTF-8 page
    extraction cleaned by :func:`clean_text`; ``.md``/``.markdown``, ``.html``/``.htm`` and
    ``.pdf`` are read by :mod:`shanxi_qa.documents.formats` and cleaned by :func:`clean_paragraphs`
    (a PDF with every repair rule and its page numbers, HTML and Markdown as written).

    Raises :class:`IngestError` (a one-line message naming the file) for a file of another
    type, one that cannot be read, is empty or blank, is larger than ``MAX_FILE_BYTES``, or
    that its format's reader rejects (binary or non-UTF-8 text, a PDF that is encrypted,
    damaged, a scan without text or over ``MAX_PDF_PAGES`` pages, a web page without
    article text). ``report`` is told the pages of a PDF as they are read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CORPUS_SUFFIXES:
        raise IngestError(
            f"{path}: unsupported file type {suffix or '(no suffix)'!r}; expected one of "
            + ", ".join(CORPUS_SUFFIXES)
        )
    data = _read_bytes(path)
    if suffix in TEXT_SUFFIXES:
        text, blocks, repairs = ingest.clean_text(_decode_text(path, data))
    else:
        if suffix in MARKDOWN_SUFFIXES:
            paragraphs = formats.read_markdown(_decode_text(path, data))
            text, blocks, repairs = ingest.clean_paragraphs(paragraphs, repair=False)
        elif suffix in HTML_SUFFIXES:
            text, blocks, repairs = ingest.clean_paragraphs(
                formats.read_html(path, data), repair=False
            )
        else:
            paragraphs, found = formats.read_pdf(path, data, report)
            text, blocks, repairs = ingest.clean_paragraphs(paragraphs, found)
    if not blocks:
        raise IngestError(f"{path}: no text found in it")
    return Document(source=source, text=text, blocks=blocks, repairs=repairs)


def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[str]]:
    """Load every file with a suffix of ``CORPUS_SUFFIXES`` directly inside ``corpus_dir``,
    sorted by name.

    Returns the documents and one warning line per skipped file (one that
    :func:`load_document` rejects, or that a reader or the cleaner fails on): a bad file
    never stops the others from being read. A document's ``source`` is
    ``"<folder name>/<file name>"``.
    Raises :class:`IngestError` when ``corpus_dir`` does not exist or is not a folder.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.exists():
        raise IngestError(
            f"corpus folder {corpus_dir} does not exist; create it or pass an existing folder"
        )
    if not corpus_dir.is_dir():
        raise IngestError(
            f"corpus path {corpus_dir} is not a folder; pass the folder that holds the "
            "documents (" + ", ".join(CORPUS_SUFFIXES) + ")"
        )
    documents: list[Document] = []
    warnings: list[str] = []
    files = sorted(
        path
        for path in corpus_dir.iterdir()
        if path.suffix.lower() in CORPUS_SUFFIXES and path.is_file()
    )
    for path in files:
        document, warning = read_or_skip(path, f"{corpus_dir.name}/{path.name}")
        if document is not None:
            documents.append(document)
        if warning is not None:
            warnings.append(warning)
    return documents, warnings


def read_or_skip(
    path: Path, source: str, report: Progress | None = None
) -> tuple[Document | None, str | None]:
    """The document read from ``path``, or None and the one-line reason it is skipped: a bad
    file (or a cleaner bug on one file's text) never stops the rest of a corpus."""
    try:
        return load_document(path, source, report), None
    except IngestError as err:
        return None, f"skipped {err}"
    except Exception as err:
        reason = " ".join(str(err).split())[:200]
        return None, f"skipped {path}: cannot clean it ({type(err).__name__}: {reason})"

"""Readers for the document formats: each turns one file into paragraphs for the cleaner.

- **PDF** with pdfminer.six's layout analysis: the characters come grouped into lines with
  their positions and type sizes, and the page's drawn rectangles and images come too. The
  lines are put in reading order by cutting the page along its widest empty bands
  (recursive XY-cut: the band under a headline, the gutter between two columns, the space
  between lines), then grouped into paragraphs by spacing, type size and indents; the
  largest type on the first page is the headline, a short paragraph just under a picture
  is its caption, and running heads and page numbers are dropped. What the layout cannot tell
  (words split at line ends, sentences cut by a column or page break) is left to the same
  rules as a plain-text extraction (:func:`shanxi_qa.documents.ingest.clean_paragraphs`).
- **HTML** with lxml: everything a reader sees in the page's main part is kept (paragraphs,
  headings, lists, definition lists, table rows, preformatted text with its line breaks),
  and navigation, scripts, cookie banners, sidebars, forms and footers are dropped; the
  page's first ``<h1>`` (or its title) and its byline (or author) become the headline and
  the byline.
- **Markdown** with markdown-it-py: headings become ``headline`` (the first ``#``) and
  ``heading`` blocks, and only the text is kept (no ``**``, ``#`` or link syntax).

Each reader is a module of this package; the libraries are imported inside the readers, so nothing on the question path loads them.
Every failure is an :class:`~shanxi_qa.documents.files.IngestError` whose one-line message names
the file and says why.
"""

from __future__ import annotations

from shanxi_qa.documents.formats.html import read_html
from shanxi_qa.documents.formats.markdown import read_markdown
from shanxi_qa.documents.formats.pdf import read_pdf

__all__ = ["read_html", "read_markdown", "read_pdf"]

"""Documents: PDF, Word and EPUB files, each read into a text derived from the file.

A document is not text, so its reader derives one, deterministically from the file's bytes,
and that text is what passage offsets index into (as a JSONL record's ``text`` is for
JSONL). ``readers.decode_file`` derives it again when a quote or ``search verify`` reads the
source, so quotes stay exact; a changed file is caught by its hash.

========  =======================  ==========================================================
suffix    reader                   layout of the derived text (how ``clean`` reads it)
========  =======================  ==========================================================
.pdf      ``pdf.read_pdf``         ``pdf``: the text layer's lines in reading order, pages
                                   split by a form feed line (``layout.split_document``)
.docx     ``docx.read_docx``       ``docx``: a paragraph a line, headings marked ``#``
.doc      ``doc.read_doc``         ``docx``: a paragraph a line (Word 97-2003)
.epub     ``epub.read_epub``       ``html``: the chapters' XHTML in spine order
========  =======================  ==========================================================

In the ``pdf`` and ``docx`` layouts a blank line ends a paragraph, a line starting with
``#`` … ``######`` and a space is a heading of that level (a text line that starts so is
written with a ``\\`` before it), and a tab separates the cells of a table row. What a reader
sets aside (a PDF's running heads and page numbers, a Word file's headers, footers and table
of contents) follows the body after ``SET_ASIDE``: it is in the text, never in a passage, and
counted in the run's notes. ``python -m search.ingest.documents FILE`` prints the derived
text of a file, set-aside part included.

To add a format: a reader module with a ``read_…(data, shown, on_page) -> Derived``, a row
in ``READERS``, and a layout in ``clean.SPLITTERS`` if none fits.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReadError

SET_ASIDE = "\n\f\f\n"  # after the body: what the reader set aside, a line each
READERS = {".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".epub": "epub"}  # suffix: module
DOCUMENT_SUFFIXES = frozenset(READERS)
_HEADING_LIKE = re.compile(r"#{1,6}\s")
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_ISO_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


@dataclass
class Derived:
    """The text a document's reader derives, and what it learnt on the way."""

    text: str  # what offsets index into: the body, then SET_ASIDE and what was set aside
    format: str  # the layout ``clean`` reads it in: pdf | docx | html
    body_end: int  # where the body ends in ``text``
    meta: dict = field(default_factory=dict)  # title, date, author from the document
    set_aside: dict[str, int] = field(default_factory=dict)  # what was set aside: how many
    warnings: list[ReadError] = field(default_factory=list)  # read all the same
    pages: int = 0  # a PDF's pages

    def notes(self, shown: str) -> list[str]:
        """What a run tells of this document: pages read, what was set aside."""
        parts = [f"{self.pages} page" + ("" if self.pages == 1 else "s") + " read"] \
            if self.pages else []
        if self.set_aside:
            aside = ", ".join(f"{count} {_plural(what, count)}"
                              for what, count in sorted(self.set_aside.items()))
            parts.append(f"set aside {aside} (`python -m search.ingest.documents {shown}` "
                         "shows them)")
        return [f"{shown}: " + "; ".join(parts)] if parts else []


def _plural(what: str, count: int) -> str:
    if count == 1:
        return what
    head, _, tail = what.partition(" (")
    return head + ("es" if head.endswith(("ch", "sh", "x")) else "s") + \
        (f" ({tail}" if tail else "")


def is_document(path: Path) -> bool:
    return path.suffix.lower() in DOCUMENT_SUFFIXES


def derive(path: Path, data: bytes, shown: str,
           on_page: Callable[[int, int], None] | None = None) -> Derived:
    """The derived text of the document ``path`` whose bytes are ``data``; a ReadError when
    it cannot be read (broken, encrypted, a scan, an old format), saying what to do."""
    if not data.strip():
        raise ReadError(shown, "is empty", "nothing to index", "empty file")
    kind = READERS[path.suffix.lower()]
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(data, shown, on_page)
    if kind == "docx":
        from .docx import read_docx

        return read_docx(data, shown)
    if kind == "doc":
        from .doc import read_doc

        return read_doc(data, shown)
    from .epub import read_epub

    return read_epub(data, shown)


# ---------------------------------------------------------------- writing the derived text


def safe_line(text: str) -> str:
    """Text that stays on its line: control characters and line separators are spaces."""
    return _CONTROLS.sub(" ", text)


def body_line(text: str) -> str:
    """A line of text, escaped when it would read as a heading."""
    text = safe_line(text)
    return "\\" + text if _HEADING_LIKE.match(text) or text.startswith("\\#") else text


def heading_line(text: str, level: int) -> str:
    """A heading of ``level`` (1-6) as a line of the derived text."""
    return "#" * max(1, min(level, 6)) + " " + safe_line(text).replace("\t", " ").strip()


def with_set_aside(body: str, aside: list[str]) -> str:
    """The derived text: the body, then what was set aside (when anything was), a line each."""
    return body + (SET_ASIDE + "".join(line + "\n" for line in aside) if aside else "")


def iso_date(text: str) -> str:
    """YYYY-MM-DD from a document's date (2023-03-08T08:17:00Z, 20240321093000+08'00'),
    or "" when it holds none that could be a real date."""
    found = _ISO_DATE.match(text.strip())
    if not found:
        return ""
    year, month, day = (int(part) for part in found.groups())
    if not (1900 < year < 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def main(argv: list[str]) -> int:
    """``python -m search.ingest.documents FILE``: the derived text of FILE, the set-aside
    part after a line that says so."""
    if len(argv) != 1:
        print("usage: python -m search.ingest.documents FILE", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        derived = derive(path, path.read_bytes(), argv[0])
    except (ReadError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(derived.text[:derived.body_end] + "\n")
    aside = derived.text[derived.body_end + len(SET_ASIDE):]
    if aside:
        sys.stdout.write("\n——— set aside ———\n" + aside)
    for note in derived.notes(argv[0]):
        print(note, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

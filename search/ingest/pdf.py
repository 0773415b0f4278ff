"""PDF: the text layer, read glyph by glyph with pdfminer.six, laid out as a reader reads the
page, as a text that passage offsets index into (``documents.Derived``).

pdfminer.six decides what the text layer holds: each glyph, its Unicode text, its position,
size and font. The layout is decided here, from those positions, so it is the same for every
PDF producer:

- **lines**: glyphs on one baseline, left to right (a run a producer wrote backwards comes out
  in reading order); a wide gap inside a line (a table's cells, a form's fields) is a tab;
- **columns**: a gutter that splits most lines of a stretch of the page into two wide halves
  makes that stretch two columns, read one after the other; lines across the gutter (a title,
  an abstract) are read where they stand;
- **paragraphs**: a new one where a line is indented, the line before it stops short, the
  spacing grows or the size changes: a blank line in the text; each printed line stays a line,
  and cleaning joins them (``layout.split_document``), as it undoubles fake-bold glyphs;
- **headings**: short lines set clearly larger than the body, marked ``#`` (largest first);
- **running headers, footers and page numbers**: lines in the top or bottom margin that repeat
  on other pages (digits aside), and page numbers (``- 3 -``, ``第 3 页``), are set aside: left
  out of the body and listed after it (``documents.SET_ASIDE``), counted in the run's notes.

Pages are separated by a form feed line. A glyph without a Unicode mapping is U+FFFD.
A PDF without a text layer (a scan) or one that needs a password is a ReadError that says
what to do. The title and date come from the document information when it has them (a title
that the first page does not print is not believed), else the largest line of the first page.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ReadError
from .clean import CLOSERS, ends_clause, has_sentence_end, is_cjk
from .documents import Derived, body_line, heading_line, iso_date, safe_line, with_set_aside
from .layout import fold_compatibility

PIECE_GAP = 1.6  # ems: a wider gap inside a line starts a new piece (a cell, a column)
LATIN_SPACE = 0.12  # ems: a wider gap next to a Latin letter or digit is a space
CJK_SPACE = 0.9  # ems: a wider gap between two Chinese characters is a space
MARGIN = 0.11  # of the page's height: the top and bottom bands running heads stand in
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running heads
HEADING_SIZE = 1.18  # times the body's size: a line this much larger is a heading
MAX_HEADING_CHARS = 60
MAX_BOLD_HEADING = 30  # characters: a bold line alone, at most this long, is a heading
SCAN_CHARS = 8  # a page with fewer characters than this has no text layer to speak of
_PAGE_NUMBER = re.compile(
    r"^[-–—_·.\s]*(第\s*)?([0-9]{1,4}|[ivxlcdm]{1,6})(\s*页)?(\s*[/／]\s*[0-9]{1,4})?"
    r"(\s*(共|of)\s*[0-9]{1,4}\s*页?)?[-–—_·.\s]*$|^(page|p\.)\s*[0-9]{1,4}(\s*of\s*[0-9]+)?$",
    re.IGNORECASE)
_PAGE_OF = re.compile(r"第\s*[0-9]{1,4}\s*页\s*[,，]?\s*共\s*[0-9]{1,4}\s*页")
_BOLD = re.compile(r"bold|heavy|black|semibold|demi|hei|黑", re.IGNORECASE)
_NOTE_MARK = re.compile(r"[*＊†‡①-⑩]+$")  # a note's mark after a title
_JUNK_TITLE = re.compile(r"^(microsoft (word|powerpoint|excel) - |untitled|无标题)", re.I)
_FILE_NAME = re.compile(r"\.(docx?|pdf|wps|pptx?|xlsx?|txt|tex|dvi|indd|cdr)$", re.I)

logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its warnings are about fonts


@dataclass
class Glyph:
    text: str
    x0: float
    x1: float  # where the next glyph would start (its advance)
    y0: float
    y1: float
    size: float
    base: float  # the baseline (the middle, for a glyph that is not upright)
    bold: bool = False  # its font is a bold or heavy one (黑体 too)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Piece:
    """Glyphs of one line with no wide gap between them: their text and extent (the glyphs
    themselves are not kept, so a long PDF's pages cost little memory)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool

    @classmethod
    def of(cls, glyphs: list[Glyph], text: str) -> Piece:
        return cls(text, glyphs[0].x0, max(g.x1 for g in glyphs), max(g.y1 for g in glyphs),
                   min(g.y0 for g in glyphs), statistics.median(g.size for g in glyphs),
                   all(g.bold for g in glyphs))


@dataclass
class Line:
    """Pieces on one baseline, left to right."""

    pieces: list[Piece]
    top: float
    bottom: float
    size: float = 0.0
    furniture: str = ""  # set aside as: "running head" or "page number"
    bold: bool = False  # every glyph in a bold or heavy font

    @property
    def x0(self) -> float:
        return self.pieces[0].x0

    @property
    def x1(self) -> float:
        return self.pieces[-1].x1

    @property
    def text(self) -> str:
        return "\t".join(piece.text for piece in self.pieces)

    @property
    def is_row(self) -> bool:
        return len(self.pieces) > 1


@dataclass
class Page:
    number: int
    height: float
    lines: list[Line] = field(default_factory=list)
    glyphs: int = 0
    unmapped: int = 0
    failed: str = ""  # why the page could not be read


# ---------------------------------------------------------------- reading


def read_pdf(data: bytes, shown: str,
             on_page: Callable[[int, int], None] | None = None) -> Derived:
    """The text derived from a PDF's bytes (module docstring); ``on_page(done, total)`` is
    told after each page. A PDF that cannot be read, needs a password or has no text layer
    is a ReadError."""
    document = _open(data, shown)
    pages = list(_pages(document, shown, on_page))
    if pages and all(page.failed for page in pages):
        raise ReadError(shown, f"cannot be read as a PDF ({pages[0].failed} in every page)",
                        "check that it opens; save it again from a PDF viewer", "broken PDF")
    if sum(page.glyphs for page in pages) < SCAN_CHARS * max(1, len(pages)) / 2:
        raise ReadError(shown, f"has no text layer ({_pages_word(len(pages))} of images: "
                        "a scan?)", "OCR it first (e.g. `ocrmypdf -l chi_sim+eng in.pdf "
                        "out.pdf`) and index the result", "no text layer")
    _mark_furniture(pages)
    body_size = _body_size(pages)
    levels = _heading_levels(pages, body_size)
    texts = [_page_text(page, body_size, levels) for page in pages]
    body = "\n\f\n".join(texts)
    aside = [line for page in pages for line in page.lines if line.furniture]
    text = with_set_aside(body, [line.text for line in aside])
    counts = Counter(line.furniture for line in aside)
    meta = _meta(document, texts[0] if texts else "")
    warnings = []
    failed = [page for page in pages if page.failed]
    if failed:
        warnings.append(ReadError(shown, f"{_pages_word(len(failed))} could not be read "
                                  f"({_ranges([p.number for p in failed])}: "
                                  f"{failed[0].failed})", "the other pages are indexed",
                                  "damaged pages"))
    empty = [page.number for page in pages if page.glyphs < SCAN_CHARS and not page.failed]
    if empty and len(empty) < len(pages):
        warnings.append(ReadError(shown, f"{_pages_word(len(empty))} without text "
                                  f"({_ranges(empty)}): scanned?", "OCR them to index "
                                  "their text; the other pages are indexed", "no text layer"))
    unmapped = sum(page.unmapped for page in pages)
    if unmapped:
        warnings.append(ReadError(shown, f"{unmapped} glyphs have no Unicode text in the PDF",
                                  "read as U+FFFD (�)", "unmapped glyphs"))
    return Derived(text, "pdf", len(body), meta, dict(counts), warnings, len(pages))


def _open(data: bytes, shown: str):
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    try:
        return PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect:
        raise ReadError(shown, "is encrypted: it needs a password to open",
                        "save a copy without the password (open it, print to PDF) and index "
                        "that", "encrypted") from None
    except Exception as exc:  # pdfminer raises many types for a damaged file
        if "crypt" in type(exc).__name__.lower() or "crypt" in str(exc).lower():
            raise ReadError(shown, f"is encrypted in a way that cannot be read ({exc})",
                            "save a copy without encryption and index that",
                            "encrypted") from None
        raise ReadError(shown, f"cannot be read as a PDF ({type(exc).__name__})",
                        "check that it opens; save it again from a PDF viewer",
                        "broken PDF") from None


def _pages(document, shown: str, on_page) -> list[Page]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    try:
        total = _page_count(document)
        for number, pdf_page in enumerate(PDFPage.create_pages(document), 1):
            try:
                interpreter.process_page(pdf_page)
                layout = device.get_result()
            except Exception as exc:  # one damaged page: the others are read
                yield Page(number, 0.0, failed=type(exc).__name__)
                continue
            page = Page(number, layout.height)
            page.lines = _lines(_glyphs(layout, page))
            yield page
            if on_page:
                on_page(number, total)
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(shown, f"cannot be read as a PDF ({type(exc).__name__} in its "
                        "pages)", "check that it opens; save it again from a PDF viewer",
                        "broken PDF") from None


def _page_count(document) -> int:
    try:
        from pdfminer.pdftypes import resolve1

        return int(resolve1(document.catalog["Pages"])["Count"])
    except Exception:
        return 0


def _glyphs(layout, page: Page) -> list[Glyph]:
    """The page's glyphs (inside figures too), spaces left out: spacing is read from the
    positions, so a producer's spaces and its gaps come out alike."""
    from pdfminer.layout import LTChar, LTContainer

    out: list[Glyph] = []

    def walk(container) -> None:
        for item in container:
            if isinstance(item, LTChar):
                text = item.get_text()
                if text.startswith("(cid:"):
                    text = "\ufffd"
                    page.unmapped += 1
                text = safe_line(text).replace("\t", " ")
                if not text.strip():
                    text = text[:1]  # kept: a space the text layer holds is a space
                a, b, c, d, e, f = item.matrix
                upright = item.upright and a > 0 and abs(b) < 1e-6 and abs(c) < 1e-6
                end = e + item.adv * a if upright else item.x1
                size = item.size or (item.y1 - item.y0) or 1.0
                base = f if upright else (item.y0 + item.y1) / 2
                out.append(Glyph(text, item.x0, max(end, item.x0 + 0.1), item.y0, item.y1,
                                 size, base, bool(_BOLD.search(item.fontname or ""))))
            elif isinstance(item, LTContainer):
                walk(item)

    walk(layout)
    page.glyphs = sum(1 for glyph in out if not glyph.text.isspace())
    return out


def _lines(glyphs: list[Glyph]) -> list[Line]:
    """Glyphs grouped by baseline (top to bottom), each line cut into pieces at wide gaps;
    a small raised or lowered glyph (a note mark, an index) joins the line it touches."""
    rows: list[list[Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: (-round(g.base, 1), g.x0)):
        if rows:
            ref = rows[-1][0]
            if abs(glyph.base - ref.base) <= 0.3 * max(ref.size, glyph.size):
                rows[-1].append(glyph)
                continue
        rows.append([glyph])
    rows = _attach_marks(rows)
    lines = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        visible = [g for g in row if not g.text.isspace()]
        if not visible:
            continue
        size = statistics.median(g.size for g in visible)
        spaced = _spaced(row)
        runs, current = [], [visible[0]]
        for prev, glyph in zip(visible, visible[1:], strict=False):
            if glyph.x0 - prev.x1 > PIECE_GAP * size:
                runs.append(current)
                current = []
            current.append(glyph)
        runs.append(current)
        lines.append(_line([Piece.of(run, _piece_text(run, size, spaced)) for run in runs]))
    return lines


def _line(pieces: list[Piece]) -> Line:
    """A line of these pieces, its extent, size and boldness from theirs (its size: the one
    most of its text is set in)."""
    sizes = Counter()
    for piece in pieces:
        sizes[piece.size] += len(piece.text)
    return Line(pieces, max(p.top for p in pieces), min(p.bottom for p in pieces),
                sizes.most_common(1)[0][0], bold=all(p.bold for p in pieces))


def _spaced(row: list[Glyph]) -> dict[int, str]:
    """The glyphs (by id) that a space of the text layer stands before, with that space (the
    first of a run)."""
    out, pending = {}, ""
    for glyph in row:
        if glyph.text.isspace():
            pending = pending or glyph.text
        else:
            if pending:
                out[id(glyph)] = pending
            pending = ""
    return out


def _attach_marks(rows: list[list[Glyph]]) -> list[list[Glyph]]:
    """A row of a few glyphs clearly smaller than a neighbour row it overlaps goes into it."""
    out: list[list[Glyph]] = []
    for i, row in enumerate(rows):
        size = max(g.size for g in row)
        host = None
        if len(row) <= 3:
            for j in (i - 1, i + 1):
                if 0 <= j < len(rows) and size < 0.8 * statistics.median(
                        g.size for g in rows[j]) and _overlaps(row, rows[j]):
                    host = j
                    break
        if host is None:
            out.append(row)
        elif host < i:
            out[-1].extend(row)
        else:
            rows[host] = rows[host] + row
    return out


def _overlaps(row: list[Glyph], other: list[Glyph]) -> bool:
    top, bottom = max(g.y1 for g in other), min(g.y0 for g in other)
    return any(bottom < g.cy < top or bottom < g.y1 < top or bottom < g.y0 < top
               for g in row)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _piece_text(glyphs: list[Glyph], size: float, spaced: dict[int, str]) -> str:
    """A piece's glyphs as text, with a space where the text layer has one or the gap is a
    word space."""
    out = [glyphs[0].text]
    for prev, glyph in zip(glyphs, glyphs[1:], strict=False):
        gap = glyph.x0 - prev.x1
        latin = _is_latin(prev.text[-1]) or _is_latin(glyph.text[0])
        if id(glyph) in spaced:
            out.append(spaced[id(glyph)])
        elif gap > (LATIN_SPACE if latin else CJK_SPACE) * size:
            out.append(" ")
        out.append(glyph.text)
    return "".join(out)


# ---------------------------------------------------------------- running heads


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"[0-9]+", "#", text)).lower()


def _mark_furniture(pages: list[Page]) -> None:
    """Mark the lines of the top and bottom margins that repeat on another page (digits
    aside) as running heads, and page numbers as such."""
    edges: dict[int, list[Line]] = {}
    seen: Counter[str] = Counter()
    for page in pages:
        candidates = _edge_lines(page)
        edges[page.number] = candidates
        for text in {_normal(line.text) for line in candidates}:
            seen[text] += 1
    for page in pages:
        for line in edges[page.number]:
            text = line.text.strip()
            if _PAGE_NUMBER.match(text.replace("\t", " ")):
                line.furniture = "page number"
            elif len(pages) > 1 and seen[_normal(text)] >= 2:
                line.furniture = "running head"
            elif _PAGE_OF.search(text):
                line.furniture = "running head"


def _edge_lines(page: Page) -> list[Line]:
    """The first and last lines of a page that stand in its top or bottom margin band."""
    band = MARGIN * page.height
    top = [line for line in page.lines[:EDGE_LINES] if line.bottom >= page.height - band]
    bottom = [line for line in page.lines[-EDGE_LINES:] if line.top <= band]
    return top + [line for line in bottom if line not in top]


# ---------------------------------------------------------------- sizes and headings


def _body_size(pages: list[Page]) -> float:
    """The size most of the text is set in."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            if not line.furniture:
                sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _is_heading_size(line: Line, body_size: float) -> bool:
    return line.size >= HEADING_SIZE * body_size and not line.is_row \
        and len(line.text) <= MAX_HEADING_CHARS


def _heading_levels(pages: list[Page], body_size: float) -> dict[float, int]:
    """Heading level by size: the largest size a heading is set in is level 1."""
    sizes = {round(part.size * 2) / 2 for page in pages for line in page.lines
             if not line.furniture for piece in line.pieces
             if _is_heading_size(part := _line([piece]), body_size)}
    return {size: min(n, 6) for n, size in enumerate(sorted(sizes, reverse=True), 1)}


# ---------------------------------------------------------------- columns and paragraphs


def _page_text(page: Page, body_size: float, levels: dict[float, int]) -> str:
    """A page's body lines in reading order, paragraphs split by blank lines."""
    lines = [line for line in page.lines if not line.furniture]
    text = ""
    for stretch in _reading_order(lines):
        paragraphs = _paragraphs(stretch, body_size, levels)
        if text and paragraphs:
            text += "\n" if _goes_on(text, paragraphs[0]) else "\n\n"
        text += "\n\n".join(paragraphs)
    return text


def _goes_on(before: str, after: str) -> bool:
    """A paragraph cut at the foot of a column goes on at the head of the next one: it stops
    mid-sentence (at most at a comma) and the next starts a word, as ``clean`` rejoins a
    paragraph cut by a page break."""
    last, first = before.rstrip()[-1:], after[:1]
    return bool(last) and last not in "。！？!?…；;：:" + CLOSERS and "\t" not in \
        before.rsplit("\n", 1)[-1] and (is_cjk(first) or first.isalnum()) \
        and "\t" not in after.split("\n", 1)[0]


def _reading_order(lines: list[Line]) -> list[list[Line]]:
    """The page as stretches read one after the other: lines across the page as they stand,
    and where a gutter splits a run of lines into two columns (each with two lines or more),
    the left column, then the right one."""
    gutter = _gutter(lines) if len(lines) >= 6 else None
    if gutter is None:
        return [lines]
    stretches: list[list[Line]] = [[]]
    run: list[Line] = []  # lines that no piece crosses the gutter in

    def end_run() -> None:
        left = [_side(line, gutter, True) for line in run]
        right = [_side(line, gutter, False) for line in run]
        left, right = [x for x in left if x], [x for x in right if x]
        if len(left) >= 2 and len(right) >= 2:
            stretches.extend([left, right, []])
        else:
            stretches[-1].extend(run)
        run.clear()

    for line in lines:
        if any(p.x0 < gutter < p.x1 for p in line.pieces):
            end_run()
            stretches[-1].append(line)
        else:
            run.append(line)
    end_run()
    return [stretch for stretch in stretches if stretch]


def _side(line: Line, gutter: float, left: bool) -> Line | None:
    """The pieces of a line on one side of the gutter, as a line, or None."""
    pieces = [p for p in line.pieces if (p.x1 <= gutter) == left]
    return _line(pieces) if pieces else None


def _gutter(lines: list[Line]) -> float | None:
    """The x of a gutter between two columns of text, or None: the x in the middle of the
    text that the most wide pieces of text (a quarter of the text's width or more) stand on
    each side of without crossing it, at least three on each side."""
    left_edge = min(line.x0 for line in lines)
    width = max(line.x1 for line in lines) - left_edge
    if width <= 0:
        return None
    pieces = [p for line in lines for p in line.pieces]
    wide = [p for p in pieces if p.x1 - p.x0 >= 0.25 * width]
    best, found = 2, []
    for step in range(41):
        x = left_edge + width * (0.3 + 0.01 * step)
        crossing = sum(1 for p in pieces if p.x0 < x < p.x1)
        score = min(sum(1 for p in wide if p.x1 <= x), sum(1 for p in wide if p.x0 >= x))
        score -= crossing
        if score > best:
            best, found = score, [x]
        elif score == best and found:
            found.append(x)
    return statistics.median(found) if found else None


def _paragraphs(lines: list[Line], body_size: float, levels: dict[float, int]) -> list[str]:
    """Lines of one column (or across the page) as paragraphs: a new one at an indent, after
    a line that stops short, where the spacing grows or the size changes; a table row and a
    heading are paragraphs of their own."""
    if not lines:
        return []
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    steps = [a.bottom - b.bottom for a, b in zip(lines, lines[1:], strict=False)
             if abs(a.size - b.size) < 0.5 and 0 < a.bottom - b.bottom < 3 * a.size]
    pitch = statistics.median(steps) if steps else 0.0
    paragraphs: list[list[Line]] = []
    for i, line in enumerate(lines):
        prev = lines[i - 1] if i else None
        if prev is None or (_breaks(prev, line, left, right, pitch)
                            and not _heading_goes_on(paragraphs[-1], line, body_size)):
            paragraphs.append([])
        paragraphs[-1].append(line)
    out = []
    for para in paragraphs:
        level = levels.get(round(para[0].size * 2) / 2, 0)
        if level and len(para) <= 3 and all(_is_heading_size(line, body_size) for line in para):
            out.append(heading_line(_joined(line.text for line in para), level))
        elif len(para) == 1 and _is_bold_heading(para[0]):
            out.append(heading_line(para[0].text, len(levels) + 1))
        else:
            out.append("\n".join(body_line(line.text) for line in para))
    return out


def _is_bold_heading(line: Line) -> bool:
    """A short line alone, all in bold, that does not end a sentence or a clause."""
    text = line.text.strip()
    return line.bold and not line.is_row and 2 <= len(text) <= MAX_BOLD_HEADING \
        and not ends_clause(text) and not has_sentence_end(text)


def _heading_goes_on(para: list[Line], line: Line, body_size: float) -> bool:
    """A heading printed on two or three lines: the same size, one under the other."""
    prev = para[-1]
    aligned = abs(prev.x0 - line.x0) < line.size \
        or abs(prev.x0 + prev.x1 - line.x0 - line.x1) < 2 * line.size
    return len(para) < 3 and aligned and _is_heading_size(prev, body_size) \
        and prev.size >= 1.5 * body_size and abs(prev.size - line.size) < 0.5 \
        and prev.bottom - line.bottom <= 2 * line.size


def _joined(texts) -> str:
    """Lines of a heading as one: no space between Chinese characters."""
    out = ""
    for text in texts:
        text = text.strip()
        if out and text and (_is_latin(out[-1]) and _is_latin(text[0])):
            out += " "
        out += text
    return out


def _breaks(prev: Line, line: Line, left: float, right: float, pitch: float) -> bool:
    """Whether ``line`` starts a new paragraph after ``prev``."""
    size = max(prev.size, line.size)
    if prev.is_row or line.is_row or abs(prev.size - line.size) > 0.15 * size:
        return True
    if pitch and prev.bottom - line.bottom > 1.4 * pitch:
        return True
    indented = line.x0 > left + 0.8 * line.size
    if indented and prev.x0 <= left + 0.8 * prev.size:
        return True
    return prev.x1 < right - 2.5 * prev.size


# ---------------------------------------------------------------- metadata


def _meta(document, first_page: str) -> dict:
    """Title and date: the document information's (a title only when the first page prints
    it), else the first page's largest heading for a title. A title that is the first line of
    the text is left to ``segment``, which takes it from there; the information's author is
    an account name more often than a writer's, and is not taken."""
    info = _info(document)
    meta: dict[str, str] = {}
    headings = [(len(m.group(1)), m.group(2).strip())
                for m in re.finditer(r"^(#{1,6}) (.+)$", first_page, re.MULTILINE)]
    title = _title_from_info(info.get("Title", ""), first_page) \
        or min(headings, default=(0, ""))[1]
    first = re.match(r"#{1,6} (.+)", first_page.split("\n", 1)[0])
    first_text = first.group(1).strip() if first else ""
    if title and title not in (first_text, re.sub(r"(.)\1", r"\1", first_text)):
        meta["title"] = fold_compatibility(_NOTE_MARK.sub("", title))
    date = iso_date(info.get("CreationDate", "").removeprefix("D:")) or \
        iso_date(info.get("ModDate", "").removeprefix("D:"))
    if date:
        meta["date"] = date
    return meta


def _info(document) -> dict[str, str]:
    from pdfminer.pdftypes import resolve1

    out: dict[str, str] = {}
    for entry in getattr(document, "info", []) or []:
        for key, value in (resolve1(entry) or {}).items():
            value = resolve1(value)
            if isinstance(value, bytes):
                out[key] = _pdf_string(value)
            elif isinstance(value, str):
                out[key] = value
    return out


def _pdf_string(value: bytes) -> str:
    """A PDF text string: UTF-16 with a BOM, UTF-8 with one, else PDFDocEncoding (Latin-1
    near enough for a title)."""
    if value.startswith((b"\xfe\xff", b"\xff\xfe")):
        return value.decode("utf-16", "replace")
    if value.startswith(b"\xef\xbb\xbf"):
        return value[3:].decode("utf-8", "replace")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _title_from_info(title: str, first_page: str) -> str:
    """The information's title when it is one: not a file name or a word processor's
    placeholder, and printed on the first page."""
    title = safe_line(re.sub(r"^microsoft (word|powerpoint|excel) - ", "", title.strip(),
                             flags=re.I)).strip()
    if not title or _JUNK_TITLE.match(title) or _FILE_NAME.search(title):
        return ""
    printed = re.sub(r"\s+", "", first_page)
    bare = re.sub(r"\s+", "", title)
    return title if bare in printed or bare in re.sub(r"(.)\1", r"\1", printed) else ""


def _pages_word(n: int) -> str:
    return f"{n} page" + ("" if n == 1 else "s")


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> 'pages 1-3, 7'."""
    parts, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            parts.append(f"{start}-{n}" if n != start else f"{n}")
            start = None
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(parts)

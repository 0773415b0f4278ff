"""Word (.docx): the document's XML read with the standard library, as a derived text in the
``docx`` layout (``documents``: a paragraph a line, blank lines between, headings ``#``).

- Paragraphs in body order, with their list numbers (``5.2.1``, ``一、``, ``（1）``) as Word
  draws them from ``numbering.xml``; a line break inside a paragraph is a new line of it.
- Headings: a paragraph whose style (or the styles it is based on) is a heading: named
  ``heading N``, or with an outline level (the Chinese standards' ``章标题``, ``一级条标题``).
  The ``Title`` style is a level-1 heading and the title.
- Tables row by row: a row a line, its cells split by tabs (a cell's paragraphs by spaces).
- Text boxes after the paragraph that holds them; formulas as their text.
- Footnotes, endnotes and comments after the body, each a paragraph, under the headings
  ``脚注``, ``尾注`` and ``批注``.
- Set aside (after ``documents.SET_ASIDE``): headers and footers, the table of contents.
- Left out as Word leaves them out of the text: deleted revisions, field codes, hidden text.

The title is the Title-style paragraph, else the document properties' title when the text
holds it (a template's ``标准名称`` does not count), else what ``segment`` finds; the date is
the properties' creation date.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from xml.etree import ElementTree

from ..errors import ReadError
from .documents import Derived, body_line, heading_line, iso_date, safe_line, with_set_aside

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
DC = "{http://purl.org/dc/elements/1.1/}"
DCTERMS = "{http://purl.org/dc/terms/}"
FIRST_PARAGRAPHS = 40  # where a cover's title is looked for
MAX_PART = 200_000_000  # bytes: a part that unzips to more is not a document's text
_HEADING_NAME = re.compile(r"^(heading|标题)\s*([1-9])$", re.IGNORECASE)
_TOC_NAME = re.compile(r"^(toc|目录)\s*[1-9]$", re.IGNORECASE)
NOTES = (("footnotes", "footnote", "脚注"), ("endnotes", "endnote", "尾注"),
         ("comments", "comment", "批注"))


def read_docx(data: bytes, shown: str) -> Derived:
    """The derived text of a .docx file's bytes; a ReadError when it is not one."""
    package = _open(data, shown)
    try:
        return _Reader(package, shown).read()
    finally:
        package.close()


def _open(data: bytes, shown: str) -> zipfile.ZipFile:
    import io

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(shown, "is a password-protected (encrypted) Word file, or an old .doc "
                        "named .docx", "save a copy without the password as .docx, or rename "
                        "it to .doc", "encrypted")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        package.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ReadError(shown, f"is not a whole Word (.docx) file ({exc})",
                        "open it in Word or WPS and save it again as .docx",
                        "broken document") from None
    return package


@dataclass
class Style:
    name: str = ""
    based_on: str = ""
    outline: int | None = None  # 0-8
    numbering: tuple[str, int] | None = None  # (numId, ilvl)
    size: int | None = None  # half-points


@dataclass
class Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class _Out:
    """The derived text being written: body paragraphs, and what is set aside."""

    body: list[str] = field(default_factory=list)
    aside: list[str] = field(default_factory=list)
    set_aside: Counter = field(default_factory=Counter)


class _Reader:
    def __init__(self, package: zipfile.ZipFile, shown: str):
        self.package, self.shown = package, shown
        self.styles = self._styles()
        self.levels = self._numbering()
        self.counters: dict[str, list[int]] = {}
        self.out = _Out()
        self.title = ""
        self.sized: list[tuple[int, str]] = []  # (size, text) of the first paragraphs

    # ------------------------------------------------------------ parts

    def _xml(self, name: str):
        """A part of the package as an element, or None when it is not there."""
        try:
            info = self.package.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_PART:
            raise ReadError(self.shown, f"has a part ({name}) of {info.file_size} bytes",
                            "it is not a document's text", "broken document")
        try:
            return ElementTree.fromstring(self.package.read(name))
        except (ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ReadError(self.shown, f"has a damaged part {name} ({exc})",
                            "open it in Word or WPS and save it again", "broken document") \
                from None

    def _styles(self) -> dict[str, Style]:
        root = self._xml("word/styles.xml")
        styles: dict[str, Style] = {}
        for element in root.iter(f"{W}style") if root is not None else []:
            style = Style()
            name = element.find(f"{W}name")
            style.name = name.get(f"{W}val", "") if name is not None else ""
            based = element.find(f"{W}basedOn")
            style.based_on = based.get(f"{W}val", "") if based is not None else ""
            ppr = element.find(f"{W}pPr")
            if ppr is not None:
                style.outline = _outline(ppr)
                style.numbering = _num_pr(ppr)
            style.size = _half_points(element.find(f"{W}rPr/{W}sz"))
            styles[element.get(f"{W}styleId", "")] = style
        default = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz") \
            if root is not None else None
        self.default_size = _half_points(default) or 21
        return styles

    def _numbering(self) -> dict[str, dict[int, Level]]:
        """numId: its levels (format, text, start)."""
        root = self._xml("word/numbering.xml")
        if root is None:
            return {}
        abstract: dict[str, dict[int, Level]] = {}
        for element in root.iter(f"{W}abstractNum"):
            abstract[element.get(f"{W}abstractNumId", "")] = {
                int(lvl.get(f"{W}ilvl", "0")): _level(lvl) for lvl in element.iter(f"{W}lvl")}
        out: dict[str, dict[int, Level]] = {}
        for num in root.iter(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            levels = dict(abstract.get(ref.get(f"{W}val", "") if ref is not None else "", {}))
            for override in num.iter(f"{W}lvlOverride"):
                ilvl = int(override.get(f"{W}ilvl", "0"))
                lvl = override.find(f"{W}lvl")
                if lvl is not None:
                    levels[ilvl] = _level(lvl)
                start = override.find(f"{W}startOverride")
                if start is not None and ilvl in levels:
                    levels[ilvl] = Level(levels[ilvl].fmt, levels[ilvl].text,
                                         int(start.get(f"{W}val", "1")))
            out[num.get(f"{W}numId", "")] = levels
        return out

    # ------------------------------------------------------------ reading

    def read(self) -> Derived:
        document = self._xml("word/document.xml")
        body = document.find(f"{W}body") if document is not None else None
        if body is not None:
            self._blocks(body)
        self._notes()
        self._headers_footers()
        meta = self._meta()
        text = with_set_aside("\n\n".join(self.out.body), self.out.aside)
        body_end = len("\n\n".join(self.out.body))
        return Derived(text, "docx", body_end, meta, dict(self.out.set_aside))

    def _blocks(self, container, toc: bool = False) -> None:
        """The paragraphs and tables of a body, a cell or a content control, in order."""
        for element in container:
            tag = element.tag
            if tag == f"{W}p":
                self._paragraph(element, toc)
            elif tag == f"{W}tbl":
                self._table(element)
            elif tag in (f"{W}sdt", f"{W}customXml", f"{W}ins", f"{W}smartTag"):
                content = element.find(f"{W}sdtContent") if tag == f"{W}sdt" else element
                if content is not None:
                    self._blocks(content, toc or _is_toc_control(element))

    def _paragraph(self, p, toc: bool = False) -> None:
        style_id = _style_id(p)
        style_name = self._style_name(style_id)
        lines, boxes = _paragraph_text(p)
        text = "\n".join(line.strip() for line in lines).strip()
        label = self._label(p, style_id)
        if toc or _TOC_NAME.match(style_name):
            if text:
                self.out.aside.append(safe_line(text.replace("\n", " ")))
                self.out.set_aside["table of contents line"] += 1
        elif text:
            level = self._heading_level(p, style_id, style_name)
            if label:
                text = label + ("" if label[-1] in "、）)．" else " ") + text
            if level:
                self.out.body.append(heading_line(text.replace("\n", " "), level))
                if style_name.lower() == "title" and not self.title:
                    self.title = text.replace("\n", " ").strip()
            else:
                self.out.body.append("\n".join(body_line(line) for line in text.split("\n")))
            if len(self.sized) < FIRST_PARAGRAPHS:
                self.sized.append((self._size(p, style_id), text.replace("\n", " ")))
        for box in boxes:
            self._blocks(box)

    def _table(self, tbl) -> None:
        for tr in tbl.findall(f"{W}tr"):  # a nested table's rows are in their cell's text
            cells = []
            for tc in tr.findall(f"{W}tc"):
                texts = []
                for p in tc.iter(f"{W}p"):
                    lines, _ = _paragraph_text(p)
                    texts.append(" ".join(line.strip() for line in lines).strip())
                cells.append(" ".join(t for t in texts if t))
            if any(cells):
                self.out.body.append(body_line("\t".join(safe_line(c).replace("\t", " ")
                                                         for c in cells)))

    def _notes(self) -> None:
        """Footnotes, endnotes and comments, each a paragraph under its heading."""
        for part, tag, heading in NOTES:
            root = self._xml(f"word/{part}.xml")
            if root is None:
                continue
            notes = []
            for note in root.iter(f"{W}{tag}"):
                if note.get(f"{W}type") in ("separator", "continuationSeparator",
                                            "continuationNotice"):
                    continue
                texts = [" ".join(_paragraph_text(p)[0]).strip() for p in note.iter(f"{W}p")]
                text = " ".join(t for t in texts if t).strip()
                if text:
                    notes.append(body_line(text))
            if notes:
                self.out.body.append(heading_line(heading, 1))
                self.out.body.extend(notes)

    def _headers_footers(self) -> None:
        seen = set()
        for name in sorted(self.package.namelist()):
            kind = re.match(r"word/(header|footer)\d*\.xml$", name)
            if not kind:
                continue
            root = self._xml(name)
            for p in root.iter(f"{W}p") if root is not None else []:
                text = " ".join(_paragraph_text(p)[0]).strip()
                if text and (kind.group(1), text) not in seen:
                    seen.add((kind.group(1), text))
                    self.out.aside.append(safe_line(text))
                    self.out.set_aside[f"{kind.group(1)} line"] += 1

    def _meta(self) -> dict:
        meta: dict[str, str] = {}
        core = self._xml("docProps/core.xml")
        title, created = "", ""
        if core is not None:
            found = core.find(f"{DC}title")
            title = (found.text or "").strip() if found is not None else ""
            found = core.find(f"{DCTERMS}created")
            created = (found.text or "").strip() if found is not None else ""
        body = "".join(self.out.body)[:5000]
        if not self.title and title and re.sub(r"\s", "", title) in re.sub(r"\s", "", body):
            self.title = title
        self.title = self.title or self._largest()
        first = self.out.body[0] if self.out.body else ""
        if self.title and first.lstrip("# ").strip() != self.title:
            meta["title"] = safe_line(self.title)
        if created and iso_date(created):
            meta["date"] = iso_date(created)
        return meta

    def _largest(self) -> str:
        """The text set largest among the first paragraphs (a cover's title), when it is
        short and clearly larger than most of them."""
        if not self.sized:
            return ""
        common = Counter(size for size, _ in self.sized).most_common(1)[0][0]
        words = [(n, size, text.strip()) for n, (size, text) in enumerate(self.sized)
                 if len(re.sub(r"\s", "", text)) >= 4]  # not a logo's letters (NB)
        if not words:
            return ""
        largest = max(size for _, size, _ in words)
        if largest < 1.2 * common:
            return ""
        lines = [(n, text) for n, size, text in words if size == largest]
        title = [lines[0][1]]  # and the lines right after it in that size
        for (n, text), (m, _) in zip(lines[1:], lines, strict=False):
            if n != m + 1 or len(title) == 3:
                break
            title.append(text)
        title = " ".join(title)
        return title if len(title) <= 80 else ""

    def _size(self, p, style_id: str) -> int:
        """A paragraph's font size in half-points: its largest run's, else its style's."""
        sizes = [_half_points(sz) for sz in p.iter(f"{W}sz")]
        sizes = [size for size in sizes if size]
        if sizes:
            return max(sizes)
        for style in self._style_chain(style_id):
            if style.size:
                return style.size
        return self.default_size

    # ------------------------------------------------------------ styles and numbers

    def _style_chain(self, style_id: str):
        seen = set()
        while style_id and style_id not in seen and style_id in self.styles:
            seen.add(style_id)
            yield self.styles[style_id]
            style_id = self.styles[style_id].based_on

    def _style_name(self, style_id: str) -> str:
        style = self.styles.get(style_id)
        return style.name if style else ""

    def _heading_level(self, p, style_id: str, style_name: str) -> int:
        """1-6 for a heading (by its style's name or outline level), 0 for a paragraph."""
        if style_name.lower() == "title":
            return 1
        ppr = p.find(f"{W}pPr")
        outline = _outline(ppr) if ppr is not None else None
        for style in self._style_chain(style_id):
            named = _HEADING_NAME.match(style.name)
            if named:
                return min(int(named.group(2)), 6)
            if outline is None:
                outline = style.outline
        return min(outline + 1, 6) if outline is not None and outline < 9 else 0

    def _label(self, p, style_id: str) -> str:
        """The list number Word draws before the paragraph ("5.2.1", "一、"), or ""."""
        ppr = p.find(f"{W}pPr")
        numbering = _num_pr(ppr) if ppr is not None else None
        if numbering is None:
            for style in self._style_chain(style_id):
                if style.numbering:
                    numbering = style.numbering
                    break
        if numbering is None:
            return ""
        num_id, ilvl = numbering
        levels = self.levels.get(num_id)
        if not levels or num_id == "0" or ilvl not in levels:
            return ""
        counts = self.counters.setdefault(num_id, [0] * 9)
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else levels[ilvl].start
        level = levels[ilvl]
        if level.fmt in ("bullet", "none"):
            return ""

        def number(match: re.Match) -> str:
            n = int(match.group(1)) - 1
            lvl = levels.get(n, Level())
            value = counts[n] or lvl.start
            return _format_number(value, lvl.fmt)

        return safe_line(re.sub(r"%([1-9])", number, level.text)).strip()


def _half_points(element) -> int | None:
    try:
        return int(element.get(f"{W}val")) if element is not None else None
    except (TypeError, ValueError):
        return None


def _outline(ppr) -> int | None:
    found = ppr.find(f"{W}outlineLvl")
    try:
        return int(found.get(f"{W}val")) if found is not None else None
    except (TypeError, ValueError):
        return None


def _num_pr(ppr) -> tuple[str, int] | None:
    num = ppr.find(f"{W}numPr")
    if num is None:
        return None
    num_id, ilvl = num.find(f"{W}numId"), num.find(f"{W}ilvl")
    if num_id is None:
        return None
    try:
        level = int(ilvl.get(f"{W}val", "0")) if ilvl is not None else 0
    except ValueError:
        level = 0
    return num_id.get(f"{W}val", "0"), max(0, min(level, 8))


def _level(lvl) -> Level:
    def val(tag: str, default: str) -> str:
        found = lvl.find(f"{W}{tag}")
        return found.get(f"{W}val", default) if found is not None else default

    try:
        start = int(val("start", "1"))
    except ValueError:
        start = 1
    return Level(val("numFmt", "decimal"), val("lvlText", ""), start)


_CHINESE_DIGITS = "〇一二三四五六七八九"


def _format_number(n: int, fmt: str) -> str:
    """A list counter in Word's number format."""
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt.startswith(("chineseCounting", "ideograph", "taiwaneseCounting", "japaneseCounting")):
        return _chinese(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + numeral, n - value
    return out


def _chinese(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五."""
    if n < 10:
        return _CHINESE_DIGITS[n]
    if n < 20:
        return "十" + (_CHINESE_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CHINESE_DIGITS[n // 10] + "十" + (_CHINESE_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _style_id(p) -> str:
    found = p.find(f"{W}pPr/{W}pStyle")
    return found.get(f"{W}val", "") if found is not None else ""


def _is_toc_control(sdt) -> bool:
    gallery = sdt.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
    return gallery is not None and "contents" in gallery.get(f"{W}val", "").lower()


def _paragraph_text(p) -> tuple[list[str], list]:
    """A paragraph's lines (a line break starts a new one) and its text boxes."""
    lines, boxes = [""], []
    _runs(p, lines, boxes, in_field=[])
    return lines, boxes


def _runs(element, lines: list[str], boxes: list, in_field: list) -> None:
    """Walk a paragraph's content in order: text, tabs and breaks, fields' results (not their
    codes), inserted text but not deleted text, formulas; text boxes are collected."""
    for child in element:
        tag = child.tag
        if tag == f"{W}t" or tag == f"{M}t":
            if not (in_field and in_field[-1] == "code"):
                lines[-1] += child.text or ""
        elif tag == f"{W}tab" or tag == f"{W}ptab":
            lines[-1] += " "
        elif tag in (f"{W}br", f"{W}cr"):
            if child.get(f"{W}type") in (None, "textWrapping"):
                lines.append("")
        elif tag == f"{W}noBreakHyphen":
            lines[-1] += "-"
        elif tag == f"{W}sym":
            code = child.get(f"{W}char", "")
            if re.fullmatch(r"[0-9A-Fa-f]{4}", code) and not 0xF000 <= int(code, 16) <= 0xF0FF:
                lines[-1] += chr(int(code, 16))
        elif tag == f"{W}fldChar":
            kind = child.get(f"{W}fldCharType")
            if kind == "begin":
                in_field.append("code")
            elif kind == "separate" and in_field:
                in_field[-1] = "result"
            elif kind == "end" and in_field:
                in_field.pop()
        elif tag in (f"{W}del", f"{W}moveFrom", f"{W}instrText", f"{W}delText",
                     f"{W}rPr", f"{W}pPr"):
            continue
        elif tag == f"{W}r" and _hidden(child):
            continue
        elif tag == f"{W}txbxContent":
            boxes.append(child)
        elif tag == f"{MC}AlternateContent":
            choice = child.find(f"{MC}Choice")
            _runs(choice if choice is not None else child, lines, boxes, in_field)
        else:
            _runs(child, lines, boxes, in_field)


def _hidden(run) -> bool:
    vanish = run.find(f"{W}rPr/{W}vanish")
    return vanish is not None and vanish.get(f"{W}val", "true") not in ("0", "false")

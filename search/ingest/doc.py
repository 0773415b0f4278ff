"""Word 97-2003 (.doc): the text of an OLE2 compound file (olefile), as Word stores it, in the
``docx`` layout (``documents``).

The text is found the way Word finds it, through the piece table of the file's ``CLX``
([MS-DOC] 2.9.38): each piece is a run of text stored as UTF-16 or as 8-bit code page 1252,
so fast-saved files (whose text is not in order in the stream) read as well as others.
Word's marks become the layout's: a paragraph mark ends a line and a paragraph, a cell mark
ends a cell (two in a row end a table row: cells split by tabs), a line break starts a new
line of the paragraph; a field's code (``FORMTEXT``, ``PAGEREF _Toc…``) is left out and its
result kept. After the main text come its footnotes, comments and endnotes (headings 脚注,
批注, 尾注) and text boxes; headers and footers are set aside. Styles are not read: headings
are what ``clean`` recognises, list numbers Word draws are not in the text.
"""

from __future__ import annotations

import io
import re
import struct

from ..errors import ReadError
from .documents import Derived, body_line, heading_line, iso_date, safe_line, with_set_aside

_FIELD_BEGIN, _FIELD_SEPARATE, _FIELD_END = "\x13", "\x14", "\x15"
_DROPPED = re.compile("[\x00-\x06\x08\x0e-\x12\x16-\x1d\x1f]")  # pictures, note marks, …
# the subdocuments after the main text, in [MS-DOC]'s order, with what they become
_PARTS = (("脚注", "footnote"), ("header", "header"), ("批注", "comment"), ("尾注", "endnote"),
          ("", "text box"), ("header", "header text box"))


def read_doc(data: bytes, shown: str) -> Derived:
    """The derived text of a .doc file's bytes; a ReadError when it cannot be read."""
    import olefile

    if not olefile.isOleFile(io.BytesIO(data)):
        raise ReadError(shown, "is not a Word 97-2003 file (not an OLE2 compound file)",
                        "open it in Word or WPS and save it as .docx", "broken document")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError) as exc:
        raise ReadError(shown, f"is a damaged Word 97-2003 file ({exc})",
                        "open it in Word or WPS and save it as .docx", "broken document") \
            from None
    try:
        text, lengths = _text(ole, shown)
        meta = _meta(ole)
    finally:
        ole.close()
    return _derived(text, lengths, meta)


def _text(ole, shown: str) -> tuple[str, list[int]]:
    """All the document's text in character-position order, and the lengths of the main text
    and each subdocument after it."""
    hint = "open it in Word or WPS and save it as .docx"
    if not ole.exists("WordDocument"):
        raise ReadError(shown, "holds no Word text (no WordDocument stream)", hint,
                        "broken document")
    word = ole.openstream("WordDocument").read()
    if len(word) < 0x1AA:
        raise ReadError(shown, "is a damaged Word file (its header is cut short)", hint,
                        "broken document")
    ident, version = struct.unpack_from("<HH", word, 0)
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if ident != 0xA5EC or version < 101:
        raise ReadError(shown, "is a Word 6/95 or older file", hint, "old format")
    if flags & 0x0100:
        raise ReadError(shown, "is a password-protected (encrypted) Word file",
                        "save a copy without the password and index that", "encrypted")
    table_name = "1Table" if flags & 0x0200 else "0Table"
    if not ole.exists(table_name):
        raise ReadError(shown, f"is a damaged Word file (no {table_name} stream)", hint,
                        "broken document")
    table = ole.openstream(table_name).read()
    lengths = list(struct.unpack_from("<7i", word, 0x4C))  # ccpText, ccpFtn, ccpHdd, …
    del lengths[3]  # ccpMcr (macros, unused)
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
    try:
        return _pieces(word, table[fc_clx:fc_clx + lcb_clx]), lengths
    except (struct.error, IndexError, ValueError) as exc:
        raise ReadError(shown, f"is a damaged Word file (its piece table: {exc})", hint,
                        "broken document") from None


def _pieces(word: bytes, clx: bytes) -> str:
    """The text of the piece table in ``clx`` ([MS-DOC] 2.9.38 Clx, 2.9.177 PlcPcd)."""
    i = 0
    while clx[i] == 0x01:  # Prc: property modifiers, skipped
        i += 3 + struct.unpack_from("<H", clx, i + 1)[0]
    if clx[i] != 0x02:
        raise ValueError("no Pcdt")
    size = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5:i + 5 + size]
    count = (size - 4) // 12
    positions = struct.unpack_from(f"<{count + 1}i", plc, 0)
    out = []
    for k in range(count):
        fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * k + 2)[0]
        length = positions[k + 1] - positions[k]
        if length <= 0:
            continue
        if fc & 0x40000000:  # compressed: 8-bit code page 1252
            start = (fc & 0x3FFFFFFF) // 2
            out.append(word[start:start + length].decode("cp1252", "replace"))
        else:
            out.append(word[fc:fc + 2 * length].decode("utf-16-le", "replace"))
    return "".join(out)


def _meta(ole) -> dict:
    try:
        info = ole.get_metadata()
    except Exception:  # a damaged summary stream costs only the date
        return {}
    meta = {}
    created = getattr(info, "create_time", None)
    if created is not None and iso_date(created.strftime("%Y-%m-%d")):
        meta["date"] = created.strftime("%Y-%m-%d")
    title = getattr(info, "title", None)
    if isinstance(title, bytes):
        title = title.decode("gb18030" if title.strip().isascii() is False else "latin-1",
                             "replace")
    if title:
        meta["title_hint"] = safe_line(title).strip()
    return meta


def _derived(text: str, lengths: list[int], meta: dict) -> Derived:
    main, end = text[:lengths[0]], lengths[0]
    body = _paragraphs(main)
    aside: list[str] = []
    counts: dict[str, int] = {}
    for (heading, what), length in zip(_PARTS, lengths[1:], strict=False):
        part, end = text[end:end + length], end + length
        paragraphs = _paragraphs(part)
        if not paragraphs:
            continue
        if heading == "header":
            aside.extend(p.replace("\t", " ") for p in paragraphs)
            counts[f"{what} line"] = counts.get(f"{what} line", 0) + len(paragraphs)
        else:
            if heading:
                body.append(heading_line(heading, 1))
            body.extend(paragraphs)
    title = meta.pop("title_hint", "")
    joined = "\n\n".join(body)
    if title and len(title) >= 2 and re.sub(r"\s", "", title) in re.sub(r"\s", "", joined[:5000]):
        meta["title"] = title
    return Derived(with_set_aside(joined, aside), "docx", len(joined), meta, counts)


def _paragraphs(text: str) -> list[str]:
    """Word's text as the layout's paragraphs: field codes out, table rows as tab-split
    lines, line breaks as lines, marks and pictures dropped. A paragraph mark after a cell
    mark (until the row's end) is a paragraph of the next cell; an empty cell just before a
    row's end reads as the row's end (the binary marks rows only in formatting, not read)."""
    text = _without_field_codes(text)
    text = text.replace("\x1e", "-").replace("\x0b", "\n").replace("\xa0", " ")
    text = _DROPPED.sub("", text)
    out: list[str] = []
    row: list[str] = []
    cell: list[str] = []
    in_row, previous = False, ""
    parts = re.split(r"(\r|\x0c|\x07)", text) + [""]
    for chunk, mark in zip(parts[::2], parts[1::2], strict=False):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if mark == "\x07" and previous == "\x07" and not lines and not cell:
            if any(row):
                out.append(body_line("\t".join(safe_line(c).replace("\t", " ")
                                               for c in row)))
            row, in_row = [], False
        elif mark == "\x07":
            cell.extend(lines)
            row.append(" ".join(cell))
            cell, in_row = [], True
        elif in_row:
            cell.extend(lines)
        elif lines:
            out.append("\n".join(body_line(line) for line in lines))
        previous = mark
    if any(row) or cell:
        out.append(body_line("\t".join(safe_line(c).replace("\t", " ") for c in row + cell)))
    return out


def _without_field_codes(text: str) -> str:
    """Keep a field's result, drop its code: ``\\x13 code \\x14 result \\x15``."""
    out, stack = [], []
    for ch in text:
        if ch == _FIELD_BEGIN:
            stack.append(True)  # in the code
        elif ch == _FIELD_SEPARATE:
            if stack:
                stack[-1] = False
        elif ch == _FIELD_END:
            if stack:
                stack.pop()
        elif not (stack and stack[-1]):
            out.append(ch)
    return "".join(out)

"""The layout of a document's derived text (PDF, Word): paragraphs for ``clean``.

``split_document(raw, start, end)`` reads the conventions of ``documents``: a blank line ends
a paragraph; a line of ``#`` … ``######`` and a space is a heading of that level (``\\#``
escapes a text line that starts so); a line with a tab is a table row, a paragraph of its
own and never a heading; a form feed line is a page break, inside a paragraph when the text
before it stops mid-sentence and the text after it goes on (``重庆小`` / ``康动力``). Within a
paragraph each printed line is a line, and ``clean`` joins them and undoubles fake-bold
glyphs as it does for PDF text pasted into a ``.txt`` file. CJK compatibility ideographs
and Kangxi radicals a PDF's fonts map glyphs to (⽤ U+2F64 for 用) are read as the
characters they stand for: the derived text keeps the file's code points (``--raw`` shows
them), the passage text has the usual ones.

Every decision is local to a paragraph and the page break before it, so cleaning a passage's
raw slice gives back its text.
"""

from __future__ import annotations

import re
import unicodedata

from .clean import CLOSERS, Para, Text, ends_clause, ends_sentence, is_cjk

_HEADING = re.compile(r"(#{1,6})[ \t]+(?=\S)")
_NEWLINE = re.compile(r"\r?\n|\r")


def split_document(raw: str, start: int, end: int, marked: bool = False) -> list[Para]:
    """raw[start:end] in the ``pdf``/``docx`` layout as paragraphs (module docstring);
    with ``marked``, every paragraph not marked a heading is body text (else ``clean`` may
    take a short one for a heading)."""
    paras: list[Para] = []
    current: Para | None = None  # the body paragraph being filled
    before_break: Para | None = None  # the paragraph a page break ended, while it may go on
    for line, is_page_break in _raw_lines(raw, start, end):
        if is_page_break:
            before_break, current = current, None
            continue
        if not line.chars:
            current = before_break = None
            continue
        heading = _HEADING.match(line.text)
        if heading:
            text = line.slice(heading.end(), len(line.chars)).strip()
            paras.append(Para([_folded(text)], "heading", len(heading.group(1))))
            current = before_break = None
            continue
        if line.text.startswith("\\#"):
            line = line.slice(1, len(line.chars))
            line.starts[0] -= 1  # the first character stands for the escape too
        line = _folded(line)
        if "\t" in line.text:  # a table row
            paras.append(Para([line], "body"))
            current = before_break = None
            continue
        if current is None and before_break is not None and _goes_on(before_break, line):
            current = before_break
        before_break = None
        if current is None:
            current = Para([], "body" if marked else None)
            paras.append(current)
        current.lines.append(line)
    return paras


def _raw_lines(raw: str, start: int, end: int):
    """(stripped line, is a page break) for each line of raw[start:end]."""
    pos = start
    bounds = [(m.start(), m.end()) for m in _NEWLINE.finditer(raw, start, end)]
    for line_end, next_start in [*bounds, (end, end)]:
        text = raw[pos:line_end]
        if "\f" in text and not text.replace("\f", "").strip():
            yield Text(), True
        else:
            yield Text.copy_of(raw, pos, line_end).strip(), False
        pos = next_start


def _goes_on(para: Para, line: Text) -> bool:
    """A paragraph cut by a page break goes on when its last line stops mid-sentence (at
    most at a comma: 、，,) and the next line starts a word, as ``clean`` rejoins a
    paragraph cut by a page break in other text."""
    if para.kind not in (None, "body") or not para.lines:
        return False
    last = para.lines[-1].text.rstrip()
    first = line.text[:1]
    complete = ends_sentence(last) or (ends_clause(last) and last[-1] not in "，,、") \
        or last[-1:] in CLOSERS
    return bool(last) and not complete and bool(first) and (is_cjk(first) or first.isalnum())


# CJK Radicals Supplement forms that are whole characters, as the ideograph each is drawn
# like (Unicode's EquivalentUnifiedIdeograph.txt); NFKC maps only the Kangxi radicals
_RADICALS = dict(zip(
    "⺁⺅⺆⺉⺊⺌⺎⺒⺓⺕⺖⺘⺙⺜⺝⺟⺠⺡⺢⺣⺦⺨⺩⺫⺬⺭⺮⺯⺰⺲⺹⺺⺻⺼⺽⺾⻁⻂⻃⻄⻅⻆⻈⻉⻋⻌⻏⻐⻑⻓⻔⻖"
    "⻘⻙⻚⻛⻜⻝⻟⻠⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻭⻮⻯⻰⻲⻳",
    "厂亻冂刂卜小兀巳幺彐忄扌攵日月母民氵氺灬丬犭王罒示礻竹糸纟罒耂肀聿月臼艹虎衤覀西见角讠贝车辶"
    "阝钅長长门阝青韦页风飞食飠饣首马骨鬼鱼鸟卤麦黄黾斉齐歯齿竜龙亀龟", strict=True))


def _folded(line: Text) -> Text:
    """The line with compatibility ideographs and radicals read as the ideographs they stand
    for, each keeping its raw span."""
    if not any(_is_compatibility(ch) for ch in line.chars):
        return line
    chars = []
    for ch in line.chars:
        folded = _RADICALS.get(ch) or (unicodedata.normalize("NFKC", ch)
                                       if _is_compatibility(ch) else ch)
        chars.append(folded if len(folded) == 1 else ch)
    return Text(chars, line.starts, line.ends)


def fold_compatibility(text: str) -> str:
    """``text`` with compatibility ideographs and radicals read as the ideographs they stand
    for (a title read from a PDF)."""
    return "".join(_folded(Text(list(text), [0] * len(text), [0] * len(text))).chars)


def _is_compatibility(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u2fdf" or "\uf900" <= ch <= "\ufaff" \
        or "\U0002f800" <= ch <= "\U0002fa1f"

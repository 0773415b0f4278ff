"""Cleaning: raw article text -> Blocks of readable text, each character mapped back to raw.

What copying broke is repaired here, and nothing else is dropped:
- markup: HTML tags, entities, Markdown heading marks, link syntax, emphasis;
- hard wraps inside a paragraph are rejoined (no space between CJK characters);
- page breaks inside a sentence (a paragraph that stops mid-sentence, then a blank line)
  are rejoined;
- glyphs doubled by fake-bold printing (``培培育育「「小巨人小巨人」」``) are undoubled,
  but only when a whole line consists of doubled units, so 常常, 人人, 研究研究 survive;
- lines that hold nothing but links (``[返回首页](//…)``, ``<http://…>``) are dropped.

Every Block keeps, per character, the raw span ``[start, end)`` it came from, so a
passage made of whole blocks has an exact raw slice, and cleaning that slice on its
own gives back the same text (quotes are exact: tests/test_invariants.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import markup

STOPS = "。！？!?"  # ends of a sentence, wherever they stand
SENTENCE_END = STOPS + "…"  # … also ends a line or a paragraph, but may trail off inside one
CLAUSE_END = SENTENCE_END + "；;：:，,、"
CLOSERS = "」』”’）)】》\"'"
MAX_HEADING = 30  # characters; headings are short
MAX_WRAPPED_HEADING = 14  # in PDF text, a heading is much shorter than the ~20-char wrap width
MIN_HEADING = 4
MAX_DOUBLED_LINE = 60  # characters; fake-bold lines are headings, never long

_CAPTION_TAIL = re.compile(
    r"[（(][^（）()]{0,20}(图片|圖片|资料图|資料圖|摄|攝)[^（）()]{0,20}[）)]$"
)
_BYLINE = re.compile(
    r"记者|記者|通讯员|通訊員|本报讯|本報訊|^(文|图|圖|作者|撰文)\s*[：:/／]|[来來]源[：:]"
)
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)|<https?://[^>]*>|https?://\S+")
_SPACE = re.compile(r"\s")  # the characters str.isspace() accepts
# An ASCII full stop ends a sentence like 。 unless a digit stands before it (0.01, 1. 总则,
# 提交：1.以出让, 2022.02) or a Latin letter or a digit after it (U.S.A, example.com)
_ASCII_STOP = r"(?<![0-9])\.(?![0-9A-Za-z])"
_STOP = re.compile(rf"[{STOPS}]|{_ASCII_STOP}")
_SENTENCE = re.compile(rf"(?:[{SENTENCE_END}]|{_ASCII_STOP})+[」』”’）)]*")  # with its closers
_MD_HEADING = re.compile(r"(#{1,6})[ \t]+(?:#+[ \t]+)*")
_MD_RULE = re.compile(r" {0,3}([-*_=])(?: *\1){2,} *")  # a thematic break, or a heading's
# underline (``===``, ``---``) right under its one line
_MD_INLINE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|\*\*|__|`")
_NEWLINE = re.compile(r"\r?\n|\r")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n\s*")


@dataclass
class Text:
    """A string under construction, with the raw span ``[start, end)`` of every character."""

    chars: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def copy_of(cls, raw: str, start: int, end: int) -> Text:
        """raw[start:end] verbatim."""
        return cls(list(raw[start:end]), list(range(start, end)), list(range(start + 1, end + 1)))

    def add(self, other: Text) -> None:
        self.chars += other.chars
        self.starts += other.starts
        self.ends += other.ends

    def put(self, chars: str, start: int, end: int) -> None:
        """Append replacement characters that all stand for raw[start:end]."""
        for ch in chars:
            self.chars.append(ch)
            self.starts.append(start)
            self.ends.append(end)

    def slice(self, i: int, j: int) -> Text:
        return Text(self.chars[i:j], self.starts[i:j], self.ends[i:j])

    def strip(self) -> Text:
        i, j = 0, len(self.chars)
        while i < j and self.chars[i].isspace():
            i += 1
        while j > i and self.chars[j - 1].isspace():
            j -= 1
        return self.slice(i, j)

    @property
    def text(self) -> str:
        return "".join(self.chars)


@dataclass
class Block:
    """A cleaned paragraph: its kind, text and per-character raw spans."""

    kind: str  # heading | byline | caption | body
    text: str
    starts: list[int]
    ends: list[int]
    level: int = 0  # heading level (Markdown ``#`` count, HTML h1-h6); 0 when unknown
    boilerplate: bool = False  # set aside by a web page's extractors (``segment``)
    after_break: bool = False  # a thematic break stands before it: no passage spans it

    @property
    def char_start(self) -> int:
        return self.starts[0]

    @property
    def char_end(self) -> int:
        return self.ends[-1]


@dataclass
class Para:
    """A paragraph before joining: its lines, and its kind when the format says it."""

    lines: list[Text]
    kind: str | None = None
    level: int = 0
    alt: bool = False  # an image's alt text
    after_break: bool = False  # a thematic break (Markdown ``---``) stands before it


# ---------------------------------------------------------------- public entry points


def clean(raw: str, fmt: str, start: int = 0, end: int | None = None) -> list[Block]:
    """Clean raw[start:end] read as ``fmt``; return its non-empty Blocks in order."""
    end = len(raw) if end is None else end
    splitter = SPLITTERS[fmt]
    paras = splitter(raw, start, end)
    blocks = [_finish(para, fmt) for para in paras if not _is_link_only(para)]
    blocks = [block for block in blocks if block.text]
    if fmt in ("plain", "markdown"):
        blocks = _join_page_breaks(blocks, raw)
    return blocks


def clean_text(raw: str, fmt: str) -> str:
    """The cleaned text of ``raw``: its blocks joined by newlines."""
    return "\n".join(block.text for block in clean(raw, fmt))


# ---------------------------------------------------------------- line helpers


def _lines(raw: str, start: int, end: int) -> list[Text]:
    """Physical lines of raw[start:end], each stripped (blank lines become empty Texts)."""
    lines, pos = [], start
    for match in re.finditer(r"\r?\n|\r", raw[start:end]):
        lines.append(Text.copy_of(raw, pos, start + match.start()).strip())
        pos = start + match.end()
    lines.append(Text.copy_of(raw, pos, end).strip())
    return lines


def _nonspace_len(text: str) -> int:
    return len(text) - len(_SPACE.findall(text))


def sentence_bounds(text: str) -> list[int]:
    """Where text may be cut between sentences: just after each run of sentence ends (… too)
    and the closing quotes or brackets after it."""
    return [end.end() for end in _SENTENCE.finditer(text)]


def has_sentence_end(text: str) -> bool:
    """True when a sentence ends somewhere in text: at 。！？!? or at an ASCII full stop that
    is not after a digit nor inside a word (``_STOP``); … does not count, since it may trail
    off inside a sentence."""
    return _STOP.search(text) is not None


def ends_sentence(text: str) -> bool:
    """True when text ends a sentence (。！？!?…, or an ASCII full stop after anything but a
    digit), maybe followed by closing quotes."""
    stripped = text.rstrip().rstrip(CLOSERS)
    return bool(stripped) and (stripped[-1] in SENTENCE_END
                               or _STOP.match(stripped, len(stripped) - 1) is not None)


def ends_clause(text: str) -> bool:
    """True when text ends a sentence or a clause (；：，、…), maybe before closing quotes."""
    stripped = text.rstrip().rstrip(CLOSERS)
    return bool(stripped) and stripped[-1] in CLAUSE_END


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch


def _join_lines(lines: list[Text]) -> Text:
    """Rejoin hard-wrapped lines: nothing between CJK, a space between Latin words."""
    out = Text()
    for line in lines:
        if not line.chars:
            continue
        if out.chars and out.chars[-1].isascii() and out.chars[-1].isalnum() \
                and line.chars[0].isascii() and line.chars[0].isalnum():
            out.put(" ", out.ends[-1], line.starts[0])
        out.add(line)
    return out


def undouble(line: Text) -> Text:
    """Repair a line printed in fake bold, where every unit appears twice.

    ``培培育育「「小巨人小巨人」」`` -> ``培育「小巨人」``. The whole line (each space-separated
    chunk) must decompose into doubled units, and there must be at least two units, so
    real reduplication (常常, 人人, 研究研究) is left alone. Fake bold is for headings and drop
    caps: a long line, or a repeated sentence (加油！加油！), is never undoubled.
    """
    text = line.text
    if not 4 <= _nonspace_len(text) <= MAX_DOUBLED_LINE or "…" in text or has_sentence_end(text):
        return line
    out, units, pos = Text(), 0, 0
    for chunk in re.finditer(r"\S+", text):
        out.add(line.slice(pos, chunk.start()))
        parts = _doubled_units(chunk.group())
        if parts is None:
            return line
        i = chunk.start()
        for unit in parts:
            k = len(unit)
            for j in range(k):  # each kept char spans both of its printed copies
                out.put(unit[j], line.starts[i + j], line.ends[i + k + j])
            i += 2 * k
            units += 1
        pos = chunk.end()
    out.add(line.slice(pos, len(text)))
    return out if units >= 2 else line


def _doubled_units(s: str) -> list[str] | None:
    """Split s into units each written twice in a row (``aabcbc`` -> [a, bc]), or None."""
    memo: dict[int, list[str] | None] = {len(s): []}

    def solve(i: int) -> list[str] | None:
        if i in memo:
            return memo[i]
        memo[i] = None
        for k in range(1, (len(s) - i) // 2 + 1):
            if s[i:i + k] == s[i + k:i + 2 * k]:
                rest = solve(i + 2 * k)
                if rest is not None:
                    memo[i] = [s[i:i + k]] + rest
                    break
        return memo[i]

    return solve(0)


def classify(text: str, max_heading: int = MAX_HEADING) -> str:
    """Kind of a stand-alone paragraph: caption, byline, heading or body.

    ``max_heading`` 0 means the format marks its headings itself (Markdown).
    """
    if text.startswith("▲") or _CAPTION_TAIL.search(text):
        return "caption"
    if len(text) <= 40 and "。" not in text and _BYLINE.search(text):
        return "byline"
    if MIN_HEADING <= _nonspace_len(text) <= max_heading and not ends_clause(text) \
            and not has_sentence_end(text):
        return "heading"
    return "body"


def _is_link_only(para: Para) -> bool:
    """A paragraph of nothing but links and separators: web-page boilerplate."""
    rest, links = _LINK.subn("", "".join(line.text for line in para.lines))
    return links > 0 and not rest.strip(" \t\u3000｜|·•/>-")


def _finish(para: Para, fmt: str) -> Block:
    """Undouble, join and classify one paragraph into a Block."""
    joined = _join_lines([undouble(line) for line in para.lines]).strip()
    limit = {"wrapped": MAX_WRAPPED_HEADING, "markdown": 0}.get(fmt, MAX_HEADING)
    kind = para.kind or classify(joined.text, limit)
    return Block(kind, joined.text, joined.starts, joined.ends, para.level,
                 after_break=para.after_break)


def _join_page_breaks(blocks: list[Block], raw: str) -> list[Block]:
    """Rejoin body paragraphs split by a page break in mid-sentence (``重庆小`` / ``康动力``),
    as hard wraps are rejoined: a space between Latin words, nothing between CJK. A page
    break is blank lines only: paragraphs a tag or other markup stands between are not
    rejoined (whatever kind cleaning gave them, so a slice is read the same way)."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if prev and prev.kind == block.kind == "body" and not _ends_clause_or_sentence(prev.text) \
                and _starts_word(block.text) and not raw[prev.char_end:block.char_start].strip():
            joined = _join_lines([Text(list(prev.text), prev.starts, prev.ends),
                                  Text(list(block.text), block.starts, block.ends)])
            out[-1] = Block("body", joined.text, joined.starts, joined.ends)
        else:
            out.append(block)
    return out


def _ends_clause_or_sentence(text: str) -> bool:
    """Ends with anything but a comma-like break: a paragraph that may well be complete."""
    stripped = text.rstrip()
    if stripped and stripped[-1] in "，,、":
        return False
    return ends_clause(stripped) or ends_sentence(stripped) or stripped[-1:] in CLOSERS


def _starts_word(text: str) -> bool:
    return bool(text) and (is_cjk(text[0]) or text[0].isalnum())


# ---------------------------------------------------------------- format splitters


def split_plain(raw: str, start: int, end: int) -> list[Para]:
    """Paragraphs end at blank lines and at line ends that end a sentence (one paragraph a
    line, as in JSON dumps); other single newlines are hard wraps."""
    paras, current = [], []
    for line in _lines(raw, start, end):
        if line.chars:
            current.append(line)
        if current and (not line.chars or ends_sentence(line.text)):
            paras.append(Para(current))
            current = []
    if current:
        paras.append(Para(current))
    return paras


def split_spaced(raw: str, start: int, end: int) -> list[Para]:
    """Paragraphs separated by runs of ideographic spaces (or newlines)."""
    paras, pos = [], start
    for match in re.finditer(r"\u3000{2,}|\s*\n\s*", raw[start:end]):
        paras.append(Para([Text.copy_of(raw, pos, start + match.start()).strip()]))
        pos = start + match.end()
    paras.append(Para([Text.copy_of(raw, pos, end).strip()]))
    return [para for para in paras if para.lines[0].chars]


def split_markdown(raw: str, start: int, end: int) -> list[Para]:
    """Markdown: ``#`` headings (and a line of ``===`` or ``---`` under one), blank-line
    paragraphs, thematic breaks (``---``, ``***``) between them, inline marks and link syntax
    removed;
    HTML inside it read as HTML (block tags end paragraphs, other tags dropped, an image's alt
    text and a ``<figcaption>`` are captions), shortcodes and comments dropped. A line starts
    after a newline or a block tag, once the markup before its text is left out."""
    paras: list[Para] = []
    current: list[Text] = []
    kind, level = None, 0  # of the paragraph being read, when markup says it
    broken = False  # a thematic break was read since the last paragraph

    def add(para: Para) -> None:
        nonlocal broken
        para.after_break, broken = broken, False
        paras.append(para)

    def close(next_kind: str | None = None, next_level: int = 0) -> None:
        nonlocal current, kind, level
        if current:
            add(Para(current, kind, level))
        current, kind, level = [], next_kind, next_level

    for item in _markdown_lines(raw, start, end):
        if isinstance(item, Para) and item.lines:  # an image's caption
            close(kind, level)
            add(item)
            continue
        if isinstance(item, Para):  # a block tag
            close(item.kind, item.level)
            continue
        line = item
        if rule := _MD_RULE.fullmatch(line.text):  # a line under a paragraph's: a heading
            if current and rule.group(1) in "=-" and len(current) == 1:
                add(Para(current, "heading", 1 if rule.group(1) == "=" else 2))
                current, kind, level = [], None, 0
            else:  # a thematic break: a paragraph ends, nothing is text
                close()
                broken = True
            continue
        heading = _MD_HEADING.match(line.text)
        if heading or not line.chars:
            close()
            if heading:
                body = _markdown_inline(line.slice(heading.end(), len(line.chars)))
                add(Para([_from_line_start(body, line)], "heading", len(heading.group(1))))
            continue
        current.append(_from_line_start(_markdown_inline(_strip_prefix(line)), line))
        if ends_sentence(current[-1].text):
            close(kind, level)
    close()
    return _without_repeated_alt(paras)


def _markdown_lines(raw: str, start: int, end: int) -> list[Text | Para]:
    """The lines of raw[start:end] with markup read (``markup.tokens``), each stripped, blank
    ones empty; a block tag is a Para without lines (the paragraph ends, and the next one is
    of its kind: a heading, a caption), an image's alt text a caption Para."""
    items: list[Text | Para] = []
    line = Text()
    for token in markup.tokens(raw, start, end, markdown=True):
        if token.kind == "text":
            pos = token.start
            for newline in _NEWLINE.finditer(raw, token.start, token.end):
                line.add(Text.copy_of(raw, pos, newline.start()))
                items.append(line.strip())
                line, pos = Text(), newline.end()
            line.add(Text.copy_of(raw, pos, token.end))
        elif token.kind == "chars":
            line.put(token.value, token.start, token.end)
        elif token.kind == "link":
            line.add(_whole(Text.copy_of(raw, token.start + 1, token.end - 1),
                            token.start, token.end))
        else:
            if line.strip().chars:
                items.append(line.strip())
            line = Text()
            if token.kind == "caption":
                items.append(_alt_caption(raw, token))
            else:
                items.append(Para([], *token.value))
    items.append(line.strip())
    return items


def _whole(text: Text, start: int, end: int) -> Text:
    """``text`` standing for all of raw[start:end]: its first and last characters take in
    the syntax around it, so a slice never cuts that syntax."""
    if text.chars:
        text.starts[0], text.ends[-1] = start, end
    return text


def _from_line_start(text: Text, line: Text) -> Text:
    """``text``, read from ``line``, stripped, its first character standing from the line's
    start on: a raw slice that starts with it holds the marks read before it (``# ``,
    ``> ``, ``**``), so it is read the same way again."""
    text = text.strip()
    if text.chars and line.chars:
        text.starts[0] = line.starts[0]
    return text


def _strip_prefix(line: Text) -> Text:
    """Drop the block-quote and bullet markers at the start of a Markdown line."""
    match = re.match(r"(?:(?:>\s*)+|[-*+]\s+)+", line.text)
    return line.slice(match.end(), len(line.chars)) if match else line


def _markdown_inline(line: Text) -> Text:
    """Keep link and image texts, drop emphasis and code marks."""
    out, pos = Text(), 0
    for match in _MD_INLINE.finditer(line.text):
        out.add(line.slice(pos, match.start()))
        if match.group(1):
            kept = line.slice(match.start(1), match.end(1))
            # the link text stands for the whole link, so a slice never cuts its syntax
            kept.starts[0], kept.ends[-1] = line.starts[match.start()], line.ends[match.end() - 1]
            out.add(kept)
        pos = match.end()
    out.add(line.slice(pos, len(line.chars)))
    return out


def split_html(raw: str, start: int, end: int) -> list[Para]:
    """HTML: block tags and blank lines end paragraphs; tags, comments, scripts and styles
    dropped, entities decoded, an image's alt text and a ``<figcaption>`` read as captions
    (``markup.tokens``)."""
    reader = _HtmlParas()
    for token in markup.tokens(raw, start, end):
        if token.kind == "text":
            reader.add_text(raw, token.start, token.end)
        elif token.kind == "chars":
            reader.current.put(token.value, token.start, token.end)
        elif token.kind == "break":
            reader.close(*token.value)
        elif token.kind == "caption":
            reader.close(reader.kind, reader.level)
            reader.paras.append(_alt_caption(raw, token))
    reader.close()
    return _without_repeated_alt(reader.paras)


class _HtmlParas:
    """The paragraphs of an HTML text as it is read: those done, and the one being filled
    (its text, and its kind and level when a tag said: ``<h2>``, ``<figcaption>``)."""

    def __init__(self):
        self.paras: list[Para] = []
        self.current, self.kind, self.level = Text(), None, 0

    def close(self, next_kind: str | None = None, next_level: int = 0) -> None:
        """End the paragraph being filled (kept when it holds text); the next is of
        ``next_kind``."""
        lines = _split_text_lines(self.current)
        if any(line.chars for line in lines):
            self.paras.append(Para(lines, self.kind, self.level))
        self.current, self.kind, self.level = Text(), next_kind, next_level

    def add_text(self, raw: str, start: int, end: int) -> None:
        """Add raw[start:end], text between tags; a blank line inside it ends the paragraph
        (and the next one goes on with the same kind)."""
        pos = start
        for match in _BLANK_LINE.finditer(raw, start, end):
            self.current.add(Text.copy_of(raw, pos, match.start()))
            self.close(self.kind, self.level)
            pos = match.end()
        self.current.add(Text.copy_of(raw, pos, end))


def _alt_caption(raw: str, image: markup.Token) -> Para:
    """An image's alt text (the span ``image.value`` of its tag, read as HTML: entities
    decoded, any markup in it left out) as a caption paragraph that stands for the whole tag
    (so the raw slice of a passage that starts or ends with it holds the tag)."""
    text = Text()
    for token in markup.tokens(raw, *image.value):
        if token.kind == "text":
            text.add(Text.copy_of(raw, token.start, token.end))
        elif token.kind == "chars":
            text.put(token.value, token.start, token.end)
    text = _whole(text.strip(), image.start, image.end)
    return Para([text], "caption", alt=True)


def _without_repeated_alt(paras: list[Para]) -> list[Para]:
    """Paragraphs without an image's alt text that its ``<figcaption>`` repeats."""
    def text(para: Para) -> str:
        return "".join(line.text for line in para.lines).strip()

    return [para for para, after in zip(paras, [*paras[1:], None], strict=False)
            if not (para.alt and after is not None and after.kind == "caption"
                    and text(after) == text(para))]


def _split_text_lines(text: Text) -> list[Text]:
    """Split a Text at newlines into stripped lines."""
    lines, pos = [], 0
    for i, ch in enumerate(text.chars):
        if ch == "\n":
            lines.append(text.slice(pos, i).strip())
            pos = i + 1
    lines.append(text.slice(pos, len(text.chars)).strip())
    return lines


def split_wrapped(raw: str, start: int, end: int) -> list[Para]:
    """PDF text: hard wraps and page breaks are joined until a sentence ends.

    A paragraph ends at a line that ends a sentence. Blank lines (page breaks) end only
    headings and captions. Short lines after a paragraph end are headings; consecutive
    short lines form one heading. Lines starting with ▲ are photo captions.
    """
    paras: list[Para] = []
    current: Para | None = None
    for line in _lines(raw, start, end):
        if not line.chars:
            if current and current.kind in ("heading", "caption"):
                current = None
            continue
        text = undouble(line).text
        kind = classify(text, MAX_WRAPPED_HEADING)
        kind = kind if kind in ("heading", "caption") else None
        continues = current is not None and (
            (current.kind == "heading" and kind == "heading")
            or (current.kind != "heading" and kind != "caption")
        )
        if continues:
            current.lines.append(line)
        else:
            current = Para([line], kind)
            paras.append(current)
        if current.kind is None and ends_sentence(text):
            current = None
    return paras


def split_document(raw: str, start: int, end: int, marked: bool = False) -> list[Para]:
    """A PDF's or Word file's derived text (``layout.split_document``); ``marked``: only the
    lines marked as headings are headings (a PDF's short lines are often table cells)."""
    from .layout import split_document as split  # it builds on this module

    return split(raw, start, end, marked)


def split_pdf(raw: str, start: int, end: int) -> list[Para]:
    return split_document(raw, start, end, marked=True)


SPLITTERS = {
    "plain": split_plain,
    "spaced": split_spaced,
    "markdown": split_markdown,
    "html": split_html,
    "wrapped": split_wrapped,
    "pdf": split_pdf,
    "docx": split_document,
}

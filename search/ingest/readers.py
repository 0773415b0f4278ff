"""Readers: turn a file on disk into Documents (raw text, format, metadata).

A Document's ``raw`` is the text that passage offsets (``char_start``/``char_end``)
index into: the whole decoded file for ordinary files, the ``text`` field of one
record for JSONL. The format is recognised from the content, since copied articles
often all end in ``.txt``:

=========  ==============================================================
spaced     one long line, paragraphs separated by ideographic spaces (U+3000 U+3000)
wrapped    text extracted from a PDF page: lines hard-wrapped every ~20 chars
plain      paragraphs separated by blank lines
markdown   ``#`` headings (also every ``.md`` file)
html       ``<p>`` paragraphs (also every ``.html``/``.htm`` file)
=========  ==============================================================

YAML front matter (``---`` … ``---``) is parsed into ``meta`` with any format.
To add a format: write a detector in ``detect_format`` and a splitter in ``clean.py``.
PDF, Word and EPUB files are read into a text derived from them (``documents.py``), in the
``pdf``, ``docx`` or ``html`` layout.
"""

from __future__ import annotations

import codecs
import functools
import gzip
import hashlib
import json
import os
import re
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import ReadError
from .documents import DOCUMENT_SUFFIXES, derive, is_document
from .sources import display_path
from .webpage import MHTML_SUFFIXES, PAGE_SUFFIXES, declared_charset, is_whole_page, unpack_mhtml


def digest(data: bytes) -> str:
    """The hash an index records of a file's bytes (and of a document's text), to tell when
    it changed."""
    return hashlib.sha256(data).hexdigest()[:16]

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".shtml", ".xhtml", ".mhtml",
                 ".mht", ".jsonl", ".gz", ""}
READ_SUFFIXES = TEXT_SUFFIXES | DOCUMENT_SUFFIXES  # PDF, Word, EPUB: documents.py
META_KEYS = ("title", "date", "source", "author", "url")
LIST_KEYS = {"tags": "tags", "categories": "categories", "category": "categories",
             "keywords": "keywords"}  # front matter and JSONL keys read as lists: meta name
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FRONT_PAIR = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_FRONT_ITEM = re.compile(r"^\s+-\s*(.*)$")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(\r?\n|\Z)", re.DOTALL)
_HTML_PARAGRAPH = re.compile(r"<(p|div|br|h[1-6]|li|article|section)\b", re.IGNORECASE)
_MD_HEADING = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)
_SOURCE_LINK = re.compile(r"^\s*<(https?://[^>\s]+)>\s*$", re.MULTILINE)  # <http://…> alone
_DATE = re.compile(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})")
PART_CHARS = 200_000  # a longer text is read in parts of about this size, to bound memory
UNREADABLE_PATH = "unreadable path"  # the reason of a ReadError for a path the user named
_PART_BREAKS = ("\n\n", "\n", "\u3000\u3000", "。", "！", "？")  # best first


@dataclass
class Document:
    """One article source: the raw text, how to read it, and where it came from."""

    path: str  # the file as the index records it (sources.Sources.stored), or as shown
    article_id: str  # stable id: the path without suffix, or the JSONL record id
    raw: str  # the text that char offsets index into
    format: str  # spaced | wrapped | plain | markdown | html
    body_start: int = 0  # offset of the body in raw (after front matter)
    meta: dict = field(default_factory=dict)  # title, date, source, author, url, ...
    line: int | None = None  # for JSONL: the record's line; every offset maps to it
    encoding: str = "utf-8"  # how the file was decoded
    body_end: int | None = None  # end of the body in raw, when the Document is one part of it
    notes: list[str] = field(default_factory=list)  # what the run tells of the file (documents)
    set_aside: list[tuple[int, int]] = field(default_factory=list)  # raw spans of the blocks
    # a web page's extractors left out (navigation, sidebars, footers): passages marked
    # boilerplate (``segment``)
    title_span: tuple[int, int] | None = None  # raw span of the block that is the title


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
MAX_FILE_MB = 20  # like Recoll's textfilemaxmbs: bigger text files are skipped by default
MAX_BAD_SHARE = 0.01  # a text may hold at most this share of bad bytes, each read as U+FFFD,
MAX_BAD_SMALL = 16  # or this many in a smaller text
UTF8_EVIDENCE = 4  # a file is UTF-8 with bad bytes when its good non-ASCII characters are at
# least this many times its bad bytes: other encodings, read as UTF-8, are mostly bad bytes
MAX_CHAOS = 0.1  # charset-normalizer's "mess" of a Chinese reading preferred to its best
LEGACY_GUESSES = ("gb18030", "big5")  # read leniently to find what the good bytes are in
_ESCAPED = re.compile("[\udc80-\udcff]")  # a bad byte, as the surrogateescape handler keeps it


@dataclass
class Decoded:
    """A file's text, the encoding it was read in, and its bad bytes (each read as U+FFFD)."""

    text: str
    encoding: str
    bad_bytes: int = 0
    first_bad: int = 0  # offset of the first bad byte in the bytes decoded
    first_bad_line: int = 0  # its 1-based line
    url: str = ""  # the address a single-file save (MHTML) records


def decode_detected(data: bytes, path: str, declared: str | None = None,
                    sniff: bool = True) -> Decoded:
    """Bytes to text: a BOM, else UTF-8, else UTF-16 without BOM (NUL bytes), else the
    charset the text declares (``declared``, or with ``sniff`` a page's ``<meta charset>``:
    ``webpage.declared_charset``; a stale one that claims GB2312 for UTF-8 is never reached,
    since UTF-8 is tried first), else a guess of charset-normalizer: its first Chinese
    reading (GB18030, Big5, …), else its best. A
    text in UTF-8 (BOM or not, with enough good characters: ``UTF8_EVIDENCE``), or in a
    Chinese encoding that charset-normalizer recognises once the bad bytes are left out, may
    hold a few bytes that are not valid in it (``MAX_BAD_SHARE``, ``MAX_BAD_SMALL``): each is
    read as U+FFFD and counted in ``Decoded.bad_bytes``.
    Binary data, or text in no encoding found, is a ReadError."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-8-sig" and (found := _lenient(data, encoding)):
                return replace(found, encoding="utf-8")
            return Decoded(_strict(data, encoding, path), encoding)
    if b"\x00" in data[:4096]:
        return _utf16(data, path)
    try:
        text = data.decode("utf-8")
        if _looks_like_text(text) or _reads_as_chinese(text):  # stray control characters
            return Decoded(text, "utf-8")
    except UnicodeDecodeError:
        found = _lenient(data, "utf-8")
        if found and _looks_like_text(found.text) and _utf8_evidence(found):
            return found
    declared = declared or (declared_charset(data) if sniff else None)
    if declared and (found := _lenient(data, declared)) and _looks_like_text(found.text):
        return found
    guesses = _guesses(data)
    found = _chinese(guesses) or _chinese_around_bad_bytes(data) or _best(guesses)
    if found is None:
        raise ReadError(path, "cannot tell its text encoding (or it is not text)",
                        "save it as UTF-8", "unknown encoding")
    return found


def _utf16(data: bytes, path: str) -> Decoded:
    """Data with NUL bytes: UTF-16 without BOM when it reads as Chinese, else binary."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_chinese(text):
            return Decoded(text, encoding)
    raise ReadError(path, "looks like a binary file, not text", "skip it or convert it to text",
                    "binary file")


def _lenient(data: bytes, encoding: str) -> Decoded | None:
    """``data`` in ``encoding``, each bad byte read as U+FFFD; None when more than a few of
    the bytes are bad."""
    text = data.decode(encoding, "surrogateescape")
    bad = len(_ESCAPED.findall(text))
    if bad > max(MAX_BAD_SMALL, MAX_BAD_SHARE * len(data)):
        return None
    if not bad:
        return Decoded(text, encoding)
    first = _ESCAPED.search(text).start()
    offset = len(text[:first].encode(encoding, "surrogateescape"))
    return Decoded(_ESCAPED.sub("\ufffd", text), encoding, bad, offset,
                   data.count(b"\n", 0, offset) + 1)


def _utf8_evidence(found: Decoded) -> bool:
    """Enough good multi-byte characters to tell UTF-8 with a few bad bytes."""
    good = sum(1 for ch in found.text if not ch.isascii()) - found.bad_bytes
    return good >= UTF8_EVIDENCE * found.bad_bytes


def _guesses(data: bytes) -> list[tuple[str, object]]:
    """charset-normalizer's readings of all of ``data`` that look like text, best first:
    (text, match)."""
    from charset_normalizer import from_bytes  # here: a cold `search query` never needs it

    guesses = [(str(match), match) for match in from_bytes(data)]
    return [(text, match) for text, match in guesses if _looks_like_text(text)]


def _chinese(guesses: list[tuple[str, object]]) -> Decoded | None:
    """Of the readings that are Chinese with little mess (``MAX_CHAOS``), the one whose
    Chinese characters are most often common ones (``_common_share``); charset-normalizer's
    order breaks ties. Its own order is not enough and changes between its versions: on a
    short text in GB18030 it may rank cp874, big5 or utf_16_be first."""
    chinese = [(n, text, match) for n, (text, match) in enumerate(guesses)
               if match.chaos <= MAX_CHAOS and _reads_as_chinese(text)]
    if not chinese:
        return None
    _, text, match = max(chinese, key=lambda found: (_common_share(found[1]), -found[0]))
    return Decoded(text, codecs.lookup(match.encoding).name)


def _common_share(text: str) -> float:
    """The share of a text's Chinese characters that are common ones: a reading in the wrong
    legacy encoding turns byte pairs into rare characters."""
    hanzi = [ch for ch in text[:4096] if "\u4e00" <= ch <= "\u9fff"]
    return sum(map(_is_common_hanzi, hanzi)) / len(hanzi) if hanzi else 0.0


@functools.cache
def _is_common_hanzi(ch: str) -> bool:
    """Among the 3,755 frequent characters of GB2312 (level 1, lead bytes B0-D7) or the 5,401
    frequent characters of Big5 (A440-C67E): Simplified and Traditional both count."""
    for encoding, low, high in (("gb2312", 0xB0A1, 0xD7FE), ("big5", 0xA440, 0xC67E)):
        try:
            code = int.from_bytes(ch.encode(encoding), "big")
        except UnicodeEncodeError:
            continue
        if low <= code <= high:
            return True
    return False


def _best(guesses: list[tuple[str, object]]) -> Decoded | None:
    text, match = guesses[0] if guesses else ("", None)
    return Decoded(text, codecs.lookup(match.encoding).name) if match else None


def _chinese_around_bad_bytes(data: bytes) -> Decoded | None:
    """A Chinese text in a legacy encoding (GB18030, Big5, …) with a few bad bytes: leave out
    the bytes a lenient reading finds bad, ask what the rest is, and read it all in that."""
    for guess in LEGACY_GUESSES:
        found = _lenient(data, guess)
        if found is None or not found.bad_bytes:
            continue
        good = _ESCAPED.sub("", data.decode(guess, "surrogateescape")).encode(guess)
        detected = _chinese(_guesses(good))
        found = detected and _lenient(data, detected.encoding)
        if found and found.bad_bytes and _looks_like_text(found.text):
            return found
    return None


def _strict(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReadError(path, f"starts like {encoding} but is not ({exc.reason} at byte "
                        f"{exc.start})", "save it again as UTF-8", "unknown encoding") from None


def _looks_like_chinese(text: str) -> bool:
    """Nearly all ASCII, CJK or full-width: binary data read as UTF-16 scatters far wider."""
    sample = text[:2048]
    usual = sum(1 for ch in sample if ch.isascii() and (ch.isprintable() or ch in "\n\r\t")
                or "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")
    return bool(sample) and usual >= 0.95 * len(sample)


_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e\u2010-\u2027·]")


def _reads_as_chinese(text: str) -> bool:
    """Its non-ASCII characters (it has some) are nearly all Chinese characters, CJK or
    full-width punctuation, or quotes and dashes."""
    others = [ch for ch in text[:4096] if not ch.isascii()]
    return bool(others) and len(_CHINESE.findall("".join(others))) >= 0.9 * len(others)


def _looks_like_text(text: str) -> bool:
    """Few control characters (binary data decodes to many)."""
    sample = text[:4096]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\n\r\t\f")
    return controls <= len(sample) // 100


def detect_format(text: str, suffix: str = "") -> str:
    """Recognise the layout of an article's text (see the module docstring)."""
    if suffix in PAGE_SUFFIXES or len(_HTML_PARAGRAPH.findall(text)) >= 2:
        return "html"
    if suffix in (".md", ".markdown") or _MD_HEADING.search(text):
        return "markdown"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if text.count("\u3000\u3000") >= 2 and len(lines) <= 3:
        return "spaced"
    if len(lines) >= 8:
        lengths = [len(line) for line in lines]
        if statistics.median(lengths) <= 30 and max(lengths) <= 60:
            return "wrapped"
    return "plain"


def split_front_matter(text: str, path: str,
                       on_error: Callable[[ReadError], None] | None = None) -> tuple[dict, int]:
    """Parse YAML front matter; return (metadata, offset where the body starts).

    Front matter that is not valid YAML (a control character, a tab, a stray quote) is
    read leniently (``_lenient_front_matter``) and ``on_error`` is told (without
    ``on_error`` it raises). ``tags``, ``categories`` (or ``category``) and ``keywords`` are
    lists of strings (``LIST_KEYS``), the other keys display strings."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    front = match.group(1) or ""
    try:
        data = _yaml(front)
    except Exception as exc:  # yaml raises many types; all mean the same to the user
        data = _lenient_front_matter(front)
        _report(ReadError(path, f"front matter is not valid YAML ({exc.__class__.__name__})",
                          "read leniently, line by line; fix the YAML between the --- lines",
                          "malformed front matter"), on_error)
    meta = {key: _meta_value(data[key]) for key in META_KEYS if key in data}
    for key, name in LIST_KEYS.items():
        if data.get(key) not in (None, "", []):
            meta[name] = list(dict.fromkeys(meta.get(name, []) + _meta_list(data[key])))
    return _with_iso_date(meta), match.end()


def _yaml(front: str) -> dict:
    """Front matter as YAML (a mapping), after what YAML refuses but means nothing (control
    characters, tabs) is taken out; a ValueError when it is not a mapping."""
    import yaml  # here: a cold `search query` never needs it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: 10 times faster
    try:
        data = yaml.load(front, Loader=loader)  # a safe loader
    except yaml.YAMLError:
        data = yaml.load(_CONTROL.sub("", front).replace("\t", " "), Loader=loader)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError("front matter is not a mapping")
    return data


def _lenient_front_matter(front: str) -> dict:
    """Front matter that YAML refuses, read line by line: ``key: value`` (quotes around the
    value taken off) and ``- item`` lines under a key without a value."""
    data: dict = {}
    key = None
    for line in _CONTROL.sub("", front).splitlines():
        item = _FRONT_ITEM.match(line)
        if item and key is not None:
            data[key] = (data[key] if isinstance(data[key], list) else []) + [_unquote(item[1])]
            continue
        pair = _FRONT_PAIR.match(line)
        if pair:
            key, value = pair[1], _unquote(pair[2])
            data[key] = value if value else []
    return data


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _meta_list(value) -> list[str]:
    """A front matter list (or a comma-separated string) as a list of strings."""
    values = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [text for text in (_meta_value(v).strip() for v in values) if text]


def _with_iso_date(meta: dict) -> dict:
    """The date as YYYY-MM-DD (from 2022-02-08 08:39:08 +0800, 20220208, 2022年2月8日);
    a date that cannot be read is dropped rather than guessed."""
    if "date" in meta:
        found = _DATE.match(meta["date"].strip())
        if found:
            year, month, day = (int(part) for part in found.groups())
            meta["date"] = f"{year:04d}-{month:02d}-{day:02d}"
        else:
            del meta["date"]
    return meta


def _meta_value(value) -> str:
    """Front matter values as display strings: lists joined, dates in ISO form, null empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_bytes(path: Path) -> bytes:
    """A file's bytes, or a ReadError that says why they cannot be had."""
    try:
        return path.read_bytes()
    except OSError as exc:
        problem = exc.strerror or str(exc)
        if path.is_symlink() and not path.exists():
            problem = "a broken symbolic link"
        raise ReadError(display_path(path), f"cannot read it ({problem})",
                        "check that it exists and that you may read it") from None


def unreadable(path: Path) -> ReadError | None:
    """Why a file or folder the user named cannot be read (missing, a broken link, a folder
    that cannot be listed, a file that cannot be opened), or None when it can."""
    shown = display_path(path)
    hint = "check the path; nothing indexed from it is removed"
    if not os.path.lexists(path):
        return ReadError(shown, "no such file or folder", hint, UNREADABLE_PATH)
    if not path.exists():
        return ReadError(shown, "is a broken symbolic link", hint, UNREADABLE_PATH)
    try:
        if path.is_dir():
            with os.scandir(path):
                pass
        else:
            with open(path, "rb"):
                pass
    except OSError as exc:
        verb = "list" if path.is_dir() else "read"
        return ReadError(shown, f"cannot {verb} it ({exc.strerror or exc})", hint,
                         UNREADABLE_PATH)
    return None


def decode_file(path: Path, data: bytes, shown: str) -> tuple[Decoded, Path]:
    """A file's bytes as text, and the path of the file they hold (``x.jsonl`` for
    ``x.jsonl.gz``, whose bytes are unzipped first; ``x.html`` for ``x.mhtml``, whose page
    is unpacked first). An empty file, a broken gzip file, an MHTML file without a page,
    binary data or an unknown encoding is a ReadError. The indexer and ``quote`` both read
    through this, so a source read again gives the same text and offsets: a PDF, Word or
    EPUB file's text is the one its reader derives (``documents.derive``)."""
    if is_document(path):
        return Decoded(derive(path, data, shown).text, "utf-8"), path
    suffix = path.suffix.lower()
    if suffix == ".gz":
        try:
            data, path = gzip.decompress(data), path.with_suffix("")
        except (OSError, EOFError) as exc:
            raise ReadError(shown, f"is not a whole gzip file ({exc})", "download it again",
                            "broken archive") from None
    declared, url = None, ""
    if suffix in MHTML_SUFFIXES:
        page = unpack_mhtml(data)
        if page is None:
            raise ReadError(shown, "holds no HTML page", "save the page again as .html",
                            "no page in MHTML")
        data, declared, url, path = page.data, page.charset, page.url, path.with_suffix(".html")
    if not data.strip():
        raise ReadError(shown, "is empty", "nothing to index", "empty file")
    decoded = decode_detected(data, shown, declared, sniff=path.suffix.lower() != ".jsonl")
    return replace(decoded, url=url), path


def bad_bytes_warning(shown: str, decoded: Decoded, unzipped: bool = False) -> ReadError:
    """The warning for a text read with bad bytes: how many, in which encoding, where."""
    count = decoded.bad_bytes
    name = "UTF-8" if decoded.encoding == "utf-8" else decoded.encoding
    where = f"byte {decoded.first_bad}" + (" of the unzipped file" if unzipped else "")
    return ReadError(shown, f"{count} {'byte is' if count == 1 else 'bytes are'} not valid "
                     f"{name}", f"replaced by U+FFFD (first at {where}, line "
                     f"{decoded.first_bad_line})", "bad bytes")


def read_file(path: Path, on_error: Callable[[ReadError], None] | None = None,
              data: bytes | None = None, name: str | None = None,
              on_page: Callable[[int, int], None] | None = None,
              page_method: str = "combined") -> list[Document]:
    """Read one file (``data``: its bytes, when already read) into its Documents.

    A whole web page is one Document whose extractors' choice of its main text
    (``page_method``: ``maintext.METHODS``) and metadata are read by ``web.read_page``.

    One Document, or one per JSONL record. ``name`` is the path to record in them and derive
    article ids from (default: the path as shown, relative to the working directory); errors
    always show the path as shown. What is wrong in a file that is still read goes to
    ``on_error``: a bad JSONL line (the other lines are read), bad bytes (read as U+FFFD,
    see ``decode_detected``). Without ``on_error`` it raises. A PDF tells ``on_page(done,
    total)`` of each page it reads.
    """
    shown = display_path(path)
    name = name or shown
    data = read_bytes(path) if data is None else data
    if is_document(path):
        return _read_document(path, data, name, shown, on_error, on_page)
    decoded, inner = decode_file(path, data, shown)
    if decoded.bad_bytes:
        _report(bad_bytes_warning(shown, decoded, inner != path), on_error)
    text, encoding = decoded.text, decoded.encoding
    article_id = name.rsplit(".", 1)[0] if inner.suffix else name
    if inner.suffix.lower() == ".jsonl":
        return [replace(doc, encoding=encoding)
                for doc in read_jsonl(text, name, on_error, shown)]
    meta, body_start = split_front_matter(text, shown, on_error)
    if "url" not in meta and (link := _SOURCE_LINK.search(text, max(body_start, len(text) - 600))):
        meta["url"] = link.group(1)  # a saved page often ends with the address it came from
    suffix = inner.suffix.lower()
    fmt = detect_format(text[body_start:], suffix)
    doc = Document(name, article_id, text, fmt, body_start, meta, encoding=encoding)
    if fmt == "html" and is_whole_page(text, suffix):
        from .web import read_page  # here: only a web page pays for its libraries

        return [read_page(doc, decoded.url, page_method)]  # whole: extractors judge it whole
    return split_parts(doc)


def _read_document(path: Path, data: bytes, name: str, shown: str,
                   on_error: Callable[[ReadError], None] | None,
                   on_page: Callable[[int, int], None] | None) -> list[Document]:
    """A PDF, Word or EPUB file's Documents, over the text its reader derives: its body only
    (what the reader set aside follows it), in parts when it is long."""
    derived = derive(path, data, shown, on_page)
    for warning in derived.warnings:
        _report(warning, on_error)
    return split_parts(Document(name, name.rsplit(".", 1)[0], derived.text, derived.format,
                                0, derived.meta, body_end=derived.body_end,
                                notes=derived.notes(shown)))


def _report(error: ReadError, on_error: Callable[[ReadError], None] | None) -> None:
    """Tell ``on_error`` of a problem in a file that is still read; raise it without one."""
    if on_error is None:
        raise error
    on_error(error)


def split_parts(doc: Document) -> list[Document]:
    """A Document over ``PART_CHARS`` long, as parts cut at paragraph or sentence ends.

    Each part is read like an article of its own (id ``name~2``, titled after the file),
    with offsets still into the whole file, so quotes and line numbers stay exact.
    """
    bounds, start = [], doc.body_start
    body_end = len(doc.raw) if doc.body_end is None else doc.body_end
    while body_end - start > PART_CHARS:
        end = _part_end(doc.raw, start)
        bounds.append((start, end))
        start = end
    if not bounds:
        return [doc]
    bounds.append((start, body_end))
    title = doc.meta.get("title") or Path(doc.path).name.split(".")[0]
    parts = []
    for n, (start, end) in enumerate(bounds, start=1):
        titled = n > 1 or doc.meta.get("title")  # the first part may find its own headline
        meta = {**doc.meta, "title": f"{title} ({n}/{len(bounds)})"} if titled else doc.meta
        parts.append(replace(doc, article_id=doc.article_id + (f"~{n}" if n > 1 else ""),
                             body_start=start, body_end=end, meta=meta))
    return parts


def _part_end(raw: str, start: int) -> int:
    """Where a part that begins at ``start`` ends: after the best break in its second half."""
    for mark in _PART_BREAKS:
        found = raw.rfind(mark, start + PART_CHARS // 2, start + PART_CHARS)
        if found >= 0:
            return found + len(mark)
    return start + PART_CHARS


def read_jsonl(text: str, path: str, on_error: Callable[[ReadError], None] | None = None,
               shown: str | None = None):
    """Yield a Document per JSONL record with ``id``, ``title`` and ``text``; ``path`` is
    recorded in them, ``shown`` (default ``path``) names the file in errors. A record without
    an id, or with an id an earlier line of the file has (reported to ``on_error``), is
    known by its line: ``name:LINE``."""
    shown = shown or path
    seen: dict[str, int] = {}
    for number, line in enumerate(jsonl_lines(text), start=1):
        if not line.strip():
            continue
        try:
            record = _jsonl_record(line, f"{shown}:{number}")
        except ReadError as error:
            _report(error, on_error)
            continue
        body = record["text"]
        meta = _with_iso_date(
            {key: _meta_value(record[key]) for key in META_KEYS if record.get(key)})
        for key, name in LIST_KEYS.items():
            if record.get(key):
                meta[name] = list(dict.fromkeys(meta.get(name, []) + _meta_list(record[key])))
        if "title" in record:  # the title, even empty: text is then never taken for one
            meta["title"] = _meta_value(record["title"])
        by_line = f"{path.rsplit('.', 1)[0]}:{number}"
        record_id = str(record.get("id") or by_line)
        if record_id in seen:
            _report(ReadError(f"{shown}:{number}", f"id {record_id} is the id of line "
                              f"{seen[record_id]} too", f"this record is indexed as {by_line}",
                              "repeated id"), on_error)
            record_id = by_line
        seen[record_id] = number
        yield Document(path, record_id, body, detect_format(body), 0, meta, line=number)


def jsonl_lines(text: str) -> list[str]:
    """The lines of a JSONL text: split at newlines only (a record's text may hold U+2028,
    U+0085 and the like, which ``str.splitlines`` would also split at)."""
    return text.split("\n")


def _jsonl_record(line: str, where: str) -> dict:
    """One JSONL line as a record with a string ``text``, or a ReadError naming the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ReadError(where, f"not valid JSON ({exc.msg})", "fix or remove the line",
                        "bad JSON line") from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise ReadError(where, "a record needs a string 'text' field",
                        "write records like {\"id\": …, \"title\": …, \"text\": …}",
                        "bad JSON line")
    return record


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, ReadError | None]]:
    """Each file under the given files and folders, sorted, with a ReadError when it will not
    be read: a type this indexer does not read, a link to a folder (never followed, so a
    link loop cannot trap the walk), or a folder that cannot be listed (yielded itself).
    Hidden files and folders are passed over."""
    for root in paths:
        if not root.is_dir():
            yield root, None
            continue
        unlisted: list[OSError] = []  # folders os.walk could not list
        for folder, subfolders, files in os.walk(root, onerror=unlisted.append, followlinks=False):
            yield from _unlisted(unlisted)
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
            base = Path(folder)
            for name in subfolders:
                if (base / name).is_symlink():
                    yield base / name, ReadError(display_path(base / name), "is a link to a folder",
                                                 "index the folder it points to instead",
                                                 "linked folder")
            for name in sorted(files):
                path = base / name
                if name.startswith("."):
                    continue
                if path.suffix.lower() not in READ_SUFFIXES:
                    yield path, ReadError(display_path(path), f"is not a file type this indexer "
                                          f"reads ({path.suffix})", "convert it to .txt, .md, "
                                          ".html or .jsonl", "unsupported type")
                else:
                    yield path, None
        yield from _unlisted(unlisted)


def _unlisted(errors: list[OSError]) -> Iterator[tuple[Path, ReadError]]:
    """Folders that could not be listed, each with its ReadError (and the list emptied)."""
    while errors:
        error = errors.pop(0)
        folder = Path(error.filename)
        yield folder, ReadError(display_path(folder), f"cannot list it ({error.strerror})",
                                "check that you may read it; its indexed files are kept",
                                "unreadable folder")

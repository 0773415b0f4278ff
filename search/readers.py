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
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
from charset_normalizer import from_bytes

from .errors import ReadError

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".gz", ""}
META_KEYS = ("title", "date", "source", "author", "url", "categories", "tags")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(\r?\n|\Z)", re.DOTALL)
_HTML_PARAGRAPH = re.compile(r"<(p|div|br|h[1-6]|li|article|section)\b", re.IGNORECASE)
_MD_HEADING = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)
_SOURCE_LINK = re.compile(r"^\s*<(https?://[^>\s]+)>\s*$", re.MULTILINE)  # <http://…> alone
_DATE = re.compile(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})")


@dataclass
class Document:
    """One article source: the raw text, how to read it, and where it came from."""

    path: str  # the file as the user named it (relative to the working directory if inside)
    article_id: str  # stable id: the path without suffix, or the JSONL record id
    raw: str  # the text that char offsets index into
    format: str  # spaced | wrapped | plain | markdown | html
    body_start: int = 0  # offset of the body in raw (after front matter)
    meta: dict = field(default_factory=dict)  # title, date, source, author, url, ...
    line: int | None = None  # for JSONL: the record's line; every offset maps to it


def display_path(path: Path) -> str:
    """The path relative to the working directory when inside it, else absolute, in posix form."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def decode(data: bytes, path: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM) first, then the best detected encoding."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(path, "looks like a binary file, not text", "skip it or convert it to text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise ReadError(path, "cannot tell its text encoding", "save it as UTF-8")
    return str(best)


def detect_format(text: str, suffix: str = "") -> str:
    """Recognise the layout of an article's text (see the module docstring)."""
    if suffix in (".html", ".htm") or len(_HTML_PARAGRAPH.findall(text)) >= 2:
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


def split_front_matter(text: str, path: str) -> tuple[dict, int]:
    """Parse YAML front matter; return (metadata, offset where the body starts)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    try:
        post = frontmatter.loads(text[: match.end()])
    except Exception as exc:  # yaml raises many types; all mean the same to the user
        raise ReadError(path, f"malformed front matter ({exc.__class__.__name__})",
                        "fix the YAML between the --- lines") from None
    meta = {key: _meta_value(post.metadata[key]) for key in META_KEYS if key in post.metadata}
    return _with_iso_date(meta), match.end()


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
    """Front matter values as display strings: lists joined, dates in ISO form."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_file(path: Path, on_error: Callable[[ReadError], None] | None = None) -> list[Document]:
    """Read one file into its Documents (one, or one per JSONL record).

    A bad JSONL line goes to ``on_error`` and the other lines are still read; without
    ``on_error`` it raises.
    """
    shown = display_path(path)
    try:
        data = path.read_bytes()
        if path.suffix.lower() == ".gz":
            data, path = gzip.decompress(data), path.with_suffix("")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ReadError(shown, f"cannot read it ({getattr(exc, 'strerror', None) or exc})",
                        "check the file's permissions and that it is whole") from None
    text = decode(data, shown)
    article_id = shown.rsplit(".", 1)[0] if path.suffix else shown
    if path.suffix.lower() == ".jsonl":
        return list(read_jsonl(text, shown, on_error))
    meta, body_start = split_front_matter(text, shown)
    if "url" not in meta and (link := _SOURCE_LINK.search(text, max(body_start, len(text) - 600))):
        meta["url"] = link.group(1)  # a saved page often ends with the address it came from
    fmt = detect_format(text[body_start:], path.suffix.lower())
    return [Document(shown, article_id, text, fmt, body_start, meta)]


def read_jsonl(text: str, path: str, on_error: Callable[[ReadError], None] | None = None):
    """Yield a Document per JSONL record with ``id``, ``title`` and ``text``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = _jsonl_record(line, f"{path}:{number}")
        except ReadError as error:
            if on_error is None:
                raise
            on_error(error)
            continue
        body = record["text"]
        meta = _with_iso_date(
            {key: _meta_value(record[key]) for key in META_KEYS if record.get(key)})
        record_id = str(record.get("id") or f"{path.rsplit('.', 1)[0]}:{number}")
        yield Document(path, record_id, body, detect_format(body), 0, meta, line=number)


def _jsonl_record(line: str, where: str) -> dict:
    """One JSONL line as a record with a string ``text``, or a ReadError naming the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ReadError(where, f"not valid JSON ({exc.msg})", "fix or remove the line") from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise ReadError(where, "a record needs a string 'text' field",
                        "write records like {\"id\": …, \"title\": …, \"text\": …}")
    return record


def iter_files(paths: list[Path]):
    """Yield the text files under the given files and folders, sorted, skipping hidden ones."""
    for root in paths:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
                if path.is_file() and not hidden and path.suffix.lower() in TEXT_SUFFIXES:
                    yield path
        else:
            yield root

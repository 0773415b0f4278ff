"""Quoting: a passage as cleaned for reading, with a citation anyone can check.

The index keeps each passage's raw span and its source's content hash. ``source_raw``
reads the source again (the file, or the JSONL record), so a quote can say when the file
changed or vanished after indexing, ``raw`` gives the exact slice of the file, and
``verify`` checks that every passage still re-extracts from its span (quotes are exact).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import ReadError
from .ingest.clean import clean_text
from .ingest.readers import decode_file, digest, jsonl_lines


@dataclass
class Source:
    """What the source of a passage holds now."""

    raw: str | None  # the text offsets index into, None when it cannot be read
    problem: str = ""  # why not, or how it changed since indexing


def source_problem(stored: dict) -> str:
    """How a passage's source changed since it was indexed, "" when it did not: a file whose
    bytes are those indexed is not read again (a 58 MB JSONL.gz takes 0.4 s to decode)."""
    try:
        data = Path(stored["file"]).read_bytes()
    except OSError:
        return f"{stored['path']} is gone since it was indexed"
    if digest(data) == stored.get("file_hash"):
        return ""
    return SourceReader().source(stored, data).problem


def source_raw(stored: dict) -> Source:
    """Read a passage's source again: the file, or its JSONL record."""
    return SourceReader().source(stored)


class SourceReader:
    """Reads passages' sources again: the file, or its JSONL record, each file decoded once
    for all the passages asked for in a row (`verify` reads a JSONL file once, not once a
    record). ``stored`` is a passage as ``Engine.located`` gives it: ``file`` is where the
    source is on disk, ``path`` how messages name it."""

    def __init__(self):
        self.file: str | None = None  # the file read last, and what it held:
        self.text: str | None = None  # its decoded text (None: unreadable, see problem)
        self.problem = ""
        self.jsonl = False
        self.lines: list[str] | None = None  # a JSONL file's lines, once one is asked for
        self.last: tuple | None = None  # ((line, content hash), Source) of the last passage

    def source(self, stored: dict, data: bytes | None = None) -> Source:
        """The passage's source as it is now; ``data``: the file's bytes, when already read.
        The last source is remembered: an article's passages come one after another."""
        if stored["file"] != self.file:
            self._read(stored, data)
        key = (stored["line_start"] if self.jsonl else 0, stored.get("content_hash"))
        if self.last is None or self.last[0] != key:
            self.last = key, self._source(stored)
        return self.last[1]

    def _source(self, stored: dict) -> Source:
        if self.text is None:
            return Source(None, self.problem)
        text = self.text
        if self.jsonl:
            self.lines = jsonl_lines(self.text) if self.lines is None else self.lines
            text = _record_text(self.lines, stored["line_start"])
            if text is None:
                return Source(None, f"{stored['path']}:{stored['line_start']} is no longer "
                                    "a record")
        changed = digest(text.encode("utf-8")) != stored.get("content_hash")
        return Source(text, f"{stored['path']} has changed since it was indexed"
                      if changed else "")

    def _read(self, stored: dict, data: bytes | None) -> None:
        self.file, self.text, self.problem, self.jsonl, self.lines = (stored["file"], None,
                                                                      "", False, None)
        self.last = None
        try:
            data = Path(self.file).read_bytes() if data is None else data
        except OSError:
            self.problem = f"{stored['path']} is gone since it was indexed"
            return
        try:
            decoded, path = decode_file(Path(self.file), data, stored["path"])  # as indexed
        except ReadError as error:
            self.problem = error.problem
            return
        self.text, self.jsonl = decoded.text, path.suffix.lower() == ".jsonl"


def source_key(stored: dict) -> tuple[str, int]:
    """Passages with the same key share one source text (a file, or one JSONL record)."""
    is_record = stored["path"].endswith((".jsonl", ".jsonl.gz"))
    return stored["path"], stored["line_start"] if is_record else 0


def _record_text(lines: list[str], line: int) -> str | None:
    try:
        record = json.loads(lines[line - 1])
        return record["text"] if isinstance(record.get("text"), str) else None
    except (IndexError, ValueError, AttributeError, KeyError):
        return None


def raw_slice(stored: dict, source: Source) -> str | None:
    """The exact characters of the source file the passage was cut from."""
    return None if source.raw is None else source.raw[stored["char_start"]:stored["char_end"]]


def lines_of(stored: dict) -> str:
    """``path:12`` or ``path:12-15``; for a PDF its pages, ``path:p.3`` or ``path:p.3-4``."""
    start, end = stored["line_start"], stored["line_end"]
    page = "p." if stored["path"].lower().endswith(".pdf") else ""
    return f"{stored['path']}:{page}{start}" + (f"-{end}" if end != start else "")


def citation(stored: dict) -> str:
    """《title》, source, author, date, path:lines, url: whatever is known, in that order."""
    parts = [f"《{stored['title']}》" if stored.get("title") else ""]
    parts += [stored.get(name) or "" for name in ("source", "author", "date")]
    parts += [lines_of(stored), stored.get("url") or ""]
    return "，".join(part for part in parts if part)


def as_text(passages: list[dict], context_ids: set[str]) -> str:
    """Plain text: the passages, context marked, then the citation of the quoted ones."""
    body = []
    for stored in passages:
        mark = "（上下文）" if stored["passage_id"] in context_ids else ""
        body.append(mark + stored["text"])
    quoted = [p for p in passages if p["passage_id"] not in context_ids]
    return "\n\n".join(body) + "\n—— " + citation(quoted[0])


def as_markdown(passages: list[dict], context_ids: set[str]) -> str:
    """A block quote (context in italics) followed by the citation line."""
    blocks = []
    for stored in passages:
        lines = stored["text"].split("\n")
        if stored["passage_id"] in context_ids:
            lines = [f"*{line}*" for line in lines]
        blocks.append("\n".join(f"> {line}" for line in lines))
    quoted = [p for p in passages if p["passage_id"] not in context_ids]
    return "\n>\n".join(blocks) + "\n\n—— " + citation(quoted[0])


QUOTE_FIELDS = ("passage_id", "text", "path", "line_start", "line_end", "char_start",
                "char_end", "title", "source", "author", "date", "url", "boilerplate")


def as_json(stored: dict, context: list[dict]) -> dict:
    """The JSON of one quote (README, Quoting passages), with the context passages."""
    out = {name: stored.get(name, "") for name in QUOTE_FIELDS}
    out["boilerplate"] = bool(stored.get("boilerplate"))
    out["citation"] = citation(stored)
    if context:
        out["context"] = [{name: p[name] for name in ("passage_id", "text", "line_start",
                                                       "line_end")} for p in context]
    return out


@dataclass
class Mismatch:
    """A passage whose recorded span no longer gives back its text."""

    passage_id: str
    where: str  # path:lines
    problem: str


def check(stored: dict, source: Source) -> str:
    """Why the passage does not re-extract from its source, or "" when it does."""
    if source.raw is None:
        return source.problem
    piece = raw_slice(stored, source)
    if clean_text(piece, stored["format"]) != stored["text"]:
        return "its recorded span no longer gives back its text"
    return ""

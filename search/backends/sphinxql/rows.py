"""A passage record as a row of a shard's ``passages`` index, and back.

The engine never segments: each token field is the record's tokens joined by spaces (the
charset makes every other character part of a word, ``cluster.CHARSET``). Pairs are written
with ``PAIR_MARK`` before them, so a pair (合同 in ``bigram``) and the word it spells (合同 in
``text``) are two keywords with their own statistics. ``units`` holds the ASCII units of
the text, title and heading path (``UNIT_MARK`` before each: ``#5g``), which a one-unit
needle is found by, and ``EVERY``, which every passage has (a query of only NOT needs it).
Places are multi-value attributes of their names' CRC-32 (``place_key``), read back through
the gazetteer; the stored fields are one JSON string.
"""

from __future__ import annotations

import functools
import json
import zlib

from ...text.analysis import first_unit, is_ascii
from ...text.places import gazetteer
from ..seam import Record, passage_id
from .sql import key

PAIR_MARK = "%"
UNIT_MARK = "#"
EVERY = UNIT_MARK  # alone, in every passage's units
PLACE_ATTRIBUTES = {"city": "cities", "province": "provinces", "county": "counties"}


def document_id(stored: dict) -> int:
    """A passage's document id: its file, its id and its file's version (an updated file's
    passages are new documents, so deleting the old and adding the new never collide)."""
    return key(stored["path"], stored["passage_id"], stored["file_hash"])


def article_key(path: str, article_id: str) -> int:
    """An article's number in the cluster (a JSONL record's id can be another file's too)."""
    return key(path, article_id)


def file_key(path: str) -> int:
    return key(path)


def place_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def name_key(name: str) -> int:
    """A tag's or a category's number (as a place's: its name's CRC-32)."""
    return zlib.crc32(name.encode("utf-8"))


def para_key(fingerprint: str) -> int:
    """A passage's fingerprint (``records.fingerprint``, 16 hex digits) as a signed bigint."""
    return int(fingerprint, 16) >> 1


@functools.cache
def place_names(level: str) -> dict[int, str]:
    """``place_key`` -> name, for the places of a level."""
    return {place_key(place.name): place.name for place in gazetteer().places.values()
            if place.level == level}


COLUMNS = ("id", "text", "title", "section", "bigram", "heading_bigram", "units", "article",
           "file", "line", "year", "month", "day", "cities", "provinces", "counties", "source",
           "passage_id", "article_id", "path", "file_hash", "stored", "opens",
           "article_section_len", "para", "aside", "tags", "categories")


def article_rows(records: list[Record]) -> list[tuple]:
    """The values of ``COLUMNS`` for an article's passages. The first ``opens`` the article
    and holds the length of its longest heading path: the field lengths the embedded scorer
    gives an article (``scoring.ArticleTerm``: its passages' text and pairs, its title once,
    its longest heading path) are sums over the passages (``rerank.Reranker.averages``)."""
    longest = max(len(record.tokens["section"]) for record in records)
    return [row(record, (1, longest) if n == 0 else (0, 0))
            for n, record in enumerate(records)]


def row(record: Record, opening: tuple[int, int] = (0, 0)) -> tuple:
    """The values of ``COLUMNS`` for a record; ``opening``: ``opens`` and
    ``article_section_len``."""
    stored, tokens, keys = record.stored, record.tokens, record.keys
    return (
        document_id(stored),
        _joined(tokens["text"]), _joined(tokens["title"]), _joined(tokens["section"]),
        _pairs(tokens["bigram"]), _pairs(tokens["heading_bigram"]),
        _units(tokens["bigram"] + tokens["heading_bigram"]),
        article_key(stored["path"], stored["article_id"]), file_key(stored["path"]),
        stored["line_start"] or 0, int(keys.get("year", 0)),
        int(keys.get("month", "0").replace("-", "")), keys.get("day", 0),
        _places(stored["cities"]), _places(stored["provinces"]), _places(stored["counties"]),
        keys.get("source_key", ""), stored["passage_id"], stored["article_id"], stored["path"],
        stored["file_hash"], json.dumps(_kept(stored, opening[0]), ensure_ascii=False),
        *opening, para_key(keys["para"]), int(bool(keys.get("aside"))),
        _names(keys.get("tags", ())), _names(keys.get("categories", ())),
    )


def _kept(stored: dict, opens: int) -> dict:
    """The stored fields a row keeps: an article's signature on its opening row only."""
    return stored if opens else {name: value for name, value in stored.items()
                                 if name != "signature"}


def stored_fields(value: str) -> dict:
    """A passage's stored fields from its row's ``stored``."""
    stored = json.loads(value)
    stored["passage_id"] = passage_id(stored["article_id"], stored["order"])
    return stored


def _joined(tokens: list) -> str:
    return " ".join(token[0] if isinstance(token, tuple) else token for token in tokens)


def _pairs(pairs: list[str]) -> str:
    return " ".join(PAIR_MARK + pair for pair in pairs)


def _units(pairs: list[str]) -> str:
    """``EVERY`` and the ASCII units of the pairs (each unit starts a pair: the last one
    the pair with END)."""
    found = dict.fromkeys(unit for pair in pairs if is_ascii(unit := first_unit(pair)))
    return " ".join([EVERY, *(UNIT_MARK + unit for unit in found)])


def _names(names) -> tuple[int, ...]:
    return tuple(name_key(name) for name in names)


def _places(names: list[str]) -> tuple[int, ...]:
    return tuple(place_key(name) for name in names)

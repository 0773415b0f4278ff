"""The backend seam: what the engine hands a storage/matching engine, and what it gets back.

The engine owns reading, cleaning, analysis, query parsing, highlighting and quoting.
A backend owns storage, matching, scoring and counting. It receives passage records
(stored fields plus the already-analysed tokens of each searchable field, so every
backend sees exactly the same tokens) and answers a parsed query (``query.Node``)
with ranked hits. Whoosh (``whoosh_backend.py``) is the embedded default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from .query import Node

# Searchable fields and what their tokens are (see analysis.py).
TOKEN_FIELDS = {
    "text": "words of the passage text",
    "title": "words of the article title",
    "section": "words of the heading path",
    "bigram": "unit pairs of the passage text (what it holds, phrases, ranking)",
    "heading_bigram": "unit pairs of the title, then of the heading path (what they hold)",
}


@dataclass
class Record:
    """A passage as a backend stores it."""

    stored: dict  # passage_id, article_id, path, title, section, text, offsets, lines, metadata
    tokens: dict  # field name -> list of (term, position) or list of terms (position = index)


FIRST_ORDER = 1  # an article's first passage's ``order``


def passage_id(article_id: str, order: int) -> str:
    """The id of an article's passage: its article's id and its place (from FIRST_ORDER)."""
    return f"{article_id}:{order}"


FACETS = ("city", "province", "source", "year")
FACET_LABELS = {"city": "cities", "province": "provinces", "county": "counties",
                "source": "sources", "year": "years"}  # every facet, with its plural


@dataclass
class Hit:
    """One ranked passage."""

    score: float
    stored: dict


@dataclass
class Filters:
    """What a passage must be tied to: any value of a field, every field given."""

    city: list[str] = field(default_factory=list)  # canonical short names (株洲)
    province: list[str] = field(default_factory=list)
    county: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)  # folded
    year: list[str] = field(default_factory=list)
    since: str | None = None  # ISO dates, inclusive
    until: str | None = None


@dataclass
class SearchResult:
    """The answer to one query."""

    total: int  # matching passages
    hits: list[Hit]
    facets: dict[str, dict[str, int]]  # field -> value -> passages, over all matches


class Backend(Protocol):
    """What the engine needs from a search backend."""

    def begin(self, procs: int = 1):
        """A transaction (``delete(path)``, ``add(record)``, ``commit()``, ``cancel()``):
        its deletes and adds become visible together at ``commit``."""

    def search(self, node: Node | None, limit: int, filters: Filters | None = None,
               facets: tuple[str, ...] = FACETS, per_article: int | None = None) -> SearchResult:
        """The best ``limit`` passages (all passages when ``node`` is None), facet counts over
        every match, at most ``per_article`` passages from one article."""

    def passages(self) -> Iterator[dict]:
        """The stored fields of every passage."""

    def passage(self, passage_id: str) -> dict | None:
        """One passage's stored fields, or None."""

    def passage_ids(self) -> list[str]:
        """Every passage id."""

    def passages_of(self, article_id: str) -> list[dict]:
        """An article's passages in order."""

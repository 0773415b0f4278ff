"""The backend seam: what the engine hands a storage/matching engine, and what it gets back.

The engine owns reading, cleaning, analysis, query parsing, highlighting and quoting.
A backend owns storage, matching, scoring and counting. It receives passage records
(stored fields plus the already-analysed tokens of each searchable field, so every
backend sees exactly the same tokens) and answers a parsed query (``query.Node``)
with ranked hits. Whoosh (``whoosh_backend.py``) is the embedded default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from .query import Node

# Searchable fields and what their tokens are (see analysis.py).
TOKEN_FIELDS = {
    "text": "words of the passage text",
    "title": "words of the article title",
    "section": "words of the heading path",
    "bigram": "unit bigrams of the passage text (phrases and recall)",
}


@dataclass
class Record:
    """A passage as a backend stores it."""

    stored: dict  # passage_id, article_id, path, title, section, text, offsets, lines, metadata
    tokens: dict  # field name -> list of (term, position) or list of terms (position = index)


@dataclass
class Hit:
    """One ranked passage."""

    score: float
    stored: dict


class Backend(Protocol):
    """What the engine needs from a search backend."""

    def add(self, records: list[Record]) -> None:
        """Store these passages (in one transaction with the deletes of the same batch)."""

    def delete_paths(self, paths: list[str]) -> None:
        """Forget every passage read from these source paths."""

    def search(self, node: Node, limit: int) -> tuple[int, list[Hit]]:
        """(total number of matching passages, the best ``limit`` of them, best first)."""

    def passages(self) -> Iterator[dict]:
        """The stored fields of every passage."""

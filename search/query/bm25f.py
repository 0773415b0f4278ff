"""The relevance formulas, once, for every backend: plain functions over counts.

A backend gathers its own statistics (passages, the passages holding a word, field lengths
and their means) and calls these; the embedded scorer passes numpy arrays, the cluster's
reranker numbers, and both get the same scores (``tests/test_backends_agree.py``).

- a word is scored by BM25F (Robertson & Zaragoza): its frequency in each field, weighted
  and normalised by the field's length (``field_frequency``), summed over its fields, then
  saturated once (``bm25``) and weighted by its IDF (``idf``, Lucene's probabilistic IDF);
- a pair term or a phrase's pairs by single-field BM25 (``term_score``), with the same IDF;
- an article as one long passage: the fields its passages repeat (title, heading path)
  count once, the longest; the others are summed (``article_length``);
- a field's length as the embedded index keeps it: in one byte, exact to 10 terms and
  within 10% above (``kept_length``); the cluster rounds its lengths the same way.

>>> round(idf(200, 5), 3)    # a word 5 passages of 200 hold
3.599
>>> round(bm25(1.0, 3.599, 0.9), 3), round(bm25(4.0, 3.599, 0.9), 3)  # found once, 4 times
(3.599, 5.582)
>>> kept_length(10), kept_length(11), kept_length(50)
(10, 12, 52)
"""

from __future__ import annotations

import functools
from math import log

REPEATED_FIELDS = frozenset({"title", "section"})  # the same in many passages of an article


def idf(documents: int, holding: int) -> float:
    """The probabilistic IDF of Lucene: log(1 + (N - n + .5) / (n + .5)). (Whoosh's own,
    log(N / (n + 1)) + 1, gives a word found in every passage (的, 是, 什么) a weight of 1
    instead of about 0, which is noise in typed questions.)"""
    return log(1 + (documents - holding + 0.5) / (holding + 0.5))


def norm(length, average: float, b: float):
    """BM25's length normalisation of a field: (1 - b) + b * length / mean length."""
    return (1 - b) + b * length / (average or 1)


def field_frequency(frequency, length, average: float, b: float, boost: float = 1.0):
    """A word's frequency in one field as BM25F adds it up: weighted and length-normalised."""
    return boost * frequency / norm(length, average, b)


def bm25(frequency, weight: float, k1: float):
    """Saturated (length-normalised) frequencies times the word's ``weight`` (its IDF); a
    number or a numpy array."""
    return weight * frequency * (k1 + 1) / (frequency + k1)


def term_score(frequency, length, average: float, weight: float, k1: float, b: float,
               boost: float = 1.0):
    """Single-field BM25 of a term (a unit pair, a pair of a phrase) times its ``boost``."""
    return boost * weight * frequency * (k1 + 1) / (frequency + k1 * norm(length, average, b))


def article_length(field: str, lengths):
    """An article's length of ``field`` from its passages': the longest for the fields they
    repeat, else the sum."""
    return max(lengths, default=0) if field in REPEATED_FIELDS else sum(lengths)


@functools.lru_cache(maxsize=65_536)
def kept_length(length: int) -> int:
    """A field length as the embedded index keeps it (Whoosh's one-byte code)."""
    from whoosh.util.numeric import byte_to_length, length_to_byte

    return byte_to_length(length_to_byte(length))


def joined(units) -> str:
    """Units joined so that one run of units is found in another as a substring."""
    return "\0" + "\0".join(units) + "\0"

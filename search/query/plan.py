"""The relevance policy, for any backend: what a parsed query is scored by.

``ranking(node)`` turns the query tree (``query/parse.py``) into terms with field weights, phrases
and the query's own ``And``, ``Or`` (each clause a passage has adds to its score) and ``Not``
(scores nothing) around them; a backend compiles the plan into its own queries
(``backends.whoosh.backend.to_whoosh``) and scores it with the BM25F settings here. Which passages
match is not decided here: a passage matches when it holds the query's needles
(``parse.Words.needles``), and the plan only ranks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log

from ..text.analysis import pairs, units
from .parse import And, Near, Node, Not, Or, Words
from .parse import Phrase as TypedPhrase

TEXT, TITLE, SECTION, PAIRS = "text", "title", "section", "bigram"  # scored fields
TITLE_BOOST = 3.0
SECTION_BOOST = 1.2
PHRASE_BOOST = 1.0  # a typed run of words found as written: a share of this per unit pair
WRITTEN_BOOST = 0.6  # a word's unit pairs, its fourth field: found however jieba cut it
JOIN_BOOST = 0.1  # a unit pair across two typed words
K1, B = 0.9, 0.4  # BM25F of a passage: tuned on cmrc2018 dev, checked on trial (README)
# The article's BM25F counts as much as the passage's, with the textbook k1 and b of whole
# documents (tuned on the first 500 news-titles queries, checked on the rest).
ARTICLE_WEIGHT, ARTICLE_K1, ARTICLE_B = 1.0, 1.2, 0.75


def idf(documents: int, holding: int) -> float:
    """The probabilistic IDF of Lucene: log(1 + (N - n + .5) / (n + .5))."""
    return log(1 + (documents - holding + 0.5) / (holding + 0.5))


def bm25(frequency, weight: float, k1: float):
    """Saturated (length-normalised) frequencies times the word's ``weight`` (its IDF); a
    number or a numpy array."""
    return weight * frequency * (k1 + 1) / (frequency + k1)


@dataclass(frozen=True)
class Term:
    """A term of one field, scored by its BM25 times ``boost``."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Word:
    """One typed word: its terms in several fields, scored together as one BM25F term (the
    first is the word in the text field)."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Phrase:
    """Units in a row in the passage text, scored as their unit pairs times ``boost``."""

    units: tuple[str, ...]
    boost: float = 1.0


def word(text: str, weight: float = 1.0) -> Word:
    """A word in the passage text, the title and the heading path, and as its unit pairs in
    the text (a share of WRITTEN_BOOST each): 供应链 then ranks a passage where jieba cut
    供应/链 or 应链 differently as one that has the word. ``weight`` scales every field's."""
    written_pairs = pairs(units(text))
    return Word((Term(TEXT, text, weight), Term(TITLE, text, TITLE_BOOST * weight),
                 Term(SECTION, text, SECTION_BOOST * weight),
                 *(Term(PAIRS, pair, WRITTEN_BOOST * weight / len(written_pairs))
                   for pair in written_pairs)))


def phrase(found: tuple[str, ...], boost: float):
    """Units found in a row in the passage text: one unit as a word of the text, two as
    their pair, more as a ``Phrase`` (its pairs, where the text holds it)."""
    if len(found) == 1:
        return Word((Term(TEXT, found[0], boost),))
    if len(found) == 2:
        return Term(PAIRS, pairs(list(found))[0], boost)
    return Phrase(found, boost)


def ranking(node: Node):
    """What ranks the passages a parsed query matches: its words, their unit pairs, phrase
    and join bonuses; nothing under NOT."""
    if isinstance(node, Words):
        weight = node.weight
        clauses = [word(text, weight) for text in node.content_terms]
        if len(node.terms) > 1:  # found as written, it counts about as much as one word
            run = tuple(units(node.text))
            clauses.append(phrase(run, weight * PHRASE_BOOST / max(len(run) - 1, 1)))
        clauses += [Term(PAIRS, pair, weight * JOIN_BOOST) for pair in node.joins]
        return Or(tuple(clauses)) if len(clauses) > 1 else clauses[0]
    if isinstance(node, TypedPhrase):
        return phrase(tuple(node.units), node.weight)
    if isinstance(node, And):
        return And(tuple(ranking(child) for child in node.children))
    if isinstance(node, Near):  # ranks as its two sides
        return And((ranking(node.left), ranking(node.right)))
    if isinstance(node, Or):
        return Or(tuple(ranking(child) for child in node.children))
    if isinstance(node, Not):
        return Not(ranking(node.child))
    raise TypeError(f"unknown query node {node!r}")

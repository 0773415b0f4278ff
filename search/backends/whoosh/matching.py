"""Which passages of a Whoosh index match: those that hold a query as typed (its needles:
``query.parse.Words.needles``; AND, OR and NOT as given) and pass the filters. Pairs shared
with a word only rank (``scoring.py``); they never make a match."""

from __future__ import annotations

import numpy as np
from whoosh import query as wq

from ...query.filters import FILTER_FACETS, Filters
from ...query.parse import And, Near, Needle, Node, Not, Or, Words, is_character
from ...query.parse import Phrase as TypedPhrase
from ...text.analysis import first_unit, is_ascii, pairs
from .facets import FIELD_OF
from .reader import Postings

HOLDING_FIELDS = ("bigram", "heading_bigram")  # where a passage holds a query's needles
WORD_FIELDS = ("text", "title", "section")  # its words


class Matching:
    """The matches of queries in one searcher's postings (``reader.Postings``)."""

    def __init__(self, postings: Postings, set_aside: np.ndarray):
        self.reader, self.searcher = postings, postings.searcher
        self.set_aside = set_aside

    def matched(self, node: Node | None, filters: Filters | None) -> np.ndarray:
        """A mask of the live docnums that hold ``node`` (None: every passage) and pass the
        filters; passages set aside as boilerplate only when the filters include them."""
        found = self.holding(node) & self.reader.live
        if filters is None or not filters.boilerplate:
            found &= ~self.set_aside
        for condition in filter_queries(filters) if filters is not None else []:
            found &= self.mask(self.matches(condition))
        return found

    def holding(self, node: Node | None) -> np.ndarray:
        """Which docnums hold ``node`` as typed: any needle of its words (``Words.needles``)
        in the text, the title or the heading path; a phrase as written; AND, OR and NOT as
        given. Pairs shared with a word only rank; they never make a match."""
        if node is None:
            return np.ones(self.searcher.doc_count_all(), dtype=bool)
        if isinstance(node, Words | TypedPhrase):
            return np.logical_or.reduce([self.holding_needle(n) for n in node.needles])
        if isinstance(node, Near):  # both sides: how near is checked on the stored fields
            return self.holding(node.left) & self.holding(node.right)
        if isinstance(node, And):
            return np.logical_and.reduce([self.holding(child) for child in node.children])
        if isinstance(node, Or):
            return np.logical_or.reduce([self.holding(child) for child in node.children])
        if isinstance(node, Not):
            return ~self.holding(node.child)
        raise TypeError(f"unknown query node {node!r}")

    def holding_needle(self, needle: Needle) -> np.ndarray:
        """Docnums whose text, title or heading path holds the needle: a single CJK character
        as a word of them, anything else as units in a row. A passage with a word of three
        or more CJK characters (习近平) as a token holds it: only the others need their stored
        text looked at."""
        mask = np.zeros(self.searcher.doc_count_all(), dtype=bool)
        if is_character(needle) or len(needle) > 2 and not any(map(is_ascii, needle)):
            for fieldname in WORD_FIELDS:
                for docnums, _ in self.reader.postings(fieldname, "".join(needle)):
                    mask[docnums] = True
        if is_character(needle):
            return mask
        for fieldname in HOLDING_FIELDS:
            if len(needle) == 1:  # the pairs that start with the unit (the last one: with END)
                for docnums in self.reader.prefix_postings(fieldname, needle[0], first_unit):
                    mask[docnums] = True
            elif len(needle) == 2:
                for docnums, _ in self.reader.postings(fieldname, pairs(needle)[0]):
                    mask[docnums] = True
            else:
                mask[self.reader.phrase_holders(fieldname, needle, mask)] = True
        return mask

    def mask(self, docnums) -> np.ndarray:
        mask = np.zeros(self.searcher.doc_count_all(), dtype=bool)
        mask[list(docnums)] = True
        return mask

    def matches(self, query: wq.Query) -> set[int]:
        """Every live docnum matching ``query`` (for AND/NOT queries and filters). Unions and
        intersections of terms are computed from their postings read a block at a time:
        Whoosh's own matchers step through a union one posting and one call at a time."""
        searcher = self.searcher
        if isinstance(query, wq.Term):
            return self.live_postings(query.fieldname, query.text)
        if isinstance(query, wq.Or | wq.And) and query.subqueries:
            parts = [self.matches(sub) for sub in query.subqueries]
            return set.union(*parts) if isinstance(query, wq.Or) else set.intersection(*parts)
        return set(searcher.docs_for_query(query))

    def live_postings(self, fieldname: str, text: str) -> set[int]:
        """The live docnums of a term."""
        live = self.reader.live
        return {docnum for docnums, _ in self.reader.postings(fieldname, text)
                for docnum in docnums[live[docnums]].tolist()}


def filter_queries(filters: Filters) -> list[wq.Query]:
    """Queries a passage must match for the filters (any value of a field, every field)."""
    queries = []
    for facet in FILTER_FACETS:
        if values := getattr(filters, facet):
            queries.append(wq.Or([wq.Term(FIELD_OF[facet], value) for value in values]))
    if filters.since or filters.until:
        low = int(filters.since.replace("-", "")) if filters.since else None
        high = int(filters.until.replace("-", "")) if filters.until else None
        queries.append(wq.NumericRange("day", low, high))
    return queries

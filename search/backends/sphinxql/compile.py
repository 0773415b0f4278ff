"""A parsed query, its ranking plan and the filters as one SphinxQL ``SELECT``.

``MATCH()`` holds two parts: ``matching(node)``, which passages hold the query's needles as
the embedded backend decides (``query.parse.Words.needles``: a CJK character as a word of the
text, title or heading path; one ASCII unit among ``units``; longer needles as the phrase of
their pairs in ``bigram`` or ``heading_bigram``, which is the units in a row), and after
``MAYBE`` the plan's terms (``plan.ranking``), which rank but never match. The ranking
expression is BM25F over the word fields and the pairs (``ranker``).
"""

from __future__ import annotations

import math

from ...query import plan
from ...query.filters import Filters
from ...query.parse import And, Near, Needle, Node, Not, Or, Words, is_character
from ...query.parse import Phrase as TypedPhrase
from ...text.analysis import pairs
from .rows import EVERY, PAIR_MARK, PLACE_ATTRIBUTES, UNIT_MARK, name_key, place_key
from .sql import escape

WORD_FIELDS = "@(text,title,section)"
PAIR_FIELDS = "@(bigram,heading_bigram)"
SCALE = 1_000_000  # WEIGHT() is an integer: the expression's value times this
# bm25f takes integer field weights: each is ten times the plan's, and so is k1 (a
# frequency's saturation f / (f + k1) is the same when both are ten times larger). The
# fields that only match weigh nothing.
FIELD_WEIGHTS = {"text": 10, "title": round(10 * plan.TITLE_BOOST),
                 "section": round(10 * plan.SECTION_BOOST),
                 "bigram": round(10 * plan.WRITTEN_BOOST), "heading_bigram": 0, "units": 0}


def match(node: Node | None) -> str | None:
    """The MATCH() text of a query (None: every passage)."""
    if node is None:
        return None
    ranked = ranking_terms(plan.ranking(node))
    held = matching(node)
    return f"({held}) MAYBE ({' | '.join(ranked)})" if ranked else held


def matching(node: Node) -> str:
    """Which passages hold ``node`` as typed (AND, OR and NOT as given)."""
    if isinstance(node, Words | TypedPhrase):
        return " | ".join(f"({_needle(needle)})" for needle in node.needles)
    if isinstance(node, Near):  # both sides: how near is checked on the stored fields
        return f"({matching(node.left)}) ({matching(node.right)})"
    if isinstance(node, And):
        positive = [child for child in node.children if not isinstance(child, Not)]
        negative = [child.child for child in node.children if isinstance(child, Not)]
        if not positive:
            return _negated(negative)
        return " ".join([*(f"({matching(child)})" for child in positive),
                         *(f"-({matching(child)})" for child in negative)])
    if isinstance(node, Or):
        return " | ".join(f"({matching(child)})" for child in node.children)
    if isinstance(node, Not):
        return _negated([node.child])
    raise TypeError(f"unknown query node {node!r}")


def _negated(children: list[Node]) -> str:
    """Every passage but those holding any of ``children``."""
    return " ".join([f"@units {escape(EVERY)}", *(f"-({matching(child)})" for child in children)])


def _needle(needle: Needle) -> str:
    if is_character(needle):
        return f"{WORD_FIELDS} {escape(needle[0])}"
    if len(needle) == 1:
        return f"@units {escape(UNIT_MARK + needle[0])}"
    keywords = " ".join(escape(PAIR_MARK + pair) for pair in pairs(needle))
    return f'{PAIR_FIELDS} "{keywords}"'


def ranking_terms(ranking) -> list[str]:
    """The plan's terms and phrases (none under NOT), each limited to its field."""
    if isinstance(ranking, plan.Word):
        return [term for item in ranking.terms for term in ranking_terms(item)]
    if isinstance(ranking, plan.Term):
        if ranking.field == plan.PAIRS:
            return [f"(@bigram {escape(PAIR_MARK + ranking.text)})"]
        return [f"(@{ranking.field} {escape(ranking.text)})"]
    if isinstance(ranking, plan.Phrase):
        keywords = " ".join(escape(PAIR_MARK + pair) for pair in pairs(ranking.units))
        return [f'(@bigram "{keywords}")'] if keywords else []
    if isinstance(ranking, And | Or):
        return [term for child in ranking.children for term in ranking_terms(child)]
    return []  # Not


def ranker(k1: float, b: float, fields: dict[str, int], average: float) -> str:
    """The ranking options: BM25F in Sphinx's terms (``OPTION ranker`` and ``idf``).

    Sphinx's BM25F is 0.5 + the sum over the query's keywords of
    log(N/n) / (2 log(N+1)) * f / (f + k1) (measured on 2.2.11). Its length normalisation
    reads the average field lengths of an RT index as zero, so the frequencies here are not
    normalised (b = 0) and the sum is scaled instead by the normalisation of a word found
    once in a text of this passage's length (``average``: the texts' mean, in words): for
    such a word the value is then the embedded backend's BM25, IDF (k1 + 1) f / (f + k1 n),
    over 2 log(N+1) (``score``)."""
    weights = ", ".join(f"{field}={weight}" for field, weight in fields.items())
    norm = f"(1 + {k1:g} * ({1 - b:g} + {b:g} * text_len / {max(average, 1.0):.4f}))"
    return (f"ranker=expr('{SCALE}*(bm25f({10 * k1:g}, 0, {{{weights}}}) - 0.5)"
            f" * {(k1 + 1) ** 2:g} / {norm}'), idf='plain,tfidf_unnormalized'")


def score(weight: int, documents: int) -> float:
    """A WEIGHT() of ``ranker`` on the embedded backend's scale (``documents``: N)."""
    return weight / SCALE * 2 * math.log(documents + 1)


def where(filters: Filters | None, repeated: list[int] = ()) -> tuple[list[str], list]:
    """The WHERE conditions of the filters (each field: any of its values), and their
    arguments; unless the filters include boilerplate, passages a reader set aside and those
    whose fingerprint is one of the ``repeated`` (``para_key``) are left out."""
    conditions, args = [], []
    if filters is None or not filters.boilerplate:
        conditions.append("aside = 0")
        if repeated:
            conditions.append(f"para NOT IN ({', '.join(map(str, repeated))})")
    if filters is None:
        return conditions, args
    for level, attribute in PLACE_ATTRIBUTES.items():
        if values := getattr(filters, level):
            conditions.append(f"{attribute} IN ({', '.join(str(place_key(v)) for v in values)})")
    if filters.source:
        conditions.append(f"source IN ({', '.join(['%s'] * len(filters.source))})")
        args += filters.source
    if filters.year:
        conditions.append(f"year IN ({', '.join(str(int(year)) for year in filters.year)})")
    for name, attribute in (("tag", "tags"), ("category", "categories")):
        if values := getattr(filters, name):
            conditions.append(f"{attribute} IN ({', '.join(str(name_key(v)) for v in values)})")
    if filters.since:
        conditions.append(f"day >= {int(filters.since.replace('-', ''))}")
    if filters.until:
        conditions.append(f"day <= {int(filters.until.replace('-', ''))}")
    if filters.until and not filters.since:
        conditions.append("day > 0")  # a passage without a date is in no period
    return conditions, args

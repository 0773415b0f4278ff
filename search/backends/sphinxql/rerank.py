"""The best candidates ranked again by the embedded backend's passage scorer.

Sphinx's BM25F scores each unit pair as a keyword of its own; the embedded scorer
(``backends/whoosh/scoring.py``) folds a word's pairs into the word's BM25F and adds a bonus
for a typed run found as written. Here the best candidates' passages are analysed again (the
same analysis the indexer ran) and scored with the embedded formulas, from the cluster's
statistics: passages, mean field lengths, and the passages that hold each word or pair.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from math import log

from ...query import plan
from ...query.parse import And, Or
from ...text.analysis import fold, folded_bigrams, folded_units, folded_words, pairs, words
from .compile import WORD_FIELDS
from .rows import PAIR_MARK
from .sql import escape

FIELDS = (plan.TEXT, plan.TITLE, plan.SECTION, plan.PAIRS)
REPEATED = (plan.TITLE, plan.SECTION)  # the same in many passages of an article


@dataclass
class Passage:
    """A passage's terms per field, its fields' lengths in terms, and its text's units
    joined (``_joined``), where a phrase is looked for."""

    terms: dict[str, Counter]
    lengths: dict[str, int]
    units: str = ""


def analysed(stored: dict) -> Passage:
    """A passage's stored fields analysed as the indexer analysed them."""
    folded = fold(stored["text"])
    found = {plan.TEXT: [token.text for token in folded_words(folded)],
             plan.TITLE: [token.text for token in words(stored["title"])],
             plan.SECTION: [token.text for token in words(stored["section"])],
             plan.PAIRS: folded_bigrams(folded)}
    return Passage({name: Counter(terms) for name, terms in found.items()},
                   {name: len(terms) for name, terms in found.items()},
                   _joined(folded_units(folded)))


def clauses(ranking) -> list:
    """The plan's scored clauses: words, pair terms and phrases (none under NOT)."""
    if isinstance(ranking, plan.Word | plan.Term | plan.Phrase):
        return [ranking]
    if isinstance(ranking, And | Or):
        return [clause for child in ranking.children for clause in clauses(child)]
    return []


def counting(found: list) -> list[str]:
    """A MATCH() text for each statistic the clauses need: the passages that hold each word
    (in a word field, or all of its pairs) and those that have each pair term."""
    texts = []
    for clause in found:
        if isinstance(clause, plan.Word):
            word = clause.terms[0].text
            held = [f"({WORD_FIELDS} {escape(word)})"]
            if word_pairs := pairs(folded_units(word)):
                held.append("(@bigram " + " ".join(escape(PAIR_MARK + p) for p in word_pairs)
                            + ")")
            texts.append(" | ".join(held))
        else:
            for pair in _pair_terms(clause):
                texts.append(f"@bigram {escape(PAIR_MARK + pair)}")
    return list(dict.fromkeys(texts))


def scores(found: list, passages: dict[int, Passage], holders: dict[str, int],
           size: int, averages: dict[str, float]) -> dict[int, float]:
    """Each passage's score: the embedded scorer's sum over the clauses."""
    k1, b = plan.K1, plan.B
    totals = dict.fromkeys(passages, 0.0)
    for terms in _word_terms(found):
        weight = plan.idf(size, holders[_holding(terms)])
        for doc, passage in passages.items():
            frequency = sum(term.boost * passage.terms[term.field][term.text]
                            / _norm(passage, term.field, averages, b) for term in terms)
            if frequency > 0:
                totals[doc] += plan.bm25(frequency, weight, k1)
    for clause in found:
        if isinstance(clause, plan.Word):
            continue
        boost = clause.boost
        for pair in _pair_terms(clause):
            # Whoosh's own IDF, which the embedded scorer gives pair terms and phrases
            weight = log(size / (holders[f"@bigram {escape(PAIR_MARK + pair)}"] + 1)) + 1
            for doc, passage in passages.items():
                if isinstance(clause, plan.Phrase) and not _holds(passage, clause.units):
                    continue
                tf = passage.terms[plan.PAIRS][pair]
                if tf:
                    norm = _norm(passage, plan.PAIRS, averages, b)
                    totals[doc] += boost * weight * tf * (k1 + 1) / (tf + k1 * norm)
    return totals


def _holding(terms: list[plan.Term]) -> str:
    """The MATCH() text that counts the holders of a word (``counting``)."""
    return counting([plan.Word(tuple(terms))])[0]


def _word_terms(found: list) -> list[list[plan.Term]]:
    """The terms of each word (a word typed twice: its terms twice, added up before they
    saturate, as the embedded scorer does)."""
    grouped: dict[str, list[plan.Term]] = {}
    for clause in found:
        if isinstance(clause, plan.Word):
            grouped.setdefault(clause.terms[0].text, []).extend(clause.terms)
    return list(grouped.values())


def _norm(passage: Passage, field: str, averages: dict[str, float], b: float) -> float:
    return (1 - b) + b * passage.lengths[field] / (averages[field] or 1)


def _pair_terms(clause) -> list[str]:
    """A phrase's pairs (each time it has one, as Whoosh scores a phrase), or a pair term."""
    if isinstance(clause, plan.Phrase):
        return pairs(list(clause.units))
    return [clause.text] if clause.field == plan.PAIRS else []


def _holds(passage: Passage, units: tuple[str, ...]) -> bool:
    """Whether the passage's text holds the units in a row."""
    return _joined(units) in passage.units


def _joined(units) -> str:
    return "\0" + "\0".join(units) + "\0"


def article_scores(found: list, articles: dict[int, list[Passage]], holders: dict[str, int],
                   size: int, averages: dict[str, float]) -> dict[int, float]:
    """Each article's term (``scoring.ArticleTerm``): the BM25F of the query's words over
    the whole article, its passages' text and pairs added up, its title and heading path
    counted once (the most of any passage); ``holders``: the articles holding each word."""
    k1, b = plan.ARTICLE_K1, plan.ARTICLE_B
    totals = dict.fromkeys(articles, 0.0)
    grouped = _word_terms(found)
    wanted: dict[str, set[str]] = {}
    for term in (term for terms in grouped for term in terms):
        wanted.setdefault(term.field, set()).add(term.text)
    weights = [plan.idf(size, holders[_holding(terms)]) for terms in grouped]
    for article, passages in articles.items():
        whole = _article(passages, wanted)
        for terms, weight in zip(grouped, weights, strict=True):
            frequency = sum(term.boost * whole.terms[term.field][term.text]
                            / _norm(whole, term.field, averages, b) for term in terms)
            if frequency > 0:
                totals[article] += plan.bm25(frequency, weight, k1)
    return {article: plan.ARTICLE_WEIGHT * total for article, total in totals.items()}


def _article(passages: list[Passage], wanted: dict[str, set[str]]) -> Passage:
    """An article as one passage, for the ``wanted`` terms of each field: text and pairs
    added up, title and headings at most."""
    terms, lengths = {}, {}
    for field in FIELDS:
        combine = max if field in REPEATED else sum
        terms[field] = Counter({term: combine(p.terms[field][term] for p in passages)
                                for term in wanted.get(field, ())})
        lengths[field] = combine(passage.lengths[field] for passage in passages)
    return Passage(terms, lengths)

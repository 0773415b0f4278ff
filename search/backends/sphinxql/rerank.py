"""The cluster's candidates ranked as the embedded backend ranks them (``query/bm25f.py``).

Sphinx's BM25F scores each unit pair as a keyword of its own; the embedded scorer
(``backends/whoosh/scoring.py``) folds a word's pairs into the word's BM25F, adds a bonus
for a typed run found as written, and adds each passage's article term. Here every
candidate Sphinx found is scored again with the same formulas, from the cluster's
statistics: passages and articles, mean field lengths, the passages and articles that
hold each word or pair, and for the article term each candidate article's field lengths
(from the rows' lengths) and the terms of its passages that hold a word of the query. The
passages looked at are analysed again as the indexer analysed them (remembered while the
backend is open).
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field

from ...query import plan
from ...query.bm25f import (
    article_length,
    bm25,
    field_frequency,
    idf,
    joined,
    kept_length,
    term_score,
)
from ...query.parse import And, Node, Or
from ...text.analysis import fold, folded_bigrams, folded_units, folded_words, pairs, words
from ..seam import place
from .cluster import INDEX
from .compile import WORD_FIELDS, ranking_terms
from .rows import PAIR_MARK
from .sql import chunks, escape

FIELDS = (plan.TEXT, plan.TITLE, plan.SECTION, plan.PAIRS)
ANALYSED_KEPT = 50_000  # passages analysed for reranking, remembered while open
MULTI_QUERIES = 32  # statements in one batch, at most (Sphinx 2.2.11)
LENGTHS = 100_000  # distinct field lengths read, at most


@dataclass
class Passage:
    """A passage's terms per field, its fields' lengths in terms (as the embedded index keeps
    them: ``bm25f.kept_length``), its text's units joined (``bm25f.joined``), where a
    phrase is looked for, and its ``seam.place``."""

    terms: dict[str, Counter]
    lengths: dict[str, int]
    units: str = ""
    place: tuple = field(default=())


@dataclass
class Article:
    """An article as its term sees it: the passages of it that hold a term of the query,
    and its field lengths (``bm25f.article_length`` of its passages')."""

    passages: list[Passage]
    lengths: dict[str, int]


def analysed(stored: dict) -> Passage:
    """A passage's stored fields analysed as the indexer analysed them."""
    folded = fold(stored["text"])
    found = {plan.TEXT: [token.text for token in folded_words(folded)],
             plan.TITLE: _heading_words(stored["title"]),
             plan.SECTION: _heading_words(stored["section"]),
             plan.PAIRS: folded_bigrams(folded)}
    return Passage({name: Counter(terms) for name, terms in found.items()},
                   {name: kept_length(len(terms)) for name, terms in found.items()},
                   joined(folded_units(folded)), place(stored))


@functools.lru_cache(maxsize=4096)
def _heading_words(text: str) -> list[str]:
    """The words of a title or heading path (the same in many passages of an article)."""
    return [token.text for token in words(text)]


class Reranker:
    """Scores a cluster's candidates; ``rows`` is the open backend, whose ``select``,
    ``where`` and ``stored`` read the cluster."""

    def __init__(self, rows):
        self.rows = rows
        self._means: tuple[tuple[int, dict], tuple[int, dict]] | None = None  # averages()
        self._analysed: dict[int, Passage] = {}

    def ranked(self, node: Node, found: list[tuple]) -> dict[int, tuple[float, tuple]]:
        """Each candidate ``found`` (id, weight, article, ...) by id: its score (the
        embedded scorer's score of the passage plus its article's term) and its place."""
        scored = clauses(plan.ranking(node))
        texts = counting(scored)
        holders = self.counts("COUNT(*)", texts)
        article_holders = self.counts("COUNT(DISTINCT article)", texts)
        ids = [row[0] for row in found]
        passages = self.analysed(ids)
        (size, averages), (count, article_averages) = self.averages()
        own = scores(scored, passages, holders, size, averages)
        keys = {row[2] for row in found}
        whole = self.articles(keys, " | ".join(ranking_terms(plan.ranking(node))))
        theirs = article_scores(scored, whole, article_holders, count, article_averages)
        return {doc_id: (own[doc_id] + theirs.get(article, 0.0), passages[doc_id].place)
                for doc_id, _, article, *_ in found}

    def articles(self, keys: set[int], terms: str) -> dict[int, Article]:
        """Each article's field lengths (from every one of its rows) and those of its
        passages that hold a term of ``terms`` (a MATCH() text)."""
        if not keys:
            return {}
        within = f"article IN ({', '.join(map(str, sorted(keys)))})"
        lengths: dict[int, dict[str, list[int]]] = {key: {name: [] for name in FIELDS}
                                                   for key in keys}
        columns = ", ".join(f"{name}_len" for name in FIELDS)
        for _, article, *found in self.rows.where(within, columns=f"article, {columns}"):
            for name, length in zip(FIELDS, found, strict=True):
                lengths[article][name].append(kept_length(int(length)))
        holding = self.rows.where(f"MATCH(%s) AND {within}", [terms], columns="article") \
            if terms else []
        passages = self.analysed([doc_id for doc_id, _ in holding])
        members: dict[int, list[Passage]] = {key: [] for key in keys}
        for doc_id, article in holding:
            members[article].append(passages[doc_id])
        return {key: Article(members[key], {name: article_length(name, found)
                                            for name, found in lengths[key].items()})
                for key in keys}

    def analysed(self, ids: list[int]) -> dict[int, Passage]:
        """The passages of these ids, each analysed once (at most ANALYSED_KEPT kept)."""
        missing = [doc_id for doc_id in dict.fromkeys(ids) if doc_id not in self._analysed]
        if len(self._analysed) + len(missing) > ANALYSED_KEPT:
            self._analysed.clear()
            missing = list(dict.fromkeys(ids))
        self._analysed.update({doc_id: analysed(stored)
                               for doc_id, stored in self.rows.stored(missing).items()})
        return {doc_id: self._analysed[doc_id] for doc_id in ids}

    def counts(self, what: str, texts: list[str]) -> dict[str, int]:
        """``what`` (a count) of the passages matching each MATCH() text."""
        counts = {}
        for chunk in chunks(texts, MULTI_QUERIES):
            rows = self.rows.select("; ".join([f"SELECT {what} FROM {INDEX} WHERE MATCH(%s)"]
                                              * len(chunk)), chunk)
            counts.update({text: result[0][0] if result else 0
                           for text, result in zip(chunk, rows, strict=True)})
        return counts

    def averages(self) -> tuple[tuple[int, dict], tuple[int, dict]]:
        """Passages and the mean length of each scored field, then articles and theirs: an
        article's text and pairs are its passages', its title and its longest heading path
        count once; an article's lengths are made of its passages' as the embedded index
        keeps them (``kept``). Read once."""
        if self._means is None:
            sums = ["COUNT(*)", *(f"SUM({name}_len)" for name in FIELDS), "SUM(opens)"]
            found = self.rows.select("SELECT " + ", ".join(f"{sum} AS s{n}"
                                                           for n, sum in enumerate(sums))
                                     + f" FROM {INDEX}")[0][0]
            passages, totals, articles = found[0], found[1:-1], found[-1]
            columns = {plan.TITLE: "title_len", plan.SECTION: "article_section_len"}
            whole = {name: self.kept(columns.get(name, f"{name}_len"), name in columns)
                     for name in FIELDS}
            self._means = ((passages, {name: total / (passages or 1)
                                       for name, total in zip(FIELDS, totals, strict=True)}),
                           (articles, {name: whole[name] / (articles or 1) for name in FIELDS}))
        return self._means

    def kept(self, column: str, opening: bool) -> int:
        """The sum of a length column over every row (``opening``: over each article's
        first), each length as the embedded index keeps it (``bm25f.kept_length``)."""
        where = " WHERE opens = 1" if opening else ""
        found = self.rows.select(f"SELECT {column} AS length, COUNT(*) AS n FROM {INDEX}"
                                 f"{where} GROUP BY length LIMIT 0, {LENGTHS} "
                                 f"OPTION max_matches={LENGTHS}")[0]
        return sum(kept_length(int(length)) * int(count) for length, count in found)


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
    """Each passage's score: the embedded scorer's sum over the clauses (``bm25f``)."""
    k1, b = plan.K1, plan.B
    totals = dict.fromkeys(passages, 0.0)
    for terms in _word_terms(found):
        weight = idf(size, holders[_holding(terms)])
        for doc, passage in passages.items():
            frequency = _frequency(terms, passage.terms, passage.lengths, averages, b)
            if frequency > 0:
                totals[doc] += bm25(frequency, weight, k1)
    for clause in found:
        if isinstance(clause, plan.Word):
            continue
        for pair in _pair_terms(clause):
            weight = idf(size, holders[f"@bigram {escape(PAIR_MARK + pair)}"])
            for doc, passage in passages.items():
                if isinstance(clause, plan.Phrase) and joined(clause.units) not in passage.units:
                    continue
                if tf := passage.terms[plan.PAIRS][pair]:
                    totals[doc] += term_score(tf, passage.lengths[plan.PAIRS],
                                              averages[plan.PAIRS], weight, k1, b, clause.boost)
    return totals


def _frequency(terms: list[plan.Term], found: dict[str, Counter], lengths: dict[str, int],
               averages: dict[str, float], b: float) -> float:
    """A word's BM25F frequency (``bm25f.field_frequency`` summed over its ``terms``) in a
    passage or article whose terms per field are ``found``."""
    frequency = 0.0
    for term in terms:
        if tf := found[term.field].get(term.text):
            frequency += field_frequency(tf, lengths[term.field], averages[term.field], b,
                                         term.boost)
    return frequency


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


def _pair_terms(clause) -> list[str]:
    """A phrase's pairs (each time it has one, as Whoosh scores a phrase), or a pair term."""
    if isinstance(clause, plan.Phrase):
        return pairs(list(clause.units))
    return [clause.text] if clause.field == plan.PAIRS else []


def article_scores(found: list, articles: dict[int, Article], holders: dict[str, int],
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
    weights = [idf(size, holders[_holding(terms)]) for terms in grouped]
    for key, article in articles.items():
        whole = _whole(article, wanted)
        for terms, weight in zip(grouped, weights, strict=True):
            frequency = _frequency(terms, whole, article.lengths, averages, b)
            if frequency > 0:
                totals[key] += bm25(frequency, weight, k1)
    return {key: plan.ARTICLE_WEIGHT * total for key, total in totals.items()}


def _whole(article: Article, wanted: dict[str, set[str]]) -> dict[str, Counter]:
    """The ``wanted`` terms' frequencies in a whole article, by field: added up over its
    passages, or the most of any passage in the fields they repeat
    (``bm25f.article_length``)."""
    return {name: Counter({term: article_length(name, [p.terms[name][term]
                                                      for p in article.passages])
                           for term in wanted.get(name, ())})
            for name in FIELDS}

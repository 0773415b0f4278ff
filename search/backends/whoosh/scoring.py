"""Term-at-a-time BM25F with numpy over Whoosh's postings: how every query is ranked.

Whoosh scores a query one document at a time through a tree of matchers, a few Python calls
per posting and clause: 50-250 ms for two words on 80,000 news passages, and its top-N
collector can miss better documents. Here each word's postings are read a block at a time
(``reader.py``) and scored into one array per query, by the formulas every backend uses
(``query/bm25f.py``).

A word is searched in the text, the title and the heading path of a passage; as in true
BM25F (Robertson & Zaragoza), its frequencies in the three fields, each normalised by the
field's length and weighted, are added before they saturate, and its IDF counts passages that
hold it. (Whoosh's BM25F adds up three saturated field scores instead: a word in
the title then counts almost twice; cmrc2018 MRR@10 dev 0.867 -> 0.887, trial 0.858 -> 0.880.)
A ``Word`` groups a word's terms; its unit pairs in the bigram field are its fourth field
(separate clauses before: dev 0.887 -> 0.903, trial 0.880 -> 0.907). A passage holds the
word when a word field has it or it has all of the word's pairs; one pair is not enough, so
中国队 weighs as the rare word it is, not as the common pair 中国 (cmrc2018 dev 0.903 ->
0.905, news-titles 0.778 -> 0.785). Other bigram clauses are scored as single-field BM25;
a phrase as Whoosh scores one, its pairs' BM25 summed, in the passages whose text holds it
(the pair fields keep no positions); other clauses by Whoosh's own matcher, added in.

An ``ArticleTerm`` adds to every passage the BM25F of the query's words over its whole
article, so evidence spread over several passages counts (news-titles MRR@10 0.785 -> 0.816).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as wq

from ...query.bm25f import REPEATED_FIELDS, bm25, field_frequency, idf, term_score
from ...text.analysis import pairs
from .reader import Postings

PAIRS_FIELD = "bigram"  # where a Word's unit pairs are


@dataclass(frozen=True)
class ArticleTerm:
    """The article term of a passage's score: ``weight`` times the BM25F (``k1``, ``b``) of
    the query's words over the passage's whole article. An article's text (and pairs) is
    its passages' text: frequencies and lengths are summed; its title and heading path,
    which its passages repeat, count once (the most of any passage). Every passage of an
    article gets the same term, so it reorders articles, never the passages of one article,
    and never changes the matches."""

    weight: float
    k1: float
    b: float


class Phrase(wq.Phrase):
    """Units in a row in a pair field (``PAIR_TEXTS``), as the phrase of their pairs."""

    def __init__(self, fieldname: str, found: tuple[str, ...], boost: float = 1.0):
        super().__init__(fieldname, pairs(found), boost=boost)
        self.units = tuple(found)


class Word(wq.Or):
    """One typed word: its terms in several fields (each boosted by the field's weight),
    scored together as one BM25F term. The first term is the word in the text field."""

    @property
    def text(self) -> str:
        return self.subqueries[0].text


def held(docnums: list[np.ndarray]) -> np.ndarray:
    """The sorted distinct numbers in any of the arrays (numpy's ``unique`` imports
    ``numpy.ma``, 30 ms of a first query)."""
    if not docnums:
        return np.zeros(0, dtype=np.int64)
    found = np.sort(np.concatenate(docnums))
    return found[np.concatenate(([True], found[1:] != found[:-1]))] if len(found) else found


def scored_clauses(query: wq.Query) -> list[wq.Query]:
    """The clauses whose scores add up to a passage's score: those under OR and AND, none
    under NOT (the passages that match are worked out separately). A ``Word`` is one clause."""
    if isinstance(query, Word):
        return [query]
    if isinstance(query, wq.Or | wq.And):
        return [clause for sub in query.subqueries for clause in scored_clauses(sub)]
    if isinstance(query, wq.Not | wq.Every):
        return []
    return [query]


class Scorer:
    """Scores queries from a searcher's postings (``reader.Postings``), by the formulas of
    ``query/bm25f.py``; with an ``article`` term, each passage's article's too."""

    def __init__(self, postings: Postings, k1: float, b: float,
                 article: ArticleTerm | None = None):
        self.reader, self.searcher = postings, postings.searcher
        self.k1, self.b, self.article = k1, b, article
        self.size, self.live = postings.size, postings.live

    def scores(self, clauses: list[wq.Query]) -> tuple[np.ndarray, np.ndarray]:
        """(score, matched) arrays over all docnums: the sum of the clauses' scores."""
        scores = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=bool)
        words: dict[str, list[wq.Term]] = {}
        for clause in clauses:
            if isinstance(clause, Word):  # the same word typed twice adds up before saturating
                words.setdefault(clause.text, []).extend(clause.subqueries)
            elif isinstance(clause, Phrase):
                self._add_phrase(clause, scores, matched)
            elif isinstance(clause, wq.Term) and self.searcher.schema[clause.fieldname].scorable:
                self._add_term(clause, scores, matched)
            else:
                self._add_matcher(clause, scores, matched)
        per_article = None if self.article is None else np.zeros(len(self.reader.articles()[1]))
        for terms in words.values():
            self._add_word(terms, scores, matched, per_article)
        if per_article is not None:
            scores += self.article.weight * per_article[self.reader.articles()[0]]
        return scores, matched

    def _add_word(self, terms: list[wq.Term], scores: np.ndarray, matched: np.ndarray,
                  per_article: np.ndarray | None = None) -> None:
        """BM25F of one word over its fields (each term's boost is its field's weight) into
        ``scores``; with ``per_article``, its BM25F over each whole article there. Worked
        out over the docnums its postings hold (``held``), not the whole index."""
        found = [(term, *self.reader.all_postings(term.fieldname, term.text)) for term in terms]
        docnums = held([ids for _, ids, _ in found])
        at = [np.searchsorted(docnums, ids) for _, ids, _ in found]
        frequency = np.zeros(len(docnums))  # length-normalised, weighted, summed over fields
        for (term, ids, tf), where in zip(found, at, strict=True):
            length = self.reader.field_lengths(term.fieldname)[ids]
            frequency[where] += field_frequency(tf, length, self.reader.average(term.fieldname),
                                                self.b, term.boost)
        live = self.live[docnums]
        counted = (frequency > 0) & live
        holders = docnums[self._holders(found, at, len(docnums)) & live]
        scores[docnums[counted]] += bm25(frequency[counted],
                                         idf(self.reader.passages, len(holders)), self.k1)
        matched[docnums[counted]] = True
        if per_article is not None:
            self._add_article_bm25(found, holders, per_article)

    @staticmethod
    def _holders(found: list[tuple], at: list[np.ndarray], size: int) -> np.ndarray:
        """Which of the docnums of a word's ``found`` postings (each term's at the places
        ``at``) hold it as written: the word in a word field, or every one of its unit
        pairs (中国 alone is not 中国队)."""
        holders = np.zeros(size, dtype=bool)
        pairs: dict[str, np.ndarray] = {}  # pair -> which docnums have it
        for (term, _, _), where in zip(found, at, strict=True):
            if term.fieldname == PAIRS_FIELD:
                pairs.setdefault(term.text, np.zeros(size, dtype=bool))[where] = True
            else:
                holders[where] = True
        if pairs:
            holders |= np.logical_and.reduce(list(pairs.values()))
        return holders

    def _add_article_bm25(self, found: list[tuple], holders: np.ndarray,
                          per_article: np.ndarray) -> None:
        """A word's BM25F over each whole article (see ``ArticleTerm``) into ``per_article``,
        from its ``found`` postings, over the articles they reach; its IDF counts the
        articles of the live docnums ``holders``."""
        k1, b = self.article.k1, self.article.b
        article_of, live_articles = self.reader.articles()
        owners = [article_of[ids[self.live[ids]]] for _, ids, _ in found]
        articles = held(owners)
        frequency = np.zeros(len(articles))
        for (term, ids, tf), owned in zip(found, owners, strict=True):
            where, tf = np.searchsorted(articles, owned), tf[self.live[ids]]
            if term.fieldname in REPEATED_FIELDS:
                article_tf = np.zeros(len(articles))
                np.maximum.at(article_tf, where, tf)
            else:
                article_tf = np.bincount(where, tf, minlength=len(articles))
            lengths, average = self.reader.article_field_lengths(term.fieldname)
            frequency += field_frequency(article_tf, lengths[articles], average, b, term.boost)
        count = len(held([article_of[holders]]))
        some = frequency > 0
        per_article[articles[some]] += bm25(frequency[some],
                                            idf(int(live_articles.sum()), count), k1)

    def _add_term(self, term: wq.Term, scores: np.ndarray, matched: np.ndarray,
                  where: np.ndarray | None = None) -> None:
        """Single-field BM25 of a term (``bm25f.term_score``), its IDF over the live passages
        (only ``where`` the mask is true, if given)."""
        found = list(self.reader.postings(term.fieldname, term.text))
        holding = sum(int(self.live[docnums].sum()) for docnums, _ in found)
        weight, average = idf(self.reader.passages, holding), self.reader.average(term.fieldname)
        for docnums, tf in found:
            if where is not None:
                docnums, tf = docnums[where[docnums]], tf[where[docnums]]
            length = self.reader.field_lengths(term.fieldname)[docnums]
            scores[docnums] += term_score(tf, length, average, weight, self.k1, self.b,
                                          term.boost)
            matched[docnums] = True

    def _add_phrase(self, phrase: Phrase, scores: np.ndarray, matched: np.ndarray) -> None:
        """As Whoosh scores a phrase: its pairs' BM25 summed, times its boost, in the passages
        that hold it."""
        holders = self.reader.phrase_holders(phrase.fieldname, phrase.units)
        if not len(holders):  # nothing to add: its pairs' lists need not be read
            return
        holding = np.zeros(self.size, dtype=bool)
        holding[holders] = True
        for text in phrase.words:
            self._add_term(wq.Term(phrase.fieldname, text, boost=phrase.boost), scores, matched,
                           holding)

    def _add_matcher(self, clause: wq.Query, scores: np.ndarray, matched: np.ndarray) -> None:
        matcher = clause.matcher(self.searcher)
        while matcher.is_active():
            docnum = matcher.id()
            scores[docnum] += matcher.score()
            matched[docnum] = True
            matcher.next()


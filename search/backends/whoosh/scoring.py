"""Term-at-a-time BM25F with numpy over Whoosh's postings: how every query is ranked.

Whoosh scores a query one document at a time through a tree of matchers, a few Python calls
per posting and clause: 50-250 ms for two words on 80,000 news passages, and its top-N
collector can miss better documents. Here each word's postings are read a block at a time
and scored into one array per query.

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

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching import ListMatcher
from whoosh.util.numeric import byte_to_length

from ...query.bm25f import REPEATED_FIELDS, bm25, field_frequency, idf, joined, term_score
from ...text.analysis import fold, folded_units, is_ascii, pairs

_LENGTH_OF_BYTE = np.array([byte_to_length(b) if b else 0 for b in range(256)], dtype=float)
PAIRS_FIELD = "bigram"  # where a Word's unit pairs are
PAIR_TEXTS = {"bigram": ("text",), "heading_bigram": ("title", "section")}  # stored texts
# whose unit pairs a pair field holds (the title's pairs end in END: no phrase crosses it)
ARTICLE_FIELD = "article_id"  # a sortable field: the article a passage belongs to


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


def segments(searcher) -> list[tuple]:
    """(segment reader, offset of its first docnum) for each segment of the index."""
    reader = searcher.reader()
    return list(zip(getattr(reader, "readers", None) or [reader],
                    getattr(reader, "doc_offsets", None) or [0], strict=True))


class Scorer:
    """Scores queries against one Whoosh searcher (caches its field lengths, and with an
    ``article`` term each passage's article and the articles' field lengths)."""

    def __init__(self, searcher, k1: float, b: float, article: ArticleTerm | None = None,
                 article_numbers: np.ndarray | None = None,
                 texts: Callable[[int, tuple[str, ...]], list[str]] | None = None):
        """``article_numbers``: ``article_numbers()`` as recorded at commit, if it was;
        ``texts``: a docnum's stored texts of the given names (``PAIR_TEXTS``; the backend's
        ``texts``), which a phrase's check needs."""
        self.searcher, self.k1, self.b, self.article = searcher, k1, b, article
        self.texts = texts
        self._article_numbers = article_numbers
        self.segments = segments(searcher)
        self.size = searcher.doc_count_all()
        self._lengths: dict[str, np.ndarray] = {}
        self._blocks: dict[tuple[int, str, str], list[Block]] = {}  # this query's, by term
        self._phrases: dict[tuple, np.ndarray] = {}  # this query's phrase_holders, by phrase
        self.live = np.ones(self.size, dtype=bool)  # docnums not deleted
        for segment, offset in self.segments:
            if segment.has_deletions():
                self.live[[offset + docnum for docnum in range(segment.doc_count_all())
                           if segment.is_deleted(docnum)]] = False
        self.passages = int(self.live.sum())
        self._article_of: np.ndarray | None = None
        self._article_lengths: dict[str, tuple[np.ndarray, float]] = {}

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
        per_article = None if self.article is None else np.zeros(len(self.articles()[1]))
        for terms in words.values():
            self._add_word(terms, scores, matched, per_article)
        if per_article is not None:
            scores += self.article.weight * per_article[self.articles()[0]]
        return scores, matched

    def _add_word(self, terms: list[wq.Term], scores: np.ndarray, matched: np.ndarray,
                  per_article: np.ndarray | None = None) -> None:
        """BM25F of one word over its fields (each term's boost is its field's weight) into
        ``scores``; with ``per_article``, its BM25F over each whole article there."""
        found = [(term, *self.all_postings(term.fieldname, term.text)) for term in terms]
        frequency = np.zeros(self.size)  # length-normalised, weighted, summed over fields
        for term, docnums, tf in found:
            length = self._field_lengths(term.fieldname)[docnums]
            frequency[docnums] += field_frequency(tf, length, self._average(term.fieldname),
                                                  self.b, term.boost)
        scored = (frequency > 0) & self.live
        holders = self._holders(found)
        scores[scored] += bm25(frequency[scored], idf(self.passages, int(holders.sum())),
                               self.k1)
        matched |= scored
        if per_article is not None:
            per_article += self._article_bm25(found, holders)

    def _holders(self, found: list[tuple]) -> np.ndarray:
        """The live passages that hold a word as written, from its ``found`` postings: the
        word in a word field, or every one of its unit pairs (中国 alone is not 中国队)."""
        holders = np.zeros(self.size, dtype=bool)
        pairs: dict[str, np.ndarray] = {}  # pair -> the docnums that have it
        for term, docnums, _ in found:
            if term.fieldname == PAIRS_FIELD:
                pairs.setdefault(term.text, np.zeros(self.size, dtype=bool))[docnums] = True
            else:
                holders[docnums] = True
        if pairs:
            holders |= np.logical_and.reduce(list(pairs.values()))
        return holders & self.live

    def _article_bm25(self, found: list[tuple], holders: np.ndarray) -> np.ndarray:
        """A word's BM25F over each whole article (see ``ArticleTerm``), from its ``found``
        postings; its IDF counts the articles with a passage among ``holders``."""
        k1, b = self.article.k1, self.article.b
        article_of, live_articles = self.articles()
        frequency = np.zeros(len(live_articles))
        for term, docnums, tf in found:
            keep = self.live[docnums]
            owners, tf = article_of[docnums[keep]], tf[keep]
            if term.fieldname in REPEATED_FIELDS:
                article_tf = np.zeros(len(frequency))
                np.maximum.at(article_tf, owners, tf)
            else:
                article_tf = np.bincount(owners, tf, minlength=len(frequency))
            lengths, average = self._article_field_lengths(term.fieldname)
            frequency += field_frequency(article_tf, lengths, average, b, term.boost)
        count = np.count_nonzero(np.bincount(article_of[holders], minlength=len(frequency)))
        scores = np.zeros(len(frequency))
        some = frequency > 0
        scores[some] = bm25(frequency[some], idf(int(live_articles.sum()), count), k1)
        return scores

    def _add_term(self, term: wq.Term, scores: np.ndarray, matched: np.ndarray,
                  where: np.ndarray | None = None) -> None:
        """Single-field BM25 of a term (``bm25f.term_score``), its IDF over the live passages
        (only ``where`` the mask is true, if given)."""
        found = list(self.postings(term.fieldname, term.text))
        holding = sum(int(self.live[docnums].sum()) for docnums, _ in found)
        weight, average = idf(self.passages, holding), self._average(term.fieldname)
        for docnums, tf in found:
            if where is not None:
                docnums, tf = docnums[where[docnums]], tf[where[docnums]]
            length = self._field_lengths(term.fieldname)[docnums]
            scores[docnums] += term_score(tf, length, average, weight, self.k1, self.b,
                                          term.boost)
            matched[docnums] = True

    def _average(self, field: str) -> float:
        """The mean length of a field over the index's passages (Whoosh's sum of exact
        lengths over its documents)."""
        return self.searcher.avg_field_length(field) or 1

    def new_query(self) -> None:
        """Forget the posting lists read for the last query (one query reads a term's list
        once, whether to score or to match it)."""
        self._blocks, self._phrases = {}, {}

    def blocks(self, number: int, field: str, text: str) -> list[Block]:
        """The blocks of a term's posting list in segment ``number`` (read once a query)."""
        key = (number, field, text)
        if key not in self._blocks:
            segment = self.segments[number][0]
            found = (field, text) in segment
            self._blocks[key] = read_blocks(segment.postings(field, text)) if found else []
        return self._blocks[key]

    def all_postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, term frequencies) of a term in the whole index, deleted ones included."""
        found = list(self.postings(field, text))
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate([ids for ids, _ in found]), np.concatenate([tf for _, tf in found])

    def articles(self) -> tuple[np.ndarray, np.ndarray]:
        """(article_of, live): each docnum's article number, and for each number whether the
        article has a live passage. Deleted docnums share a last number of their own."""
        if self._article_of is None:
            numbers = self._article_numbers
            if numbers is None or len(numbers) != self.size:
                numbers = self.article_numbers()
            dead = int(numbers.max(initial=-1)) + 1
            self._article_of = np.where(self.live, numbers.reshape(-1), dead).astype(np.int64)
            self._live_articles = np.bincount(self._article_of[self.live],
                                              minlength=dead + 1) > 0
        return self._article_of, self._live_articles

    def article_numbers(self) -> np.ndarray:
        """Each docnum's article as a number (in the order articles first appear), read from
        the ARTICLE_FIELD column (laws index, 174,520 passages: 0.2 s)."""
        names = [name for segment, _ in self.segments if segment.doc_count_all()
                 for name in var_bytes(segment.column_reader(ARTICLE_FIELD, translate=False))]
        number_of: dict[bytes, int] = {}
        return np.array([number_of.setdefault(name, len(number_of)) for name in names],
                        dtype=np.int64)

    def postings(self, field: str, text: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(docnums, term frequencies) of a term, segment by segment, deleted ones included."""
        for number, (_, offset) in enumerate(self.segments):
            if blocks := self.blocks(number, field, text):
                yield (docnums_of(blocks) + offset,
                       np.concatenate([weights for _, weights, _ in blocks]))

    def prefix_postings(self, field: str, unit: str,
                        first_unit: Callable[[str], str]) -> Iterator[np.ndarray]:
        """The docnums of each term that starts with ``unit`` as its ``first_unit``, segment
        by segment, deleted ones included."""
        for number, (segment, offset) in enumerate(self.segments):
            for btext in segment.expand_prefix(field, unit):
                term = btext.decode("utf-8")
                if first_unit(term) == unit and (blocks := self.blocks(number, field, term)):
                    yield docnums_of(blocks) + offset

    def phrase_holders(self, field: str, found: tuple[str, ...],
                       known: np.ndarray | None = None) -> np.ndarray:
        """The docnums whose text (``PAIR_TEXTS`` of the pair ``field``) holds the units
        ``found`` in a row, deleted ones included. The pair fields keep no positions: the
        passages that have every pair are candidates, and their stored text is looked at
        (not for docnums already ``known`` to hold the phrase)."""
        key = (field, found)
        if key in self._phrases:  # a typed run is both scored and matched as a phrase
            return self._phrases[key]
        wanted = joined(found)
        written = None if any(map(is_ascii, found)) else "".join(found)  # CJK characters
        holders: list[int] = []
        for number, (_, offset) in enumerate(self.segments):
            blocks = [self.blocks(number, field, term) for term in set(pairs(found))]
            if not all(blocks):
                continue
            candidates = functools.reduce(_intersect, map(docnums_of, blocks)) + offset
            if known is not None:
                candidates = candidates[~known[candidates]]
            for docnum in candidates.tolist():
                if any(_holds(fold(text), wanted, written)
                       for text in self.texts(docnum, PAIR_TEXTS[field])):
                    holders.append(docnum)
        found_holders = np.array(holders, dtype=np.int64)
        if known is None:  # all of them: what the next caller would find too
            self._phrases[key] = found_holders
        return found_holders

    def _add_phrase(self, phrase: Phrase, scores: np.ndarray, matched: np.ndarray) -> None:
        """As Whoosh scores a phrase: its pairs' BM25 summed, times its boost, in the passages
        that hold it."""
        holding = np.zeros(self.size, dtype=bool)
        holding[self.phrase_holders(phrase.fieldname, phrase.units)] = True
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

    def _article_field_lengths(self, field: str) -> tuple[np.ndarray, float]:
        """Each article number's length of ``field`` (``bm25f.article_length``: the longest
        of its passages' for a repeated field, else their sum), and the mean over live
        articles."""
        if field not in self._article_lengths:
            article_of, live_articles = self.articles()
            lengths = np.zeros(len(live_articles))
            passage_lengths = self._field_lengths(field)[self.live]
            if field in REPEATED_FIELDS:
                np.maximum.at(lengths, article_of[self.live], passage_lengths)
            else:
                lengths = np.bincount(article_of[self.live], passage_lengths,
                                      minlength=len(lengths))
            average = lengths[live_articles].mean() if live_articles.any() else 0
            self._article_lengths[field] = (lengths, average or 1)
        return self._article_lengths[field]

    def _field_lengths(self, field: str) -> np.ndarray:
        """Each docnum's length of ``field``, as Whoosh stores it (one byte, quantized)."""
        if field not in self._lengths:
            lengths = np.zeros(self.size)
            for segment, offset in self.segments:
                if not segment.doc_count_all():  # an index without segments: no lengths
                    continue
                column = segment._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                if column is not None:
                    codes = np.frombuffer(fixed_bytes(column), dtype=np.uint8)
                    lengths[offset:offset + len(codes)] = _LENGTH_OF_BYTE[codes]
            self._lengths[field] = lengths
        return self._lengths[field]


def var_bytes(column) -> list[bytes]:
    """Every document's value in a Whoosh VarBytes column, read in one piece: Whoosh reads
    one value a call, a seek and a read each (laws index: 174,520 calls, 0.5 s)."""
    data = column._dbfile.get(column._basepos, column._length)
    return [data[start:start + size] for start, size in zip(column._offsets, column._lengths,
                                                             strict=True)]


def fixed_bytes(column) -> bytes:
    """The bytes of a Whoosh column of one byte a document, read in one piece; the documents
    after the last one written have the default, 0, and are left out."""
    assert column._fixedlen == 1
    return column._dbfile.get(column._basepos, column._count)


Block = tuple[np.ndarray, np.ndarray, tuple]  # docnums, term frequencies, encoded values


def read_blocks(matcher) -> list[Block]:
    """The blocks of a segment's posting list, deleted documents included (but those that
    Whoosh's deletion filter already stepped over: none at all when every one is deleted).

    Read a block at a time from Whoosh 2.7's W3 codec (the one whoosh-reloaded 2.7.5
    writes) and decoded with numpy; stepping through them costs a few calls per posting
    (~50x slower), and Whoosh's own block decoding a generator step per posting.
    """
    leaf = getattr(matcher, "child", matcher)  # unwrap the filter that hides deletions
    if isinstance(leaf, ListMatcher):  # postings inlined in the terms table (postings.INLINE)
        ids, weights = leaf._ids[leaf._i:], leaf._weights
        weights = np.ones(len(ids)) if weights is None else weights[leaf._i:]
        return [(np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=float),
                 leaf._values and leaf._values[leaf._i:])] if ids else []
    found = []
    while leaf.is_active():
        if leaf._data is None:
            leaf._read_data()
        ids, weights, values = leaf._data  # W3's minified block: see W3LeafMatcher._read_*
        ids = np.asarray(ids, dtype=np.int64)
        if not leaf._byteids:
            ids = np.cumsum(ids)
        if weights is None or isinstance(weights, float):
            weights = np.full(len(ids), 1.0 if weights is None else weights)
        found.append((ids, np.asarray(weights, dtype=float), values))
        leaf._next_block()
    return found


def _holds(folded: str, wanted: str, written: str | None) -> bool:
    """Whether a folded text holds the units ``wanted`` (``bm25f.joined``) in a row: at once
    when they are CJK characters ``written`` as they stand in it, else among its units
    (across a line break, a space or punctuation)."""
    return written is not None and written in folded or wanted in joined(folded_units(folded))


def docnums_of(blocks: list[Block]) -> np.ndarray:
    """The docnums of a posting list read as blocks."""
    return np.concatenate([ids for ids, _, _ in blocks])


def _intersect(these: np.ndarray, those: np.ndarray) -> np.ndarray:
    """The sorted docnums in both; a posting list holds a docnum once, so numpy need not
    make them unique (its ``unique`` imports ``numpy.ma``: 30 ms of a query)."""
    return np.intersect1d(these, those, assume_unique=True)

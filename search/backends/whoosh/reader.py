"""A Whoosh searcher's postings read a whole list at a time, and what a query needs of its
segments besides: which docnums are live, each docnum's field lengths (as Whoosh keeps them,
one byte each), its article, and which passages hold a phrase (checked on their stored text).

Whoosh steps through postings a few Python calls per posting, and its top-N collector can
miss better documents; here each term's list is read and decoded with numpy at once
(``term_postings``), once a query (``new_query``), by the scorer (``scoring.py``) and the
matcher (``matching.py``) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from ...query.bm25f import REPEATED_FIELDS, joined
from ...text.analysis import ASCII_JOIN, END, fold, folded_units, is_ascii, pairs
from . import postings_format

_LENGTH_OF_BYTE = np.array([byte_to_length(b) if b else 0 for b in range(256)], dtype=float)
PAIR_TEXTS = {"bigram": ("text",), "heading_bigram": ("title", "section")}  # stored texts
# whose unit pairs a pair field holds (the title's pairs end in END: no phrase crosses it)
ARTICLE_FIELD = "article_id"  # a sortable field: the article a passage belongs to
DAY_FIELD = "day"  # a numeric field: the passage's article's date, yyyymmdd
PARA_FIELD, ASIDE_FIELD = "para", "aside"  # a passage's fingerprint; "1": set aside
END_BYTE, JOIN_BYTE = END.encode(), ASCII_JOIN.encode()  # what follows a unit in a pair


def segments(searcher) -> list[tuple]:
    """(segment reader, offset of its first docnum) for each segment of the index."""
    reader = searcher.reader()
    return list(zip(getattr(reader, "readers", None) or [reader],
                    getattr(reader, "doc_offsets", None) or [0], strict=True))


class Postings:
    """The postings and per-docnum columns of one Whoosh searcher (cached while it is open);
    ``texts(docnum, names)`` gives a passage's stored texts (``stored.StoredFields.texts``),
    which a phrase's check reads; ``article_numbers`` and ``days``: ``article_numbers()``
    and ``days()`` as recorded at commit, if they were."""

    def __init__(self, searcher, texts: Callable[[int, tuple[str, ...]], list[str]],
                 article_numbers: np.ndarray | None = None, days: np.ndarray | None = None):
        self.searcher, self.texts = searcher, texts
        self._article_numbers = article_numbers
        self._days = days if days is not None and len(days) == searcher.doc_count_all() \
            else None
        self.segments = segments(searcher)
        self.size = searcher.doc_count_all()
        self._lengths: dict[str, np.ndarray] = {}
        self._averages: dict[str, float] = {}  # average()
        self._infos: dict[tuple[int, str, str], object] = {}  # this query's term_info()
        self._lists: dict[tuple[int, str, str], PostingList | None] = {}  # this query's, by term
        self._phrases: dict[tuple, np.ndarray] = {}  # this query's phrase_holders, by phrase
        self.live = np.ones(self.size, dtype=bool)  # docnums not deleted
        for segment, offset in self.segments:
            if segment.has_deletions():
                self.live[[offset + docnum for docnum in range(segment.doc_count_all())
                           if segment.is_deleted(docnum)]] = False
        self.passages = int(self.live.sum())
        self._article_of: np.ndarray | None = None
        self._aside: np.ndarray | None = None  # set_aside()
        self._article_lengths: dict[str, tuple[np.ndarray, float]] = {}

    def new_query(self) -> None:
        """Forget the posting lists read for the last query (one query reads a term's list
        once, whether to score or to match it)."""
        self._infos, self._lists, self._phrases = {}, {}, {}

    def term_info(self, number: int, field: str, text: str):
        """A term's entry in the terms table of segment ``number`` (Whoosh's ``TermInfo``:
        its document frequency, where its postings are), None when the segment lacks it;
        looked up once a query."""
        key = (number, field, text)
        if key not in self._infos:
            try:
                self._infos[key] = self.segments[number][0].term_info(field, text)
            except TermNotFound:
                self._infos[key] = None
        return self._infos[key]

    def posting_list(self, number: int, field: str, text: str) -> PostingList | None:
        """A term's posting list in segment ``number`` as (docnums of the index, term
        frequencies), None when the segment lacks it: read and joined once a query, not each
        time the scorer or the matcher asks for it."""
        key = (number, field, text)
        if key not in self._lists:
            info = self.term_info(number, field, text)
            found = None
            if info is not None:
                docnums, tf = term_postings(self.segments[number][0], info)
                found = (docnums + self.segments[number][1], tf)
            self._lists[key] = found
        return self._lists[key]

    def all_postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, term frequencies) of a term in the whole index, deleted ones included."""
        found = list(self.postings(field, text))
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        if len(found) == 1:  # one segment's: as read
            return found[0]
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

    def set_aside(self, repeated: list[str]) -> np.ndarray:
        """Each docnum: set aside as boilerplate, because a reader set it aside (``aside``)
        or its fingerprint is one of the ``repeated`` ones (``seam.REPEATED``)."""
        if self._aside is None:
            self._aside = np.zeros(self.size, dtype=bool)
            for field, texts in ((ASIDE_FIELD, ["1"]), (PARA_FIELD, repeated)):
                for text in texts:
                    for docnums, _ in self.postings(field, text):
                        self._aside[docnums] = True
        return self._aside

    def repeated(self, copies: int, content_of: Callable[[int], str]) -> dict[str, int]:
        """The fingerprints that live passages of at least ``copies`` different articles
        share (``records.fingerprint``; ``content_of``: a docnum's article's content hash, so
        that copies of one article count once), with how many passages do: each segment's
        terms counted in turn, then the candidates' postings."""
        counted: dict[str, int] = {}
        for segment, _ in self.segments:
            if segment.doc_count_all():
                for term, info in segment.iter_field(PARA_FIELD):
                    key = term.decode("utf-8")
                    counted[key] = counted.get(key, 0) + info.doc_frequency()
        found = {}
        for text in (text for text, count in counted.items() if count >= copies):
            holders = [docnum for docnums, _ in self.postings(PARA_FIELD, text)
                       for docnum in docnums[self.live[docnums]].tolist()]
            if len(holders) >= copies and len(set(map(content_of, holders))) >= copies:
                found[text] = len(holders)
        return found

    def days(self) -> np.ndarray:
        """Each docnum's date as yyyymmdd (0: undated), from the ``day`` field's postings:
        as recorded at commit when it was (``facets.Facets.record``)."""
        if self._days is None:
            self._days = np.zeros(self.size, dtype=np.int64)
            field = self.searcher.schema[DAY_FIELD]
            for btext in field.sortable_terms(self.searcher.reader(), DAY_FIELD):
                for docnums, _ in self.postings(DAY_FIELD, btext):
                    self._days[docnums] = field.from_bytes(btext)
        return self._days

    def postings(self, field: str, text: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(docnums, term frequencies) of a term, segment by segment, deleted ones included."""
        for number in range(len(self.segments)):
            if found := self.posting_list(number, field, text):
                yield found

    def prefix_postings(self, field: str, unit: str,
                        first_unit: Callable[[str], str]) -> Iterator[np.ndarray]:
        """The docnums of each term that starts with ``unit`` as its ``first_unit``, segment
        by segment, deleted ones included."""
        for number, (segment, _) in enumerate(self.segments):
            for btext in terms_after(segment, field, unit):
                term = btext.decode("utf-8")
                if first_unit(term) == unit and (found := self.posting_list(number, field, term)):
                    yield found[0]

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
        for number in range(len(self.segments)):
            candidates = self.holding_all(number, field, set(pairs(found)))
            if known is not None:
                candidates = candidates[~known[candidates]]
            for docnum in candidates.tolist():
                if any(_holds(text, wanted, written)
                       for text in self.texts(docnum, PAIR_TEXTS[field])):
                    holders.append(docnum)
        found_holders = np.array(holders, dtype=np.int64)
        if known is None:  # all of them: what the next caller would find too
            self._phrases[key] = found_holders
        return found_holders

    def holding_all(self, number: int, field: str, terms: set[str]) -> np.ndarray:
        """The docnums (of the index) in segment ``number`` that hold every one of the
        ``terms``: none read when one is missing, the rarest read first, and none after the
        docnums left are none."""
        infos = [self.term_info(number, field, term) for term in terms]
        if not terms or not all(infos):
            return np.zeros(0, dtype=np.int64)
        held = None
        for _, term in sorted(zip((info.doc_frequency() for info in infos), terms,
                                  strict=True)):
            listed = self.posting_list(number, field, term)
            found = listed[0] if listed else np.zeros(0, dtype=np.int64)
            held = found if held is None else _intersect(held, found)
            if not len(held):
                break
        return held

    def average(self, field: str) -> float:
        """The mean length of a field over the index's passages (Whoosh's sum of exact
        lengths over its documents)."""
        if field not in self._averages:  # Whoosh works it out again at each call
            self._averages[field] = self.searcher.avg_field_length(field) or 1
        return self._averages[field]

    def article_field_lengths(self, field: str) -> tuple[np.ndarray, float]:
        """Each article number's length of ``field`` (``bm25f.article_length``: the longest
        of its passages' for a repeated field, else their sum), and the mean over live
        articles."""
        if field not in self._article_lengths:
            article_of, live_articles = self.articles()
            lengths = np.zeros(len(live_articles))
            passage_lengths = self.field_lengths(field)[self.live]
            if field in REPEATED_FIELDS:
                np.maximum.at(lengths, article_of[self.live], passage_lengths)
            else:
                lengths = np.bincount(article_of[self.live], passage_lengths,
                                      minlength=len(lengths))
            average = lengths[live_articles].mean() if live_articles.any() else 0
            self._article_lengths[field] = (lengths, average or 1)
        return self._article_lengths[field]

    def field_lengths(self, field: str) -> np.ndarray:
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


def terms_after(segment, field: str, unit: str) -> Iterator[bytes]:
    """The terms of a pair field in a segment that may pair ``unit`` with what follows it.
    After an ASCII unit comes the end mark, ``_`` and another ASCII unit, or a character
    past ASCII (``text.analysis.pairs``): the sorted terms the unit's text starts are read
    from the first, and the stretches of longer units between (1 starts 10, 100, 1.5, ...:
    12,000 terms of news 5,000 for headline queries' numbers) are stepped over; any other
    unit: every term it starts."""
    if not is_ascii(unit):
        yield from segment.expand_prefix(field, unit)
        return
    start = unit.encode("utf-8")
    terms = segment.terms_from(field, unit)
    while terms is not None:
        following, terms = terms, None
        for name, btext in following:
            if name != field or not btext.startswith(start):
                return
            after = btext[len(start):len(start) + 1]
            if after in (END_BYTE, JOIN_BYTE) or after >= b"\x80":
                yield btext
            else:  # a longer ASCII unit: go on at the next stretch that may pair the unit
                terms = segment.terms_from(field, unit + (ASCII_JOIN if after < JOIN_BYTE
                                                          else "\x80"))
                break


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


PostingList = tuple[np.ndarray, np.ndarray]  # a term's docnums and term frequencies


def term_postings(segment, info) -> PostingList:
    """A term's posting list in a segment reader (docnums of the segment, weights),
    deleted documents included, from its entry in the terms table (``info``): inlined
    there, or read from the postings file and decoded at once (``postings_format``),
    where Whoosh's matcher steps through it a posting and a few calls at a time."""
    if info.is_inlined():  # postings inlined in the terms table (codec.INLINE)
        ids, weights, _ = info.inlined_postings()
        return (np.asarray(ids, dtype=np.int64),
                np.ones(len(ids)) if weights is None else np.asarray(weights, dtype=float))
    offset, size = info.extent()
    docnums, weights, _ = postings_format.decode(segment._terms._postfile.get(offset, size),
                                                 info.doc_frequency())
    return docnums, weights


def _holds(text: str, wanted: str, written: str | None) -> bool:
    """Whether a text holds the units ``wanted`` (``bm25f.joined``) in a row: at once when
    they are CJK characters ``written`` as they stand in it (in its own script or folded),
    else among its folded units (across a line break, a space or punctuation)."""
    if written is not None and written in text:  # most candidates: no need to fold
        return True
    folded = fold(text)
    return written is not None and written in folded or wanted in joined(folded_units(folded))


def _intersect(these: np.ndarray, those: np.ndarray) -> np.ndarray:
    """The sorted docnums in both; a posting list holds a docnum once, so numpy need not
    make them unique (its ``unique`` imports ``numpy.ma``: 30 ms of a query)."""
    return np.intersect1d(these, those, assume_unique=True)

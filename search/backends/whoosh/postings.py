"""Writing a Whoosh segment's postings a term at a time instead of a posting at a time.

Whoosh's ``SegmentWriter`` moves every posting through Python several times: a tuple into
its sorting pool, a sort, then a few calls per posting into the W3 codec, which also
looks up the document's field length per posting. On the news corpus that was about 85% of
indexing time (14 million postings, most of them the ``bigram`` field's). Here the postings
of a document are appended to flat arrays as it is added; when the segment is written each
field's postings are sorted by (term, docnum) with numpy, term statistics are computed for
all terms at once, the posting lists of a chunk of terms are encoded together
(``postings_format``: bit-packed blocks), and each term's entry goes in the compact terms
table of ``terms.py``, a rare term's postings inlined in it (``codec.CompactCodec``).
Whoosh reads the segment through that codec; the stored fields, field lengths and columns
are still written by Whoosh's per-document writer.

Pre-tokenized fields (``encode_tokens`` strings) are counted here directly; any other
field goes through its own ``Field.index``. Segments merged by Whoosh's own ``add_reader``
(``optimize``) join the same arrays; the index's merges are ``merge.py``'s, a term at a time.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from functools import lru_cache
from operator import itemgetter
from pickle import dumps
from typing import NamedTuple

import numpy as np
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.fields import ID
from whoosh.formats import Positions
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import _length_byte_cache, byte_to_length
from whoosh.writing import SegmentWriter

from . import postings_format
from .codec import INLINE, CompactCodec
from .store import DurableCommit
from .terms import inlined_info, packed_inlined_info, pointer_info, varints

SAME_POSITION = "\x01"  # marks a term that shares the previous term's position (encode_tokens)
MAX_POSTINGS = 8_000_000  # postings held before a segment is written (~400 MB; ~600 MB
# while it is written)
PROCESS_POSTINGS = 2_000_000  # the same for each of several writer processes: two of them
# and the indexer build the news corpus in 736 MB (8 million each: 1,325 MB; 3 million: 847)
FIELD_TERMS = 100_000  # values of keyword, ID and numeric fields whose terms are remembered
CHUNK = 65_536  # postings turned into Python objects at a time while a segment is written
_FREQUENCY = [pack_uint(n) for n in range(256)]  # the value of a Frequency posting, shared
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.int32)
_BYTE_LENGTHS = np.array(_length_byte_cache, dtype=np.int64)  # length_to_byte bisects this


class FieldPostings:
    """The postings of one field of the segment being written, in the order they came."""

    def __init__(self, valued: bool = True):
        self.number: dict = {}  # term (str or UTF-8 bytes) -> term number
        self.terms = array("i")  # per posting: term number
        self.docnums = array("i")
        self.weights = array("f")
        self.valued = valued  # False: the field's format has no posting values (Counted)
        self.values: list[bytes] = []  # per posting, when valued
        self.last: tuple = ("", None)  # the last pre-tokenized value and its DocumentCount

    def add(self, term, docnum: int, weight: float, value: bytes) -> None:
        number = self.number.setdefault(term, len(self.number))
        self.terms.append(number)
        self.docnums.append(docnum)
        self.weights.append(weight)
        if self.valued:
            self.values.append(value)

    def __len__(self) -> int:
        return len(self.docnums)


class DocumentCount(NamedTuple):
    """A document's postings in one field: term numbers, weights, values; its length."""

    numbers: list[int]
    weights: list[int]
    values: list[bytes]
    length: int


def encode_tokens(tokens: list) -> str:
    """Tokens as Whoosh takes them: terms joined by spaces, SAME_POSITION before a repeat.

    Whoosh runs a field's analyzer only on strings (lists skip it and lose positions),
    so pre-analysed tokens travel as this string and ``PreTokenized`` decodes them.
    """
    if not tokens or isinstance(tokens[0], str):
        return " ".join(tokens)
    before = [None, *map(itemgetter(1), tokens)]  # each token's previous token's position
    return " ".join([SAME_POSITION + term if pos == last else term
                     for (term, pos), last in zip(tokens, before, strict=False)])


def decode_tokens(encoded: str) -> list[tuple[str, int]]:
    """(term, position) pairs of tokens encoded by ``encode_tokens``."""
    if SAME_POSITION not in encoded:
        terms = [term for term in encoded.split(" ") if term]
        return [(term, pos) for pos, term in enumerate(terms)]
    pairs, pos = [], -1
    for term in encoded.split(" "):
        if not term:
            continue
        if term[0] == SAME_POSITION:
            term = term[1:]
        else:
            pos += 1
        pairs.append((term, pos))
    return pairs


def count_tokens(postings: FieldPostings, docnum: int, encoded: str, positions: bool) -> int:
    """Add a document's pre-tokenized field to ``postings``; returns its length in tokens.

    A posting's weight is the term's frequency, its value Whoosh's encoding of the
    frequency (Frequency format) or of the positions (Positions format). A value equal to
    the field's previous one (the title and section of an article's passages) is counted once.
    """
    last, counted = postings.last
    if counted is None or encoded != last:
        counts, values = (_with_positions(encoded) if positions
                          else _with_frequencies(encoded, postings.valued))
        counted = DocumentCount(_numbers(postings.number, list(counts)),
                                list(counts.values()), values, sum(counts.values()))
        postings.last = (encoded, counted)
    postings.terms.extend(counted.numbers)
    postings.docnums.extend([docnum] * len(counted.numbers))
    postings.weights.extend(counted.weights)
    postings.values.extend(counted.values)
    return counted.length


def _numbers(number: dict, terms: list[str]) -> list[int]:
    """Each term's number in ``number``, a new term numbered as it comes (looked up by
    ``map``: a build has millions of these and few new terms)."""
    numbers = list(map(number.get, terms))
    if None in numbers:
        for index, found in enumerate(numbers):
            if found is None:
                numbers[index] = number[terms[index]] = len(number)
    return numbers


def _with_frequencies(encoded: str, valued: bool) -> tuple[dict[str, int], list[bytes]]:
    counts = Counter(encoded.replace(SAME_POSITION, "").split(" "))
    counts.pop("", None)
    return counts, [_frequency(count) for count in counts.values()] if valued else []


def _with_positions(encoded: str) -> tuple[dict[str, int], list[bytes]]:
    found: defaultdict[str, list[int]] = defaultdict(list)
    for term, pos in decode_tokens(encoded):
        found[term].append(pos)
    return ({term: len(poslist) for term, poslist in found.items()},
            [_positions(poslist) for poslist in found.values()])


def _frequency(count: int) -> bytes:
    return _FREQUENCY[count] if count < len(_FREQUENCY) else pack_uint(count)


def _positions(poslist: list[int]) -> bytes:
    """Whoosh's ``Positions.encode``: the count, then the pickled position deltas."""
    if len(poslist) == 1:
        return _single_position(poslist[0])
    deltas = [poslist[0]] + [b - a for a, b in zip(poslist, poslist[1:], strict=False)]
    return pack_uint(len(deltas)) + dumps(deltas, 2)


@lru_cache(maxsize=1 << 16)
def _single_position(pos: int) -> bytes:
    """Most terms occur once in a passage: their encodings are shared, not rebuilt."""
    return pack_uint(1) + dumps([pos], 2)


class FastSegmentWriter(DurableCommit, SegmentWriter):
    """A ``SegmentWriter`` that writes its postings a block at a time (see the module).

    Postings wait in memory until the segment is written; past ``max_postings`` (about
    50 bytes each) the segment is written and the writer goes on in a new one, so memory
    stays bounded however much one commit adds. ``commit`` publishes them all together.
    """

    def __init__(self, ix, max_postings: int = MAX_POSTINGS, **kwargs):
        kwargs.setdefault("codec", CompactCodec())  # its terms table (codec.py)
        try:
            super().__init__(ix, **kwargs)
        except BaseException:  # a write failed after Whoosh took the lock: give it back
            if getattr(self, "writelock", None) is not None:
                self.writelock.release()
            raise
        self.postings: dict[str, FieldPostings] = {}  # field name -> its postings
        self.max_postings = max_postings
        self.written: list = []  # segments already written by this writer
        self.field_terms: dict[tuple, tuple] = {}  # (field, value) -> field.index(value)

    def _pending(self) -> int:
        return sum(len(postings) for postings in self.postings.values())

    def _next_segment(self) -> None:
        """Write the segment so far and start a new, empty one."""
        self.written.append(self._finalize_segment())
        self.newsegment = self.codec.new_segment(self.storage, self.indexname)
        self.perdocwriter = self.codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = self.codec.field_writer(self.storage, self.newsegment)
        self.docnum = self.docbase
        self._added = False

    def segments_written(self) -> list:
        """Finish the current segment; every segment this writer wrote (for a parent writer)."""
        if self._added:
            self.written.append(self._finalize_segment())
        else:
            self._close_segment()
        return self.written

    def _merge_segments(self, mergetype, optimize, merge) -> list:
        """The segments the commit keeps: Whoosh's merge policy's, then those written."""
        return super()._merge_segments(mergetype, optimize, merge) + self.written

    def add_document(self, **fields) -> None:
        """Add one document: ``fields`` as for Whoosh's ``add_document`` (``_stored_NAME``
        gives a stored value other than the indexed one); no boosts, vectors or spelling."""
        self._check_state()
        docnum, perdoc = self.docnum, self.perdocwriter
        perdoc.start_doc(docnum)
        try:
            for name in sorted(name for name in fields if not name.startswith("_")):
                value = fields[name]
                if value is None:
                    continue
                field = self.schema[name]
                length = self._index_field(name, field, value) if field.indexed else 0
                stored = fields.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdoc.add_column_value(name, field.column_type,
                                            field.to_column_value(stored))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1
        if self._pending() > self.max_postings:
            self._next_segment()

    def _index_field(self, name: str, field, value) -> int:
        """Add a field's postings; returns its length (0 unless the field is scorable)."""
        postings = self._field_postings(name)
        if getattr(field.analyzer, "pretokenized", False) and isinstance(value, str):
            length = count_tokens(postings, self.docnum, value,
                                  isinstance(field.format, Positions))
        else:
            length = 0
            for btext, freq, weight, vbytes in self._field_terms(name, field, value):
                postings.add(btext, self.docnum, weight, vbytes or b"")
                length += freq
        return length if field.scorable else 0

    def _field_postings(self, name: str) -> FieldPostings:
        if (postings := self.postings.get(name)) is None:
            valued = self.schema[name].format.fixed_value_size() != 0
            postings = self.postings[name] = FieldPostings(valued)
        return postings

    def _field_terms(self, name: str, field, value) -> tuple:
        """``field.index(value)``, remembered for fields whose values repeat (an article's
        path, date and places on each of its passages); a plain ``ID``'s value is its one
        term (a passage's id and fingerprint differ on every passage)."""
        if type(field) is ID and type(field.analyzer) is IDTokenizer:
            return ((value.encode("utf-8"), 1, 1.0, b""),)
        if field.unique:
            return tuple(field.index(value))
        key = (name, value)
        if (terms := self.field_terms.get(key)) is None:
            if len(self.field_terms) >= FIELD_TERMS:
                self.field_terms.clear()
            terms = self.field_terms[key] = tuple(field.index(value))
        return terms

    def add_postings_to_pool(self, reader, startdoc, docmap) -> None:
        """The postings of a segment being merged in (Whoosh's merge policy calls this)."""
        for name, btext, docnum, weight, vbytes in self._process_posts(
                reader.iter_postings(), startdoc, docmap):
            self._field_postings(name).add(btext, docnum, weight, vbytes or b"")

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            for name in sorted(self.postings):
                if self.postings[name]:
                    write_field(self.fieldwriter, name, self.schema[name],
                                self.postings[name], stored_lengths(lengths, name, self.docnum))
        finally:
            lengths.close()
        self.postings.clear()
        self.fieldwriter.close()


def stored_lengths(perdoc_reader, name: str, size: int) -> np.ndarray:
    """Each docnum's length of field ``name`` as Whoosh stores it (quantized), 0 if none."""
    column = perdoc_reader._cached_reader(_lenfield(name), LENGTHS_COLUMN)
    if column is None:
        return np.zeros(size, dtype=np.int32)
    codes = np.frombuffer(bytes(column.load()), dtype=np.uint8)
    return _LENGTH_OF_BYTE[np.pad(codes, (0, max(0, size - len(codes))))]


def write_field(fieldwriter, name: str, field, postings: FieldPostings,
                lengths: np.ndarray) -> None:
    """Write one field's postings through a ``CompactFieldWriter``: terms in byte order,
    each term's postings in docnum order."""
    texts, rank = _term_ranks(postings)
    docnums = np.frombuffer(postings.docnums, dtype=np.int32)
    order = np.lexsort((docnums, rank))
    rank, docnums = rank[order], docnums[order]
    weights = np.frombuffer(postings.weights, dtype=np.float32)[order]
    values = None
    if postings.valued:
        values = np.empty(len(order), dtype=object)
        values[:] = postings.values
        values = values[order]
    del order
    fieldwriter.start_field(name, field)
    write_sorted(fieldwriter, field, Sorted(texts, rank, docnums, weights, values), lengths)
    fieldwriter.finish_field()


class Sorted(NamedTuple):
    """Postings of some of a field's terms, sorted by term, then docnum: the terms as UTF-8
    in byte order, and per posting its term's rank among them, docnum, weight and value
    (values None for a format without them)."""

    texts: list[bytes]
    rank: np.ndarray
    docnums: np.ndarray
    weights: np.ndarray
    values: np.ndarray | None


def write_sorted(fieldwriter, field, postings: Sorted, lengths: np.ndarray) -> None:
    """Write sorted postings into the field a ``CompactFieldWriter`` has started; the terms
    follow (in byte order) those it already wrote. A chunk of terms at a time, a term of
    more than ``INLINE`` postings is written to the postings file (``postings_format``),
    the others into its terms-table entry."""
    texts, rank, docnums, weights, values = postings
    term_starts = np.flatnonzero(np.r_[True, rank[1:] != rank[:-1]])
    term_ends = np.r_[term_starts[1:], len(rank)]
    gaps = np.diff(docnums, prepend=np.int32(0))
    gaps[term_starts] = docnums[term_starts]  # each term's from 0
    run = Run(gaps, weights, docnums, values, field.format.fixed_value_size())
    terms = Stats(weights, lengths[docnums], term_starts)

    key_prefix = pack_ushort(fieldwriter._fieldid)
    chunk_starts = np.flatnonzero(np.r_[True, np.diff(term_starts // CHUNK) > 0])
    chunk_ends = np.r_[chunk_starts[1:], len(term_starts)]
    offset = fieldwriter._postfile.tell()  # counted from here on: tell() is a system call
    for first, end in zip(chunk_starts.tolist(), chunk_ends.tolist(), strict=True):
        low, high = int(term_starts[first]), int(term_ends[end - 1])
        run.load(low, high)
        starts, stops = term_starts[first:end], term_ends[first:end]
        data, at = _encoded(run, starts - low, stops - starts)
        pointed = iter(zip(at, at[1:], strict=False))
        entries = []
        for start, stop, stats in zip(starts.tolist(), stops.tolist(), terms.rows(first, end),
                                      strict=True):
            key = key_prefix + texts[int(rank[start])]
            if stop - start <= INLINE:
                entries.append((key, run.inlined_info(start, stop, stats)))
                continue
            begin, finish = next(pointed)
            entries.append((key, pointer_info(stop - start, *stats, run.docnum(start),
                                              run.docnum(stop - 1), offset + begin,
                                              finish - begin)))
        fieldwriter._postfile.write(data)
        offset += len(data)
        fieldwriter._tindex.add_many(entries)


def _encoded(run: Run, starts: np.ndarray, sizes: np.ndarray) -> tuple[bytes, list[int]]:
    """The posting lists of the loaded terms (``starts`` and ``sizes`` in the chunk) of more
    than ``INLINE`` postings, in the postings file's format, joined; where each starts."""
    pointed = sizes > INLINE
    if not pointed.any():
        return b"", [0]
    chosen = np.repeat(pointed, sizes)
    return postings_format.encode_lists(
        run.chunk[2][chosen], run.chunk[1][chosen],
        None if run.chunk[3] is None or run.fixed == 0 else run.chunk[3][chosen],
        np.concatenate(([0], np.cumsum(sizes[pointed])[:-1])))


def _term_ranks(postings: FieldPostings) -> tuple[list[bytes], np.ndarray]:
    """The field's distinct terms as UTF-8 in byte order, and each posting's rank in it
    (a term can arrive both as str and as bytes, from a merged segment)."""
    texts = [term.encode("utf-8") if isinstance(term, str) else term for term in postings.number]
    unique = sorted(set(texts))
    rank_of = {text: rank for rank, text in enumerate(unique)}
    rank = np.array([rank_of[text] for text in texts], dtype=np.int32)
    return unique, rank[np.frombuffer(postings.terms, dtype=np.int32)]


class Run:
    """Sorted postings (each term's docnum gaps, weights, docnums, values), a chunk at a
    time: as arrays, and what the inlined terms' entries need (bounds a flush's memory)."""

    def __init__(self, gaps, weights, docnums, values, fixed: int | None):
        self.arrays = (gaps, weights, docnums, values)
        self.fixed, self.low = fixed, 0
        self.chunk: tuple = ()
        self._lists: tuple | None = None

    def load(self, low: int, high: int) -> None:
        self.low, self._lists = low, None
        self.chunk = tuple(None if array is None else array[low:high] for array in self.arrays)
        self.docnums = self.chunk[2]
        if self.fixed == 0:  # the inlined postings' gaps and weights as varints, at once
            gaps, weights = self.chunk[0], self.chunk[1]
            whole = weights == np.floor(weights)
            self.gaps = varints(gaps)
            self.whole = varints(np.where(whole, weights, 0))
            self.not_one = [0, *np.cumsum(weights != 1).tolist()]  # postings so far
            self.not_whole = [0, *np.cumsum(~whole).tolist()]

    def inlined_info(self, start: int, stop: int, stats: tuple) -> bytes:
        """The terms-table info of the postings [start, stop) inlined: at once from the
        varints ``load`` made when the format has no values and the weights are whole."""
        weight_sum, _, min_byte, max_byte = stats
        i, j = start - self.low, stop - self.low
        if self.fixed != 0 or self.not_whole[j] != self.not_whole[i]:
            return inlined_info(*self.inlined(start, stop), weight_sum, min_byte, max_byte)
        data, starts = self.gaps
        gaps = data[starts[i]:starts[j]]
        weights = None
        if self.not_one[j] != self.not_one[i]:
            data, starts = self.whole
            weights = data[starts[i]:starts[j]]
        return packed_inlined_info(j - i, min_byte, max_byte, gaps, weights)

    def inlined(self, start: int, stop: int) -> tuple:
        """The postings [start, stop) as an inlined W3TermInfo holds them (ids, weights,
        values), read by Whoosh's ``ListMatcher``: weights None when all are 1 (it reads
        1.0), whole ones as ints; values None for each posting of a format without them
        (as W3's reader gives)."""
        if self._lists is None:  # Python lists of the chunk, once and only when needed
            self._lists = tuple([] if array is None else array.tolist() for array in self.chunk)
        _, weights, docnums, values = self._lists
        i, j = start - self.low, stop - self.low
        weights = weights[i:j]
        if all(weight == 1.0 for weight in weights):
            weights = None
        else:
            weights = tuple(int(w) if w.is_integer() else w for w in weights)
        values = (None,) * (j - i) if self.fixed == 0 else tuple(values[i:j])
        return tuple(docnums[i:j]), weights, values

    def docnum(self, index: int) -> int:
        return int(self.docnums[index - self.low])


class Stats:
    """Statistics of runs of postings (each term's), each run given by its start:
    sum and maximum of weights, shortest and longest document length as W3 stores them
    (a byte; the shortest skips 0, which Whoosh treats as no length)."""

    def __init__(self, weights: np.ndarray, doc_lengths: np.ndarray, starts: np.ndarray):
        self.weight_sum = np.add.reduceat(weights, starts)
        self.weight_max = np.maximum.reduceat(weights, starts)
        none = np.iinfo(doc_lengths.dtype).max
        shortest = np.minimum.reduceat(np.where(doc_lengths > 0, doc_lengths, none), starts)
        shortest[shortest == none] = 0
        self.min_byte = _length_bytes(shortest)
        self.max_byte = _length_bytes(np.maximum.reduceat(doc_lengths, starts))

    def rows(self, first: int, end: int) -> list[tuple[float, float, int, int]]:
        """(weight sum, max weight, min length byte, max length byte) of runs [first, end)."""
        return list(zip(*(column[first:end].tolist() for column in (
            self.weight_sum, self.weight_max, self.min_byte, self.max_byte)), strict=True))


def _length_bytes(lengths: np.ndarray) -> np.ndarray:
    """``length_to_byte`` of each length."""
    return np.minimum(np.searchsorted(_BYTE_LENGTHS, lengths, side="left"), 255)

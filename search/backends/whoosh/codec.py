"""The index's Whoosh codec: W3's, with a compact terms table (``terms.py``), postings in
bit-packed blocks (``postings_format.py``) and stored fields compressed against a
dictionary of the segment's (``stored_column.py``).

Whoosh pickles a segment's codec into the table of contents, so a segment written with
this one is read with it: by Whoosh's ``SegmentReader`` and searcher (a term's postings
through an ``ArrayMatcher``), by ``reader.py`` and ``merge.py`` (a list decoded at once),
by ``stored.py``. Field lengths and the other columns are W3's.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PerDocReader, W3PerDocWriter
from whoosh.matching import ListMatcher, ReadTooFar
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte

from . import postings_format, stored_column
from .terms import CompactTermsReader, TermsTableWriter, inlined_info, pointer_info

STORED = "_stored"  # W3's name of the stored fields' column
INLINE = 16  # a term with at most this many postings keeps them in its terms-table entry
# (terms.inlined_info, as varints), not in the postings file


class CompactCodec(W3Codec):
    """Whoosh's W3 codec with a compact terms table, bit-packed postings and
    dictionary-compressed stored fields."""

    def field_writer(self, storage, segment):
        return CompactFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        name = segment.make_filename(self.TERMS_EXT)
        return CompactTermsReader(self, storage.open_file(name), storage.file_length(name),
                                  segment.open_file(storage, self.POSTS_EXT))

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        """A matcher of a term's postings (inlined ones as W3 reads them)."""
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, size = terminfo.extent()
        ids, weights, values = postings_format.decode(dbfile.get(offset, size),
                                                      terminfo.doc_frequency())
        if values is None and format_.fixed_value_size() == 0:
            values = [None] * len(ids)  # as W3's reader gives for a format without values
        return ArrayMatcher(ids.tolist(), weights.tolist(), values, format_, scorer=scorer,
                            term=term, terminfo=terminfo)

    def per_document_writer(self, storage, segment):
        return CompactPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return CompactPerDocReader(storage, segment)


class ArrayMatcher(ListMatcher):
    """Whoosh's ``ListMatcher`` over a decoded posting list, for Whoosh's own searcher: it
    skips by bisection, and its block (the whole list) has the term's statistics."""

    def skip_to(self, id):
        if not self.is_active():
            raise ReadTooFar
        self._i = bisect_left(self._ids, id, self._i)

    def copy(self):
        return self.__class__(self._ids, self._weights, self._values, self._format,
                              self._scorer, self._i, self._all_weights, self._term,
                              self._terminfo)

    def block_max_weight(self):
        return self._terminfo.max_weight()


class CompactFieldWriter(W3FieldWriter):
    """W3's field writer with a compact terms table (``TermsTableWriter``) and the postings
    file in ``postings_format``. ``postings.write_sorted`` writes many terms at once; a
    term at a time (Whoosh's ``start_term``, ``add``, ``finish_term``) comes here."""

    def __init__(self, codec, storage, segment):  # noqa: D107 - W3's, other table
        self._codec, self._storage, self._segment = codec, storage, segment
        self._fieldname = self._fieldid = self._btext = self._fieldobj = self._format = None
        self._tindex = TermsTableWriter(self._create_file(W3Codec.TERMS_EXT))
        self._fieldmap = self._tindex.fieldmap
        self._postfile = self._create_file(W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = False
        self.is_closed = False
        self._term: tuple[list, list, list, list] = ([], [], [], [])

    def start_term(self, btext: bytes) -> None:
        self._btext, self._term = btext, ([], [], [], [])

    def add(self, docnum: int, weight: float, vbytes: bytes, length: int) -> None:
        for found, item in zip(self._term, (docnum, weight, vbytes, length), strict=True):
            found.append(item)

    def finish_term(self) -> None:
        ids, weights, values, lengths = self._term
        some = [length for length in lengths if length]
        min_byte = length_to_byte(min(some)) if some else 0
        max_byte = length_to_byte(max(lengths, default=0) or 0)
        valued = self._format.fixed_value_size() != 0
        if len(ids) <= INLINE:
            kept = None if all(weight == 1 for weight in weights) else tuple(
                int(w) if float(w).is_integer() else w for w in weights)
            info = inlined_info(tuple(ids), kept, tuple(values) if valued else (None,) * len(ids),
                                float(sum(weights)), min_byte, max_byte)
        else:
            array = None
            if valued:
                array = np.empty(len(values), dtype=object)
                array[:] = values
            data, _ = postings_format.encode_lists(np.array(ids), np.array(weights, dtype=float),
                                                   array, np.zeros(1, dtype=np.int64))
            offset = self._postfile.tell()
            self._postfile.write(data)
            info = pointer_info(len(ids), float(sum(weights)), float(max(weights)), min_byte,
                                max_byte, ids[0], ids[-1], offset, len(data))
        self._tindex.add(pack_ushort(self._fieldid) + self._btext, info)


class CompactPerDocWriter(W3PerDocWriter):
    """W3's per-document writer; the stored fields go in a ``stored_column`` column."""

    def _create_column(self, fieldname, column):
        if fieldname == STORED:
            column = stored_column.STORED_COLUMN
        super()._create_column(fieldname, column)


class CompactPerDocReader(W3PerDocReader):
    """W3's per-document reader; the stored fields come from a ``stored_column`` column."""

    def _cached_reader(self, fieldname, column):
        if fieldname == STORED:
            column = stored_column.STORED_COLUMN
        return super()._cached_reader(fieldname, column)

"""The index's Whoosh codec: W3's, with a compact terms table (``terms.py``) and stored
fields compressed against a dictionary of the segment's (``stored_column.py``).

Whoosh pickles a segment's codec into the table of contents, so a segment written with
this one is read with it: by Whoosh's ``SegmentReader`` and searcher, by ``merge.py``, by
``stored.py``. Postings, field lengths and the other columns are W3's.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PerDocWriter

from . import stored_column
from .terms import CompactFieldWriter, CompactTermsReader

STORED = "_stored"  # W3's name of the stored fields' column


class CompactCodec(W3Codec):
    """Whoosh's W3 codec with a compact terms table and dictionary-compressed stored fields."""

    def field_writer(self, storage, segment):
        return CompactFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        name = segment.make_filename(self.TERMS_EXT)
        return CompactTermsReader(self, storage.open_file(name), storage.file_length(name),
                                  segment.open_file(storage, self.POSTS_EXT))

    def per_document_writer(self, storage, segment):
        return CompactPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return CompactPerDocReader(storage, segment)


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

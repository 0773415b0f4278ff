"""A segment's stored fields, each document compressed against a dictionary of the segment's.

W3 compresses each document's pickled stored fields on its own (zlib, level 3): a passage
of Chinese text is too short for zlib to find much to repeat (news, 5,000 articles: 13.4 MB
of pickles in 11.1 MB). Here the first ``SAMPLE`` bytes of the segment's values give a
preset dictionary (zlib's ``zdict``, at most ``DICTIONARY`` bytes) that every value is then
compressed against: the pickle's framing, the common words and phrases, the sources' names
are found there (news: 11.1 -> 7.8 MB). A value is still read on its own, not a block of
them: by a copy of a decompressor that has read the values' common header and so holds the
dictionary already (decompressing: 8 µs a passage; setting the dictionary for each, 22;
W3's, 25).

Column layout: the compressed values; the dictionary; each document's compressed size
(uint32); ``TRAILER`` (the dictionary's size, the number of documents).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from whoosh.columns import Column, ColumnReader, ColumnWriter, PickleColumn

SAMPLE = 64 * 1024  # bytes of the first values held back to make the dictionary from
DICTIONARY = 32 * 1024  # zlib's window: a longer dictionary is not looked at
LEVEL = 3  # as W3's: level 6 is 1.4% smaller and takes 1.6x the time
TRAILER = struct.Struct("!II")
HEADER = 6  # bytes of zlib's header with a preset dictionary: two, then its Adler-32


class DictionaryColumn(Column):
    """Byte strings, each compressed by zlib against the column's own dictionary."""

    def writer(self, dbfile):
        return DictionaryWriter(dbfile)

    def reader(self, dbfile, basepos, length, doccount):
        return DictionaryReader(dbfile, basepos, length, doccount)


class DictionaryWriter(ColumnWriter):
    """Holds the first values back until they make the dictionary, then writes as they come."""

    def __init__(self, dbfile):
        self._dbfile = dbfile
        self.sizes: list[int] = []  # per docnum, compressed
        self.held: list[tuple[int, bytes]] = []
        self.held_bytes = 0
        self.dictionary: bytes | None = None
        self.compressor = None  # a zlib compressor given the dictionary, copied for each value

    def add(self, docnum: int, value: bytes) -> None:
        if self.dictionary is None:
            self.held.append((docnum, value))
            self.held_bytes += len(value)
            if self.held_bytes >= SAMPLE:
                self._write_held()
            return
        self._write(docnum, value)

    def _write_held(self) -> None:
        self.dictionary = make_dictionary([value for _, value in self.held])
        self.compressor = zlib.compressobj(LEVEL, zdict=self.dictionary)
        for docnum, value in self.held:
            self._write(docnum, value)
        self.held = []

    def _write(self, docnum: int, value: bytes) -> None:
        self.sizes.extend([0] * (docnum - len(self.sizes)))  # documents without a value
        compressed = b""
        if value:
            compressor = self.compressor.copy()  # compressing: 29 µs a passage; setting
            # the dictionary for each, 68 (reading is the cheaper side: see the module)
            compressed = compressor.compress(value) + compressor.flush()
        self._dbfile.write(compressed)
        self.sizes.append(len(compressed))

    def finish(self, doccount: int) -> None:
        if self.dictionary is None:
            self._write_held()
        self.sizes.extend([0] * (doccount - len(self.sizes)))
        self._dbfile.write(self.dictionary + np.array(self.sizes, dtype=">u4").tobytes()
                           + TRAILER.pack(len(self.dictionary), doccount))


def make_dictionary(values: list[bytes]) -> bytes:
    """A preset dictionary from some values: the last ``DICTIONARY`` bytes of them (zlib
    finds the nearest bytes cheapest: the end of the dictionary)."""
    return b"".join(values)[-DICTIONARY:] or b"\0"


def primed_decompressor(dictionary: bytes) -> tuple[bytes, object]:
    """(header, decompressor): the header ``DictionaryWriter`` writes before every value, and
    a decompressor that has read it, so that it has set the dictionary; a copy of it
    decompresses the rest of a value."""
    compressor = zlib.compressobj(LEVEL, zdict=dictionary)
    header = (compressor.compress(b"\0") + compressor.flush())[:HEADER]
    primed = zlib.decompressobj(zdict=dictionary)
    primed.decompress(header)
    return header, primed


class DictionaryReader(ColumnReader):
    """Reads a ``DictionaryWriter``'s column: sizes and dictionary at once, values as asked."""

    def __init__(self, dbfile, basepos: int, length: int, doccount: int):
        super().__init__(dbfile, basepos, length, doccount)
        dictionary_size, count = TRAILER.unpack(
            dbfile.get(basepos + length - TRAILER.size, TRAILER.size))
        sizes_at = basepos + length - TRAILER.size - 4 * count
        self.sizes = np.frombuffer(dbfile.get(sizes_at, 4 * count), dtype=">u4").astype(
            np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)])[:-1] + basepos
        self.dictionary = dbfile.get(sizes_at - dictionary_size, dictionary_size)
        self.count = count
        self.header, self.primed = primed_decompressor(self.dictionary)

    def __getitem__(self, docnum: int) -> bytes:
        if docnum >= self.count or not self.sizes[docnum]:
            return b""
        data = self._dbfile.get(int(self.starts[docnum]), int(self.sizes[docnum]))
        if data[:HEADER] != self.header:  # (every value is written with this header)
            return zlib.decompressobj(zdict=self.dictionary).decompress(data)
        return self.primed.copy().decompress(data[HEADER:])

    def __iter__(self):
        for docnum in range(self._doccount):
            yield self[docnum]

    def load(self) -> list[bytes]:
        return list(self)


STORED_COLUMN = PickleColumn(DictionaryColumn())  # a document's stored fields, pickled

"""A segment's terms table, compact: terms front-coded in blocks, term infos as varints.

Whoosh's W3 table (``filetables.OrderedHashWriter``) keeps per term an 8-byte record
header, the key, a 23-byte ``W3TermInfo`` (with the postings of a rare term pickled after
it) and about 24 bytes of hash tables and order index: some 90 bytes a term, most of the
index (news, 5,000 articles: 47 of 68 MB, 366,516 ``bigram`` terms of which 209,057 occur
once). Here the keys (field number + term, in byte order) go in blocks of ``BLOCK``, each
key stored as the length it shares with the one before and the rest; a term's info is
``info_bytes`` (varints; a rare term's postings inlined as varint docnum gaps and
frequencies); the first key and the offset of each block are read into memory when the
segment is opened and a term is found by bisecting them, then reading one block.

``codec.CompactCodec`` writes and reads segments with this table: Whoosh's
``SegmentReader`` (and so its searcher) reads them as any other. A term's postings, unless
inlined here, are in the postings file (``postings_format.py``).

File layout: the blocks; the block index (each block's offset, uint64; its first key's
size, uint16; the first keys); the field map as JSON; ``TRAILER`` (the index's offset, the
number of blocks, the field map's size).
"""

from __future__ import annotations

import json
import struct
from bisect import bisect_right
from collections.abc import Iterator

import numpy as np
from whoosh.codec.base import FieldCursor
from whoosh.codec.whoosh3 import W3TermInfo, W3TermsReader
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

BLOCK = 32  # keys a block: a lookup reads one block (~16 keys on average)
MAGIC = b"STT2"
TRAILER = struct.Struct("!4sQII")  # magic, block index offset, blocks, field map bytes
POINTER = struct.Struct("!ffBB")  # weight sum, max weight, min and max length bytes
INLINED, WEIGHTS_INT, WEIGHTS_FLOAT, VALUED = 1, 2, 4, 8  # flag bits of an info's header
FLAG_BITS = 4  # an info's header: doc frequency << FLAG_BITS | flags
FOUND_CACHE = 4096  # lookups remembered (a query asks whether a term is there, then reads it)
_SMALL = [bytes([n]) for n in range(128)]


def varint(number: int) -> bytes:
    """``number`` (>= 0) in 7-bit groups, low first; the high bit marks a group that follows."""
    if number < 128:
        return _SMALL[number]
    out = bytearray()
    while number >= 128:
        out.append(number & 127 | 128)
        number >>= 7
    out.append(number)
    return bytes(out)


def read_varint(data: bytes, position: int) -> tuple[int, int]:
    """The varint at ``position`` of ``data`` and the position after it."""
    byte = data[position]
    if byte < 128:
        return byte, position + 1
    number, shift = byte & 127, 7
    while True:
        position += 1
        byte = data[position]
        number |= (byte & 127) << shift
        if byte < 128:
            return number, position + 1
        shift += 7


# ---------------------------------------------------------------- term infos


def inlined_info(ids: tuple, weights: tuple | None, values: tuple, weight_sum: float,
                 min_byte: int, max_byte: int) -> bytes:
    """The info of a term whose postings are kept in the table: ``ids`` (ascending docnums),
    ``weights`` (None: all 1; ints; else floats, with ``weight_sum`` kept too), ``values``
    (all None for a format without them), the shortest and longest document length as W3
    stores them (one byte; one for both when the term is in one document)."""
    flags = INLINED
    parts = [b"", bytes([min_byte]) if len(ids) == 1 else bytes([min_byte, max_byte])]
    parts.extend(map(varint, _gaps(ids)))
    if weights is not None:
        if all(type(weight) is int for weight in weights):
            flags |= WEIGHTS_INT
            parts.extend(map(varint, weights))
        else:
            flags |= WEIGHTS_FLOAT
            parts.append(struct.pack(f"!{len(weights) + 1}f", weight_sum, *weights))
    if values and values[0] is not None:
        flags |= VALUED
        for value in values:
            parts.extend((varint(len(value)), value))
    parts[0] = varint(len(ids) << FLAG_BITS | flags)
    return b"".join(parts)


def packed_inlined_info(count: int, min_byte: int, max_byte: int, gaps: bytes,
                        weights: bytes | None) -> bytes:
    """``inlined_info`` of postings without values, their docnum gaps and (None: all 1)
    whole weights already varints (``varints``)."""
    flags = INLINED | (WEIGHTS_INT if weights is not None else 0)
    lengths = bytes([min_byte]) if count == 1 else bytes([min_byte, max_byte])
    return b"".join((varint(count << FLAG_BITS | flags), lengths, gaps, weights or b""))


_VARINT_LIMITS = np.array([1 << 7, 1 << 14, 1 << 21, 1 << 28], dtype=np.uint64)
_VARINT_SHIFTS = np.arange(0, 35, 7, dtype=np.uint64)


def varints(numbers: np.ndarray) -> tuple[bytes, list[int]]:
    """``varint`` of each number (0 <= n < 2**35), joined, and where each starts (one more
    offset: the end): a chunk's postings at once, not a Python call each."""
    numbers = numbers.astype(np.uint64)
    sizes = 1 + (numbers[:, None] >= _VARINT_LIMITS).sum(axis=1)
    groups = (numbers[:, None] >> _VARINT_SHIFTS) & np.uint64(127)
    column = np.arange(len(_VARINT_SHIFTS))
    follows = column < (sizes - 1)[:, None]
    groups = (groups | (follows.astype(np.uint64) << np.uint64(7))).astype(np.uint8)
    data = groups[column < sizes[:, None]].tobytes()
    return data, [0, *np.cumsum(sizes).tolist()]


def _gaps(ids: tuple) -> list[int]:
    return [ids[0], *(b - a for a, b in zip(ids, ids[1:], strict=False))]


def pointer_info(doc_frequency: int, weight_sum: float, max_weight: float, min_byte: int,
                 max_byte: int, first: int, last: int, offset: int, size: int) -> bytes:
    """The info of a term whose postings are in the postings file at ``offset``."""
    return b"".join((varint(doc_frequency << FLAG_BITS),
                     POINTER.pack(weight_sum, max_weight, min_byte, max_byte),
                     varint(first), varint(last - first), varint(offset), varint(size)))


def read_info(data: bytes) -> W3TermInfo:
    """The W3TermInfo an info of this table stands for (what W3's table would give)."""
    header, position = read_varint(data, 0)
    info = W3TermInfo()
    info._df = count = header >> FLAG_BITS
    if not header & INLINED:
        (info._weight, info._maxweight, min_byte, max_byte) = POINTER.unpack_from(data, position)
        position += POINTER.size
        info._minid, position = read_varint(data, position)
        last, position = read_varint(data, position)
        info._maxid = info._minid + last
        info._offset, position = read_varint(data, position)
        info._length, position = read_varint(data, position)
        info._minlength, info._maxlength = byte_to_length(min_byte), byte_to_length(max_byte)
        return info
    min_byte = max_byte = data[position]
    if count > 1:
        max_byte = data[position + 1]
    position += 1 if count == 1 else 2
    ids, docnum = [], 0
    for _ in range(count):
        gap, position = read_varint(data, position)
        docnum += gap
        ids.append(docnum)
    weights = None
    if header & WEIGHTS_INT:
        weights = []
        for _ in range(count):
            weight, position = read_varint(data, position)
            weights.append(weight)
        weights = tuple(weights)
        info._weight, info._maxweight = float(sum(weights)), float(max(weights))
    elif header & WEIGHTS_FLOAT:
        floats = struct.unpack_from(f"!{count + 1}f", data, position)
        position += 4 * (count + 1)
        info._weight, weights = floats[0], floats[1:]
        info._maxweight = max(weights)
    else:
        info._weight, info._maxweight = float(count), 1.0
    values = (None,) * count
    if header & VALUED:
        values = []
        for _ in range(count):
            size, position = read_varint(data, position)
            values.append(data[position:position + size])
            position += size
        values = tuple(values)
    info._minid, info._maxid = ids[0], ids[-1]
    info._minlength, info._maxlength = byte_to_length(min_byte), byte_to_length(max_byte)
    info._inlined = (tuple(ids), weights, values)
    return info


# ---------------------------------------------------------------- the table


class TermsTableWriter:
    """Writes (key, info) entries, given in key order, as blocks of front-coded keys."""

    def __init__(self, dbfile):
        self.dbfile = dbfile
        self.fieldmap: dict[str, int] = {}
        self.position = 0  # bytes written
        self.offsets: list[int] = []  # each block's
        self.first_keys: list[bytes] = []  # each block's
        self.in_block = BLOCK
        self.last = b""

    def add(self, key: bytes, info: bytes) -> None:
        self.add_many([(key, info)])

    def add_many(self, entries: list[tuple[bytes, bytes]]) -> None:
        """Write entries whose keys follow, in byte order, those written before."""
        if entries and entries[0][0] <= self.last and self.offsets:
            raise ValueError(f"terms table key {entries[0][0]!r} after {self.last!r}")
        parts, position, last, in_block = [], self.position, self.last, self.in_block
        for key, info in entries:
            if in_block == BLOCK:
                self.offsets.append(position)
                self.first_keys.append(key)
                shared, in_block = 0, 0
            else:
                shared = _shared(last, key)
            entry = b"".join((_SMALL[shared] if shared < 128 else varint(shared),
                              varint(len(key) - shared), key[shared:], varint(len(info)), info))
            parts.append(entry)
            position += len(entry)
            last, in_block = key, in_block + 1
        self.dbfile.write(b"".join(parts))
        self.position, self.last, self.in_block = position, last, in_block

    def close(self) -> None:
        """Write the block index, the field map and the trailer; close the file."""
        index = [np.array(self.offsets, dtype=">u8").tobytes(),
                 np.array([len(key) for key in self.first_keys], dtype=">u2").tobytes(),
                 *self.first_keys]
        fieldmap = json.dumps(self.fieldmap).encode("utf-8")
        self.dbfile.write(b"".join(index) + fieldmap + TRAILER.pack(
            MAGIC, self.position, len(self.offsets), len(fieldmap)))
        self.dbfile.close()


def _shared(before: bytes, key: bytes) -> int:
    """How many bytes ``key`` starts with that ``before`` starts with too (the first byte
    that differs is the highest set in the two read as numbers, xor-ed)."""
    size = min(len(before), len(key))
    differ = int.from_bytes(before[:size], "big") ^ int.from_bytes(key[:size], "big")
    return size - (differ.bit_length() + 7) // 8


class TermsTable:
    """Reads a ``TermsTableWriter``'s table: the block index at once, blocks as asked."""

    def __init__(self, dbfile, length: int):
        self.dbfile = dbfile
        magic, index_at, blocks, map_size = TRAILER.unpack(
            dbfile.get(length - TRAILER.size, TRAILER.size))
        if magic != MAGIC:
            raise ValueError("not a compact terms table")
        data = dbfile.get(index_at, length - TRAILER.size - index_at)
        self.offsets = [*np.frombuffer(data, ">u8", blocks).tolist(), index_at]
        sizes = np.frombuffer(data, ">u2", blocks, 8 * blocks).astype(np.int64)
        ends = np.cumsum(sizes) + 10 * blocks
        self.first_keys = [data[start:end] for start, end in zip((ends - sizes).tolist(),
                                                                 ends.tolist(), strict=True)]
        position = 10 * blocks + int(sizes.sum())
        self.fieldmap: dict[str, int] = json.loads(data[position:position + map_size])
        self.found: dict[bytes, bytes | None] = {}

    def get(self, key: bytes) -> bytes | None:
        """The info of ``key``, None if the table has no such key."""
        if key in self.found:
            return self.found[key]
        found = None
        block = bisect_right(self.first_keys, key) - 1
        if block >= 0:
            for entry, info in self.entries(block):
                if entry >= key:
                    found = info if entry == key else None
                    break
        if len(self.found) >= FOUND_CACHE:
            self.found.clear()
        self.found[key] = found
        return found

    def entries(self, block: int) -> Iterator[tuple[bytes, bytes]]:
        """(key, info) of the entries of one block."""
        data = self.dbfile.get(self.offsets[block], self.offsets[block + 1] - self.offsets[block])
        position, key, end = 0, b"", len(data)
        while position < end:
            shared, size = data[position], data[position + 1]
            if shared < 128 and size < 128:  # nearly always: read inline, not by a call
                position += 2
            else:
                shared, position = read_varint(data, position)
                size, position = read_varint(data, position)
            key = key[:shared] + data[position:position + size]
            position += size
            size = data[position]
            if size < 128:
                position += 1
            else:
                size, position = read_varint(data, position)
            yield key, data[position:position + size]
            position += size

    def entries_from(self, key: bytes) -> Iterator[tuple[bytes, bytes]]:
        """(key, info) of every entry from ``key`` on, in key order."""
        first = max(0, bisect_right(self.first_keys, key) - 1)
        for block in range(first, len(self.first_keys)):
            for entry, info in self.entries(block):
                if entry >= key:
                    yield entry, info

    def close(self) -> None:
        self.dbfile.close()


class CompactTermsReader(W3TermsReader):
    """W3's terms reader over a compact table (``TermsTable``)."""

    def __init__(self, codec, dbfile, length: int, postfile):  # noqa: D107 - W3's, other table
        self._codec, self._dbfile, self._postfile = codec, dbfile, postfile
        self._tindex = TermsTable(dbfile, length)
        self._fieldmap = self._tindex.fieldmap
        self._fieldunmap = [None] * len(self._fieldmap)
        for fieldname, number in self._fieldmap.items():
            self._fieldunmap[number] = fieldname

    def __contains__(self, term) -> bool:
        return self._tindex.get(self._keycoder(*term)) is not None

    def cursor(self, fieldname, fieldobj):
        return CompactFieldCursor(self, fieldname, fieldobj)

    def terms(self):
        return self.terms_from(None, b"")

    def terms_from(self, fieldname, prefix: bytes):
        start = self._keycoder(fieldname, prefix) if fieldname is not None else b""
        return (self._keydecoder(key) for key, _ in self._tindex.entries_from(start))

    def items(self):
        return self.items_from(None, b"")

    def items_from(self, fieldname, prefix: bytes):
        start = self._keycoder(fieldname, prefix) if fieldname is not None else b""
        return ((self._keydecoder(key), read_info(info))
                for key, info in self._tindex.entries_from(start))

    def term_info(self, fieldname, tbytes: bytes) -> W3TermInfo:
        info = self._tindex.get(self._keycoder(fieldname, tbytes))
        if info is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return read_info(info)

    def frequency(self, fieldname, tbytes: bytes) -> float:
        return self._info(fieldname, tbytes).weight()

    def doc_frequency(self, fieldname, tbytes: bytes) -> int:
        return self._info(fieldname, tbytes).doc_frequency()

    def _info(self, fieldname, tbytes: bytes) -> W3TermInfo:
        """The term's info; KeyError (which Whoosh's reader counts as 0) if there is none."""
        info = self._tindex.get(self._keycoder(fieldname, tbytes))
        if info is None:
            raise KeyError(tbytes)
        return read_info(info)


class CompactFieldCursor(FieldCursor):
    """A field's terms one at a time (Whoosh's ``FieldCursor``) over a compact table."""

    def __init__(self, reader: CompactTermsReader, fieldname: str, fieldobj):
        self.reader, self.fieldname, self.fieldobj = reader, fieldname, fieldobj
        self.first()

    def first(self):
        return self.find(b"")

    def find(self, term):
        if not isinstance(term, bytes):
            term = self.fieldobj.to_bytes(term)
        self._items = self.reader._tindex.entries_from(self.reader._keycoder(self.fieldname,
                                                                             term))
        return self.next()

    def next(self):
        self._text = self._info = None
        for key, info in self._items:
            fieldname, text = self.reader._keydecoder(key)
            if fieldname == self.fieldname:
                self._text, self._info = self.fieldobj.from_bytes(text), info
            break
        return self._text

    def text(self):
        return self._text

    def term_info(self):
        return None if self._info is None else read_info(self._info)

    def is_valid(self) -> bool:
        return self._text is not None

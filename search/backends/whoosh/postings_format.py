"""The postings file's format: a term's docnums and frequencies as bit-packed blocks with
exceptions (patched frame of reference, PFOR, as Lucene's), written for many terms at once
and read with numpy a whole list at a time.

Whoosh's W3 format pickles each block of 128 postings (docnum gaps, weights, values) and
compresses it with zlib: news-xwlb's postings took 34.9 MB, 2.7 bytes a posting, and reading
them (a pickle and a zlib call a block) was a fifth of a headline query; here they take
16.1 MB, and decoding them a tenth (300 headline queries on the full corpus under cProfile:
5.2 s of 17.0 before, 1.2 s of 11.5 after). A list of ``n`` postings is

- a flags byte (``FREQUENCIES``, ``FLOATS``, ``VALUES``, ``FREQUENCY_VALUES``);
- its numbers in blocks of ``BLOCK``: first its docnum gaps (the first docnum, then each
  docnum less the one before, less 1: a term on every passage of an article has gaps of 0),
  then, with ``FREQUENCIES``, each weight less 1 (without: each weight is 1). Each block's
  bit width, a byte a block; each block's number of exceptions, a byte a block; every
  number's low ``width`` bits, least significant first, block after block, padded to a
  byte at the end; each exception's place in its block, a byte each; and each exception's
  bits above its block's width, a byte each. A block's width is the one that makes it
  smallest, of those at most ``HIGH_BITS`` short of its widest number;
- with ``FLOATS``, the weights as little-endian float32 (weights that are not whole
  numbers from 1 to 2**40);
- with ``VALUES``, each posting's value as a varint size, then the values; with
  ``FREQUENCY_VALUES``, none: each value is Whoosh's ``Frequency`` encoding of the weight
  (a KEYWORD field's), rebuilt when read.

A list is decoded with a few numpy calls whatever its length: a list of at most ``BLOCK``
postings with one ``numpy.unpackbits``, a longer one with one gather of every number's
bits. How many postings a list has, and where it starts and ends, is in the terms
table (``terms.pointer_info``); a list of at most ``codec.INLINE`` postings is kept there
instead (``terms.inlined_info``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from whoosh.system import pack_uint

from .terms import read_varint, varints

BLOCK = 128  # numbers a block
FREQUENCIES, FLOATS, VALUES, FREQUENCY_VALUES = 1, 2, 4, 8  # a list's flags
HIGH_BITS = 8  # an exception's bits above its block's width: a byte
WHOLE = 1 << 40  # whole weights below this are packed; others are kept as float32
_MASKS = np.array([(1 << width) - 1 for width in range(65)], dtype=np.uint64)
_BYTE_PLACES = np.arange(0, 64, 8, dtype=np.uint64)


def _exclusive_sum(counts: np.ndarray) -> np.ndarray:
    """Where each of runs of ``counts`` items starts."""
    return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def bit_lengths(numbers: np.ndarray) -> np.ndarray:
    """Each number's bit length (0 for 0); numbers below 2**52."""
    return np.frexp(numbers.astype(np.float64))[1].astype(np.int64)


def _widths(lengths: np.ndarray, block_starts: np.ndarray, block_of: np.ndarray,
            sizes: np.ndarray) -> np.ndarray:
    """Each block's width: of those at most ``HIGH_BITS`` short of its widest number, the
    one that makes the block smallest (an exception costs two bytes)."""
    top = np.maximum.reduceat(lengths, block_starts)
    best, best_cost = top, sizes * top
    for short in range(1, HIGH_BITS + 1):
        width = np.maximum(top - short, 0)
        exceptions = np.bincount(block_of, lengths > width[block_of], minlength=len(sizes))
        cost = sizes * width + 16 * exceptions.astype(np.int64)
        better = cost < best_cost
        best, best_cost = np.where(better, width, best), np.where(better, cost, best_cost)
    return best


def pack_blocks(numbers: np.ndarray, block_starts: np.ndarray,
                blocks_of_list: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lists of blocks of numbers (>= 0, below 2**52): block ``i`` from ``block_starts[i]``
    to the next start (the last to the end), list ``j`` its ``blocks_of_list[j]`` blocks
    after those of the lists before; each list packed (see the module, after the flags).
    Returns the packed lists as one byte array and where each starts (one more: the end)."""
    numbers = numbers.astype(np.uint64)
    count, blocks, lists = len(numbers), len(block_starts), len(blocks_of_list)
    sizes = np.diff(np.append(block_starts, count)).astype(np.int64)
    block_of = np.repeat(np.arange(blocks), sizes)
    list_of_block = np.repeat(np.arange(lists), blocks_of_list)
    first_block = _exclusive_sum(blocks_of_list)  # each list's first block
    block_in_list = np.arange(blocks) - first_block[list_of_block]
    lengths = bit_lengths(numbers)
    widths = _widths(lengths, block_starts, block_of, sizes) if count else sizes
    width_of = widths[block_of]
    exceptional = np.flatnonzero(lengths > width_of)
    exception_block = block_of[exceptional]
    exceptions_of_block = np.bincount(exception_block, minlength=blocks)

    bit_bytes = (np.bincount(list_of_block, sizes * widths, minlength=lists).astype(np.int64)
                 + 7) // 8
    exceptions_of_list = np.bincount(list_of_block, exceptions_of_block,
                                     minlength=lists).astype(np.int64)
    list_sizes = 2 * blocks_of_list + bit_bytes + 2 * exceptions_of_list
    offsets = np.concatenate(([0], np.cumsum(list_sizes))).astype(np.int64)
    out = np.zeros(int(offsets[-1]), dtype=np.uint8)

    head = offsets[list_of_block] + block_in_list  # each block's width byte
    out[head] = widths
    out[head + blocks_of_list[list_of_block]] = exceptions_of_block
    bits_at = offsets[:-1] + 2 * blocks_of_list
    list_of = list_of_block[block_of]
    within = np.cumsum(width_of) - width_of
    within -= np.append(within, 0)[np.append(block_starts, count)[first_block]][list_of]
    _scatter_bits(out, bits_at[list_of] * 8 + within, numbers & _MASKS[width_of])

    exception_list = list_of_block[exception_block]
    places_at = bits_at + bit_bytes
    order = np.arange(len(exceptional)) - _exclusive_sum(exceptions_of_list)[exception_list]
    at = places_at[exception_list] + order
    out[at] = exceptional - block_starts[exception_block]
    out[at + exceptions_of_list[exception_list]] = numbers[exceptional] >> width_of[
        exceptional].astype(np.uint64)
    return out, offsets


def _scatter_bits(out: np.ndarray, positions: np.ndarray, numbers: np.ndarray) -> None:
    """OR each number into ``out`` from bit ``positions`` on (least significant first); the
    numbers' bits do not overlap."""
    shifted = numbers << (positions & 7).astype(np.uint64)
    base = positions >> 3
    for place in range((int(shifted.max(initial=0)).bit_length() + 7) // 8):
        part = (shifted >> _BYTE_PLACES[place]) & np.uint64(255)
        some = np.flatnonzero(part)
        if not len(some):  # (a byte every number has 0 in: 256's first)
            continue
        sums = np.bincount(base[some] + place, part[some].astype(np.float64),
                           minlength=len(out))  # disjoint bits: the sum is the OR
        out |= sums.astype(np.uint8)


@lru_cache(maxsize=4096)
def _layout(count: int, runs: int) -> tuple[np.ndarray, np.ndarray]:
    """For ``runs`` runs of ``count`` numbers: each block's size, and where each block's
    first number is among them."""
    blocks = -(-count // BLOCK)
    sizes = np.full(blocks, BLOCK, dtype=np.int64)
    if blocks:
        sizes[-1] = count - BLOCK * (blocks - 1)
    sizes = np.tile(sizes, runs)
    firsts = _exclusive_sum(sizes)
    sizes.flags.writeable = firsts.flags.writeable = False  # shared by every such list
    return sizes, firsts


_PLACES = np.arange(1 << 16, dtype=np.int64)  # (as many as a list's numbers, when fewer)
_POWERS = 1 << np.arange(63, dtype=np.int64)


def unpack(data: bytes, position: int, count: int, runs: int) -> tuple[list, int]:
    """The ``runs`` runs of ``count`` numbers each at ``position`` of ``data`` (int64 arrays),
    and the position after them: a run of one block with ``numpy.unpackbits`` (a few calls),
    longer ones by reading each number's bits at once (more calls, fewer a number)."""
    if count > BLOCK:
        numbers, position = _gathered(data, position, count, runs)
        return [numbers[run * count:(run + 1) * count] for run in range(runs)], position
    widths = data[position:position + runs]
    exceptions = data[position + runs:position + 2 * runs]
    position += 2 * runs
    bits = count * sum(widths)
    size = (bits + 7) // 8
    if bits:
        unpacked = np.unpackbits(np.frombuffer(data, np.uint8, size, position), count=bits,
                                 bitorder="little")
    position += size
    found, at = [], 0
    for width in widths:
        if width > 1:
            found.append(unpacked[at:at + count * width].reshape(count, width)
                         @ _POWERS[:width])
        elif width:
            found.append(unpacked[at:at + count].astype(np.int64))
        else:
            found.append(np.zeros(count, dtype=np.int64))
        at += count * width
    total = sum(exceptions)
    places = position
    for numbers, width, exceptional in zip(found, widths, exceptions, strict=True):
        for place in range(places, places + exceptional):  # a few: one at a time
            numbers[data[place]] += data[place + total] << width
        places += exceptional
    return found, position + 2 * total


def _gathered(data: bytes, position: int, count: int, runs: int) -> tuple[np.ndarray, int]:
    """``unpack``'s runs one after the other (int64), each number's bits read from the 8
    bytes it starts in (one gather for the whole list), and the position after them."""
    sizes, firsts = _layout(count, runs)
    blocks = len(sizes)
    widths = np.frombuffer(data, np.uint8, blocks, position)
    exceptions = data[position + blocks:position + 2 * blocks]
    position += 2 * blocks
    width_of = widths.repeat(sizes).astype(np.uint64)
    places = width_of.cumsum()
    bits = int(places[-1])
    size = (bits + 7) // 8
    if bits:
        places -= width_of
        region = data[position:position + size] + bytes(8)
        windows = np.ndarray((size + 1,), dtype="<u8", buffer=region, strides=(1,))
        numbers = windows[places >> np.uint64(3)]
        numbers >>= places & np.uint64(7)
        numbers &= _MASKS[width_of]
    else:
        numbers = np.zeros(len(width_of), dtype=np.uint64)
    position += size
    total = sum(exceptions)
    if total:
        where = np.frombuffer(data, np.uint8, total, position) + firsts.repeat(
            np.frombuffer(exceptions, np.uint8))
        highs = np.frombuffer(data, np.uint8, total, position + total).astype(np.uint64)
        numbers[where] |= highs << width_of[where]
        position += 2 * total
    return numbers.view(np.int64), position


def encode_lists(docnums: np.ndarray, weights: np.ndarray, values: np.ndarray | None,
                 starts: np.ndarray) -> tuple[bytes, list[int]]:
    """Posting lists in this format, list ``i`` the postings from ``starts[i]`` to the next
    start (the last to the end): ``docnums`` ascending in each list, ``weights``, and
    ``values`` (None for a format without them); returns the lists joined and where each
    starts (one more: the end)."""
    count, lists = len(docnums), len(starts)
    starts = np.asarray(starts, dtype=np.int64)
    sizes = np.diff(np.append(starts, count))
    list_of = np.repeat(np.arange(lists), sizes)
    docnums = docnums.astype(np.int64)
    gaps = np.empty(count, dtype=np.int64)
    gaps[1:] = docnums[1:] - docnums[:-1] - 1
    filled = starts[sizes > 0]
    gaps[filled] = docnums[filled]
    weights = weights.astype(np.float64)
    whole = (weights == np.floor(weights)) & (weights >= 1) & (weights < WHOLE)
    floats = np.bincount(list_of, ~whole, minlength=lists) > 0
    counted = ~floats & (np.bincount(list_of, weights != 1, minlength=lists) > 0)
    # each list's numbers: its gaps, then (when counted) its weights less 1
    runs = 1 + counted.astype(np.int64)
    first = _exclusive_sum(sizes * runs)
    numbers = np.empty(count + int(sizes[counted].sum()), dtype=np.int64)
    numbers[first[list_of] + _within(sizes)] = gaps
    chosen = counted[list_of]
    numbers[(first + sizes)[list_of[chosen]] + _within(sizes)[chosen]] = weights[chosen] - 1
    run_list = np.repeat(np.arange(lists), runs)
    run_sizes = sizes[run_list]
    blocks_of_run = -(-run_sizes // BLOCK)
    block_starts = (np.repeat(first[run_list] + _within(runs) * run_sizes, blocks_of_run)
                    + BLOCK * _within(blocks_of_run))
    blocks_of_list = np.bincount(run_list, blocks_of_run, minlength=lists).astype(np.int64)
    packed, at = pack_blocks(numbers, block_starts, blocks_of_list)
    at = at.tolist()
    parts, offsets = [], [0]
    for index, (start, size) in enumerate(zip(starts.tolist(), sizes.tolist(), strict=True)):
        flags, tail = 0, []
        if counted[index]:
            flags |= FREQUENCIES
        elif floats[index]:
            flags |= FLOATS
            tail.append(weights[start:start + size].astype("<f4").tobytes())
        if values is not None and size:
            flag, encoded = _values(values[start:start + size], weights[start:start + size])
            flags |= flag
            tail.append(encoded)
        part = b"".join((bytes([flags]), packed[at[index]:at[index + 1]].tobytes(), *tail))
        parts.append(part)
        offsets.append(offsets[-1] + len(part))
    return b"".join(parts), offsets


def _within(sizes: np.ndarray) -> np.ndarray:
    """Each item's place in its run, for runs of ``sizes`` items."""
    return np.arange(int(sizes.sum())) - np.repeat(_exclusive_sum(sizes), sizes)


def _values(values: np.ndarray, weights: np.ndarray) -> tuple[int, bytes]:
    """A list's values: nothing when each is Whoosh's ``Frequency`` encoding of its whole
    weight (``FREQUENCY_VALUES``), else each as its size (a varint) and its bytes."""
    if all(weight.is_integer() and value == _frequency(int(weight))
           for value, weight in zip(values.tolist(), weights.tolist(), strict=True)):
        return FREQUENCY_VALUES, b""
    values = [value or b"" for value in values.tolist()]
    sizes, _ = varints(np.array([len(value) for value in values]))
    return VALUES, sizes + b"".join(values)


def _frequency(number: int) -> bytes:
    return pack_uint(number) if 0 <= number < 1 << 32 else b""


def decode(data: bytes, count: int) -> tuple[np.ndarray, np.ndarray, list | None]:
    """A list of ``count`` postings from its bytes: (docnums, weights, values), docnums
    int64, weights float64, values a list of bytes, None when the list has none."""
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0), None
    flags = data[0]
    counted = flags & FREQUENCIES
    numbers, position = unpack(data, 1, count, 2 if counted else 1)
    docnums = numbers[0].cumsum()
    docnums += _PLACES[:count] if count <= len(_PLACES) else np.arange(count)
    if counted:
        weights = numbers[1] + 1.0
    elif flags & FLOATS:
        weights = np.frombuffer(data, "<f4", count, position).astype(np.float64)
        position += 4 * count
    else:
        weights = np.ones(count)
    values = None
    if flags & FREQUENCY_VALUES:
        values = [_frequency(weight) for weight in weights.astype(np.int64).tolist()]
    elif flags & VALUES:
        values = _read_values(data, position, count)
    return docnums, weights, values


def _read_values(data: bytes, position: int, count: int) -> list[bytes]:
    """``count`` values, each a varint size, then their bytes."""
    sizes = []
    for _ in range(count):
        size, position = read_varint(data, position)
        sizes.append(size)
    found = []
    for size in sizes:
        found.append(data[position:position + size])
        position += size
    return found

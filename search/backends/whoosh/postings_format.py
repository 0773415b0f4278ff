"""The postings file's format: a term's docnums and frequencies as bit-packed blocks with
exceptions (PFOR, as Lucene's), written for many terms at once and read with numpy a whole
list at a time.

Whoosh's W3 format pickles each block of 128 postings (docnum gaps, weights, values) and
compresses it with zlib: news-xwlb's postings took 34.9 MB, 2.5 bytes a posting, and reading
them (a pickle and a zlib call a block) was a fifth of a headline query. Here a list is

- a flags byte (``FREQUENCIES``, ``FLOATS``, ``VALUES``, ``FREQUENCY_VALUES``);
- its docnum gaps as a packed run (``pack_runs``): the first docnum, then each docnum less
  the one before, less 1 (a term on every passage of an article has gaps of 0);
- with ``FREQUENCIES``, each weight less 1 as a packed run (none: each weight is 1); with
  ``FLOATS`` instead, the weights as little-endian float32 (weights that are not whole);
- with ``VALUES``, each posting's value as a varint size and its bytes; with
  ``FREQUENCY_VALUES``, none: each value is Whoosh's ``Frequency`` encoding of the weight
  (a KEYWORD field's), rebuilt when read.

A packed run of ``n`` numbers is in blocks of ``BLOCK``: each block's bit width, a byte per
block; each block's number of exceptions, a byte per block; every number's low ``width``
bits, least significant first, the blocks one after another, padded to a byte at the end;
each exception's place in its block, a byte each; and each exception's bits above its
block's width, as varints. A block's width is the one that makes the block smallest.

How many postings a list has, and where it starts and ends, is in the terms table
(``terms.pointer_info``); a list of at most ``postings.INLINE`` postings is kept there
instead (``terms.inlined_info``).
"""

from __future__ import annotations

import numpy as np
from whoosh.system import pack_uint

from .terms import varints

BLOCK = 128  # numbers a block of a packed run
FREQUENCIES, FLOATS, VALUES, FREQUENCY_VALUES = 1, 2, 4, 8  # a list's flags
MAX_BITS = 40  # numbers (docnum gaps, weights) are below 2**MAX_BITS
_BYTE_PLACES = np.arange(0, 64, 8, dtype=np.uint64)


def _exclusive_sum(counts: np.ndarray) -> np.ndarray:
    """Where each of runs of ``counts`` items starts."""
    return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def bit_lengths(numbers: np.ndarray) -> np.ndarray:
    """Each number's bit length (0 for 0); numbers below 2**MAX_BITS."""
    return np.frexp(numbers.astype(np.float64))[1].astype(np.int64)


def _widths(lengths: np.ndarray, block_of: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each block's width: the bits a number that make the block smallest, counting each
    exception's place (a byte) and the varint of its bits above the width."""
    top = int(lengths.max(initial=0))
    counts = np.bincount(block_of * (top + 1) + lengths,
                         minlength=len(sizes) * (top + 1)).reshape(len(sizes), top + 1)
    costs = np.empty((len(sizes), top + 1), dtype=np.int64)
    for width in range(top + 1):
        above = np.arange(width + 1, top + 1)
        exception_bits = 8 * (1 + -(-(above - width) // 7))
        costs[:, width] = sizes * width + counts[:, width + 1:] @ exception_bits
    return np.argmin(costs, axis=1)


def pack_runs(numbers: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of numbers (>= 0, below 2**MAX_BITS), run ``i`` from ``starts[i]`` to the next
    start (the last to the end), each packed (see the module); returns the packed runs as
    one byte array and where each starts (one more: the end)."""
    numbers = numbers.astype(np.uint64)
    count, runs = len(numbers), len(starts)
    ends = np.append(starts[1:], count).astype(np.int64)
    blocks_of_run = -(-(ends - starts) // BLOCK)
    blocks = int(blocks_of_run.sum())
    run_of_block = np.repeat(np.arange(runs), blocks_of_run)
    block_in_run = np.arange(blocks) - np.repeat(_exclusive_sum(blocks_of_run), blocks_of_run)
    block_starts = starts[run_of_block] + block_in_run * BLOCK
    sizes = np.minimum(BLOCK, ends[run_of_block] - block_starts)
    block_of = np.repeat(np.arange(blocks), sizes)
    lengths = bit_lengths(numbers)
    widths = _widths(lengths, block_of, sizes)
    width_of = widths[block_of]
    exceptional = np.flatnonzero(lengths > width_of)
    exception_block = block_of[exceptional]
    exceptions_of_block = np.bincount(exception_block, minlength=blocks)
    highs, high_starts = varints(numbers[exceptional] >> width_of[exceptional].astype(np.uint64))
    high_starts = np.asarray(high_starts, dtype=np.int64)

    run_bits = np.bincount(run_of_block, sizes * widths, minlength=runs).astype(np.int64)
    bit_bytes = (run_bits + 7) // 8
    exceptions_of_run = np.bincount(run_of_block, exceptions_of_block, minlength=runs)
    exceptions_of_run = exceptions_of_run.astype(np.int64)
    first_exception = _exclusive_sum(exceptions_of_run)
    high_bytes = (high_starts[first_exception + exceptions_of_run] - high_starts[first_exception])
    run_sizes = 2 * blocks_of_run + bit_bytes + exceptions_of_run + high_bytes
    offsets = np.concatenate(([0], np.cumsum(run_sizes))).astype(np.int64)
    out = np.zeros(int(offsets[-1]), dtype=np.uint8)

    head = offsets[run_of_block] + block_in_run  # each block's width byte
    out[head] = widths
    out[head + blocks_of_run[run_of_block]] = exceptions_of_block
    bits_at = (offsets + np.append(2 * blocks_of_run, 0))[:-1]  # each run's bits
    run_of = run_of_block[block_of]
    within = np.cumsum(width_of) - width_of
    within -= np.append(within, 0)[starts][run_of]  # (an empty run has none)
    _scatter_bits(out, bits_at[run_of] * 8 + within,
                  numbers & ((np.uint64(1) << width_of.astype(np.uint64)) - np.uint64(1)))

    exception_run = run_of_block[exception_block]
    places_at = bits_at + bit_bytes
    order = np.arange(len(exceptional)) - first_exception[exception_run]
    out[places_at[exception_run] + order] = exceptional - block_starts[exception_block]
    highs_at = places_at + exceptions_of_run
    high_sizes = np.diff(high_starts)
    byte_run = np.repeat(exception_run, high_sizes)
    out[highs_at[byte_run] + np.arange(len(highs)) - high_starts[first_exception][byte_run]] = \
        np.frombuffer(highs, dtype=np.uint8)
    return out, offsets


def _scatter_bits(out: np.ndarray, positions: np.ndarray, numbers: np.ndarray) -> None:
    """OR each number into ``out`` from bit ``positions`` on (least significant first); the
    numbers' bits do not overlap."""
    shifted = numbers << (positions & 7).astype(np.uint64)
    base = positions >> 3
    for place in range(8):
        part = (shifted >> _BYTE_PLACES[place]) & np.uint64(255)
        some = np.flatnonzero(part)
        if not len(some):
            break
        sums = np.bincount(base[some] + place, part[some].astype(np.float64),
                           minlength=len(out))  # disjoint bits: the sum is the OR
        out |= sums.astype(np.uint8)


def unpack(data: bytes, position: int, count: int) -> tuple[np.ndarray, int]:
    """The ``count`` numbers of the packed run at ``position`` of ``data`` (int64), and the
    position after it."""
    blocks = -(-count // BLOCK)
    head = np.frombuffer(data, np.uint8, 2 * blocks, position)
    position += 2 * blocks
    widths, exceptions = head[:blocks].astype(np.uint64), head[blocks:]
    if blocks == 1:
        width_of = widths[0]
        places = np.arange(count, dtype=np.uint64) * width_of
        bits = int(width_of) * count
    else:
        sizes = np.full(blocks, BLOCK)
        sizes[-1] = count - BLOCK * (blocks - 1)
        width_of = np.repeat(widths, sizes)
        places = np.cumsum(width_of) - width_of
        bits = int(places[-1] + width_of[-1]) if count else 0
    size = (bits + 7) // 8
    if bits:
        region = data[position:position + size] + bytes(8)
        windows = np.ndarray((size + 1,), dtype="<u8", buffer=region, strides=(1,))
        numbers = (windows[places >> np.uint64(3)] >> (places & np.uint64(7))) & (
            (np.uint64(1) << width_of) - np.uint64(1))
    else:
        numbers = np.zeros(count, dtype=np.uint64)
    position += size
    total = int(exceptions.sum())
    if total:
        where = np.frombuffer(data, np.uint8, total, position).astype(np.int64) + np.repeat(
            np.arange(0, blocks * BLOCK, BLOCK), exceptions)
        highs, position = read_varints(data, position + total, total)
        numbers[where] |= highs << (width_of if blocks == 1 else width_of[where])
    return numbers.astype(np.int64), position


def read_varints(data: bytes, position: int, count: int) -> tuple[np.ndarray, int]:
    """The ``count`` varints (``terms.varint``) at ``position`` of ``data`` (uint64), and the
    position after them."""
    window = np.frombuffer(data, np.uint8, min(len(data) - position, 6 * count), position)
    last = np.flatnonzero(window < 128)[:count]
    if len(last) < count:
        raise ValueError("a posting list's varints run past its end")
    size = int(last[-1]) + 1
    window = window[:size]
    firsts = np.concatenate(([0], last[:-1] + 1))
    shift = 7 * (np.arange(size) - np.repeat(firsts, last - firsts + 1))
    numbers = np.add.reduceat((window & 127).astype(np.uint64) << shift.astype(np.uint64),
                              firsts)
    return numbers, position + size


def encode_lists(docnums: np.ndarray, weights: np.ndarray, values: np.ndarray | None,
                 starts: np.ndarray) -> tuple[bytes, list[int]]:
    """Posting lists in this format, list ``i`` the postings from ``starts[i]`` to the next
    start (the last to the end): ``docnums`` ascending in each list, ``weights``, and
    ``values`` (None for a format without them); returns the lists joined and where each
    starts (one more: the end)."""
    count, runs = len(docnums), len(starts)
    starts = np.asarray(starts, dtype=np.int64)
    sizes = np.diff(np.append(starts, count))
    run_of = np.repeat(np.arange(runs), sizes)
    docnums = docnums.astype(np.int64)
    gaps = np.empty(count, dtype=np.int64)
    gaps[1:] = docnums[1:] - docnums[:-1] - 1
    filled = starts[sizes > 0]
    gaps[filled] = docnums[filled]
    weights = weights.astype(np.float64)
    whole = (weights == np.floor(weights)) & (weights >= 1)
    floats = np.bincount(run_of, ~whole, minlength=runs) > 0
    counted = ~floats & (np.bincount(run_of, weights != 1, minlength=runs) > 0)
    packed_gaps, gap_at = pack_runs(gaps, starts)
    chosen = counted[run_of]
    packed_counts, count_at = pack_runs((weights[chosen] - 1).astype(np.int64),
                                        _exclusive_sum(sizes[counted]))
    gap_at, count_at = gap_at.tolist(), count_at.tolist()
    parts, offsets, counts_done = [], [0], 0
    for run, (start, size) in enumerate(zip(starts.tolist(), sizes.tolist(), strict=True)):
        flags, tail = 0, []
        if counted[run]:
            flags |= FREQUENCIES
            tail.append(packed_counts[count_at[counts_done]:count_at[counts_done + 1]].tobytes())
            counts_done += 1
        elif floats[run]:
            flags |= FLOATS
            tail.append(weights[start:start + size].astype("<f4").tobytes())
        if values is not None and size:
            flag, encoded = _values(values[start:start + size], weights[start:start + size])
            flags |= flag
            tail.append(encoded)
        part = b"".join((bytes([flags]), packed_gaps[gap_at[run]:gap_at[run + 1]].tobytes(),
                         *tail))
        parts.append(part)
        offsets.append(offsets[-1] + len(part))
    return b"".join(parts), offsets


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
    gaps, position = unpack(data, 1, count)
    docnums = np.cumsum(gaps + 1) - 1
    if flags & FREQUENCIES:
        counts, position = unpack(data, position, count)
        weights = (counts + 1).astype(np.float64)
    elif flags & FLOATS:
        weights = np.frombuffer(data, "<f4", count, position).astype(np.float64)
        position += 4 * count
    else:
        weights = np.ones(count)
    values = None
    if flags & FREQUENCY_VALUES:
        values = [_frequency(weight) for weight in weights.astype(np.int64).tolist()]
    elif flags & VALUES:
        sizes, position = read_varints(data, position, count)
        ends = (position + np.cumsum(sizes)).tolist()
        values = [data[end - size:end] for end, size in zip(ends, sizes.tolist(), strict=True)]
    return docnums, weights, values

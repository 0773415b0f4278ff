"""The postings file's format (``postings_format.py``) gives back the lists it was given:
docnums, weights and values, one list or many written together; and Whoosh's own matcher
reads them (``codec.ArrayMatcher``)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.formats import Existence, Frequency
from whoosh.matching import ReadTooFar
from whoosh.system import pack_uint

from search.backends.whoosh.codec import ArrayMatcher, CompactCodec
from search.backends.whoosh.postings_format import (
    BLOCK,
    FLOATS,
    FREQUENCIES,
    FREQUENCY_VALUES,
    VALUES,
    decode,
    encode_lists,
)

RUN = list(range(BLOCK + 1))  # docnums in a row: gaps of 0


def spread(count: int, step: int, first: int = 0) -> list[int]:
    return [first + step * n for n in range(count)]


# (docnums, weights, the flags the list is written with) of one list
LISTS = [
    ([], [], 0),  # empty
    ([0], [1.0], 0),  # one posting, docnum 0
    ([256], [1.0], 0),  # a number whose low byte is 0 (was read back as 0)
    ([65536, 65536 + 512], [1.0, 1.0], 0),  # ... every number's low bytes 0
    ([2**31 - 2], [7.0], FREQUENCIES),  # one posting, the largest docnum, a frequency
    (RUN[:BLOCK], [1.0] * BLOCK, 0),  # one full block
    (RUN, [1.0] * (BLOCK + 1), 0),  # a block and one more
    (spread(BLOCK + 1, 3), [float(1 + n % 5) for n in range(BLOCK + 1)], FREQUENCIES),
    ([0, 1, 2**20, 2**20 + 1, 2**31 - 2], [1.0] * 5, 0),  # gaps from 0 to 2**31
    (spread(300, 1000, 5), [1.0] * 299 + [2.0**31], FREQUENCIES),  # one huge frequency
    (spread(40, 7), [1.0] * 39 + [400.0], FREQUENCIES),  # an exception in a short list
    (spread(5, 2), [0.5, 1.0, 2.25, 3.0, 1e-3], FLOATS),  # weights that are not whole
    ([3, 5], [2.0**41, 1.0], FLOATS),  # a whole weight too large to pack
    (spread(1000, 13) + [50_000], [1.0] * 1001, 0),  # many blocks, a jump at the end
]


@pytest.mark.parametrize("docnums, weights, flags", LISTS)
def test_a_list_reads_back(docnums, weights, flags):
    data, offsets = encode_lists(np.array(docnums, dtype=np.int64), np.array(weights),
                                 None, np.zeros(1, dtype=np.int64))
    assert offsets == [0, len(data)]
    assert data[0] == flags
    got_docnums, got_weights, values = decode(data, len(docnums))
    assert got_docnums.tolist() == docnums
    assert got_weights.tolist() == pytest.approx(weights, rel=1e-6)
    assert values is None


def read_back(lists: list[tuple[list, list]]) -> list[tuple[list, list]]:
    """(docnums, weights) lists written together by ``encode_lists``, each decoded again."""
    starts = np.cumsum([0] + [len(docnums) for docnums, _ in lists])[:-1]
    data, offsets = encode_lists(np.array([d for docnums, _ in lists for d in docnums]),
                                 np.array([w for _, weights in lists for w in weights]),
                                 None, starts)
    found = []
    for (docnums, _), start, end in zip(lists, offsets, offsets[1:], strict=False):
        got_docnums, got_weights, _ = decode(data[start:end], len(docnums))
        found.append((got_docnums.tolist(), got_weights.tolist()))
    return found


def test_lists_written_together_each_read_back():
    lists = [(docnums, weights) for docnums, weights, _ in LISTS if docnums]
    for (docnums, weights), (got_docnums, got_weights) in zip(lists, read_back(lists),
                                                              strict=True):
        assert got_docnums == docnums
        assert got_weights == pytest.approx(weights, rel=1e-6)


def values_of(values: list) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


@pytest.mark.parametrize("values, weights, flags", [
    ([pack_uint(3), pack_uint(1), pack_uint(300)], [3.0, 1.0, 300.0],
     FREQUENCIES | FREQUENCY_VALUES),  # a KEYWORD field's: nothing kept, rebuilt
    ([b"", b"x" * 200, b"\x00"], [1.0, 1.0, 1.0], VALUES),  # any other bytes: kept
    ([pack_uint(2), pack_uint(2), b"ab"], [2.0, 2.0, 2.0], FREQUENCIES | VALUES),
])
def test_values_read_back(values, weights, flags):
    docnums = np.array([4, 9, 700])
    data, _ = encode_lists(docnums, np.array(weights), values_of(values), np.array([0]))
    assert data[0] == flags
    assert decode(data, 3)[2] == values


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 2**20)),
                         min_size=1, max_size=400), min_size=1, max_size=6),
       st.integers(0, 2**31 - 4000))
def test_any_lists_read_back(lists, base):
    """Lists of any docnums (made ascending from gaps) and whole frequencies."""
    made = []
    for postings in lists:
        docnums = (base + np.cumsum([gap + (i > 0) for i, (gap, _) in
                                     enumerate(postings)])).tolist()
        made.append((docnums, [float(weight) for _, weight in postings]))
    assert read_back(made) == made


class Postfile:
    """A postings file in memory, as a segment's ``StructFile.get`` reads it."""

    def __init__(self, data: bytes):
        self.data = data

    def get(self, offset: int, size: int) -> bytes:
        return self.data[offset:offset + size]


def matcher_of(docnums: list[int], weights: list[float], format_,
               values: list | None = None) -> ArrayMatcher:
    data, _ = encode_lists(np.array(docnums), np.array(weights),
                           None if values is None else values_of(values), np.array([0]))
    info = W3TermInfo()
    info._df, info._offset, info._length = len(docnums), 3, len(data)
    info._maxweight = max(weights)
    return CompactCodec().postings_reader(Postfile(b"pad" + data), info, format_)


def test_whooshs_matcher_steps_and_skips_through_a_list():
    docnums = spread(500, 4, 10)
    matcher = matcher_of(docnums, [1.0 + n % 3 for n in range(500)], Existence())
    assert isinstance(matcher, ArrayMatcher)
    assert list(matcher.all_ids()) == docnums
    assert (matcher.id(), matcher.weight(), matcher.value()) == (10, 1.0, None)
    matcher.skip_to(15)
    assert matcher.id() == 18
    matcher.skip_to(18)
    assert matcher.id() == 18
    copy = matcher.copy()
    matcher.skip_to(10**6)
    assert not matcher.is_active() and copy.id() == 18
    assert copy.block_max_weight() == 3.0
    with pytest.raises(ReadTooFar):
        matcher.skip_to(10**7)


def test_whooshs_matcher_gives_a_frequency_formats_values():
    matcher = matcher_of([1, 2], [2.0, 5.0], Frequency(), [pack_uint(2), pack_uint(5)])
    assert [matcher.value_as("frequency"), matcher.next(), matcher.value_as("frequency")] == [
        2, None, 5]

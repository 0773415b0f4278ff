"""The compact terms table (``terms.py``) and the stored-fields column (``stored_column.py``)
give back what was written: keys, term infos, values."""

import numpy as np
import pytest
from whoosh.filedb.filestore import RamStorage

from search.backends.whoosh.stored_column import SAMPLE, DictionaryColumn
from search.backends.whoosh.terms import (
    BLOCK,
    TermsTable,
    TermsTableWriter,
    inlined_info,
    pointer_info,
    read_info,
    varint,
    varints,
)

# (ids, weights, values, weight sum, min byte, max byte) of inlined postings
INLINED = [
    ((7,), None, (None,), 1.0, 30, 30),  # once, frequency 1
    ((0, 1, 300, 20000), (1, 3, 1, 2), (None,) * 4, 7.0, 5, 200),  # whole frequencies
    ((2, 9), (0.5, 1.25), (None, None), 1.75, 0, 12),  # other weights
    ((3, 4), None, (b"\x00\x00\x00\x01", b"\x00\x00\x00\x02"), 2.0, 1, 2),  # with values
    ((5,), (200,), (b"x" * 300,), 200.0, 255, 255),  # a value longer than a byte says
]


@pytest.mark.parametrize("ids, weights, values, weight_sum, min_byte, max_byte", INLINED)
def test_inlined_postings_read_back(ids, weights, values, weight_sum, min_byte, max_byte):
    info = read_info(inlined_info(ids, weights, values, weight_sum, min_byte, max_byte))
    assert info.inlined_postings() == (ids, weights, values)
    assert (info.doc_frequency(), info.weight(), info.min_id(), info.max_id()) == (
        len(ids), weight_sum, ids[0], ids[-1])
    assert info.max_weight() == max(weights or (1,))


def test_a_pointer_reads_back():
    info = read_info(pointer_info(500, 812.0, 9.0, 3, 180, 12, 19_000, 1 << 33, 70_000))
    assert not info.is_inlined()
    assert info.extent() == (1 << 33, 70_000)
    assert (info.doc_frequency(), info.weight(), info.max_weight()) == (500, 812.0, 9.0)
    assert (info.min_id(), info.max_id()) == (12, 19_000)


def test_varints_of_an_array_are_each_varint():
    numbers = np.array([0, 1, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28 + 5, 300])
    data, starts = varints(numbers)
    assert data == b"".join(varint(int(n)) for n in numbers)
    assert [data[a:b] for a, b in zip(starts, starts[1:], strict=False)] == [
        varint(int(n)) for n in numbers]


@pytest.mark.parametrize("count", [0, 1, BLOCK, BLOCK + 1, 5 * BLOCK + 7])
def test_every_key_is_found_and_no_other(count):
    storage = RamStorage()
    keys = sorted({b"\x00\x01" + f"{n * 7919 % 100_000:05d}".encode() * (1 + n % 40)
                   for n in range(count)})
    writer = TermsTableWriter(storage.create_file("t"))
    writer.fieldmap["f"] = 1
    writer.add_many([(key, b"info %d" % n) for n, key in enumerate(keys[:count // 2])])
    for n, key in enumerate(keys[count // 2:], start=count // 2):
        writer.add(key, b"info %d" % n)
    writer.close()
    table = TermsTable(storage.open_file("t"), storage.file_length("t"))
    assert table.fieldmap == {"f": 1}
    assert [table.get(key) for key in keys] == [b"info %d" % n for n in range(len(keys))]
    assert [table.get(key + b"!") for key in keys[:50]] == [None] * min(50, len(keys))
    assert table.get(b"") is None and table.get(b"\xff") is None
    assert [key for key, _ in table.entries_from(b"")] == keys
    middle = keys[len(keys) // 2:] if keys else []
    assert [key for key, _ in table.entries_from(middle[0] if middle else b"")] == middle


def test_keys_out_of_order_are_refused():
    writer = TermsTableWriter(RamStorage().create_file("t"))
    writer.add(b"\x00\x00b", b"")
    with pytest.raises(ValueError):
        writer.add(b"\x00\x00a", b"")


@pytest.mark.parametrize("count", [0, 3, 400])
def test_stored_values_read_back(count):
    """Values before and after the dictionary is made, empty ones and documents without any."""
    storage = RamStorage()
    column = DictionaryColumn()
    file = storage.create_file("c")
    writer = column.writer(file)
    values = {docnum: (f"第{docnum}段 新华社北京电" * (docnum % 9)).encode() * 30
              for docnum in range(0, count, 2)}
    for docnum, value in values.items():
        writer.add(docnum, value)
    writer.finish(count + 5)
    file.close()
    assert count < 400 or sum(map(len, values.values())) > SAMPLE
    reader = column.reader(storage.open_file("c"), 0, storage.file_length("c"), count + 5)
    expected = [values.get(docnum, b"") for docnum in range(count + 5)]
    assert [reader[docnum] for docnum in range(count + 5)] == expected
    assert reader.load() == expected

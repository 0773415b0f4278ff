"""Where an index's bytes go: per part of its Whoosh segments and per field.

    python -m bench.index_size INDEX_DIR [--positions]

Parts are the files inside each segment's compound ``.seg`` file: ``.pst`` postings,
``.trm`` terms table, ``_stored.col`` stored fields, ``_NAME_len.col`` field lengths, other
columns. Per field, the terms table is walked: terms, how many have one or two postings,
how many are inlined in the table, the table's entries (key and term info) and the
postings bytes they point to. ``--positions`` also decodes every list of the fields with
positions to say how many of their postings bytes the positions take (what the lists
shrink to when written without them; slow: a minute per 100 MB).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from whoosh.filedb.compound import CompoundStorage
from whoosh.formats import Positions

from search.backends.whoosh import postings_format, store
from search.backends.whoosh.backend import _storage
from search.backends.whoosh.terms import _shared, read_info, varint

MB = 1 << 20


def part_of(name: str) -> str:
    """A segment's sub-file by what it holds."""
    if name.endswith(".pst"):
        return "postings (.pst)"
    if name.endswith(".trm"):
        return "terms table (.trm)"
    if name.endswith("._stored.col"):
        return "stored fields"
    if name.endswith("_len.col"):
        return "field lengths"
    return "other columns" if name.endswith(".col") else name.rsplit(".", 1)[-1]


def parts(folder: Path) -> dict[str, int]:
    """Bytes per part over every segment, plus the files outside them."""
    storage = _storage(folder)
    sizes: dict[str, int] = defaultdict(int)
    for name in storage.list():
        if name.endswith(".seg"):
            compound = CompoundStorage(storage.open_file(name), use_mmap=False)
            for sub in compound.list():
                sizes[part_of(sub)] += compound.file_length(sub)
            sizes["segment directories"] += storage.file_length(name) - sum(
                compound.file_length(sub) for sub in compound.list())
            compound.close()
        else:
            sizes["other files"] += storage.file_length(name)
    return sizes


def fields(folder: Path, positions: bool) -> dict[str, dict[str, int]]:
    """Per field, summed over segments: terms, terms with 1 and 2 postings, inlined terms,
    table entry bytes, postings bytes and (with ``positions``) the postings bytes left
    without positions."""
    ix = _storage(folder).open_index()
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with ix.reader() as reader:
        for segment in getattr(reader, "readers", None) or [reader]:
            terms = segment._terms
            names = {number: name for name, number in terms._fieldmap.items()}
            postfile = terms._postfile
            for key, value, size in _entries(terms._tindex):
                name = names[int.from_bytes(key[:2], "big")]
                row, info = stats[name], read_info(value)
                row["terms"] += 1
                row["df=1"] += info.doc_frequency() == 1
                row["df=2"] += info.doc_frequency() == 2
                row["table"] += size
                if info.is_inlined():
                    row["inlined"] += 1
                    continue
                offset, length = info.extent()
                row["postings"] += length
                field = ix.schema[name]
                if positions and isinstance(field.format, Positions):
                    row["without positions"] += _without_values(postfile, offset, length,
                                                                info.doc_frequency())
    ix.close()
    return stats


def _entries(table) -> Iterator[tuple[bytes, bytes, int]]:
    """(key, info, bytes the entry takes) of every entry of a compact terms table."""
    for block in range(len(table.first_keys)):
        last = b""
        for key, info in table.entries(block):
            shared = _shared(last, key)
            yield key, info, (len(varint(shared)) + len(varint(len(key) - shared))
                              + len(key) - shared + len(varint(len(info))) + len(info))
            last = key


def _without_values(postfile, offset: int, length: int, count: int) -> int:
    """The bytes of the posting list of ``count`` postings at ``offset`` if it held no
    values (``postings_format``: its docnums and weights written again alone)."""
    docnums, weights, _ = postings_format.decode(postfile.get(offset, length), count)
    return len(postings_format.encode_lists(docnums, weights, None, np.zeros(1, np.int64))[0])


def table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [header, tuple("-" * w for w in widths), *rows]
    return "\n".join("  ".join(str(cell).rjust(w) if i else str(cell).ljust(w)
                               for i, (cell, w) in enumerate(zip(line, widths, strict=True)))
                     for line in lines)


def mb(size: int) -> str:
    return f"{size / MB:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--positions", action="store_true",
                        help="also measure the positions' share of the postings (slow)")
    args = parser.parse_args()
    folder = store.live(args.index_dir) or args.index_dir
    sizes = parts(folder)
    total = sum(sizes.values())
    print(f"{folder}: {mb(total)} MB\n")
    rows = [(part, mb(size), f"{100 * size / total:.0f}%")
            for part, size in sorted(sizes.items(), key=lambda item: -item[1])]
    print(table(rows, ("part", "MB", "share")) + "\n")
    stats = fields(folder, args.positions)
    header = ("field", "terms", "df=1", "df=2", "inlined", "table MB", "postings MB")
    if args.positions:
        header += ("positions MB",)
    rows = []
    for name, row in sorted(stats.items(), key=lambda item: -item[1]["postings"]):
        cells = (name, row["terms"], row["df=1"], row["df=2"], row["inlined"],
                 mb(row["table"]), mb(row["postings"]))
        if args.positions:
            cells += (mb(row["postings"] - row["without positions"]) if row[
                "without positions"] else "",)
        rows.append(cells)
    print(table(rows, header))
    records = sum(row["table"] for row in stats.values())
    print(f"\nterms table entries {mb(records)} MB; block index and field map "
          f"{mb(sizes['terms table (.trm)'] - records)} MB")


if __name__ == "__main__":
    main()

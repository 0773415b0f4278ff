"""Facet counts of a Whoosh index: passages per value of a field among a query's matches, a
``bincount`` over the field's (value, docnum) arrays, which a run's last commit records
(``record``) so a query does not read the postings of every place, source and year; after
any other commit (a run stopped inside a big file) they are read from the postings."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..seam import facet_counts
from . import store
from .reader import Postings

ARRAYS_FILE = "search-arrays.npz"  # a commit's facet arrays and article numbers
FIELD_OF = {"city": "cities", "province": "provinces", "county": "counties",
            "source": "source_key", "year": "year", "month": "month", "tag": "tags",
            "category": "categories"}  # facet or filter -> Whoosh field


def recorded(generation: Path) -> dict[str, np.ndarray]:
    """The arrays the last commit of the index in ``generation`` recorded (``Facets.record``);
    empty when there are none or they belong to another commit."""
    try:
        with np.load(generation / ARRAYS_FILE, allow_pickle=False) as found:
            arrays = dict(found)
    except (OSError, ValueError):
        return {}
    return arrays if arrays.get("commit") == store.latest_commit(generation) else {}


class Facets:
    """The facet arrays of one searcher (``postings``) of the index in ``generation``, as its
    last commit ``recorded`` them when it did."""

    def __init__(self, postings: Postings, generation: Path, arrays: dict[str, np.ndarray]):
        self.reader, self.searcher, self.generation = postings, postings.searcher, generation
        self.arrays = arrays
        self._values: dict[str, tuple] = {}  # field -> values()

    def count(self, facet: str, matched: np.ndarray) -> dict[str, int]:
        """Passages per value of a facet among the ``matched`` docnums: a ``bincount`` over
        the facet field's (value, docnum) arrays."""
        names, values, owners = self.values(FIELD_OF[facet])
        counts = np.bincount(values[matched[owners]], minlength=len(names))
        return facet_counts((names[value], int(counts[value])) for value in np.flatnonzero(counts))

    def values(self, fieldname: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """A field's indexed values, and for each (value, live docnum) pair in the index the
        value's number and the docnum, as two arrays: as the last commit recorded them
        (``record``), else read from the field's postings (once per searcher)."""
        if fieldname not in self._values:
            recorded = self.arrays
            self._values[fieldname] = (
                (list(recorded[f"{fieldname}.names"]), recorded[f"{fieldname}.values"],
                 recorded[f"{fieldname}.owners"]) if recorded else self.read_values(fieldname))
        return self._values[fieldname]

    def read_values(self, fieldname: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        names = list(self.searcher.reader().field_terms(fieldname))
        live = self.reader.live
        values, owners = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for number, name in enumerate(names):
            for docnums, _ in self.reader.postings(fieldname, name):
                docnums = docnums[live[docnums]]
                owners.append(docnums)
                values.append(np.full(len(docnums), number, dtype=np.int64))
        return names, np.concatenate(values), np.concatenate(owners)

    def record(self) -> None:
        """Write, with the commit they belong to, every facet field's arrays (``values``),
        each passage's article number and date (``reader.Postings``): a query counts its
        facets from them, not from the postings of every place, source and year, and reads
        no article column."""
        arrays = {"commit": np.array(store.latest_commit(self.generation)),
                  "article_numbers": self.reader.article_numbers(), "days": self.reader.days()}
        for fieldname in dict.fromkeys(FIELD_OF.values()):
            names, values, owners = self.read_values(fieldname)
            arrays.update({f"{fieldname}.names": np.array(names, dtype=str),
                           f"{fieldname}.values": values, f"{fieldname}.owners": owners})
        temporary = self.generation / ("tmp-" + ARRAYS_FILE)
        np.savez(temporary, **arrays)
        store.replace_durably(temporary, self.generation / ARRAYS_FILE)

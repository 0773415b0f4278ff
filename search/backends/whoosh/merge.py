"""Merging segments a term at a time.

Whoosh merges segments through its writer's pool: every posting of every merged segment
becomes a Python tuple, is sorted and written a posting at a time (the laws index's 22
segments took 181 s and 1.3 GB to merge into one). Here the segments' terms tables, each
sorted, are walked side by side; a term's postings are read from each segment a list at a
time (``postings_format.decode``), their docnums moved to the merged segment's (deleted
passages dropped) and written by ``postings.write_sorted`` a chunk of terms at a time, so
memory holds one chunk, not the segments. Stored fields, lengths and columns are copied a
document at a time, as Whoosh does. The policies below decide what a commit merges; a run's
last commit with writer processes merges in two halves at once (``merge_all``).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from operator import itemgetter

import numpy as np
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.reading import SegmentReader

from . import postings_format
from .postings import CHUNK, Sorted, stored_lengths, write_sorted

MERGED_PASSAGES = 20_000  # small segments: the smallest, together up to this many passages
SMALL_SEGMENTS = 4  # merged into one once there are this many of them


def merge_small_segments(writer, segments: list) -> list:
    """A merge policy: once ``SMALL_SEGMENTS`` of the smallest segments add up to at most
    ``MERGED_PASSAGES``, they are merged into one (``merge_segments``), so that runs that
    each add a little do not pile up segments; the others are kept. Whoosh's
    ``MERGE_SMALL`` merges every segment once there are about 25, a posting at a time
    (laws, 25 segments: over 8 minutes); merging two small ones at every commit, as this
    policy did through Whoosh's pool, made a run's empty last commit merge the segments the
    run had just written (news-titles, 4,000 articles: 13 -> 74 s)."""
    chosen, total = [], 0
    for segment in sorted(segments, key=lambda segment: segment.doc_count_all()):
        if total + segment.doc_count_all() > MERGED_PASSAGES:
            break
        chosen.append(segment)
        total += segment.doc_count_all()
    if len(chosen) < SMALL_SEGMENTS:
        return segments
    return [segment for segment in segments if segment not in chosen] + [
        merge_segments(writer, chosen)]


MAX_SEGMENTS = 8  # a run's last commit merges every segment past this many


def merge_policy(small: bool, many: bool) -> Callable:
    """A commit's merge policy: ``small``, merge the smallest segments once there are a few
    (``merge_small_segments``); ``many``, past ``MAX_SEGMENTS`` segments, merge them all
    (``merge_all``: each segment has a terms table of its own, and most terms are in many
    of them; laws, 16 segments: 312 -> 195 MB in 69 s and 304 MB)."""
    def policy(writer, segments: list) -> list:
        if many and len(segments) > MAX_SEGMENTS:
            return merge_all(writer, segments)
        return merge_small_segments(writer, segments) if small else segments
    return policy


def merge_all(writer, segments: list) -> list:
    """Every segment merged: into two, the first half by a writer process while this one
    merges the second, when ``writer`` has writer processes (``merge_aside``), else into
    one. The merge is serial and a build's writer processes are idle during it: on the full
    news corpus (12 segments, 80,370 passages) two at once take about half its 40 s, and
    queries on the two segments cost 2-4% more than on one."""
    merge_aside = getattr(writer, "merge_aside", None)
    if merge_aside is None or len(segments) < 2:
        return [merge_segments(writer, segments)]
    first, second = halves(segments)
    merged_first = merge_aside(first)
    merged_second = merge_segments(writer, second)
    return [merged_first(), merged_second]


def halves(segments: list) -> tuple[list, list]:
    """The segments, in order, in two non-empty parts of passages as equal as they can be."""
    sizes = [segment.doc_count_all() for segment in segments]
    total, before = sum(sizes), 0
    best = (total, 1)  # (the larger part's passages, where the second part starts)
    for cut in range(1, len(segments)):
        before += sizes[cut - 1]
        best = min(best, (max(before, total - before), cut))
    return segments[:best[1]], segments[best[1]:]


def merge_segments(writer, segments: list):
    """One new segment of ``writer``'s index holding the live documents of ``segments``,
    in their order; the caller's commit lists it instead of them."""
    codec, storage, schema = writer.codec, writer.storage, writer.schema
    merged = codec.new_segment(storage, writer.indexname)
    perdoc = codec.per_document_writer(storage, merged)
    fieldwriter = codec.field_writer(storage, merged)
    readers = [SegmentReader(storage, schema, segment) for segment in segments]
    try:
        mappings, size = [], 0
        for reader in readers:
            mappings.append(_copy_documents(perdoc, schema, reader, size).tolist())
            size += reader.doc_count()
        perdoc.close()
        merged.set_doc_count(size)
        lengths = codec.per_document_reader(storage, merged)
        try:
            names = sorted({name for reader in readers for name in reader.indexed_field_names()
                            if name in schema})
            for name in names:
                _merge_field(fieldwriter, name, schema[name], readers, mappings,
                             stored_lengths(lengths, name, size))
        finally:
            lengths.close()
        fieldwriter.close()
    finally:
        for reader in readers:
            reader.close()
    merged.create_compound_file(storage)
    merged.compound = True
    return merged


def _copy_documents(perdoc, schema, reader, docbase: int) -> np.ndarray:
    """Copy the live documents' stored fields, lengths and column values; returns each old
    docnum's new one (-1: deleted). A field's total length is the segment's, less what its
    deleted documents had (their lengths as stored, a byte each)."""
    size = reader.doc_count_all()
    mapping = np.full(size, -1, dtype=np.int64)
    lengths = {name: stored_lengths(reader._perdoc, name, size).tolist()
               for name in schema.names() if schema[name].scorable}
    columns = {name: reader.column_reader(name, schema[name].column_type, translate=False)
               for name in schema.names()
               if schema[name].column_type and reader.has_column(name)}
    before = {name: perdoc._fieldlengths[name] for name in lengths}
    docnum = docbase
    for old, stored in reader.iter_docs():
        mapping[old] = docnum
        perdoc.start_doc(docnum)
        for name, value in stored.items():
            perdoc.add_field(name, schema[name], value, 0)
        for name, of_field in lengths.items():
            perdoc.add_field(name, schema[name], None, of_field[old])
        for name, column in columns.items():
            perdoc.add_column_value(name, schema[name].column_type, column[old])
        perdoc.finish_doc()
        docnum += 1
    deleted = np.flatnonzero(mapping < 0).tolist()
    for name, of_field in lengths.items():  # the exact totals, not those of the bytes
        total = reader.field_length(name) - sum(of_field[old] for old in deleted)
        perdoc._fieldlengths[name] = before[name] + total
    return mapping


def _merge_field(fieldwriter, name: str, field, readers: list, mappings: list,
                 lengths: np.ndarray) -> None:
    """Write the field's terms of every segment, each with the postings of all of them."""
    fixed = field.format.fixed_value_size()
    fieldwriter.start_field(name, field)
    streams = [_field_terms(reader, name, n) for n, reader in enumerate(readers)]
    chunk = Chunk(fixed)
    for text, group in itertools.groupby(heapq.merge(*streams), key=itemgetter(0)):
        for _, n, info in group:
            chunk.add(readers[n], field, info, mappings[n])
        chunk.end_term(text)
        if len(chunk.docnums) >= CHUNK:
            write_sorted(fieldwriter, field, chunk.sorted(), lengths)
            chunk = Chunk(fixed)
    if chunk.texts:
        write_sorted(fieldwriter, field, chunk.sorted(), lengths)
    fieldwriter.finish_field()


def _field_terms(reader, name: str, n: int) -> Iterator[tuple[bytes, int, W3TermInfo]]:
    """(term, segment number, term info) of a segment's terms of one field, in byte order."""
    for (fieldname, text), info in reader._terms.items_from(name, b""):
        if fieldname != name:
            return
        yield text, n, info


class Chunk:
    """Terms with their merged postings, in term order, as Python lists until written."""

    def __init__(self, fixed: int | None):
        self.fixed = fixed
        self.texts: list[bytes] = []
        self.counts: list[int] = []
        self.docnums: list[int] = []
        self.weights: list[float] = []
        self.values: list = []
        self.held = 0  # postings of the terms ended

    def add(self, reader, field, info: W3TermInfo, mapping: list[int]) -> None:
        """A term's postings in one segment, their docnums moved (deleted ones dropped)."""
        if info.is_inlined():  # postings kept in the terms table
            ids, weights, values = info.inlined_postings()
            weights = weights or (1.0,) * len(ids)
        else:
            offset, size = info.extent()
            ids, weights, values = postings_format.decode(
                reader._terms._postfile.get(offset, size), info.doc_frequency())
            ids, weights = ids.tolist(), weights.tolist()
            if self.fixed != 0 and values is None:
                values = [b""] * len(ids)
        moved = [mapping[docnum] for docnum in ids]
        if -1 in moved:
            kept = [i for i, docnum in enumerate(moved) if docnum >= 0]
            moved, weights = [moved[i] for i in kept], [weights[i] for i in kept]
            values = [values[i] for i in kept] if self.fixed != 0 else values
        self.docnums.extend(moved)
        self.weights.extend(weights)
        if self.fixed != 0:
            self.values.extend(values)

    def end_term(self, text: bytes) -> None:
        count = len(self.docnums) - self.held
        if count:  # not when every passage of the term was deleted
            self.texts.append(text)
            self.counts.append(count)
            self.held += count

    def sorted(self) -> Sorted:
        values = None
        if self.fixed != 0:
            values = np.empty(len(self.values), dtype=object)
            values[:] = self.values
        return Sorted(self.texts,
                      np.repeat(np.arange(len(self.texts), dtype=np.int32), self.counts),
                      np.array(self.docnums, dtype=np.int32),
                      np.array(self.weights, dtype=np.float32), values)

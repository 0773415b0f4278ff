"""Whoosh backend: one Whoosh document per passage; ranking by ``scoring.Scorer``.

Tokens arrive pre-analysed (``backend.Record.tokens``); the ``PreTokenized`` tokenizer
only replays them, so Whoosh never segments text itself. The index directory also
holds ``search-meta.json`` with the schema and analyzer versions: an index built by
another version is refused with a message to rebuild, instead of answering wrongly.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import json
import os
import pickle
import shutil
import struct
import zlib
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from math import log
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Frequency
from whoosh.index import TOC, clean_files
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from ...errors import WRITE_ERRORS, IndexDamaged, IndexUnavailable
from ...query import plan
from ...query.filters import FACETS, FILTER_FACETS, Filters
from ...query.parse import And, Needle, Node, Not, Or, Words, is_character
from ...query.parse import Phrase as TypedPhrase
from ...text.analysis import ANALYZER_VERSION, first_unit, is_ascii, pairs
from ..seam import (
    FIRST_ORDER,
    NO_COUNTS,
    SCORE_DECIMALS,
    Hit,
    Record,
    SearchResult,
    best,
    facet_counts,
    passage_id,
    place,
    settled,
)
from . import store
from .merge import merge_policy
from .parallel import ParallelWriter
from .postings import (
    PROCESS_POSTINGS,
    SAME_POSITION,
    FastSegmentWriter,
    decode_tokens,
)
from .scoring import ArticleTerm, Phrase, Scorer, Word, scored_clauses

SCHEMA_VERSION = 8
INDEX_NAME = "MAIN"  # Whoosh's name of the index in a generation folder
META_FILE = "search-meta.json"
ARRAYS_FILE = "search-arrays.npz"  # a commit's facet arrays and article numbers
SOUNDS_FILE = "search-sounds.tsv"  # the pinyin of the text's words (rewrite.py)
ARTICLE = ArticleTerm(weight=plan.ARTICLE_WEIGHT, k1=plan.ARTICLE_K1, b=plan.ARTICLE_B)
# Stored, as two tuples (Whoosh pickles a dict's names with every document): each passage's
# own fields, and its article's, with the article's first passage only
PASSAGE_STORED = ("article_id", "path", "order", "section", "text", "char_start", "char_end",
                  "line_start", "line_end", "cities", "provinces", "counties")
ARTICLE_STORED = ("title", "format", "content_hash", "file_hash", "source", "author", "date",
                  "url")
LIST_FIELDS = ("cities", "provinces", "counties")
ARTICLES_KEPT = 10_000  # articles' stored fields remembered by a backend while it reads
FIELD_OF = {"city": "cities", "province": "provinces", "county": "counties",
            "source": "source_key", "year": "year", "month": "month"}  # facet or filter
# -> Whoosh field
HOLDING_FIELDS = ("bigram", "heading_bigram")  # where a passage holds a query's needles
WORD_FIELDS = ("text", "title", "section")  # its words


def encode_tokens(tokens: list) -> str:
    """Tokens as Whoosh takes them: terms joined by spaces, SAME_POSITION before a repeat.

    Whoosh runs a field's analyzer only on strings (lists skip it and lose positions),
    so pre-analysed tokens travel as this string and ``PreTokenized`` decodes them.
    """
    if not tokens or isinstance(tokens[0], str):
        return " ".join(tokens)
    parts, last = [], None
    for term, pos in tokens:
        parts.append(SAME_POSITION + term if pos == last else term)
        last = pos
    return " ".join(parts)


class PreTokenized(Tokenizer):
    """Replays tokens encoded by ``encode_tokens``; Whoosh never segments text itself."""

    pretokenized = True  # FastSegmentWriter counts these tokens itself

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term, pos in decode_tokens(value):
            token.text, token.boost, token.stopped = term, 1.0, False
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = token.endchar = start_char
            yield token


class Counted(Frequency):
    """Whoosh's Frequency without its posting values: a term's frequency in a passage is the
    posting's weight already, and Frequency packs it into the value too, 4 bytes that
    pickle (protocol 2) into about 50 in each block."""

    posting_size = 0

    def word_values(self, value, analyzer, **kwargs):
        for term, freq, weight, _ in super().word_values(value, analyzer, **kwargs):
            yield term, freq, weight, b""

    def supports(self, name: str) -> bool:
        return False  # the values hold nothing; weights are read from the postings


def _counted(analyzer, **options) -> TEXT:
    """A TEXT field without positions whose postings hold only frequencies (``Counted``)."""
    field = TEXT(analyzer=analyzer, phrase=False, **options)
    field.format = Counted()
    return field


def make_schema() -> Schema:
    tokens = PreTokenized()
    fields = dict(
        passage_id=ID(unique=True),
        article_id=ID(sortable=True),
        path=ID(),
        title=_counted(tokens),
        section=_counted(tokens),
        text=_counted(tokens),
        # Unit pairs without positions: a phrase is checked on the stored text (scoring.py)
        bigram=_counted(tokens),
        heading_bigram=_counted(tokens),  # the title's, then the section's
        cities=KEYWORD(commas=True, scorable=False),
        provinces=KEYWORD(commas=True, scorable=False),
        counties=KEYWORD(commas=True, scorable=False),
        source_key=ID(),  # the folded source, for filters and facets
        year=ID(),
        month=ID(),  # 2023-01
        day=NUMERIC(int, bits=32, signed=True),  # yyyymmdd, for --since/--until
        passage=STORED(),  # PASSAGE_STORED
        article=STORED(),  # ARTICLE_STORED, with an article's first passage
    )
    return Schema(**fields)


def _storage(folder: Path) -> FileStorage:
    """The folder's files, read through file handles. Whoosh's default, mmap, copies every
    part of a segment it opens into memory (``BufferFile`` wraps it in a ``BytesIO``): on the
    laws index `search stats` took 911 MB that way and takes 84 MB this way."""
    return FileStorage(str(folder), supports_mmap=False)


def _meta() -> dict:
    return {"schema": SCHEMA_VERSION, "analyzer": ANALYZER_VERSION}


class ProbabilisticBM25F(BM25F):
    """BM25F with the probabilistic IDF of Lucene, log(1 + (N - n + .5) / (n + .5)).

    Whoosh's own IDF, log(N / (n + 1)) + 1, gives a word found in every passage
    (的, 是, 什么) a weight of 1 instead of about 0, which is noise in typed questions.
    """

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        n, total = parent.doc_frequency(fieldname, text), parent.doc_count_all()
        return log(1 + (total - n + 0.5) / (n + 0.5))


WEIGHTING = ProbabilisticBM25F(B=plan.B, K1=plan.K1)


DAMAGE = (EOFError, OSError, ValueError, KeyError, IndexError, struct.error, zlib.error,
          pickle.UnpicklingError)  # what reading a truncated, corrupted or missing file raises


@contextmanager
def _reading(index_dir: Path) -> Iterator[None]:
    """Errors from reading the index's files become IndexDamaged (a truncated segment raises
    EOFError, which click would turn into a silent abort); a disk that cannot take a write
    (full, read-only) is told as it is."""
    try:
        yield
    except DAMAGE as error:
        if isinstance(error, OSError) and error.errno in WRITE_ERRORS:
            raise
        what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        raise IndexDamaged(index_dir, what) from error


def _reads_index(method):
    """A backend method that reads the index (``_reading``)."""
    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def generator(self, *args, **kwargs):
            with _reading(self.index_dir):
                yield from method(self, *args, **kwargs)
        return generator

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _reading(self.index_dir):
            return method(self, *args, **kwargs)
    return wrapper


class WhooshBackend:
    """A Whoosh index in ``index_dir``."""

    def __init__(self, index_dir: Path, ix, generation: Path):
        self.index_dir, self.ix, self.generation = index_dir, ix, generation
        self._searcher = None
        self._facet_values: dict[str, tuple] = {}  # field -> _values()
        self._sounds = None  # sounds()
        self._arrays: dict[str, np.ndarray] | None = None  # _recorded(), once read
        self._scorer: Scorer | None = None  # per searcher
        self._articles: dict[tuple[str, str], dict] = {}  # (path, article id) -> _article()
        self._stored_columns: tuple[list, list] | None = None  # _stored_fields(), per searcher

    @classmethod
    def create(cls, index_dir: Path) -> WhooshBackend:
        """A new, empty index in a new generation of ``index_dir``; ``publish`` makes it live."""
        generation = store.new_generation(index_dir)
        try:
            ix = _storage(generation).create_index(make_schema())
            (generation / META_FILE).write_text(json.dumps(_meta()), encoding="utf-8")
        except BaseException:  # a full disk: leave nothing
            shutil.rmtree(generation, ignore_errors=True)
            raise
        return cls(index_dir, ix, generation)

    def publish(self) -> None:
        """Make this index the live one (atomically), if it is not already."""
        if store.live(self.index_dir) != self.generation:
            store.publish(self.index_dir, self.generation)

    @classmethod
    def open(cls, index_dir: Path) -> WhooshBackend:
        """Open the live index, refusing one built by another schema or analyzer, or damaged."""
        if damage := store.pointer_damage(index_dir):
            raise IndexDamaged(index_dir, damage)
        generation = store.live(index_dir)
        if generation is not None and not whoosh_index.exists_in(str(generation)):
            raise IndexDamaged(index_dir, f"{generation.name}/ has no table of contents")
        if generation is None and not store.legacy_files(index_dir):
            raise IndexUnavailable(f"no index in {index_dir}/; build one with `search index PATH`")
        generation = generation or index_dir
        meta_path = generation / META_FILE
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            meta = {}
        except (OSError, ValueError) as error:
            raise IndexDamaged(index_dir, f"{META_FILE} cannot be read: {error}") from None
        if not isinstance(meta, dict):
            raise IndexDamaged(index_dir, f"{META_FILE} holds no settings")
        if meta != _meta():
            built = f"schema {meta.get('schema', '?')}, analyzer {meta.get('analyzer', '?')}"
            raise IndexUnavailable(
                f"the index in {index_dir}/ was built by another version ({built}; this one "
                f"uses schema {SCHEMA_VERSION}, analyzer {ANALYZER_VERSION}); "
                "rebuild it with `search index --rebuild`")
        if damage := store.size_damage(generation):
            raise IndexDamaged(index_dir, damage)
        with _reading(index_dir):
            return cls(index_dir, _storage(generation).open_index(), generation)

    @classmethod
    def check(cls, index_dir: Path) -> tuple[list[str], list[str]]:
        """(damage, leftovers) of the index in ``index_dir``, nothing changed: what cannot be
        opened or read (the pointer, the settings, the table of contents, each recorded file
        by its size and CRC-32), and the files no commit recorded."""
        try:
            backend = cls.open(index_dir)
        except IndexDamaged as error:
            return [error.what], []
        try:
            damage, leftovers = store.check_files(backend.generation)
            if not damage:
                backend.doc_count()  # opens every segment
            return damage, leftovers
        except IndexDamaged as error:
            return [error.what], []
        finally:
            backend.close()

    # ------------------------------------------------------------ writing

    def discard_uncommitted(self) -> None:
        """Remove what a failed or killed run wrote and did not commit: a rebuild's generation
        that never went live, else the segment files the latest commit does not list and
        half-written records, so the disk is as the last commit left it; and record the
        latest commit when the run that made it failed before its records were written."""
        if store.live(self.index_dir) != self.generation:
            self.close()
            shutil.rmtree(self.generation, ignore_errors=True)
            return
        storage = _storage(self.generation)
        toc = TOC.read(storage, INDEX_NAME)
        clean_files(storage, INDEX_NAME, toc.generation, toc.segments)
        for name in os.listdir(self.generation):
            if store.is_temporary(name):
                path = self.generation / name
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        if not store.files_recorded(self.generation):
            self.record_commit()

    def partial_files(self) -> dict[str, str]:
        """The files a stopped run left partly indexed (path -> the hash it had then)."""
        return store.partial_files(self.generation)

    def mark_partial(self, path: str, file_hash: str) -> None:
        """Mark a file partly indexed, before a commit inside it."""
        store.mark_partial(self.generation, path, file_hash)

    def clear_partial(self, finished: set[str]) -> None:
        """Unmark the files a run read to the end."""
        store.clear_partial(self.generation, finished)

    def begin(self, procs: int = 1) -> Transaction:
        """A transaction: deletes and adds that become visible together at ``commit``;
        ``procs`` > 1 builds its postings in that many processes."""
        return Transaction(self, procs)

    # ------------------------------------------------------------ reading

    def searcher(self):
        if self._searcher is None:
            self._searcher = self.ix.searcher(weighting=WEIGHTING)
        return self._searcher

    @_reads_index
    def search(self, node: Node | None, limit: int, filters: Filters | None = None,
               facets: tuple[str, ...] = FACETS, per_article: int | None = None) -> SearchResult:
        query = wq.Every() if node is None else to_whoosh(node)
        self.scorer().new_query()
        scores, _ = self.scorer().scores(scored_clauses(query))
        matched = self._holding(node) & self.scorer().live
        for condition in filter_queries(filters) if filters is not None else []:
            matched &= self._mask(self._matches(condition))
        candidates = np.flatnonzero(matched)
        found = self._best(scores, candidates, limit, per_article)
        hits = [Hit(float(scores[docnum]), self.stored(docnum)) for docnum in found]
        counts = {name: self._count(name, matched) for name in facets}
        return SearchResult(len(candidates), hits, counts)

    def _holding(self, node: Node | None) -> np.ndarray:
        """Which docnums hold ``node`` as typed: any needle of its words (``Words.needles``)
        in the text, the title or the heading path; a phrase as written; AND, OR and NOT as
        given. Pairs shared with a word only rank; they never make a match."""
        if node is None:
            return np.ones(self.searcher().doc_count_all(), dtype=bool)
        if isinstance(node, Words | TypedPhrase):
            return np.logical_or.reduce([self._holding_needle(n) for n in node.needles])
        if isinstance(node, And):
            return np.logical_and.reduce([self._holding(child) for child in node.children])
        if isinstance(node, Or):
            return np.logical_or.reduce([self._holding(child) for child in node.children])
        if isinstance(node, Not):
            return ~self._holding(node.child)
        raise TypeError(f"unknown query node {node!r}")

    def _holding_needle(self, needle: Needle) -> np.ndarray:
        """Docnums whose text, title or heading path holds the needle: a single CJK character
        as a word of them, anything else as units in a row. A passage with a word of three
        or more CJK characters (习近平) as a token holds it: only the others need their stored
        text looked at."""
        mask = np.zeros(self.searcher().doc_count_all(), dtype=bool)
        if is_character(needle) or len(needle) > 2 and not any(map(is_ascii, needle)):
            for fieldname in WORD_FIELDS:
                for docnums, _ in self.scorer().postings(fieldname, "".join(needle)):
                    mask[docnums] = True
        if is_character(needle):
            return mask
        for fieldname in HOLDING_FIELDS:
            if len(needle) == 1:  # the pairs that start with the unit (the last one: with END)
                for docnums in self.scorer().prefix_postings(fieldname, needle[0], first_unit):
                    mask[docnums] = True
            elif len(needle) == 2:
                for docnums, _ in self.scorer().postings(fieldname, pairs(needle)[0]):
                    mask[docnums] = True
            else:
                mask[self.scorer().phrase_holders(fieldname, needle, mask)] = True
        return mask

    def scorer(self) -> Scorer:
        """The scorer of the current searcher (made on first use)."""
        if self._scorer is None:
            recorded = self._recorded() or {}
            self._scorer = Scorer(self.searcher(), plan.K1, plan.B, ARTICLE,
                                  recorded.get("article_numbers"), self.texts)
        return self._scorer

    def _mask(self, docnums) -> np.ndarray:
        mask = np.zeros(self.searcher().doc_count_all(), dtype=bool)
        mask[list(docnums)] = True
        return mask

    def _best(self, scores: np.ndarray, candidates: np.ndarray, limit: int,
              per_article: int | None) -> list[int]:
        """The best ``limit`` candidate docnums, at most ``per_article`` from any one article,
        in the order of every backend (``seam.settled``): by score, then by place."""
        rounded = np.round(scores[candidates], SCORE_DECIMALS)
        if not per_article and len(candidates) > limit:  # all those as good as the limit-th
            kth = np.partition(rounded, len(rounded) - limit)[len(rounded) - limit]
            candidates, rounded = candidates[rounded >= kth], rounded[rounded >= kth]
        order = np.lexsort((candidates, -rounded))
        article_of, _ = self.scorer().articles()
        return best(settled(_groups(candidates[order], rounded[order]), self._place), limit,
                    per_article, lambda docnum: article_of[docnum])

    def _place(self, docnum: int) -> tuple[str, int, int]:
        return place(_passage_fields(self._stored_fields(docnum)))

    def _matches(self, query: wq.Query) -> set[int]:
        """Every live docnum matching ``query`` (for AND/NOT queries and filters). Unions and
        intersections of terms are computed from their postings read a block at a time:
        Whoosh's own matchers step through a union one posting and one call at a time."""
        searcher = self.searcher()
        if isinstance(query, wq.Term):
            return self._postings(query.fieldname, query.text)
        if isinstance(query, wq.Or | wq.And) and query.subqueries:
            parts = [self._matches(sub) for sub in query.subqueries]
            return set.union(*parts) if isinstance(query, wq.Or) else set.intersection(*parts)
        return set(searcher.docs_for_query(query))

    def _postings(self, fieldname: str, text: str) -> set[int]:
        """The live docnums of a term."""
        live = self.scorer().live
        return {docnum for docnums, _ in self.scorer().postings(fieldname, text)
                for docnum in docnums[live[docnums]].tolist()}

    def _count(self, facet: str, matched: np.ndarray) -> dict[str, int]:
        """Passages per value of a facet among the ``matched`` docnums: a ``bincount`` over
        the facet field's (value, docnum) arrays."""
        names, values, owners = self._values(FIELD_OF[facet])
        counts = np.bincount(values[matched[owners]], minlength=len(names))
        return facet_counts((names[value], int(counts[value])) for value in np.flatnonzero(counts))

    def _values(self, fieldname: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """A field's indexed values, and for each (value, live docnum) pair in the index the
        value's number and the docnum, as two arrays: as the last commit recorded them
        (``record_arrays``), else read from the field's postings (once per searcher)."""
        if fieldname not in self._facet_values:
            recorded = self._recorded()
            self._facet_values[fieldname] = (
                (list(recorded[f"{fieldname}.names"]), recorded[f"{fieldname}.values"],
                 recorded[f"{fieldname}.owners"]) if recorded else self._read_values(fieldname))
        return self._facet_values[fieldname]

    def _read_values(self, fieldname: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        names = list(self.searcher().reader().field_terms(fieldname))
        live = self.scorer().live
        values, owners = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for number, name in enumerate(names):
            for docnums, _ in self.scorer().postings(fieldname, name):
                docnums = docnums[live[docnums]]
                owners.append(docnums)
                values.append(np.full(len(docnums), number, dtype=np.int64))
        return names, np.concatenate(values), np.concatenate(owners)

    def _recorded(self) -> dict[str, np.ndarray] | None:
        """The arrays the last commit recorded (``record_arrays``), read once per searcher;
        None when there are none or they belong to another commit."""
        if self._arrays is None:
            try:
                with np.load(self.generation / ARRAYS_FILE, allow_pickle=False) as found:
                    self._arrays = dict(found)
            except (OSError, ValueError):
                self._arrays = {}
            if self._arrays.get("commit") != store.latest_commit(self.generation):
                self._arrays = {}
        return self._arrays or None

    def record_arrays(self) -> None:
        """Write, with the commit they belong to, every facet field's arrays (``_values``)
        and each passage's article number (``Scorer.article_numbers``): a query counts its
        facets from them, not from the postings of every place, source and year (laws
        index, 17 segments: 0.5 s), and reads no article column (0.2 s)."""
        arrays = {"commit": np.array(store.latest_commit(self.generation)),
                  "article_numbers": self.scorer().article_numbers()}
        for fieldname in dict.fromkeys(FIELD_OF.values()):
            names, values, owners = self._read_values(fieldname)
            arrays.update({f"{fieldname}.names": np.array(names, dtype=str),
                           f"{fieldname}.values": values, f"{fieldname}.owners": owners})
        temporary = self.generation / ("tmp-" + ARRAYS_FILE)
        np.savez(temporary, **arrays)
        os.replace(temporary, self.generation / ARRAYS_FILE)

    def record_sounds(self) -> None:
        """Write the pinyin of every Chinese word of the text field with the passages holding
        it (``text/sounds.py``), for the query rewrites; words a run before already
        had are not worked out again. Written by a run's last commit: a run stopped before
        it leaves the last run's (a new word is found as typed, not by its sound)."""
        from ...text.sounds import read_sounds, write_sounds

        path = self.generation / SOUNDS_FILE
        known = {sound.word: sound for sound in read_sounds(path.read_text("utf-8"))} \
            if path.exists() else {}
        vocabulary: Counter = Counter()
        if self.doc_count():  # each segment's terms in turn (Whoosh's merged walk: 5x slower)
            for leaf, _ in self.searcher().reader().leaf_readers():
                for term, info in leaf.iter_field("text"):
                    vocabulary[term.decode("utf-8")] += info.doc_frequency()
        temporary = self.generation / ("tmp-" + SOUNDS_FILE)
        temporary.write_text(write_sounds(vocabulary.items(), known), encoding="utf-8")
        os.replace(temporary, path)
        self._sounds = None

    def sounds(self):
        """The index's words by their pinyin (``text.sounds.Sounds``), read once; None when the
        index has no record of them."""
        from ...text.sounds import Sounds, read_sounds

        if self._sounds is None:
            try:
                text = (self.generation / SOUNDS_FILE).read_text("utf-8")
            except OSError:
                return None
            self._sounds = Sounds(read_sounds(text))
        return self._sounds

    @_reads_index
    def word_frequency(self, word: str) -> int:
        """Passages holding ``word`` as a word of their text (deleted ones included)."""
        if not self.doc_count():  # an index without segments has no field to ask
            return 0
        return self.searcher().reader().doc_frequency("text", word)

    @_reads_index
    def stored(self, docnum: int) -> dict:
        """A passage's stored fields, its article's included."""
        return self._fields(self._stored_fields(docnum))

    def texts(self, docnum: int, names: tuple[str, ...]) -> list[str]:
        """Some of a passage's stored texts (``text``, ``section``, ``title``): its article's
        fields are looked up only when one of them is asked for. (Called for each passage a
        phrase is checked in, from ``search``, which tells a damaged index.)"""
        stored = self._stored_fields(docnum)
        fields = _passage_fields(stored)
        if not set(names) <= fields.keys():
            fields.update(self._article(fields["path"], fields["article_id"], stored))
        return [fields[name] for name in names]

    def _stored_fields(self, docnum: int) -> dict:
        """Whoosh's ``stored_fields``, read from each segment's stored column directly:
        a third of the time (20 µs, not 65), which counts in a phrase's check."""
        if self._stored_columns is None:
            leaves = self.searcher().reader().leaf_readers()
            self._stored_columns = ([offset for _, offset in leaves],
                                    [leaf._perdoc._cached_reader("_stored", STORED_COLUMN)
                                     for leaf, _ in leaves])
        offsets, columns = self._stored_columns
        number = bisect_right(offsets, docnum) - 1
        return columns[number][docnum - offsets[number]]

    def _fields(self, stored: dict) -> dict:
        fields = _passage_fields(stored)
        for name in LIST_FIELDS:
            fields[name] = list(fields[name])
        fields["passage_id"] = passage_id(fields["article_id"], fields["order"])
        fields.update(self._article(fields["path"], fields["article_id"], stored))
        return fields

    def _article(self, path: str, article_id: str, stored: dict) -> dict:
        """An article's stored fields, from its first passage (``stored`` when it is that)."""
        key = (path, article_id)
        if key not in self._articles:
            if "article" not in stored:
                stored = self._first_passage(path, article_id)
            if len(self._articles) >= ARTICLES_KEPT:
                self._articles.clear()
            self._articles[key] = dict(zip(ARTICLE_STORED, stored["article"], strict=True))
        return self._articles[key]

    def _first_passage(self, path: str, article_id: str) -> dict:
        """The stored fields of an article's first passage (a JSONL record's id can be
        another file's too: the path tells them apart)."""
        searcher = self.searcher()
        first = passage_id(article_id, FIRST_ORDER)
        try:
            for docnum in searcher.reader().postings("passage_id", first).all_ids():
                stored = self._stored_fields(docnum)
                if _passage_fields(stored)["path"] == path:
                    return stored
        except TermNotFound:
            pass
        raise IndexDamaged(self.index_dir, f"the first passage of {article_id} ({path}), which "
                                          "holds its article's fields, is missing")

    @_reads_index
    def passages(self) -> Iterator[dict]:
        for stored in self.searcher().all_stored_fields():
            yield self._fields(stored)

    @_reads_index
    def file_hashes(self) -> dict[str, str]:
        """Each indexed source path with the hash of its bytes when it was indexed."""
        searcher = self.searcher()
        hashes = {}
        for path in searcher.reader().field_terms("path"):
            docnum = searcher.document_number(path=path)
            if docnum is not None:
                hashes[path] = self.stored(docnum)["file_hash"]
        return hashes

    @_reads_index
    def last_line(self, path: str) -> int:
        """The last line any passage of a source starts on (0: none)."""
        return max((_passage_fields(self._stored_fields(docnum))["line_start"] for docnum in
                    self.searcher().document_numbers(path=path)), default=0)

    @_reads_index
    def passage_ids(self) -> list[str]:
        return list(self.searcher().reader().field_terms("passage_id"))

    @_reads_index
    def passage(self, passage_id: str) -> dict | None:
        docnum = self.searcher().document_number(passage_id=passage_id)
        return None if docnum is None else self.stored(docnum)

    @_reads_index
    def passages_of(self, article_id: str) -> list[dict]:
        """An article's passages in order."""
        found = self.searcher().document_numbers(article_id=article_id)
        return sorted((self.stored(docnum) for docnum in found), key=lambda p: p["order"])

    @_reads_index
    def doc_count(self) -> int:
        return self.searcher().doc_count()

    @_reads_index
    def counts(self) -> dict[str, int]:
        """Files, articles and passages in the index (deleted passages not counted), as the
        last commit recorded them (``record_commit``) or, when it did not, counted."""
        return store.recorded_counts(self.generation) or self._counted()

    def record_commit(self, sounds: bool = True) -> None:
        """Write what the commit holds, with the commit it belongs to: the counts and the
        facet arrays, and (``sounds``: a run's last commit) the pinyin of its words; after a
        commit that did not record them, they are read again."""
        self.close()  # a searcher that sees the commit
        store.record_counts(self.generation, self._counted())
        self.record_arrays()
        if sounds:
            self.record_sounds()
        store.record_files(self.generation)

    def _counted(self) -> dict[str, int]:
        if not self.doc_count():  # an index without segments has no columns either
            return dict(NO_COUNTS)
        _, live_articles = self.scorer().articles()
        return {"files": len(self.file_hashes()), "articles": int(live_articles.sum()),
                "passages": self.doc_count()}

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._facet_values, self._scorer, self._arrays, self._articles = {}, None, None, {}
        self._sounds = None
        self._stored_columns = None


class Transaction:
    """Streams passages into one Whoosh commit, written by ``postings.FastSegmentWriter``: past
    ``postings.MAX_POSTINGS`` (``PROCESS_POSTINGS`` in a writer process) a writer writes its
    segment and goes on in a new one, so a large commit does not need all its records in memory.

    With ``procs`` > 1, writer processes build the postings, one or more segments each (two
    on two cores: full news corpus 229.7 s -> 127.2 s).
    """

    def __init__(self, backend: WhooshBackend, procs: int = 1):
        self.backend, self.added = backend, 0
        if procs > 1:
            self.writer = ParallelWriter(backend.ix, procs, limitmb=512 // procs,
                                         max_postings=PROCESS_POSTINGS)
        else:
            self.writer = FastSegmentWriter(backend.ix)

    def delete(self, path: str) -> None:
        with _reading(self.backend.index_dir):
            self.writer.delete_by_term("path", path)

    def add(self, record: Record) -> None:
        self.writer.add_document(**_document(record))
        self.added += 1

    def commit(self, quick: bool = False, last: bool = False) -> None:
        """Commit. ``quick`` (inside a big file, and after that in the run): merge no small
        segments; ``last`` (a run's last commit): merge every segment into one when there
        are many (``merge.merge_policy``)."""
        self.writer.commit(mergetype=merge_policy(not quick, last))
        self.backend.record_commit(sounds=last)

    def cancel(self) -> None:
        """Drop everything added and deleted since ``begin``. A commit that failed half-way
        (a full disk) closed some of its files, and Whoosh's cancel fails closing them again:
        then the writer only gives the lock back (``discard_uncommitted`` removes the files)."""
        if self.writer.is_closed:
            return
        try:
            self.writer.cancel()
        except (OSError, ValueError):
            self.writer.is_closed = True
            self.writer.writelock.release()


def _groups(docnums: np.ndarray, rounded: np.ndarray) -> Iterator[list[int]]:
    """The docnums (best first) in groups of equal (rounded) score."""
    starts = [0, *(np.flatnonzero(np.diff(rounded)) + 1).tolist(), len(docnums)]
    for start, end in itertools.pairwise(starts):
        yield docnums[start:end].tolist()


def _passage_fields(stored: dict) -> dict:
    """A passage's own stored fields by name (``PASSAGE_STORED``)."""
    return dict(zip(PASSAGE_STORED, stored["passage"], strict=True))


def _document(record: Record) -> dict:
    """Whoosh keyword arguments for one passage: tokens and values to index, and the stored
    tuples (``PASSAGE_STORED``; ``ARTICLE_STORED`` with an article's first passage)."""
    stored = record.stored
    doc = {name: stored[name] for name in ("passage_id", "article_id", "path")}
    doc.update({name: encode_tokens(tokens) for name, tokens in record.tokens.items()})
    doc["passage"] = tuple(tuple(stored.get(name) or ()) if name in LIST_FIELDS
                           else stored.get(name) for name in PASSAGE_STORED)
    if stored["order"] == FIRST_ORDER:
        doc["article"] = tuple(stored.get(name) or "" for name in ARTICLE_STORED)
    for name in LIST_FIELDS:
        doc[name] = ",".join(stored.get(name) or [])
    doc.update(record.keys)
    return doc


def filter_queries(filters: Filters) -> list[wq.Query]:
    """Queries a passage must match for the filters (any value of a field, every field)."""
    queries = []
    for facet in FILTER_FACETS:
        if values := getattr(filters, facet):
            queries.append(wq.Or([wq.Term(FIELD_OF[facet], value) for value in values]))
    if filters.since or filters.until:
        low = int(filters.since.replace("-", "")) if filters.since else None
        high = int(filters.until.replace("-", "")) if filters.until else None
        queries.append(wq.NumericRange("day", low, high))
    return queries


# ---------------------------------------------------------------- query translation


def to_whoosh(node: Node) -> wq.Query:
    """The Whoosh query that ranks the passages a parsed query matches (``plan.ranking``;
    ``_holding`` decides which match)."""
    return _compiled(plan.ranking(node))


def _compiled(part) -> wq.Query:
    """A part of a ranking plan as a Whoosh query."""
    if isinstance(part, plan.Term):
        return wq.Term(part.field, part.text, boost=part.boost)
    if isinstance(part, plan.Word):
        return Word([_compiled(term) for term in part.terms])
    if isinstance(part, plan.Phrase):
        return _phrase(part.units, part.boost)
    if isinstance(part, Or):
        return wq.Or([_compiled(clause) for clause in part.children])
    if isinstance(part, And):
        return wq.And([_compiled(clause) for clause in part.children])
    if isinstance(part, Not):
        return wq.Not(_compiled(part.child))
    raise TypeError(f"unknown plan part {part!r}")


def _phrase(found: tuple[str, ...], boost: float) -> wq.Query:
    """Units found consecutively in the passage text: one unit as a word of the text, two as
    their pair, more as the phrase of their pairs (checked on the stored text)."""
    if len(found) == 1:
        return Word([wq.Term(plan.TEXT, found[0], boost=boost)])
    if len(found) == 2:
        return wq.Term(plan.PAIRS, pairs(found)[0], boost=boost)
    return Phrase(plan.PAIRS, found, boost=boost)

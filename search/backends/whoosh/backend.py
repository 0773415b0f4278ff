"""Whoosh backend: one Whoosh document per passage, in a generation folder of the index.

This module holds the schema (``Counted``, ``PreTokenized``: Whoosh pickles their module path
into every index, so they stay here), the index's life (create, open, check, publish, the
commit's records) and the ``WhooshBackend`` the seam sees, which puts together the parts
that read a searcher: ``reader.py`` (postings a block at a time), ``matching.py`` (which
passages match), ``scoring.py`` (how they rank), ``facets.py`` (counts) and ``stored.py``
(stored fields).

Tokens arrive pre-analysed (``seam.Record.tokens``); the ``PreTokenized`` tokenizer only
replays them, so Whoosh never segments text itself. The index directory also holds
``search-meta.json`` with the schema and analyzer versions: an index built by another
version is refused with a message to rebuild, instead of answering wrongly.
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
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from math import log
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Frequency
from whoosh.index import TOC, clean_files
from whoosh.scoring import BM25F

from ...errors import WRITE_ERRORS, IndexDamaged, IndexUnavailable
from ...query import plan
from ...query.filters import FACETS, Filters
from ...query.parse import And, Node, Not, Or
from ...text.analysis import ANALYZER_VERSION
from ...text.stories import Stories
from ..seam import (
    NO_COUNTS,
    REPEATED,
    SCORE_DECIMALS,
    UNDATED,
    Hit,
    Record,
    SearchResult,
    best,
    settled,
)
from . import store
from .facets import Facets, recorded
from .matching import Matching
from .merge import merge_policy
from .parallel import ParallelWriter, WriterPool
from .postings import (
    PROCESS_POSTINGS,
    FastSegmentWriter,
    decode_tokens,
)
from .reader import Postings
from .scoring import ArticleTerm, Phrase, Scorer, Word, scored_clauses
from .stored import StoredFields, document, passage_fields

SCHEMA_VERSION = 12
INDEX_NAME = "MAIN"  # Whoosh's name of the index in a generation folder
META_FILE = "search-meta.json"
SOUNDS_FILE = "search-sounds.tsv"  # the pinyin of the text's words (text/sounds.py)
STORIES_FILE = "search-stories.json"  # the articles that are one story (text/stories.py)
REPEATED_FILE = "search-repeated.json"  # paragraphs repeated across a source: boilerplate
ARTICLE = ArticleTerm(weight=plan.ARTICLE_WEIGHT, k1=plan.ARTICLE_K1, b=plan.ARTICLE_B)


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
        tags=KEYWORD(commas=True, scorable=False),  # as the article's front matter has them
        categories=KEYWORD(commas=True, scorable=False),
        para=ID(),  # the passage's fingerprint (records.fingerprint): boilerplate repeats it
        aside=ID(),  # "1": a reader set the passage aside (a web page's navigation, ...)
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
        self._parts: dict[str, object] = {}  # per searcher: reader, scorer, matching, ...
        self._sounds = None  # sounds()
        self._stories: Stories | None = None  # stories()
        self._pool: WriterPool | None = None  # writer_pool(): kept from commit to commit

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

    def writer_pool(self, procs: int) -> WriterPool:
        """The writer processes of this index's parallel commits (``close`` stops them)."""
        if self._pool is None or self._pool.procs != procs:
            self.stop_writers()
            self._pool = WriterPool(self.ix.storage, self.ix.indexname, procs,
                                    {"max_postings": PROCESS_POSTINGS})
        return self._pool

    def stop_writers(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool = None

    # ------------------------------------------------------------ reading

    def searcher(self):
        if self._searcher is None:
            self._searcher = self.ix.searcher(weighting=WEIGHTING)
        return self._searcher

    def _part(self, name: str):
        """One of the parts that read the current searcher, made on first use: the
        ``arrays`` its commit recorded (``facets.recorded``), its ``postings``
        (``reader.Postings``), ``stored`` fields, ``scorer``, ``matching`` and ``facets``."""
        if name not in self._parts:
            if name == "arrays":
                made = recorded(self.generation)
            elif name == "postings":
                arrays = self._part("arrays")
                made = Postings(self.searcher(), self.stored_fields().texts,
                                arrays.get("article_numbers"), arrays.get("days"))
            elif name == "stored":
                made = StoredFields(self.searcher(), self.index_dir)
            elif name == "scorer":
                made = Scorer(self.postings(), plan.K1, plan.B, ARTICLE)
            elif name == "matching":
                made = Matching(self.postings(), self.set_aside())
            else:
                made = Facets(self.postings(), self.generation, self._part("arrays"))
            self._parts[name] = made
        return self._parts[name]

    def postings(self) -> Postings:
        return self._part("postings")

    def set_aside(self) -> np.ndarray:
        """Each docnum: set aside as boilerplate (``reader.Postings.set_aside``)."""
        return self.postings().set_aside(list(self.repeated()))

    def repeated(self) -> dict[str, int]:
        """The fingerprints of the paragraphs repeated across a source (``seam.REPEATED``)
        and their copies, as the last run recorded them (none before a run finished)."""
        if "repeated" not in self._parts:
            try:
                text = (self.generation / REPEATED_FILE).read_text("utf-8")
                self._parts["repeated"] = json.loads(text)
            except (OSError, ValueError):
                self._parts["repeated"] = {}
        return self._parts["repeated"]

    def record_repeated(self) -> None:
        """Write the paragraphs repeated across a source (``reader.Postings.repeated``):
        a run's last commit does, like the sounds and the stories."""
        found = self.postings().repeated(
            REPEATED, lambda docnum: self.stored_fields().stored(docnum)["content_hash"]) \
            if self.doc_count() else {}
        store.write_atomically(self.generation / REPEATED_FILE, json.dumps(found, sort_keys=True))

    def stored_fields(self) -> StoredFields:
        return self._part("stored")

    def scorer(self) -> Scorer:
        return self._part("scorer")

    def matching(self) -> Matching:
        return self._part("matching")

    def facets(self) -> Facets:
        return self._part("facets")

    @_reads_index
    def search(self, node: Node | None, limit: int, filters: Filters | None = None,
               facets: tuple[str, ...] = FACETS, per_article: int | None = None,
               sort: str = "relevance") -> SearchResult:
        query = wq.Every() if node is None else to_whoosh(node)
        self.postings().new_query()
        scores, _ = self.scorer().scores(scored_clauses(query))
        matched = self.matching().matched(node, filters)
        candidates = np.flatnonzero(matched)
        found = self._best(scores, candidates, limit, per_article, sort)
        hits = [Hit(float(scores[docnum]), self.stored(docnum)) for docnum in found]
        counts = {name: self.facets().count(name, matched) for name in facets}
        article_of, _ = self.postings().articles()
        articles = int(np.count_nonzero(np.bincount(article_of[candidates]))) \
            if len(candidates) else 0
        return SearchResult(len(candidates), hits, counts, articles=articles)

    def _best(self, scores: np.ndarray, candidates: np.ndarray, limit: int,
              per_article: int | None, sort: str) -> list[int]:
        """The first ``limit`` candidate docnums in the order ``sort``, at most
        ``per_article`` from any one article, in the order of every backend
        (``seam.settled``): by date when asked, then score, then place."""
        rounded = np.round(scores[candidates], SCORE_DECIMALS)
        if sort == "relevance":
            dates = np.zeros(len(candidates), dtype=np.int64)
            if not per_article and len(candidates) > limit:  # all as good as the limit-th
                kth = np.partition(rounded, len(rounded) - limit)[len(rounded) - limit]
                candidates, rounded = candidates[rounded >= kth], rounded[rounded >= kth]
                dates = dates[:len(candidates)]
        else:
            days = self.postings().days()[candidates]
            dates = np.where(days == 0, UNDATED, -days if sort == "newest" else days)
        order = np.lexsort((candidates, -rounded, dates))
        article_of, _ = self.postings().articles()
        groups = _groups(candidates[order], dates[order], rounded[order])
        return best(settled(groups, self.stored_fields().place), limit, per_article,
                    lambda docnum: article_of[docnum])

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
        store.write_atomically(path, write_sounds(vocabulary.items(), known))
        self._sounds = None

    def record_stories(self) -> None:
        """Write which articles are one story (``text/stories.py``), from every live
        article's signature; written by a run's last commit, like the sounds."""
        articles = [self.stored(docnum) for docnum in self._first_passages()]
        store.write_atomically(self.generation / STORIES_FILE,
                               Stories.made(articles).to_bytes())
        self._stories = None

    def _first_passages(self) -> list[int]:
        """A docnum of each live article (its first: an article's passages are added in
        order)."""
        if not self.doc_count():
            return []
        article_of, _ = self.postings().articles()
        live = np.flatnonzero(self.postings().live)
        _, first = np.unique(article_of[live], return_index=True)
        return live[first].tolist()

    def stories(self) -> Stories | None:
        """The index's stories of more than one article, read once; None when its last
        commit recorded none (an index of an earlier run that stopped)."""
        if self._stories is None:
            try:
                data = (self.generation / STORIES_FILE).read_bytes()
            except OSError:
                return None
            self._stories = Stories.from_bytes(data)
        return self._stories

    def sounds(self):
        """The index's words by their pinyin (``text.sounds.Sounds``), read once; None when the
        index has no record of them."""
        from ...text.sounds import Sounds

        if self._sounds is None:
            try:
                text = (self.generation / SOUNDS_FILE).read_text("utf-8")
            except OSError:
                return None
            self._sounds = Sounds(text)
        return self._sounds

    @_reads_index
    def word_frequency(self, word: str) -> int:
        """Passages holding ``word`` as a word of their text (deleted ones included)."""
        if not self.doc_count():  # an index without segments has no field to ask
            return 0
        return self.searcher().reader().doc_frequency("text", word)

    @_reads_index
    def stored(self, docnum: int) -> dict:
        """A passage's stored fields, its article's included, and whether it is set aside as
        boilerplate now."""
        found = self.stored_fields().stored(docnum)
        found["boilerplate"] = bool(self.set_aside()[docnum])
        return found

    @_reads_index
    def passages(self) -> Iterator[dict]:
        for stored in self.searcher().all_stored_fields():
            yield self.stored_fields().fields(stored)

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
        return max((passage_fields(self.stored_fields().raw(docnum))["line_start"] for docnum in
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

    @_reads_index
    def record_commit(self, last: bool = True) -> None:
        """Write what the commit holds, with the commit it belongs to: (``last``: a run's
        last commit) the facet arrays, the pinyin of its words, its stories and the
        paragraphs repeated across a source; then the counts. After a commit that did not
        record them, they are read again (a run's commits before its last would each read
        the whole index: the facet arrays took 1 s a commit late in the full news corpus)."""
        self.forget_reads()  # a searcher that sees the commit (the writer processes stay)
        if last:
            self.facets().record()
            self.record_sounds()
            self.record_stories()
            self.record_repeated()
            self.forget_reads()  # what is set aside follows the repeated paragraphs just written
        store.record_counts(self.generation, self._counted())
        store.record_files(self.generation)

    def _counted(self) -> dict[str, int]:
        if not self.doc_count():  # an index without segments has no columns either
            return dict(NO_COUNTS)
        _, live_articles = self.postings().articles()
        aside = int((self.set_aside() & self.postings().live).sum())
        repeated = self.repeated()
        return {"files": len(self.file_hashes()), "articles": int(live_articles.sum()),
                "passages": self.doc_count() - aside, "set_aside": aside,
                "repeated": len(repeated), "copies": sum(repeated.values())}

    def close(self) -> None:
        """Stop the writer processes and let go of the searcher."""
        self.stop_writers()
        self.forget_reads()

    def forget_reads(self) -> None:
        """Let go of the searcher and what was read through it (the next read sees the latest
        commit); the writer processes are kept for the run's next commit."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._parts = {}
        self._sounds = None
        self._stories = None


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
            self.writer = ParallelWriter(backend.ix, backend.writer_pool(procs),
                                         limitmb=512 // procs)
        else:
            self.writer = FastSegmentWriter(backend.ix)

    def delete(self, path: str) -> None:
        with _reading(self.backend.index_dir):
            self.writer.delete_by_term("path", path)

    def add(self, record: Record) -> None:
        self.writer.add_document(**document(record))
        self.added += 1

    def add_analysed(self, analyse, args: tuple, records: int) -> None:
        """``analyse(*args)``'s records: analysed by a writer process when there are
        several, else here."""
        if isinstance(self.writer, ParallelWriter):
            self.writer.add_analysed(analyse, args, records)
            self.added += records
            return
        for record in analyse(*args):
            self.add(record)

    def commit(self, quick: bool = False, last: bool = False) -> None:
        """Commit. ``quick`` (inside a big file, and after that in the run): merge no small
        segments; ``last`` (a run's last commit): merge every segment into one when there
        are many (``merge.merge_policy``)."""
        self.writer.commit(mergetype=merge_policy(not quick, last))
        self.backend.record_commit(last)

    def cancel(self) -> None:
        """Drop everything added and deleted since ``begin``. A commit that failed half-way
        (a full disk) closed some of its files, and Whoosh's cancel fails closing them again:
        then the writer only gives the lock back (``discard_uncommitted`` removes the files)."""
        if isinstance(self.writer, ParallelWriter):
            self.writer.writers.terminate()  # (processes of a pool kept past a commit too)
        if self.writer.is_closed:
            return
        try:
            self.writer.cancel()
        except (OSError, ValueError):
            self.writer.is_closed = True
            self.writer.writelock.release()


def _groups(docnums: np.ndarray, *keys: np.ndarray) -> Iterator[list[int]]:
    """The docnums (in order) in groups of equal ``keys`` (date keys, rounded scores)."""
    changed = np.logical_or.reduce([np.diff(key) != 0 for key in keys]) if len(docnums) > 1 \
        else np.zeros(0, dtype=bool)
    starts = [0, *(np.flatnonzero(changed) + 1).tolist(), len(docnums)]
    for start, end in itertools.pairwise(starts):
        yield docnums[start:end].tolist()


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
        return Phrase(plan.PAIRS, part.units, boost=part.boost)
    if isinstance(part, Or):
        return wq.Or([_compiled(clause) for clause in part.children])
    if isinstance(part, And):
        return wq.And([_compiled(clause) for clause in part.children])
    if isinstance(part, Not):
        return wq.Not(_compiled(part.child))
    raise TypeError(f"unknown plan part {part!r}")

"""Indexing: files -> Documents -> Articles -> analysed passage records -> the backend.

Incremental: a file whose bytes hash the same as when it was indexed is skipped; a new or
changed file replaces its passages; a file that disappeared from the given paths loses its
passages (unless ``keep_missing``). Files are committed in batches, each batch one atomic
commit, so a run killed at any moment leaves the index as the last commit left it and the
next run finishes the job. One bad file never stops a run: it is reported and skipped.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import bigrams, words
from .backend import Record
from .errors import ReadError
from .metadata import article_places, describe, passage_places
from .readers import display_path, iter_files, read_bytes, read_file
from .segment import Article, segment
from .store import indexer_lock
from .whoosh_backend import WhooshBackend

BATCH = 2000  # passages per commit: a killed run keeps all but the last batch
PARALLEL_BATCH = 8000  # passages per parallel commit: bounds the memory of the in-memory pools
PARALLEL_BYTES = 1_000_000  # below this, writer processes cost more than they save
MAX_FILE_MB = 20  # like Recoll's textfilemaxmbs: bigger text files are skipped by default


@dataclass
class IndexReport:
    """What an indexing run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[ReadError] = field(default_factory=list)  # files not indexed, with reasons
    warnings: list[ReadError] = field(default_factory=list)  # problems in files still indexed
    notes: list[str] = field(default_factory=list)  # decisions worth telling (encodings)
    articles: int = 0
    passages: int = 0
    seconds: float = 0.0

    @property
    def files(self) -> int:
        """Files (re)indexed in this run."""
        return len(self.added) + len(self.updated)


def records_for(article: Article, file_hash: str = "") -> list[Record]:
    """Backend records (stored fields and tokens) for an article's passages."""
    describe(article)
    title_words = [(t.text, t.pos) for t in words(article.title)]
    passage_words = [words(passage.text) for passage in article.passages]
    places = article_places(article, passage_words)
    meta = article.meta
    records = []
    for passage, text_words, mentions in zip(article.passages, passage_words, places.passages,
                                             strict=True):
        tied = passage_places(mentions, places.primary)
        stored = {
            "passage_id": passage.passage_id, "article_id": article.article_id,
            "path": article.path, "order": passage.order, "title": article.title,
            "section": passage.section, "text": passage.text,
            "char_start": passage.char_start, "char_end": passage.char_end,
            "line_start": passage.line_start, "line_end": passage.line_end,
            "format": article.format, "content_hash": article.content_hash,
            "file_hash": file_hash,
            "source": meta.get("source", ""), "author": meta.get("author", ""),
            "date": meta.get("date", ""), "url": meta.get("url", ""),
            "cities": tied["city"], "provinces": tied["province"], "counties": tied["county"],
        }
        tokens = {
            "text": [(t.text, t.pos) for t in text_words],
            "title": title_words,
            "section": [(t.text, t.pos) for t in words(passage.section)],
            "bigram": bigrams(passage.text),
        }
        records.append(Record(stored, tokens))
    return records


def _under(path: str, roots: list[str]) -> bool:
    return any(root in ("", ".") or path == root or path.startswith(root + "/") for root in roots)


@dataclass
class Progress:
    """Where an indexing run is, after each file."""

    path: str
    outcome: str  # added | updated | unchanged | skipped
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    passages: int


def _ignore(_) -> None:
    return None


def index_paths(index_dir: Path, paths: list[Path], rebuild: bool = False,
                keep_missing: bool = False,
                on_error: Callable[[ReadError], None] = _ignore,
                on_progress: Callable[[Progress], None] = _ignore,
                jobs: int = os.cpu_count() or 1, max_file_mb: float = MAX_FILE_MB) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with the files under ``paths``; large
    inputs are written by ``jobs`` processes; files over ``max_file_mb`` (but JSONL) are
    skipped."""
    with indexer_lock(index_dir):
        files = [(path, refusal or _too_large(path, max_file_mb))
                 for path, refusal in iter_files(paths)]
        return _index(index_dir, paths, files, rebuild, keep_missing, on_error, on_progress,
                      jobs)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _too_large(path: Path, max_file_mb: float) -> ReadError | None:
    """Refuse a file over the size limit: one article that big is a dump, not a story."""
    megabytes = _size(path) / 1e6
    if megabytes <= max_file_mb or path.name.endswith((".jsonl", ".jsonl.gz")):
        return None
    return ReadError(display_path(path),
                     f"is {megabytes:.1f} MB, over the {max_file_mb:g} MB limit for one article",
                     "split it into articles, or raise --max-file-mb", "too large")


def _index(index_dir: Path, paths: list[Path], files: list[tuple[Path, ReadError | None]],
           rebuild: bool, keep_missing: bool,
           on_error: Callable[[ReadError], None], on_progress: Callable[[Progress], None],
           jobs: int) -> IndexReport:
    started = time.perf_counter()
    shown = [display_path(path) for path, _ in files]
    sizes = [_size(path) for path, _ in files]
    if rebuild or not WhooshBackend.exists(index_dir):
        backend = WhooshBackend.create(index_dir)
        if not WhooshBackend.exists(index_dir):
            backend.publish()  # a first build is live at once: a killed one resumes next run
    else:
        backend = WhooshBackend.open(index_dir)
    procs = jobs if sum(sizes) >= PARALLEL_BYTES else 1
    batch = BATCH if procs == 1 else PARALLEL_BATCH
    report = IndexReport()
    warn = _warner(report, on_error)
    indexed = backend.file_hashes()
    transaction = backend.begin(procs)
    try:
        bytes_done, bytes_total = 0, sum(sizes)
        for i, (path, refusal) in enumerate(files):
            outcome, documents, file_hash = _read(path, shown[i], refusal, indexed, report,
                                                  on_error)
            if outcome in ("added", "updated"):
                transaction.delete(shown[i])  # in the same commit as the new passages
            for document in documents:
                for article in segment(document, warn):
                    report.articles += 1
                    for record in records_for(article, file_hash):
                        transaction.add(record)
                        report.passages += 1
            bytes_done += sizes[i]
            on_progress(Progress(shown[i], outcome, i + 1, len(files), bytes_done, bytes_total,
                                 report.passages))
            if transaction.added >= batch:  # commit only between files: each file is atomic
                transaction.commit()
                transaction = backend.begin(procs)
        roots = [display_path(root) for root in paths]
        if not keep_missing:
            seen = set(shown)
            report.removed = sorted(p for p in indexed if p not in seen and _under(p, roots))
        for path in report.removed:
            transaction.delete(path)
        transaction.commit()
    except BaseException:
        transaction.cancel()  # a killed run redoes only the uncommitted batch next time
        raise
    backend.publish()  # a rebuild replaces the live index only now that it is whole
    backend.close()
    report.seconds = time.perf_counter() - started
    return report


def _warner(report: IndexReport,
            on_error: Callable[[ReadError], None]) -> Callable[[ReadError], None]:
    """Where a problem in a file that is still indexed goes: the report's warnings, and
    ``on_error``."""

    def warn(error: ReadError) -> None:
        report.warnings.append(error)
        on_error(error)

    return warn


def _read(path: Path, shown: str, refusal: ReadError | None, indexed: dict[str, str],
          report: IndexReport, on_error: Callable[[ReadError], None]) -> tuple[str, list, str]:
    """(outcome, Documents, file hash): the Documents only when the file is new or changed."""
    warn = _warner(report, on_error)
    try:
        if refusal is not None:
            raise refusal
        data = read_bytes(path)
        file_hash = hashlib.sha256(data).hexdigest()[:16]
        if indexed.get(shown) == file_hash:
            report.unchanged += 1
            return "unchanged", [], file_hash
        documents = read_file(path, warn, data)
    except ReadError as error:
        report.skipped.append(error)
        on_error(error)
        return "skipped", [], ""
    if documents and documents[0].encoding != "utf-8":
        report.notes.append(f"{shown}: decoded as {documents[0].encoding}")
    outcome = "updated" if shown in indexed else "added"
    getattr(report, outcome).append(shown)
    return outcome, documents, file_hash

"""Indexing: files -> Documents -> Articles -> analysed passage records (``ingest/``) -> the
backend.

Incremental: a file whose bytes hash the same as when it was indexed is skipped; a new or
changed file replaces its passages; a file that disappeared from a folder that was read loses
its passages (unless ``keep_missing``), while a path that cannot be read keeps them. Sources
are recorded against the folder that holds the index (``sources.Sources``), so the same file
is the same source whichever folder the indexer runs from. Files are committed in batches,
each batch one atomic commit, so a run killed at any moment leaves the index as the last
commit left it and the next run finishes the job. A JSONL file of many records may be
committed between its records: it is then marked partial (``Backend.mark_partial``) until the
run ends, and a run stopped in it resumes after its last committed record. One bad file never
stops a run: it is reported and skipped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .backends import backend_type
from .backends.seam import COMMIT_SECONDS, IN_FILE_BATCH, Backend
from .errors import ReadError, SearchError, ignore
from .ingest.documents import is_document
from .ingest.readers import MAX_FILE_MB, digest, iter_files, read_bytes, read_file, unreadable
from .ingest.records import records_for
from .ingest.segment import segment
from .ingest.sources import Sources, display_path

BATCH = 2000  # passages per commit: a killed run keeps all but the last batch
PARALLEL_BATCH = 8000  # passages per parallel commit: bounds the memory of the in-memory pools
RECORDS_STEP = 200  # records of a file between two progress reports
PARALLEL_BYTES = 1_000_000  # below this, writer processes cost more than they save


@dataclass
class IndexReport:
    """What an indexing run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)  # partly indexed by a run that stopped
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[ReadError] = field(default_factory=list)  # files not indexed, with reasons
    unreadable: list[ReadError] = field(default_factory=list)  # named paths that cannot be read
    warnings: list[ReadError] = field(default_factory=list)  # problems in files still indexed
    notes: list[str] = field(default_factory=list)  # decisions worth telling (encodings)
    articles: int = 0  # read in this run
    passages: int = 0
    seconds: float = 0.0
    holds: dict[str, int] = field(default_factory=dict)  # files, articles, passages after it

    @property
    def files(self) -> int:
        """Files (re)indexed in this run."""
        return len(self.added) + len(self.updated) + len(self.resumed)


@dataclass
class Progress:
    """Where an indexing run is, after each file and every ``RECORDS_STEP`` records."""

    path: str
    outcome: str  # added | updated | resumed | unchanged | skipped
    files_done: int
    files_total: int
    bytes_done: int  # a file's records count their share of its bytes as they are done
    bytes_total: int
    passages: int
    records: int = 0  # records of the file done (JSONL)
    finished: bool = True  # the file is done (False: a report from inside it)



def index_paths(index_dir: Path, paths: list[Path], rebuild: bool = False,
                keep_missing: bool = False,
                on_error: Callable[[ReadError], None] = ignore,
                on_progress: Callable[[Progress], None] = ignore,
                jobs: int = os.cpu_count() or 1, max_file_mb: float = MAX_FILE_MB,
                in_file_batch: int = IN_FILE_BATCH,
                commit_seconds: float = COMMIT_SECONDS) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with the files under ``paths``; large
    inputs are written by ``jobs`` processes; files over ``max_file_mb`` (but JSONL) are
    skipped; a JSONL file is committed every ``in_file_batch`` passages or
    ``commit_seconds``, whichever comes first.

    A path that cannot be read (missing, a folder that cannot be listed, a file that cannot
    be opened) goes to ``on_error`` and ``report.unreadable``; what the index holds from it
    stays, so a rebuild is refused (SearchError) and, when no path can be read, nothing is
    written. The index folder itself is never indexed.
    """
    problems = {path: unreadable(path) for path in paths}
    report = IndexReport(unreadable=[error for error in problems.values() if error])
    for error in report.unreadable:
        on_error(error)
    readable = [path for path in paths if problems[path] is None]
    if report.unreadable and rebuild:
        raise SearchError(f"not rebuilding {index_dir}/: {len(report.unreadable)} of the paths "
                          "cannot be read; the index is unchanged")
    if not readable:
        report.holds = _holds(index_dir)
        return report
    kind = backend_type(index_dir)
    with kind.lock(index_dir):
        folder = kind.folder(index_dir)
        sources = Sources(folder)
        own = [sources.stored(folder)] if folder else []  # an index never indexes itself
        files = [InputFile(path, stored, display_path(path),
                           refusal or _too_large(path, max_file_mb))
                 for path, refusal in iter_files(readable)
                 if not sources.within(stored := sources.stored(path), own)]
        named = Named(read=[sources.stored(path) for path in readable],
                      kept=[sources.stored(path) for path in paths if problems[path]]
                      + [file.stored for file in files if file.refusal and file.path.is_dir()])
        _index(index_dir, sources, named, files, report, rebuild, keep_missing, on_error,
               on_progress, jobs, (in_file_batch, commit_seconds))
        return report


def _holds(index_dir: Path) -> dict[str, int]:
    """What the index holds now (files, articles, passages); zeros when there is none."""
    kind = backend_type(index_dir)
    if not kind.exists(index_dir):
        return {"files": 0, "articles": 0, "passages": 0}
    backend = kind.open(index_dir)
    try:
        return backend.counts()
    finally:
        backend.close()


@dataclass
class InputFile:
    """A file to index: as named, as the index records it, as shown, and why it is refused."""

    path: Path
    stored: str
    shown: str
    refusal: ReadError | None


@dataclass
class Named:
    """The paths of a run, as recorded: those read, and those whose indexed files must stay
    (paths that could not be read, files and folders refused)."""

    read: list[str]
    kept: list[str]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _too_large(path: Path, max_file_mb: float) -> ReadError | None:
    """Refuse a file over the size limit: one article that big is a dump, not a story."""
    megabytes = _size(path) / 1e6
    if megabytes <= max_file_mb or path.name.endswith((".jsonl", ".jsonl.gz")) \
            or is_document(path):  # a PDF's bytes are mostly images and fonts
        return None
    return ReadError(display_path(path),
                     f"is {megabytes:.1f} MB, over the {max_file_mb:g} MB limit for one article",
                     "split it into articles, or raise --max-file-mb", "too large")


def _index(index_dir: Path, sources: Sources, named: Named, files: list[InputFile],
           report: IndexReport, rebuild: bool, keep_missing: bool,
           on_error: Callable[[ReadError], None], on_progress: Callable[[Progress], None],
           jobs: int, in_file: tuple[int, float]) -> None:
    started = time.perf_counter()
    sizes = [_size(file.path) for file in files]
    backend = _backend(index_dir, rebuild)
    procs = jobs if sum(sizes) >= PARALLEL_BYTES else 1
    warn = _warner(report, on_error)
    indexed = backend.file_hashes()
    partial = backend.partial_files()
    commits = _Commits(backend, procs, *in_file)
    finished: set[str] = set()  # files read to the end
    try:
        commits.begin()
        bytes_done, bytes_total = 0, sum(sizes)
        for i, file in enumerate(files):
            def on_page(done: int, total: int, i=i, file=file, start=bytes_done) -> None:
                on_progress(Progress(file.shown, "reading", i, len(files),
                                     start + sizes[i] * done // max(total, done, 1),
                                     bytes_total, report.passages, done, finished=False))

            outcome, documents, file_hash = _read(file, indexed, report, on_error, warn,
                                                  partial, on_page)
            if outcome == "resumed":
                done = backend.last_line(file.stored)
                documents = [doc for doc in documents if doc.line is not None and doc.line > done]
            elif outcome in ("added", "updated"):
                commits.transaction.delete(file.stored)  # in the commit of the new passages
            for n, document in enumerate(documents, 1):
                _add(document, file_hash, commits.transaction, report, warn)
                if document.line is not None and n < len(documents):
                    commits.between_records(file.stored, file_hash)
                if n % RECORDS_STEP == 0:
                    on_progress(Progress(file.shown, outcome, i, len(files),
                                         bytes_done + sizes[i] * n // len(documents),
                                         bytes_total, report.passages, n, finished=False))
            if outcome != "skipped":
                finished.add(file.stored)
            bytes_done += sizes[i]
            on_progress(Progress(file.shown, outcome, i + 1, len(files), bytes_done,
                                 bytes_total, report.passages, len(documents)))
            commits.between_files()
        if not keep_missing:
            seen = {file.stored for file in files}
            gone = sorted(p for p in indexed if p not in seen and sources.within(p, named.read)
                          and not sources.within(p, named.kept))
            report.removed = [sources.shown(p) for p in gone]
            for path in gone:
                commits.transaction.delete(path)
        commits.finish()
        backend.clear_partial(finished)
        backend.publish()  # a rebuild replaces the live index only now that it is whole
    except BaseException:
        commits.cancel()  # a killed run redoes only the uncommitted batch next time
        raise
    report.holds = backend.counts()
    backend.close()
    report.seconds = time.perf_counter() - started


def _backend(index_dir: Path, rebuild: bool) -> Backend:
    """The index to write: a new generation for a rebuild or a first build (which is live at
    once, so that a killed first build resumes), else the live one, without what a killed
    run left."""
    kind = backend_type(index_dir)
    if rebuild or not kind.claimed(index_dir):
        backend = kind.create(index_dir)
        if not kind.exists(index_dir):
            backend.publish()
        return backend
    backend = kind.open(index_dir)
    backend.discard_uncommitted()
    return backend


def _add(document, file_hash: str, transaction, report: IndexReport,
         warn: Callable[[ReadError], None]) -> None:
    """A document's articles' passages into the transaction, each article analysed into
    its records (``records_for``) where the transaction writes them."""
    for article in segment(document, warn):
        report.articles += 1
        passages = len(article.passages) + len(article.boilerplate)  # a record each
        transaction.add_analysed(records_for, (article, file_hash), passages)
        report.passages += passages


class _Commits:
    """The transactions of a run: a commit past ``BATCH`` passages (``PARALLEL_BATCH`` with
    writer processes) between files, or past ``in_file_batch`` passages or ``seconds`` between
    the records of one file, which is marked partial first (a run stopped in it resumes
    there). Once a run has
    committed inside a file, its commits are quick (they merge no small segments) but the
    last, which merges every segment into one when there are many."""

    def __init__(self, backend: Backend, procs: int, in_file_batch: int, seconds: float):
        self.backend, self.procs, self.in_file_batch = backend, procs, in_file_batch
        self.seconds = seconds
        self.batch = BATCH if procs == 1 else PARALLEL_BATCH
        self.transaction = None
        self.began = 0.0  # when the transaction began (time.monotonic)
        self.quick = False  # once a commit was inside a file: commits merge nothing

    def begin(self) -> None:
        self.transaction = self.backend.begin(self.procs)
        self.began = time.monotonic()

    def between_records(self, path: str, file_hash: str) -> None:
        added = self.transaction.added
        if added >= self.in_file_batch or (
                added and time.monotonic() - self.began >= self.seconds):
            self.backend.mark_partial(path, file_hash)
            self.quick = True
            self.transaction.commit(quick=True)
            self.begin()

    def between_files(self) -> None:
        if self.transaction.added >= self.batch:
            self.transaction.commit(self.quick)
            self.begin()

    def finish(self) -> None:
        self.transaction.commit(self.quick, last=True)

    def cancel(self) -> None:
        """Drop what is not committed, and every file it wrote."""
        try:
            if self.transaction is not None:
                self.transaction.cancel()
        finally:
            self.backend.discard_uncommitted()


def _warner(report: IndexReport,
            on_error: Callable[[ReadError], None]) -> Callable[[ReadError], None]:
    """Where a problem in a file that is still indexed goes: the report's warnings, and
    ``on_error``."""

    def warn(error: ReadError) -> None:
        report.warnings.append(error)
        on_error(error)

    return warn


def _read(file: InputFile, indexed: dict[str, str], report: IndexReport,
          on_error: Callable[[ReadError], None], warn: Callable[[ReadError], None],
          partial: dict[str, str], on_page: Callable[[int, int], None] = ignore,
          ) -> tuple[str, list, str]:
    """(outcome, Documents, file hash): the Documents only when the file is new, changed or
    ``partial`` (marked so by a run that stopped in it, and indexed with the same hash); a
    skipped file goes to ``on_error``, a problem in a file still read to ``warn``; a PDF
    tells ``on_page`` of each page it reads."""
    try:
        if file.refusal is not None:
            raise file.refusal
        data = read_bytes(file.path)
        file_hash = digest(data)
        if partial.get(file.stored) == file_hash == indexed.get(file.stored):
            report.resumed.append(file.shown)  # (a partial commit that failed left no mark)
            return "resumed", read_file(file.path, warn, data, name=file.stored), file_hash
        if indexed.get(file.stored) == file_hash:
            report.unchanged += 1
            return "unchanged", [], file_hash
        documents = read_file(file.path, warn, data, name=file.stored, on_page=on_page)
    except ReadError as error:
        report.skipped.append(error)
        on_error(error)
        return "skipped", [], ""
    if documents and documents[0].encoding != "utf-8":
        report.notes.append(f"{file.shown}: decoded as {documents[0].encoding}")
    if documents:
        report.notes.extend(documents[0].notes)  # a document's pages, what it set aside
    outcome = "updated" if file.stored in indexed else "added"
    getattr(report, outcome).append(file.shown)
    return outcome, documents, file_hash

"""Whoosh's multiprocessing writer, made safe to interrupt and to kill, with writer processes
that last as long as the index is open.

Whoosh's ``MpWriter`` builds postings in worker processes, the costly part of indexing.
As shipped, its workers are forked (inheriting the indexer's lock and a copy of its
threads), start again at every commit, and when the writer is cancelled or the indexer
killed they wait on their job queue forever; a worker that dies leaves the parent waiting,
or committing without its share. Here a ``WriterPool``'s processes are spawned once for the
run, analyse and write with ``postings.FastSegmentWriter``, write their segments at each
commit and go on for the next, exit when their parent dies, are stopped by ``cancel``, and a
dead one fails the commit with WriterProcessFailed. At a commit that merges every segment
(``merge.merge_all``), one of them merges half of them (``MergeJob``) while the parent
merges the other half.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.context import SpawnProcess
from queue import Empty, Full
from typing import NamedTuple

from whoosh.multiproc import MpWriter
from whoosh.writing import SegmentWriter

from ...errors import WRITE_ERRORS, SearchError
from .codec import CompactCodec
from .merge import merge_segments
from .postings import FastSegmentWriter
from .store import DurableCommit
from .stored import document

SPAWN = multiprocessing.get_context("spawn")
ADD, ANALYSE = 0, 1  # what a job file's item asks: add a document (Whoosh's code), or
# analyse something into records and add theirs (``ParallelWriter.add_analysed``)
JOB_PASSAGES = 1_000  # passages a job holds at most: the job queue (four jobs a process)
# then holds seconds of analysis, not a statute file's 100 laws (5,400 passages a job), and a
# commit waits for no more before its segments are written (1,200 statutes: the first
# commit, asked for at 6 s by 50,000 queued passages, landed at 17 s of a 25 s run, after
# the 60% a Ctrl-C may come at; now asked for at 10 s, it lands at 14 s of 23)
EXIT, FINISH = None, "finish"  # jobs that are no job file: end the process; write the
# segments of this commit and wait for the next


class MergeJob(NamedTuple):
    """A job that is no job file: merge these segments (``merge.merge_segments``) and put
    the merged one on the ``merged`` queue."""

    segments: list


class MergeTarget(NamedTuple):
    """What ``merge.merge_segments`` needs of a writer: where and how the merged segment is
    written."""

    codec: CompactCodec
    storage: object
    schema: object
    indexname: str


class WriterProcess(SpawnProcess):
    """A spawned writer: adds the documents of each job file to a segment of its own, writes
    it at ``FINISH`` and returns the segments on the results queue, then waits until every
    process of the pool has finished (so that none takes two ``FINISH``) before the next
    commit's jobs; a ``MergeJob``'s segment goes on the merged queue. It exits when the
    process that started it is gone."""

    def __init__(self, storage, indexname: str, queues: tuple, kwargs: dict, finished):
        super().__init__()
        self.storage, self.indexname, self.kwargs = storage, indexname, kwargs
        self.jobs, self.results, self.merged = queues
        self.finished = finished
        self.parent = os.getpid()

    def run(self) -> None:
        """Ctrl-C is the parent's to handle (it stops this process); a write error (disk
        full) ends the process with the error's number as its exit code, no traceback."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        threading.Thread(target=self._exit_with_parent, daemon=True).start()
        try:
            writer = None
            while (job := self.jobs.get()) is not EXIT:
                if job == FINISH:
                    self.results.put(writer.segments_written() if writer else [], timeout=5)
                    writer = None
                    self.finished.wait()
                    continue
                if isinstance(job, MergeJob):
                    self.merged.put(self._merge(job.segments), timeout=5)
                    continue
                if writer is None:  # the first job of a commit: a writer of the index as it is
                    writer = FastSegmentWriter(self.storage.open_index(self.indexname),
                                               _lk=False, **self.kwargs)
                _process_file(writer, *job)
        except OSError as error:
            os._exit(error.errno if error.errno and error.errno < 126 else 1)

    def _merge(self, segments: list):
        schema = self.storage.open_index(self.indexname).schema
        return merge_segments(MergeTarget(CompactCodec(), self.storage, schema,
                                          self.indexname), segments)

    def _exit_with_parent(self) -> None:
        while os.getppid() == self.parent:
            time.sleep(0.5)
        os._exit(1)


def _process_file(writer: FastSegmentWriter, filename: str, count: int) -> None:
    """Add a job file's items (``ADD``, ``ANALYSE``), as Whoosh's ``SubWriterTask`` does."""
    storage = writer.temp_storage()
    with storage.open_file(filename).raw_file() as items:
        for _ in range(count):
            code, args = pickle.load(items)
            if code == ADD:
                writer.add_document(**args)
                continue
            analyse, analysed = args
            for record in analyse(*analysed):
                writer.add_document(**document(record))
    storage.delete_file(filename)


class WriterProcessFailed(SearchError):
    """A writer process died: its share of the batch is not in the index."""


class _Watched:
    """A queue whose waits give up with WriterProcessFailed once a writer process died.

    Whoosh would wait forever to hand jobs to a dead process, or commit without its
    segment (it gives up on a missing result after a second): a silent loss of passages.
    """

    def __init__(self, queue, tasks: list[WriterProcess]):
        self.queue, self.tasks = queue, tasks

    def put(self, item) -> None:
        while True:
            try:
                return self.queue.put(item, timeout=1)
            except Full:
                self._check()

    def get(self, timeout: float | None = None):
        while True:
            try:
                return self.queue.get(timeout=1)
            except Empty:
                self._check()

    def _check(self) -> None:
        """Raise if a process failed, or if all have ended while we still wait on them."""
        codes = [task.exitcode for task in self.tasks]
        failed = [code for code in codes if code not in (None, 0)]
        if failed and failed[0] in WRITE_ERRORS:
            raise OSError(failed[0], os.strerror(failed[0]))  # as if the indexer had written
        if failed or (codes and None not in codes):
            raise WriterProcessFailed(
                f"a writer process stopped (exit code {(failed or codes)[0]}) and this batch "
                "was not committed; run again (with --jobs 1 if it happens again; in a script, "
                "index under `if __name__ == \"__main__\":`)")


class WriterPool:
    """``procs`` writer processes for an index, started by the first commit that needs them
    and kept for the next (starting one costs a second: imports, the dictionaries of the
    analysis); ``stop`` ends them, ``terminate`` kills them (a cancelled commit)."""

    def __init__(self, storage, indexname: str, procs: int, kwargs: dict):
        self.storage, self.indexname, self.procs, self.kwargs = storage, indexname, procs, kwargs
        self.tasks: list[WriterProcess] = []

    def start(self) -> None:
        if self.tasks:
            return
        self.queues = SPAWN.Queue(self.procs * 4), SPAWN.Queue(), SPAWN.Queue()
        self.jobs, self.results, self.merged = (_Watched(queue, self.tasks)
                                                for queue in self.queues)
        finished = SPAWN.Barrier(self.procs)
        for _ in range(self.procs):
            task = WriterProcess(self.storage, self.indexname, self.queues, self.kwargs,
                                 finished)
            task.daemon = True  # an indexer ending without closing its index need not wait
            task.start()  # (a task that failed to start is not one to stop)
            self.tasks.append(task)

    def finish(self) -> None:
        """Have every process write its segments (``segments`` returns them)."""
        for _ in self.tasks:
            self.jobs.put(FINISH)

    def segments(self) -> list:
        """The segments the processes wrote since the last commit."""
        return [segment for _ in self.tasks for segment in self.results.get()]

    def stop(self) -> None:
        for _ in self.tasks:
            self.jobs.put(EXIT)
        for task in self.tasks:
            task.join()
        self.tasks.clear()

    def terminate(self) -> None:
        for task in self.tasks:
            task.terminate()  # (a process in a job would finish it first)
            task.join()
        self.tasks.clear()


class ParallelWriter(DurableCommit, MpWriter):
    """``MpWriter`` whose documents are added by the processes of a ``WriterPool``, one
    segment each per commit."""

    def __init__(self, ix, writers: WriterPool, **kwargs):
        kwargs.setdefault("codec", CompactCodec())  # (the processes' FastSegmentWriter's too)
        super().__init__(ix, procs=writers.procs, multisegment=True, **kwargs)
        writers.start()  # (``self.pool`` is Whoosh's, of postings)
        self.writers, self.tasks, self.jobqueue = writers, writers.tasks, writers.jobs
        self.buffered = 0  # passages in ``docbuffer``

    def add_analysed(self, analyse, args: tuple, passages: int = 1) -> None:
        """``analyse(*args)``'s records (``passages`` of them), analysed and added by a
        writer process. A job holds ``batchsize`` articles or ``JOB_PASSAGES`` passages,
        whichever comes first."""
        self.docbuffer.append((ANALYSE, (analyse, args)))
        self.buffered += passages
        if len(self.docbuffer) >= self.batchsize or self.buffered >= JOB_PASSAGES:
            self._enqueue()
            self.buffered = 0
        self._added_sub = True

    def merge_aside(self, segments: list) -> Callable[[], object]:
        """Have a writer process merge ``segments`` (``merge.merge_segments``) while this
        one goes on, once the processes have written this commit's segments; the function
        returned waits for the merged segment."""
        self.jobqueue.put(MergeJob(segments))
        return self.writers.merged.get

    def _commit(self, mergetype, optimize, merge) -> None:
        """Whoosh's for ``multisegment``: the processes write their segments while this one
        merges those the merge policy picks; all go into the table of contents together."""
        if self.docbuffer:
            self._enqueue()
        self.writers.finish()
        segments = self._merge_segments(mergetype, optimize, merge) + self.writers.segments()
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()

    def cancel(self) -> None:
        self.writers.terminate()  # Whoosh's cancel only flags them: they would wait on the queue
        SegmentWriter.cancel(self)

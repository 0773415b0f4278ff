"""Whoosh's multiprocessing writer, made safe to interrupt and to kill.

Whoosh's ``MpWriter`` builds postings in worker processes, the costly part of indexing.
As shipped, its workers are forked (inheriting the indexer's lock and a copy of its
threads), and when the writer is cancelled or the indexer killed they wait on their job
queue forever; a worker that dies leaves the parent waiting, or committing without its
share. Here they are spawned, write with ``postings.FastSegmentWriter``, exit when their
parent dies, are stopped by ``cancel``, and a dead one fails the commit with
WriterProcessFailed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.context import SpawnProcess
from queue import Empty, Full

from whoosh.multiproc import MpWriter, SubWriterTask

from ...errors import WRITE_ERRORS, SearchError
from .codec import CompactCodec
from .postings import FastSegmentWriter
from .store import DurableCommit

SPAWN = multiprocessing.get_context("spawn")



class WriterProcess(SpawnProcess, SubWriterTask):
    """A spawned Whoosh sub-writer that exits when the process that started it is gone."""

    def __init__(self, *args):
        super().__init__(*args)
        self.parent = os.getpid()

    def run(self) -> None:
        """Whoosh's ``SubWriterTask.run`` for one segment per process, with a
        ``FastSegmentWriter``: add the documents of each job file, then write the segment.
        Ctrl-C is the parent's to handle (it stops this process); a write error (disk full)
        ends the process with the error's number as its exit code, without a traceback."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        threading.Thread(target=self._exit_with_parent, daemon=True).start()
        try:
            ix = self.storage.open_index(self.indexname)
            self.writer = FastSegmentWriter(ix, _lk=False, **self.kwargs)
            while (job := self.jobqueue.get()) is not None:
                self._process_file(*job)
            self.resultqueue.put((None, set(), self.writer.segments_written()), timeout=5)
        except OSError as error:
            os._exit(error.errno if error.errno and error.errno < 126 else 1)

    def _exit_with_parent(self) -> None:
        while os.getppid() == self.parent:
            time.sleep(0.5)
        os._exit(1)


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


class ParallelWriter(DurableCommit, MpWriter):
    """``MpWriter`` with one segment per process and ``WriterProcess`` workers."""

    def __init__(self, ix, procs: int, **kwargs):
        kwargs.setdefault("codec", CompactCodec())  # its own and its processes' (codec.py)
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self.jobs, self.results = SPAWN.Queue(self.procs * 4), SPAWN.Queue()
        self.jobqueue = _Watched(self.jobs, self.tasks)
        self.resultqueue = _Watched(self.results, self.tasks)

    def _new_task(self) -> WriterProcess:
        task = WriterProcess(self.storage, self.indexname, self.jobs, self.results,
                             self.subargs, self.multisegment)
        task.start()  # (a task that failed to start is not one to stop)
        self.tasks.append(task)
        return task

    def _commit_toc(self, segments) -> None:
        """Whoosh's, with the list of segments each writer process returns spread out."""
        super()._commit_toc([segment for item in segments
                             for segment in (item if isinstance(item, list) else [item])])

    def cancel(self) -> None:
        for task in self.tasks:
            task.terminate()  # Whoosh's cancel only flags them: they would wait on the queue
            task.join()
        super().cancel()

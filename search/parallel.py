"""Whoosh's multiprocessing writer, made safe to interrupt and to kill.

Whoosh's ``MpWriter`` builds postings in worker processes, the costly part of indexing.
As shipped, its workers are forked (inheriting the indexer's lock and a copy of its
threads), and when the writer is cancelled or the indexer killed they wait on their job
queue forever. Here they are spawned, exit when their parent dies, and are stopped by
``cancel``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from multiprocessing.context import SpawnProcess

from whoosh.multiproc import MpWriter, SubWriterTask

SPAWN = multiprocessing.get_context("spawn")


class WriterProcess(SpawnProcess, SubWriterTask):
    """A spawned Whoosh sub-writer that exits when the process that started it is gone."""

    def __init__(self, *args):
        super().__init__(*args)
        self.parent = os.getpid()

    def run(self) -> None:
        threading.Thread(target=self._exit_with_parent, daemon=True).start()
        super().run()

    def _exit_with_parent(self) -> None:
        while os.getppid() == self.parent:
            time.sleep(0.5)
        os._exit(1)


class ParallelWriter(MpWriter):
    """``MpWriter`` with one segment per process and ``WriterProcess`` workers."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self.jobqueue = SPAWN.Queue(self.procs * 4)
        self.resultqueue = SPAWN.Queue()

    def _new_task(self) -> WriterProcess:
        task = WriterProcess(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                             self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        for task in self.tasks:
            task.terminate()  # Whoosh's cancel only flags them: they would wait on the queue
            task.join()
        super().cancel()

"""Crash safety: SIGKILL a real indexer at several moments; the index always answers."""

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search import indexer
from search.backends.whoosh import store
from search.indexer import index_paths
from tests.conftest import ROOT, run_search


def search(*args, cwd, check=True):
    done = run_search(*args, cwd=cwd)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def start_indexer(*args, cwd):
    return subprocess.Popen([sys.executable, "-m", "search", "index", *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """The seeds, indexed, and a folder of 60 more articles made from their paragraphs."""
    root = tmp_path_factory.mktemp("crash")
    (root / "seeds").mkdir()
    for seed in (ROOT / "seeds").glob("*.txt"):
        (root / "seeds" / seed.name).write_bytes(seed.read_bytes())
    paragraphs = [p["text"] for p in _seed_passages(root)]
    rng = random.Random(5)
    (root / "more").mkdir()
    for n in range(60):
        body = "\n\n".join(rng.choice(paragraphs) + f"（第{n}篇）" for _ in range(40))
        (root / "more" / f"article{n:03d}.txt").write_text(f"增补文章{n}\n\n{body}", "utf-8")
    return root


def _seed_passages(root: Path) -> list[dict]:
    search("index", "seeds", cwd=root)
    done = search("query", "企业", "--json", "-n", "1000", cwd=root)
    return json.loads(done.stdout)["hits"]


def kill_indexer_when(moment, *args: str, cwd) -> None:
    """SIGKILL an indexer run with ``args`` as soon as ``moment(index folder)`` is true; a
    run that ends before that moment fails the test (a kill that came too late kills
    nothing)."""
    indexer = start_indexer(*args, cwd=cwd)
    while not moment(cwd / "index"):
        assert indexer.poll() is None, "the indexer finished before the moment to kill it"
        time.sleep(0.002)
    indexer.send_signal(signal.SIGKILL)
    indexer.wait()
    deadline = time.monotonic() + 5
    while processes_in(cwd) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_in(cwd) == [], "the killed indexer left writer processes behind"


def processes_in(cwd: Path) -> list[int]:
    """Processes working in ``cwd``: a killed indexer's writer processes would be there."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(proc / "cwd")) == cwd and int(proc.name) != os.getpid():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def passage_count(cwd) -> int:
    return int(search("stats", cwd=cwd).stdout.split(", ")[-1].split()[0])


def segments(index: Path) -> int:
    return len(list(store.live(index).glob("*.seg")))


def locked(index: Path) -> bool:
    return (index / store.LOCK).read_text(encoding="utf-8").startswith("pid")


# moments of an update, given the live generation's segments and commit before it
UPDATE_MOMENTS = {
    "the lock is taken": lambda segs, commit: locked,
    "a segment is written": lambda segs, commit: lambda index: segments(index) > segs,
    "a batch is committed": lambda segs, commit: (
        lambda index: store.latest_commit(store.live(index)) > commit),
}


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("moment", UPDATE_MOMENTS)
def test_killed_update_leaves_a_whole_index_and_the_next_run_finishes(workspace, moment,
                                                                      jobs):
    search("index", "seeds", "--rebuild", cwd=workspace)
    before = passage_count(workspace)
    index = workspace / "index"
    when = UPDATE_MOMENTS[moment](segments(index), store.latest_commit(store.live(index)))
    kill_indexer_when(when, "seeds", "more", "--jobs", jobs, cwd=workspace)
    # the index answers, with the old content at least
    hits = json.loads(search("query", '"黑灯工厂"', "--json", cwd=workspace).stdout)["hits"]
    assert any(hit["path"] == "seeds/003_87c9261d10d2c016.txt" for hit in hits)
    assert passage_count(workspace) >= before
    # the next run finishes the job, and one more does nothing
    search("index", "seeds", "more", cwd=workspace)
    assert search("index", "seeds", "more", cwd=workspace).stderr.startswith(
        "nothing to update in index/: 65 unchanged; the index holds 65 files")
    assert search("verify", cwd=workspace).returncode == 0


def new_generation(index: Path) -> Path | None:
    return next((folder for folder in store.generations(index)
                 if folder != store.live(index)), None)


REBUILD_MOMENTS = {
    "its generation is made": lambda index: new_generation(index) is not None,
    "it has written a segment": lambda index: (new := new_generation(index)) is not None
    and any(new.glob("*.seg")),
}


@pytest.mark.parametrize("moment", REBUILD_MOMENTS)
def test_killed_rebuild_keeps_the_previous_index_live(workspace, moment):
    search("index", "seeds", "more", cwd=workspace)
    before = passage_count(workspace)
    kill_indexer_when(REBUILD_MOMENTS[moment], "seeds", "more", "--rebuild", cwd=workspace)
    assert passage_count(workspace) == before  # the old index (or the same, rebuilt whole)
    search("index", "seeds", "--rebuild", cwd=workspace)
    assert passage_count(workspace) == 145
    assert len(list((workspace / "index").glob("g*"))) <= 2


def test_queries_work_while_indexing(workspace):
    search("index", "seeds", "--rebuild", cwd=workspace)
    indexer = start_indexer("seeds", "more", cwd=workspace)
    answered = 0
    while indexer.poll() is None:
        done = search("query", "黑灯工厂", "--json", cwd=workspace)
        assert json.loads(done.stdout)["hits"]
        answered += 1
    assert indexer.returncode == 0 and answered >= 1


def test_a_second_indexer_fails_clearly(workspace):
    indexer = start_indexer("seeds", "more", "--rebuild", cwd=workspace)
    while not locked(workspace / "index"):
        assert indexer.poll() is None, "the first indexer finished before the second started"
        time.sleep(0.002)
    second = search("index", "seeds", cwd=workspace, check=False)
    indexer.wait()
    assert second.returncode == 1
    assert second.stderr.startswith("error: another `search index` (pid ")
    assert second.stderr.count("\n") == 1


class Interrupted(Exception):
    pass


def test_an_interrupted_parallel_run_stops_its_writer_processes(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    search("index", "seeds", "--rebuild", cwd=workspace)

    def interrupt(progress):
        if progress.passages > 600:  # past Whoosh's first batches: its processes are running
            raise Interrupted

    with pytest.raises(Interrupted):
        index_paths(Path("index"), [Path("seeds"), Path("more")], on_progress=interrupt, jobs=2)
    assert multiprocessing.active_children() == []
    assert passage_count(workspace) == 145


def test_a_dead_writer_process_fails_the_run_and_loses_nothing(workspace):
    search("index", "seeds", "--rebuild", cwd=workspace)
    indexer = subprocess.Popen([sys.executable, "-m", "search", "index", "seeds", "more"],
                               cwd=workspace, stderr=subprocess.PIPE, text=True,
                               env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    writers = []
    while not writers and indexer.poll() is None:
        time.sleep(0.05)
        writers = [pid for pid in processes_in(workspace) if "spawn_main" in
                   Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
    os.kill(writers[0], signal.SIGKILL)  # as the kernel's OOM killer would
    _, stderr = indexer.communicate()
    assert indexer.returncode == 1
    assert stderr.startswith("error: a writer process stopped (exit code -9)")
    search("index", "seeds", "more", cwd=workspace)
    assert search("index", "seeds", "more", cwd=workspace).stderr.startswith(
        "nothing to update in index/: 65 unchanged; the index holds 65 files")
    passages = passage_count(workspace)
    search("index", "seeds", "more", "--rebuild", cwd=workspace)
    assert passage_count(workspace) == passages  # no batch was committed without its share


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_commit_is_on_the_disk_before_its_commit_point(tmp_path, monkeypatch, jobs):
    """A power cut leaves the last commit whole: every file a commit point (Whoosh's table of
    contents) names is synced before the table is renamed into place, the table itself before
    its rename, and the folder after; each record of a commit likewise."""
    events: list[tuple[str, str]] = []
    real_fsync, real_rename, real_replace = os.fsync, os.rename, os.replace

    def fsync(descriptor: int) -> None:
        events.append(("sync", os.readlink(f"/proc/self/fd/{descriptor}")))
        real_fsync(descriptor)

    def moved(real):
        def move(source, target, *args, **kwargs):
            real(source, target, *args, **kwargs)
            events.append(("rename", str(Path(target).resolve())))
        return move

    monkeypatch.setattr(indexer, "PARALLEL_BYTES", 0)  # the seeds through writer processes too
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", moved(real_rename))
    monkeypatch.setattr(os, "replace", moved(real_replace))
    index_paths(tmp_path / "index", [ROOT / "seeds"], jobs=jobs)
    folder = store.live(tmp_path / "index").resolve()
    toc = str(folder / f"_MAIN_{store.latest_commit(folder)}.toc")
    point = events.index(("rename", toc))
    synced_before = {path for kind, path in events[:point] if kind == "sync"}
    segment_files = list(folder.glob("MAIN_*.seg"))
    assert segment_files
    assert {str(path) for path in segment_files} <= synced_before
    assert ("sync", str(folder)) in events[point + 1:]
    for record in (store.COUNTS, store.FILES):
        renamed = events.index(("rename", str(folder / record)))
        assert ("sync", str(folder / (record + ".tmp"))) in events[:renamed]

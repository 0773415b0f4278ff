"""A damaged index: every command says in one line what is wrong and what to do, exits 1,
and `search index --rebuild` brings the index back (issue 14)."""

import errno
import io
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from search.backends.whoosh import store
from search.backends.whoosh.backend import WhooshBackend
from search.indexer import index_paths
from tests.conftest import SEEDS, run_search


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A workspace with seeds/ and index/ built from it, to be copied by each test."""
    workspace = tmp_path_factory.mktemp("faults")
    shutil.copytree(SEEDS, workspace / "seeds")
    index_paths(workspace / "index", [workspace / "seeds"], rebuild=True)
    return workspace


@pytest.fixture
def workspace(built, tmp_path) -> Path:
    shutil.copytree(built, tmp_path / "w")
    return tmp_path / "w"


def generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text(encoding="utf-8").strip()


def truncate_a_segment(index: Path) -> None:
    segment = next(generation(index).glob("*.seg"))
    os.truncate(segment, segment.stat().st_size // 2)


def corrupt_a_segment(index: Path) -> None:
    """Zeros over the middle of the segment, where its terms table and postings are."""
    segment = next(generation(index).glob("*.seg"))
    size = segment.stat().st_size
    with open(segment, "r+b") as handle:
        handle.seek(size // 4)
        handle.write(bytes(size // 2))


def remove_a_segment(index: Path) -> None:
    next(generation(index).glob("*.seg")).unlink()


def remove_the_table_of_contents(index: Path) -> None:
    for toc in generation(index).glob("*.toc"):
        toc.unlink()


def garble_current(index: Path) -> None:
    (index / "CURRENT").write_bytes(b"\xff\xfe garbled")


def point_current_nowhere(index: Path) -> None:
    (index / "CURRENT").write_text("g0099\n", encoding="utf-8")


def garble_meta(index: Path) -> None:
    (generation(index) / "search-meta.json").write_text('{"schema": 7, "anal', "utf-8")


DAMAGE = [truncate_a_segment, corrupt_a_segment, remove_a_segment,
          remove_the_table_of_contents, garble_current, point_current_nowhere, garble_meta]


def assert_one_line(done, *phrases: str) -> None:
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("error: ")
    for phrase in phrases:
        assert phrase in done.stderr


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda damage: damage.__name__)
def test_a_damaged_index_is_named_and_rebuilt(workspace, damage):
    """`search check` names any damage; a query names any but bytes changed in place (only
    `check` reads every byte); `search index --rebuild` brings the index back."""
    damage(workspace / "index")
    checked = run_search("--index-dir", "index", "check", cwd=workspace)
    assert_one_line(checked, "the index in index/ is damaged", "--rebuild")
    if damage is not corrupt_a_segment:
        done = run_search("--index-dir", "index", "query", "长沙", cwd=workspace)
        assert_one_line(done, "the index in index/ is damaged", "search index --rebuild")
    rebuilt = run_search("--index-dir", "index", "index", "--rebuild", "seeds", cwd=workspace)
    assert rebuilt.returncode == 0, rebuilt.stderr
    found = run_search("--index-dir", "index", "query", "长沙", "--json", cwd=workspace)
    assert found.returncode == 0 and '"total": ' in found.stdout
    checked = run_search("--index-dir", "index", "check", cwd=workspace)
    assert checked.returncode == 0 and "is whole" in checked.stdout


def test_check_names_what_a_failed_run_left_and_the_next_run_removes_it(workspace):
    left = generation(workspace / "index") / "MAIN_0123abcd.seg"
    left.write_bytes(b"half a segment")
    checked = run_search("--index-dir", "index", "check", cwd=workspace)
    assert checked.returncode == 0 and "left over: index/" in checked.stdout
    assert run_search("--index-dir", "index", "index", "seeds", cwd=workspace).returncode == 0
    assert not left.exists()


@pytest.mark.parametrize("command", [
    ["show", "seeds/003_87c9261d10d2c016"], ["quote", "seeds/003_87c9261d10d2c016:12"],
    ["facets", "city"], ["verify"], ["index", "seeds"], ["stats"]])
def test_every_command_names_a_truncated_segment(workspace, command):
    """Its size is not the one recorded at commit (Whoosh would raise EOFError, which click
    turns into a silent exit 130)."""
    truncate_a_segment(workspace / "index")
    done = run_search("--index-dir", "index", *command, cwd=workspace)
    assert_one_line(done, "is damaged (g0001/MAIN_", " were written)")


@pytest.mark.parametrize("command", [["query", "长沙"], ["show", "seeds/003_87c9261d10d2c016"],
                                     ["verify"], ["index", "seeds"]])
def test_a_truncated_segment_without_a_record_of_sizes_is_named_too(workspace, command):
    """Without ``search-files.json`` (an index of an earlier commit), what Whoosh raises on
    reading the cut file is told the same way."""
    truncate_a_segment(workspace / "index")
    (generation(workspace / "index") / "search-files.json").unlink()
    done = run_search("--index-dir", "index", *command, cwd=workspace)
    assert_one_line(done, "is damaged (EOFError")


def test_a_damaged_default_index_is_not_rebuilt_behind_the_users_back(workspace):
    """The default index/ is built from seeds/ when it is empty, never when it is damaged."""
    garble_current(workspace / "index")
    done = run_search("query", "长沙", cwd=workspace)
    assert_one_line(done, "CURRENT cannot be read")
    assert (workspace / "index" / "CURRENT").read_bytes() == b"\xff\xfe garbled"


def test_a_folder_that_is_no_index_is_named(workspace):
    (workspace / "notes").mkdir()
    (workspace / "notes" / "a.txt").write_text("长沙", "utf-8")
    done = run_search("--index-dir", "notes", "query", "长沙", cwd=workspace)
    assert_one_line(done, "no index in notes/")


# ---------------------------------------------------------------- write errors


def passages_and_files(index: Path) -> tuple[dict, set[str]]:
    """Every passage (by id) and every file name of the live generation."""
    backend = WhooshBackend.open(index)
    passages = {fields["passage_id"]: fields for fields in backend.passages()}
    backend.close()
    return passages, set(os.listdir(generation(index)))


@pytest.fixture(scope="module")
def one_file_to_add(tmp_path_factory) -> tuple[Path, dict]:
    """A workspace whose index holds four seeds, with the fifth waiting in docs/; and the
    passages of the index once the fifth is added without a fault."""
    workspace = tmp_path_factory.mktemp("writes")
    shutil.copytree(SEEDS, workspace / "docs")
    waiting = next((workspace / "docs").glob("004_*"))
    shutil.move(waiting, workspace / waiting.name)
    index_paths(workspace / "index", [workspace / "docs"], jobs=1)
    clean = workspace.parent / (workspace.name + "-clean")
    shutil.copytree(workspace, clean)
    shutil.move(clean / waiting.name, clean / "docs")
    index_paths(clean / "index", [clean / "docs"], jobs=1)
    expected, _ = passages_and_files(clean / "index")
    return workspace, expected


class Disk:
    """The storage layer with a fault to inject: counts every write that reaches the
    operating system (a segment file's buffer flushed, a file created, a small file written,
    a rename, the arrays saved) and fails the Nth with ``code``."""

    def __init__(self, monkeypatch, fail_at: int = 0, code: int = errno.ENOSPC) -> None:
        self.writes, self.fail_at, self.code = 0, fail_at, code
        disk = self

        class File(io.FileIO):
            def write(self, data):
                disk.write()
                return super().write(data)

        def create_file(storage, name, excl=False, mode="wb", **kwargs):
            self.write()
            reading = "+" in mode
            raw = File(storage._fpath(name), ("x" if excl else "w") + ("+" if reading else ""))
            buffered = io.BufferedRandom(raw) if reading else io.BufferedWriter(raw)
            return StructFile(buffered, name=name, **kwargs)

        monkeypatch.setattr(FileStorage, "create_file", create_file)
        for owner, name in [(Path, "write_text"), (os, "replace"), (np, "savez")]:
            monkeypatch.setattr(owner, name, self.failing(getattr(owner, name)))

    def write(self) -> None:
        self.writes += 1
        if self.writes == self.fail_at:
            raise OSError(self.code, os.strerror(self.code))

    def failing(self, function):
        def written(*args, **kwargs):
            self.write()
            return function(*args, **kwargs)
        return written


def fifth_seed_waiting(built: Path, folder: Path) -> Path:
    shutil.copytree(built, folder)
    shutil.move(next(folder.glob("004_*")), folder / "docs")
    return folder


def failing_runs(monkeypatch, run, code: int = errno.ENOSPC):
    """``run()`` with its 1st write failing, then its 2nd, and so on, until a run makes fewer
    writes than the one that would fail (their number varies by one or two: a segment's
    random name changes its size); yields the number of the failed write and the error
    raised, then (last, with None) how many writes a run makes."""
    for nth in itertools.count(1):
        with monkeypatch.context() as patched:
            disk = Disk(patched, fail_at=nth, code=code)
            try:
                run(nth)
            except OSError as error:
                yield nth, error
                continue
        yield disk.writes, None
        return


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO], ids=errno.errorcode.get)
def test_a_write_error_at_any_write_leaves_the_last_commit(one_file_to_add, tmp_path,
                                                          monkeypatch, code):
    """For every N, the Nth write of a run that adds a file fails: the run raises it, the
    index holds what it held (or, for the last writes, after the commit point, the commit
    without its records), and the next run gives the index a run without a fault gives, with
    no file of the failed run left and every file recorded."""
    built, expected = one_file_to_add
    before = passages_and_files(built / "index")

    def run(nth: int) -> None:
        workspace = fifth_seed_waiting(built, tmp_path / f"w{nth}")
        index_paths(workspace / "index", [workspace / "docs"], jobs=1)

    landed = []  # faults after the commit point: the commit stands, its records do not
    for nth, error in failing_runs(monkeypatch, run, code):
        index = tmp_path / f"w{nth}" / "index"
        if error is None:
            assert nth > 30, "fewer writes than a commit's files make"  # segment, table, records
            break
        assert error.errno == code, f"write {nth}"
        last = nth
        passages, files = passages_and_files(index)
        if (passages, files) != before:
            assert passages == expected, f"write {nth}"
            landed.append(nth)
        index_paths(index, [index.parent / "docs"], jobs=1)
        assert passages_and_files(index)[0] == expected, f"write {nth}"
        assert store.check_files(generation(index)) == ([], []), f"write {nth}"
        shutil.rmtree(index.parent)
    # after the commit point: its records (counts, arrays, the words' pinyin, the stories,
    # the repeated paragraphs, files), each a write and a rename, and one more
    assert landed == list(range(last - len(landed) + 1, last + 1)) and len(landed) <= 12, landed


def test_a_write_error_in_a_rebuild_leaves_the_index_and_no_new_generation(
        one_file_to_add, tmp_path, monkeypatch):
    """For every N, a rebuild that fails at its Nth write: the live index is the one before,
    and the generation the rebuild was writing is gone."""
    built, _ = one_file_to_add
    before = passages_and_files(built / "index")
    folders = sorted(os.listdir(built / "index"))

    def run(nth: int) -> None:
        shutil.copytree(built, tmp_path / f"w{nth}")
        index_paths(tmp_path / f"w{nth}" / "index", [tmp_path / f"w{nth}" / "docs"],
                    rebuild=True, jobs=1)

    for nth, error in failing_runs(monkeypatch, run):
        if error is None:
            assert nth > 40
            break
        index = tmp_path / f"w{nth}" / "index"
        assert passages_and_files(index) == before, f"write {nth}"
        assert sorted(os.listdir(index)) == folders, f"write {nth}"
        shutil.rmtree(index.parent)


def varied_corpus(folder: Path, files: int = 60, size: int = 20_000) -> None:
    """Files of seed paragraphs in a shuffled order, each numbered: over PARALLEL_BYTES, so
    writer processes do the writing."""
    paragraphs = [p for seed in sorted(SEEDS.glob("*.txt"))
                  for p in seed.read_text(encoding="utf-8").split("\n") if len(p) > 20]
    chooser = random.Random(7)
    folder.mkdir()
    for n in range(files):
        text, count = [], 0
        while count < size:
            paragraph = f"第{n}篇第{len(text)}段。" + chooser.choice(paragraphs)
            text.append(paragraph)
            count += len(paragraph.encode("utf-8"))
        (folder / f"{n:03d}.txt").write_text("\n\n".join(text), encoding="utf-8")


@pytest.fixture
def small_disk(tmp_path):
    """A 32 MB file system of its own (tmpfs), where the machine lets the tests mount one."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root and mount(8)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_is_one_line_and_leaves_the_disk_as_it_was(small_disk, tmp_path):
    """Writer processes run out of space: one line, exit 1, the index and the disk as before
    the run; once space is freed, the same run finishes."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    varied_corpus(tmp_path / "more")
    index = small_disk / "index"
    assert run_search("--index-dir", str(index), "index", "seeds", cwd=tmp_path).returncode == 0
    before = passages_and_files(index)
    stat = os.statvfs(small_disk)
    filler = small_disk / "filler"
    filler.write_bytes(bytes(stat.f_bavail * stat.f_frsize - 300_000))
    done = run_search("--index-dir", str(index), "index", "more", cwd=tmp_path)
    assert_one_line(done, "No space left on device")
    assert passages_and_files(index) == before
    filler.unlink()
    done = run_search("--index-dir", str(index), "index", "more", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert run_search("--index-dir", str(index), "query", "第59篇", cwd=tmp_path).returncode == 0


# ---------------------------------------------------------------- interrupted runs


def big_jsonl(path: Path, records: int = 6000) -> None:
    """One JSONL file of many short records, each its own article of one or two passages."""
    paragraphs = [p for seed in sorted(SEEDS.glob("*.txt"))
                  for p in seed.read_text(encoding="utf-8").split("\n") if len(p) > 30]
    chooser = random.Random(11)
    with open(path, "w", encoding="utf-8") as out:
        for n in range(records):
            text = f"第{n}号记录。" + chooser.choice(paragraphs)
            out.write(json.dumps({"id": f"r{n}", "title": f"记录{n}", "text": text},
                                 ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> tuple[Path, dict]:
    """A big JSONL file, and the passages a run without a stop gives."""
    folder = tmp_path_factory.mktemp("big")
    big_jsonl(folder / "big.jsonl")
    index_paths(folder / "index", [folder / "big.jsonl"], jobs=1, in_file_batch=2000)
    expected, _ = passages_and_files(folder / "index")
    return folder / "big.jsonl", expected


COMMITS = {"by count": ["--commit-every", "2000"],  # what a run keeps when stopped in a file
           "by time": ["--commit-every", "1000000", "--commit-seconds", "1"]}


@pytest.mark.parametrize(("stop", "commits"), [(signal.SIGINT, "by count"),
                                               (signal.SIGKILL, "by count"),
                                               (signal.SIGINT, "by time")],
                         ids=lambda value: getattr(value, "name", value))
def test_a_run_stopped_in_a_big_file_resumes_there(big_file, tmp_path, stop, commits):
    """Stopped once a batch of the file is committed (the file is then marked partial; a
    batch ends at a number of passages, or after some seconds however few): Ctrl-C is one line
    and exit 130; the batches stay; the next run resumes after the last committed record and
    ends with the index a run without a stop gives."""
    source, expected = big_file
    shutil.copy(source, tmp_path / "big.jsonl")
    index = tmp_path / "index"
    running = subprocess.Popen(
        [sys.executable, "-m", "search", "--index-dir", str(index), "index", "big.jsonl",
         "--jobs", "1", *COMMITS[commits]], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SEEDS.parent)})
    marker = index / "g0001" / "search-partial.json"  # written before a batch's commit
    while running.poll() is None and not (marker.exists()
                                          and store.latest_commit(marker.parent) >= 1):
        time.sleep(0.01)
    assert running.poll() is None, "the run ended before it could be stopped in the file"
    running.send_signal(stop)
    _, stderr = running.communicate(timeout=60)
    if stop == signal.SIGINT:
        assert running.returncode == 130 and "Traceback" not in stderr, stderr
        assert stderr.strip().splitlines()[-1].startswith("interrupted: what was committed")
    kept, _ = passages_and_files(index)
    assert 0 < len(kept) < len(expected)
    assert all(expected[pid] == fields for pid, fields in kept.items())
    (tmp_path / "other.txt").write_text("另一篇文章。", "utf-8")  # a run that leaves it
    assert run_search("--index-dir", "index", "index", "other.txt", cwd=tmp_path).returncode == 0
    assert marker.exists()
    (tmp_path / "other.txt").unlink()
    done = run_search("--index-dir", "index", "index", "big.jsonl", "--jobs", "1",
                      *COMMITS[commits], cwd=tmp_path)
    assert done.returncode == 0 and "1 resumed" in done.stderr, done.stderr
    passages, _ = passages_and_files(index)
    assert {pid: fields for pid, fields in passages.items() if pid != "other:1"} == expected
    assert not marker.exists()

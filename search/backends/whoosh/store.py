"""The index directory: generations of index files, the pointer to the live one, and the lock
that lets one indexer write at a time.

``index/CURRENT`` names the live generation (``index/g0003/``). Updates commit into the live
generation (each commit is atomic). ``--rebuild`` builds a new generation beside it and only
then swaps ``CURRENT`` (an atomic rename), so a rebuild killed at any moment leaves the
previous index live and whole; the next publish clears what a killed run left behind.

Commits are durable, as SQLite's and Lucene's are: a commit's files reach the disk (fsync)
before its table of contents names them, the table of contents before it is renamed into
place, and the folder after every rename, so a power cut leaves the last commit whole.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import IndexUnavailable

CURRENT = "CURRENT"
LOCK = "indexer.lock"
COUNTS = "search-counts.json"  # files, articles and passages as of a commit
FILES = "search-files.json"  # each file of a commit with its size and CRC-32, for `search check`
PARTIAL = "search-partial.json"  # files a stopped run committed part of (indexer.py)
UNCHECKED = (COUNTS, FILES, PARTIAL, "MAIN_WRITELOCK")  # rewritten in place, or a lock
_GENERATION = re.compile(r"g(\d{4,})$")
_COMMIT = re.compile(r"_MAIN_(\d+)\.toc$")  # a Whoosh commit's table of contents
_CANNOT_SYNC = (errno.EINVAL, errno.ENOTSUP, errno.EBADF)  # fsync of a folder, refused


def live(index_dir: Path) -> Path | None:
    """The live generation's folder, if there is one."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    folder = index_dir / name
    return folder if _GENERATION.fullmatch(name) and folder.is_dir() else None


def has_index(index_dir: Path) -> bool:
    """A live generation with a table of contents (as Whoosh's ``exists_in`` finds it)."""
    folder = live(index_dir)
    return folder is not None and any(map(_COMMIT.fullmatch, os.listdir(folder)))


def pointer_damage(index_dir: Path) -> str | None:
    """What is wrong with ``CURRENT`` when it is there but names no generation folder."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        return f"{CURRENT} cannot be read: {error}"
    if not _GENERATION.fullmatch(name):
        return f"{CURRENT} should name a generation folder such as g0001, not {name[:40]!r}"
    if not (index_dir / name).is_dir():
        return f"{CURRENT} names {name}/, which is missing"
    return None


def generations(index_dir: Path) -> list[Path]:
    if not index_dir.is_dir():
        return []
    return sorted(p for p in index_dir.iterdir() if p.is_dir() and _GENERATION.fullmatch(p.name))


def new_generation(index_dir: Path) -> Path:
    """A new, empty generation folder, numbered after every existing one."""
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(_GENERATION.fullmatch(p.name).group(1)) for p in generations(index_dir)]
    folder = index_dir / f"g{max(numbers, default=0) + 1:04d}"
    folder.mkdir()
    return folder


def publish(index_dir: Path, generation: Path) -> None:
    """Make ``generation`` live (atomically), keep the one it replaces, remove the rest."""
    previous = live(index_dir)
    write_atomically(index_dir / CURRENT, generation.name + "\n")
    for folder in generations(index_dir):
        if folder not in (generation, previous):
            shutil.rmtree(folder, ignore_errors=True)


class DurableCommit:
    """A Whoosh writer (``SegmentWriter`` or ``MpWriter``) whose commit point is durable:
    ``sync_new_files`` before the table of contents is written, ``durable_renames`` while it
    is renamed into place."""

    def _commit_toc(self, segments) -> None:
        folder = Path(self.storage.folder)
        sync_new_files(folder)
        with durable_renames(self.storage, folder):
            super()._commit_toc(segments)


def sync(path: Path) -> None:
    """Make a file's content, or a folder's entries, durable (fsync). A file system that
    cannot sync a folder (some network ones refuse) keeps its renames as it can."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in _CANNOT_SYNC or not path.is_dir():
            raise
    finally:
        os.close(descriptor)


def replace_durably(temporary: Path, path: Path) -> None:
    """``os.replace`` a file just written, its content durable before, the rename after."""
    sync(temporary)
    os.replace(temporary, path)
    sync(path.parent)


def sync_new_files(folder: Path) -> None:
    """fsync every file of a generation written since its latest commit point, then the
    folder: the files the next commit point will name."""
    latest = latest_commit(folder)
    since = (folder / f"_MAIN_{latest}.toc").stat().st_mtime_ns if latest else 0
    for entry in os.scandir(folder):
        if entry.is_file() and entry.stat().st_mtime_ns >= since and entry.name != LOCK:
            sync(Path(entry.path))
    sync(folder)


@contextmanager
def durable_renames(storage, folder: Path) -> Iterator[None]:
    """While inside, a Whoosh storage's ``rename_file`` makes the file durable before the
    rename and the folder after it."""
    rename = storage.rename_file

    def durably(old: str, new: str, safe: bool = False) -> None:
        sync(folder / old)
        rename(old, new, safe=safe)
        sync(folder)

    storage.rename_file = durably
    try:
        yield
    finally:
        del storage.rename_file


def latest_commit(folder: Path) -> int:
    """The number of the latest commit in a generation folder (0: none)."""
    found = [_COMMIT.fullmatch(name) for name in os.listdir(folder)]
    return max((int(match.group(1)) for match in found if match), default=0)


def recorded_counts(folder: Path) -> dict[str, int] | None:
    """The counts recorded for a generation folder's latest commit (``record_counts``); None
    when there are none, or they belong to another commit."""
    try:
        recorded = json.loads((folder / COUNTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict) or recorded.pop("commit", None) != latest_commit(folder):
        return None
    return recorded


def record_counts(folder: Path, counts: dict[str, int]) -> None:
    """Record the counts of a generation folder's latest commit (written atomically)."""
    _write_json(folder / COUNTS, {"commit": latest_commit(folder), **counts})


def record_files(folder: Path) -> None:
    """Record each file of a generation folder's latest commit with its size and CRC-32 (a
    file already recorded with its size is not read again: segments are never rewritten)."""
    before = _recorded_files(folder)
    files = {}
    for name in sorted(os.listdir(folder)):
        path = folder / name
        if name in UNCHECKED or is_temporary(name) or not path.is_file():
            continue
        size = path.stat().st_size
        known = before.get(name)
        files[name] = known if known and known[0] == size and name.endswith(".seg") \
            else [size, _crc32(path)]
    _write_json(folder / FILES, {"commit": latest_commit(folder), "files": files})


def files_recorded(folder: Path) -> bool:
    """Whether the files of the latest commit are recorded: written last of a commit's
    records (counts, arrays, files), so the others are too."""
    try:
        return _files_record(folder)[1] == latest_commit(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _write_json(path: Path, value) -> None:
    write_atomically(path, json.dumps(value))


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write a file atomically and durably: a temporary file, then a rename
    (``replace_durably``); text as UTF-8. On a full disk the file stays as it was, and the
    temporary file is removed."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        replace_durably(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _files_record(folder: Path) -> tuple[dict[str, list[int]], int]:
    """The recorded files (name -> [size, CRC-32]) and the commit they belong to; raises
    OSError, ValueError, KeyError or TypeError when the record cannot be read."""
    recorded = json.loads((folder / FILES).read_text(encoding="utf-8"))
    return dict(recorded["files"]), recorded["commit"]


def _recorded_files(folder: Path) -> dict[str, list[int]]:
    try:
        return _files_record(folder)[0]
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def check_files(folder: Path) -> tuple[list[str], list[str]]:
    """(damage, leftovers): each recorded file of the latest commit that is missing, of
    another size or whose bytes changed; and the files no commit recorded."""
    try:
        files, commit = _files_record(folder)
    except FileNotFoundError:
        return [f"{folder.name}/{FILES} is missing: the files cannot be checked"], []
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [f"{folder.name}/{FILES} cannot be read ({error})"], []
    damage = []
    if commit != latest_commit(folder):
        damage.append(f"{folder.name}/{FILES} records commit {commit}, the latest is "
                      f"{latest_commit(folder)}")
    for name, (size, crc) in files.items():
        if problem := _size_problem(folder, name, size):
            damage.append(problem)
        elif _crc32(folder / name) != crc:
            damage.append(f"{folder.name}/{name} does not hold the bytes written (CRC-32)")
    leftovers = [f"{folder.name}/{name}" for name in sorted(os.listdir(folder))
                 if name not in files and name not in UNCHECKED]
    return damage, leftovers


def size_damage(folder: Path) -> str | None:
    """A file of the latest commit that is missing or of another size than written (a few
    ``stat`` calls: every command checks this; ``check_files`` reads the bytes too)."""
    try:
        files, commit = _files_record(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no record to check against (`search check` says so)
    if commit != latest_commit(folder):
        return None
    return next((problem for name, (size, _) in files.items()
                 if (problem := _size_problem(folder, name, size))), None)


def _size_problem(folder: Path, name: str, size: int) -> str | None:
    path = folder / name
    if not path.is_file():
        return f"{folder.name}/{name} is missing"
    if path.stat().st_size != size:
        return f"{folder.name}/{name} has {path.stat().st_size:,} bytes, {size:,} were written"
    return None


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def is_temporary(name: str) -> bool:
    """A file a run writes and renames or removes: half-written when a run failed."""
    return name.startswith("tmp-") or name.endswith(".tmp") or ".toc." in name


def partial_files(folder: Path) -> dict[str, str]:
    """Files a run committed part of and did not finish: recorded path -> file hash."""
    try:
        found = json.loads((folder / PARTIAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def mark_partial(folder: Path, path: str, file_hash: str) -> None:
    """Mark a file partial before a commit that holds part of it (written atomically)."""
    marked = partial_files(folder)
    if marked.get(path) != file_hash:
        _write_json(folder / PARTIAL, {**marked, path: file_hash})


def clear_partial(folder: Path, paths: set[str]) -> None:
    """Unmark the files a run went through to the end (a file the run was not asked to
    index stays partial, so that a run that is resumes it)."""
    marked = {path: hashed for path, hashed in partial_files(folder).items()
              if path not in paths}
    if marked:
        _write_json(folder / PARTIAL, marked)
    else:
        (folder / PARTIAL).unlink(missing_ok=True)


def legacy_files(index_dir: Path) -> bool:
    """An index written directly into the folder by an older version."""
    return index_dir.is_dir() and any(index_dir.glob("*.toc"))


@contextmanager
def indexer_lock(index_dir: Path) -> Iterator[None]:
    """Hold the indexer lock for a run; a second indexer fails at once with a clear message.

    The lock is an flock, so a killed indexer never leaves it held.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise IndexUnavailable(f"another `search index` ({holder}) is writing {index_dir}/; "
                                   "wait for it to finish, then run again") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)

"""Source paths: one identity for each source file, wherever a command runs.

An index records its sources against its ROOT, the folder that holds the index folder
(``index/`` beside ``seeds/`` records ``seeds/003_….txt``), the way git records files
against the work tree around ``.git``; a cluster's index, against the working directory of
`search index`. A source inside ROOT is recorded relative to it, one outside by its
absolute path (posix form either way), so indexing ``seeds`` from the project folder and
``project/seeds`` from its parent name the same files. Paths a user types are taken
relative to the working directory; paths shown to the user are relative to the working
directory when inside it, else absolute, so a shown path can be opened as it is.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path


class Sources:
    """The conversions between a path on disk, the path an index records, and the path shown.

    >>> sources = Sources(Path("/data/news/index"))
    >>> sources.stored(Path("/data/news/seeds/a.txt"))
    'seeds/a.txt'
    >>> sources.file("seeds/a.txt").as_posix()
    '/data/news/seeds/a.txt'
    >>> sources.stored(Path("/elsewhere/b.txt"))
    '/elsewhere/b.txt'
    """

    def __init__(self, folder: Path | None):
        """Sources of the index kept in ``folder`` (ROOT is the folder that holds it), or of
        a cluster's index (``None``: ROOT is the working directory; a cluster records paths
        as typed from where `search index` runs, so another machine finds them in its copy).
        ``BackendType.folder`` tells which."""
        here = folder if folder is not None else Path("index")
        self.root = Path(_real(os.path.abspath(here))).parent

    def stored(self, path: Path) -> str:
        """The path an index records for a file or folder the user named (relative to the
        working directory, or absolute). Folders on the way are resolved (links included), the
        last name is kept, so a linked file is recorded as itself."""
        absolute = os.path.abspath(path)
        folder, name = os.path.split(absolute)
        located = Path(_real(folder), name) if name else Path(_real(folder))
        try:
            return located.relative_to(self.root).as_posix()
        except ValueError:
            return located.as_posix()

    def file(self, stored: str) -> Path:
        """The file on disk that a recorded path names."""
        return self.root / stored

    def shown(self, stored: str) -> str:
        """A recorded path as the user should see it: relative to the working directory when
        inside it, else absolute."""
        return _shown(self.root, stored, os.getcwd())

    def within(self, stored: str, folders: list[str]) -> bool:
        """Whether a recorded path is one of ``folders`` (recorded paths too) or lies under one.
        ROOT itself (``.``) holds the paths recorded relative to it, not those outside it."""
        return any(stored == folder or stored.startswith(folder + "/")
                   or folder in ("", ".") and not os.path.isabs(stored) for folder in folders)


def display_path(path: Path) -> str:
    """The path relative to the working directory when inside it, else absolute, in posix form."""
    absolute = Path(os.path.abspath(path))  # a link is shown as itself, not its target
    try:
        return absolute.relative_to(os.getcwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


@functools.lru_cache(maxsize=4096)
def _shown(root: Path, stored: str, working: str) -> str:
    """``display_path`` of a recorded path, from the working directory ``working`` (cached:
    every hit of a query shows its path, and the hits of a JSONL file share one)."""
    return display_path(root / stored)


@functools.lru_cache(maxsize=4096)
def _real(folder: str) -> str:
    """A folder with every link on its way resolved (cached: a walk asks once per folder)."""
    return os.path.realpath(folder)

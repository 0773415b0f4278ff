"""Typed errors: the library raises these, the CLI prints them as one line."""

import errno

WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EROFS, errno.EFBIG})
# the errors of a disk that cannot take a write: told as they are, never as a damaged index


class SearchError(Exception):
    """A problem the user can fix; the message says what is wrong and what to do."""

    exit_code = 1


def ignore(_) -> None:
    """A callback that wants nothing told (for ``on_error``, ``on_progress`` and the like)."""
    return None


class ReadError(SearchError):
    """One input file (or JSONL line) cannot be read; indexing goes on without it."""

    def __init__(self, path: str, problem: str, hint: str, reason: str = "unreadable"):
        super().__init__(f"{path}: {problem}; {hint}")
        self.path, self.problem, self.hint = path, problem, hint
        self.reason = reason  # a short name for summaries: "binary file", "empty file", ...


class IndexUnavailable(SearchError):
    """The index is missing, empty, or was built by an incompatible version."""


class IndexDamaged(IndexUnavailable):
    """The index's files cannot be read as they were written: truncated, corrupted, missing."""

    def __init__(self, index_dir, what: str):
        self.what = what
        option = "" if str(index_dir) == "index" else f"--index-dir {index_dir} "
        super().__init__(f"the index in {index_dir}/ is damaged ({what}); rebuild it from its "
                         f"sources with `search {option}index --rebuild PATH`, or remove "
                         f"{index_dir}/ and index again")


class QueryError(SearchError):
    """The query cannot be understood (for example a filter value that cannot be parsed)."""

    exit_code = 2

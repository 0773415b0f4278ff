"""Talking SphinxQL to a node: the cluster's address, connections, statements, escaping.

SphinxQL is MySQL's protocol (``pymysql``); what it cannot do on Sphinx 2.2.11 shapes the
rest of the backend: a distributed index takes no writes (they go to each shard's mirrors),
``DELETE`` and ``WHERE`` take attributes, a query needs a positive keyword (``units`` holds
``EVERY`` in every passage), and an agent that fails turns into a warning, not an error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ...errors import IndexUnavailable, SearchError

SCHEME = "sphinxql://"
DEFAULT_PORT = 9306
_SPECIAL = re.compile(r'([\\()|\-!@~"&/^$=<*])')  # what the extended query syntax reads


@dataclass(frozen=True)
class Address:
    """Where a cluster's aggregator speaks SphinxQL: ``sphinxql://HOST:PORT``."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{SCHEME}{self.host}:{self.port}"


def parse_address(text: str) -> Address:
    """``sphinxql://HOST[:PORT]`` as an Address; a ValueError says what is wrong."""
    if not text.startswith(SCHEME):
        raise ValueError(f"{text}: give the cluster as {SCHEME}HOST:PORT "
                         f"(e.g. {SCHEME}127.0.0.1:{DEFAULT_PORT})")
    host, _, port = text[len(SCHEME):].rstrip("/").partition(":")
    if not host or port and not port.isdigit() or port and not 0 < int(port) < 65536:
        raise ValueError(f"{text}: give the cluster as {SCHEME}HOST:PORT "
                         f"(e.g. {SCHEME}127.0.0.1:{DEFAULT_PORT})")
    return Address(host, int(port) if port else DEFAULT_PORT)


class NodeDown(IndexUnavailable):
    """A node of the cluster does not answer (or failed a statement)."""


class ClientMissing(SearchError):
    """The cluster's client library is not installed."""


def _pymysql():
    """pymysql, the cluster's client (a dependency; ClientMissing says how to install it
    where it was left out)."""
    try:
        import pymysql
    except ImportError:
        raise ClientMissing("the cluster client is not installed: run "
                            "`pip install 'zh-news-search[cluster]'` (or `pip install pymysql`)"
                            ) from None
    return pymysql


def connect(address: Address, what: str = "the cluster"):
    """A SphinxQL connection (autocommit); NodeDown when nothing answers there."""
    pymysql = _pymysql()
    from pymysql.constants import CLIENT

    try:
        return pymysql.connect(host=address.host, port=address.port, autocommit=True,
                               charset="utf8", connect_timeout=3, read_timeout=60,
                               write_timeout=60, client_flag=CLIENT.MULTI_STATEMENTS)
    except pymysql.err.OperationalError as error:
        raise NodeDown(f"{what} does not answer at {address} ({_reason(error)}); start it with "
                       "`search cluster start DIR` (or check the address)") from None


def run(connection, statement: str, args=None, what: str = "the cluster") -> list[list[tuple]]:
    """Each result set of a statement; NodeDown with the node's message when it fails."""
    pymysql = _pymysql()

    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, args)
            found = [list(cursor.fetchall())]
            while cursor.nextset():
                found.append(list(cursor.fetchall()))
            return found
    except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as error:
        raise NodeDown(f"{what} stopped answering ({_reason(error)})") from None
    except pymysql.err.MySQLError as error:
        raise NodeDown(f"{what} refused a statement ({_reason(error)})") from None


def warnings(connection) -> list[str]:
    """The warnings of the last statement (an agent that did not answer)."""
    return [row[2] for row in run(connection, "SHOW WARNINGS")[0]]


def _reason(error) -> str:
    args = getattr(error, "args", ())
    text = str(args[1] if len(args) > 1 else error).strip().rstrip("\x00")
    return text.splitlines()[0] if text else type(error).__name__


_QUOTED = str.maketrans({"\\": "\\\\", "'": "\\'", '"': '\\"', "\0": "\\0",
                         "\n": "\\n", "\r": "\\r", "\x1a": "\\Z"})


def literal(value) -> str:
    """A value as SphinxQL: a string quoted, a number as it is, a tuple of numbers as a
    multi-value list ``(1,2)`` (what pymysql would make of it, without its per-value cost)."""
    if isinstance(value, str):
        return "'" + value.translate(_QUOTED) + "'"
    if isinstance(value, tuple):
        return "(" + ",".join(map(str, value)) + ")"
    return str(int(value))


def escape(token: str) -> str:
    """A token as one keyword of a MATCH query."""
    return _SPECIAL.sub(r"\\\1", token)


def key(*parts: str) -> int:
    """A positive 63-bit number for a tuple of strings (document ids, article and file keys)."""
    digest = hashlib.blake2b("\0".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1 or 1


def chunks(items: list, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last one shorter): rows per statement."""
    for start in range(0, len(items), size):
        yield items[start:start + size]

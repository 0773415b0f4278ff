"""What a cluster holds besides passages, in the aggregator's ``meta`` index: its nodes
(written by `search cluster start`), the files a run is writing (``pending``) or stopped
inside (``partial``), and the indexer's lock.
"""

from __future__ import annotations

import json
import os
import socket
from contextlib import contextmanager

from ...errors import IndexUnavailable
from . import cluster
from .cluster import META
from .sql import Address, NodeDown, chunks, connect, key, run

LIMIT = 100_000  # rows of a kind read at once, at most
INSERT_ROWS = 200  # rows per statement
LOCK_ID = key("lock")


def nodes(connection, location: Address) -> list[dict]:
    """The shards' mirrors as `search cluster start` registered them."""
    try:
        found = run(connection, f"SELECT value FROM {META} WHERE kind = 'node' "
                    f"LIMIT {LIMIT} OPTION max_matches={LIMIT}")[0]
    except NodeDown as error:
        raise IndexUnavailable(f"{location} is not a cluster made by `search cluster init` "
                               f"({error})") from None
    return sorted((json.loads(value) for (value,) in found),
                  key=lambda node: (node["shard"], node["replica"]))


class Marks:
    """Files marked by kind (``pending``, ``partial``), each with a value; ``select`` runs
    a statement on the aggregator."""

    def __init__(self, select):
        self.select = select

    def of(self, kind: str) -> dict[str, str]:
        """The files marked ``kind``, with their values."""
        found = self.select(f"SELECT path, value FROM {META} WHERE kind = %s LIMIT 0, "
                            f"{LIMIT} OPTION max_matches={LIMIT}", (kind,))[0]
        return dict(found)

    def add(self, kind: str, paths: dict[str, str]) -> None:
        for chunk in chunks(list(paths.items()), INSERT_ROWS):
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            args = [item for path, value in chunk
                    for item in (key(kind, path), kind, kind, path, value)]
            self.select(f"REPLACE INTO {META} (id, key, kind, path, value) VALUES {values}",
                        args)

    def remove(self, kind: str, paths) -> None:
        for chunk in chunks([key(kind, path) for path in paths], INSERT_ROWS):
            self.select(f"DELETE FROM {META} WHERE id IN ({', '.join(map(str, chunk))})")


@contextmanager
def indexer_lock(location: Address):
    """The cluster's indexer lock: a row of ``meta`` that only one run can add (a second
    INSERT of its id fails); a run on this machine whose process is gone left it stale."""
    me = {"host": socket.gethostname(), "pid": os.getpid()}
    connection = connect(location)
    try:
        statement = f"INSERT INTO {META} (id, key, kind, path, value) VALUES (%s, 'lock', " \
                    "'lock', '', %s)"
        try:
            run(connection, statement, (LOCK_ID, json.dumps(me)))
        except NodeDown:
            holder = run(connection, f"SELECT value FROM {META} WHERE id = {LOCK_ID}")[0]
            held = json.loads(holder[0][0]) if holder else {}
            if held.get("host") == me["host"] and not cluster.alive(held.get("pid", 0)):
                run(connection, statement.replace("INSERT", "REPLACE"),
                    (LOCK_ID, json.dumps(me)))
            else:
                raise IndexUnavailable(
                    f"another `search index` (pid {held.get('pid', '?')} on "
                    f"{held.get('host', '?')}) is writing the cluster at {location}; wait for "
                    "it to finish, then run again") from None
        try:
            yield
        finally:
            run(connection, f"DELETE FROM {META} WHERE id = {LOCK_ID}")
    finally:
        connection.close()

"""A cluster of ``searchd`` nodes on this machine: its configuration, starting and stopping.

``init`` writes a folder: ``cluster.json`` (shards, replicas, ports) and, for each node, a
``searchd.conf`` and a ``data/`` folder. Each shard is an RT index ``passages`` served by
``replicas`` nodes (mirrors that the indexer writes alike); an aggregator node serves the
distributed index ``passages`` whose ``agent`` lines list each shard's mirrors, so a query
sent to it is answered by every shard. Every node listens on 127.0.0.1 only: the API
protocol for the aggregator's agents, and SphinxQL (the MySQL protocol) for clients.
Written for Sphinx 2.2.11 (Debian's ``sphinxsearch``); Manticore Search reads the same.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from ...errors import SearchError

SETTINGS = "cluster.json"
INDEX = "passages"
AGGREGATOR = "aggregator"
# Every character but the ASCII ones that separate words in a query: tokens come to the
# engine already cut and joined by spaces, so it only splits at spaces (a CJK run is one
# word; 𠮷野家, 〇, 3.5g and a_b stay whole).
CHARSET = ("0..9, a..z, _, A..Z->a..z, U+21..U+2F, U+3A..U+40, U+5B..U+5E, U+60, U+7B..U+7E, "
           "U+80..U+10FFFF")
# What a passage is in a shard (``sphinxql/rows.py``): its token fields (as ``Record.tokens``,
# joined by spaces; pairs marked, see rows.py), ``units``, what filters and facets need as
# attributes, what answers need as strings, and on an article's first passage (``opens``)
# the length of its longest heading path, which the article's term in the ranking takes
# (``rows.article_rows``). What the cluster holds besides passages
# (its nodes, files being written, the indexer's lock) is in the aggregator's ``meta``.
FIELDS = ("text", "title", "section", "bigram", "heading_bigram", "units")
ATTRIBUTES = (("rt_attr_bigint", "article"), ("rt_attr_bigint", "file"),
              ("rt_attr_uint", "line"), ("rt_attr_uint", "year"), ("rt_attr_uint", "month"),
              ("rt_attr_uint", "day"),
              ("rt_attr_multi", "cities"), ("rt_attr_multi", "provinces"),
              ("rt_attr_multi", "counties"), ("rt_attr_string", "source"),
              ("rt_attr_string", "passage_id"), ("rt_attr_string", "article_id"),
              ("rt_attr_string", "path"), ("rt_attr_string", "file_hash"),
              ("rt_attr_string", "stored"), ("rt_attr_uint", "opens"),
              ("rt_attr_uint", "article_section_len"), ("rt_attr_bigint", "para"),
              ("rt_attr_uint", "aside"), ("rt_attr_multi", "tags"),
              ("rt_attr_multi", "categories"))
META = "meta"
META_ATTRIBUTES = (("rt_attr_string", "kind"), ("rt_attr_string", "path"),
                   ("rt_attr_string", "value"))
START_SECONDS = 10  # how long a node may take to answer after it starts


class ClusterError(SearchError):
    """A cluster that cannot be set up, started or reached; the message says what to do."""


@dataclass
class Node:
    name: str  # shard0-r0, …, aggregator
    api_port: int
    sql_port: int


@dataclass
class Cluster:
    folder: Path
    shards: int
    replicas: int
    nodes: list[Node]  # the shards' mirrors, then the aggregator

    @property
    def aggregator(self) -> Node:
        return self.nodes[-1]

    def mirrors(self, shard: int) -> list[Node]:
        return [node for node in self.nodes if node.name.startswith(f"shard{shard}-")]


def searchd() -> str:
    """The path of ``searchd``, or a ClusterError saying how to install it."""
    found = shutil.which("searchd")
    if found is None:
        raise ClusterError("searchd is not installed; install Sphinx (`apt-get install "
                           "sphinxsearch`) or Manticore Search")
    return found


def init(folder: Path, shards: int, replicas: int = 1, port: int = 9306) -> Cluster:
    """Write a new cluster's settings and each node's configuration into ``folder``."""
    if (folder / SETTINGS).exists():
        raise ClusterError(f"{folder}/ already holds a cluster; start it with `search cluster "
                           f"start {folder}`, or remove the folder")
    nodes = [Node(f"shard{shard}-r{replica}", 0, 0)
             for shard in range(shards) for replica in range(replicas)]
    nodes.append(Node(AGGREGATOR, 0, 0))
    for number, node in enumerate(nodes):  # the aggregator's SQL port is the one given
        node.sql_port = port if node.name == AGGREGATOR else port + 2 + 2 * number
        node.api_port = node.sql_port + 1
    cluster = Cluster(folder.resolve(), shards, replicas, nodes)
    for node in nodes:
        (cluster.folder / node.name / "data").mkdir(parents=True, exist_ok=True)
        config = (_aggregator_index(cluster) if node.name == AGGREGATOR
                  else _shard_index(cluster, node))
        (cluster.folder / node.name / "searchd.conf").write_text(
            config + _searchd_section(cluster, node), encoding="utf-8")
    (cluster.folder / SETTINGS).write_text(json.dumps(
        {"shards": shards, "replicas": replicas, "nodes": [asdict(n) for n in nodes]},
        indent=1), encoding="utf-8")
    return cluster


def load(folder: Path) -> Cluster:
    try:
        settings = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClusterError(f"no cluster in {folder}/; make one with `search cluster init "
                           f"{folder} --shards 2`") from None
    except (OSError, ValueError) as error:
        raise ClusterError(f"{folder}/{SETTINGS} cannot be read ({error})") from None
    return Cluster(folder.resolve(), settings["shards"], settings["replicas"],
                   [Node(**node) for node in settings["nodes"]])


def _shard_index(cluster: Cluster, node: Node) -> str:
    """A shard's RT index ``passages`` (with field lengths, which BM25F needs)."""
    data = cluster.folder / node.name / "data"
    passages = [f"path = {data / INDEX}", *_rt_settings("256M")]
    passages += [f"rt_field = {name}" for name in FIELDS]
    passages += [f"{kind} = {name}" for kind, name in ATTRIBUTES]
    return _section(f"index {INDEX}", passages)


def _rt_settings(memory: str) -> list[str]:
    return ["type = rt", f"charset_table = {CHARSET}", f"rt_mem_limit = {memory}",
            "index_field_lengths = 1"]


def _aggregator_index(cluster: Cluster) -> str:
    """The aggregator's ``meta`` RT index, and a distributed index over every shard's
    ``passages``."""
    meta = [f"path = {cluster.folder / AGGREGATOR / 'data' / META}", *_rt_settings("16M"),
            "rt_field = key"]
    meta += [f"{kind} = {name}" for kind, name in META_ATTRIBUTES]
    return _section(f"index {META}", meta) + _section(f"index {INDEX}",
                                                     _distributed(cluster, INDEX))


def _distributed(cluster: Cluster, name: str) -> list[str]:
    lines = ["type = distributed"]
    for shard in range(cluster.shards):
        mirrors = "|".join(f"127.0.0.1:{node.api_port}" for node in cluster.mirrors(shard))
        lines.append(f"agent = {mirrors}:{name}")
    return lines + ["agent_connect_timeout = 500", "agent_query_timeout = 10000",
                    "ha_strategy = nodeads"]


def _searchd_section(cluster: Cluster, node: Node) -> str:
    home = cluster.folder / node.name
    return _section("searchd", [
        f"listen = 127.0.0.1:{node.api_port}", f"listen = 127.0.0.1:{node.sql_port}:mysql41",
        f"log = {home / 'searchd.log'}", f"query_log = {home / 'query.log'}",
        f"pid_file = {home / 'searchd.pid'}", f"binlog_path = {home / 'data'}",
        "workers = threads", "max_matches = 10000",
        "ha_ping_interval = 100"])  # ms: a dead mirror is found within a few of them


def _section(header: str, lines: list[str]) -> str:
    return header + "\n{\n" + "".join(f"    {line}\n" for line in lines) + "}\n\n"


def start(cluster: Cluster) -> None:
    """Start every node that is not running, and wait until each answers SphinxQL."""
    program = searchd()
    started = []
    try:
        for node in cluster.nodes:
            if _pid(cluster, node) is not None:
                continue
            if _answers(node):
                raise ClusterError(f"port {node.sql_port} is taken by another program; choose "
                                   "other ports with `search cluster init --port`")
            done = subprocess.run([program, "--config", str(_config(cluster, node))],
                                  capture_output=True, text=True)
            if done.returncode:
                raise ClusterError(f"{node.name} did not start: {_last_error(done.stdout)}")
            started.append(node)
        deadline = time.monotonic() + START_SECONDS
        for node in cluster.nodes:
            while not _answers(node):
                if time.monotonic() > deadline:
                    raise ClusterError(f"{node.name} does not answer on port {node.sql_port}; "
                                       f"see {cluster.folder / node.name / 'searchd.log'}")
                time.sleep(0.05)
        register(cluster)
    except BaseException:  # leave nothing running that this call started
        stop(cluster, started)
        raise


def register(cluster: Cluster) -> None:
    """Write the shards' mirrors into the aggregator's ``meta`` index, where the backend finds
    the nodes to write to with only the aggregator's address."""
    from .sql import Address, connect, key, run

    rows = []
    for node in cluster.nodes[:-1]:
        shard, replica = (int(part) for part in node.name[len("shard"):].split("-r"))
        value = {"name": node.name, "shard": shard, "replica": replica, "host": "127.0.0.1",
                 "sql_port": node.sql_port, "api_port": node.api_port}
        rows += [key("node", node.name), "node", "node", node.name, json.dumps(value)]
    connection = connect(Address("127.0.0.1", cluster.aggregator.sql_port))
    try:
        run(connection, f"REPLACE INTO {META} (id, key, kind, path, value) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * (len(rows) // 5)), rows)
    finally:
        connection.close()


def stop(cluster: Cluster, nodes: list[Node] | None = None) -> list[str]:
    """Stop every running node, or those of ``nodes``, waiting until each has saved its
    index; their names."""
    running = {node.name: pid for node in (cluster.nodes if nodes is None else nodes)
               if (pid := _pid(cluster, node)) is not None}
    for pid in running.values():
        os.kill(pid, signal.SIGTERM)  # searchd saves its RT indexes, then exits
    for pid in running.values():
        while alive(pid):
            time.sleep(0.05)
    return list(running)


def status(cluster: Cluster) -> list[tuple[Node, str]]:
    """Each node with "running", "not answering" (its process is there) or "stopped"."""
    found = []
    for node in cluster.nodes:
        if _pid(cluster, node) is None:
            found.append((node, "stopped"))
        else:
            found.append((node, "running" if _answers(node) else "not answering"))
    return found


def _config(cluster: Cluster, node: Node) -> Path:
    return cluster.folder / node.name / "searchd.conf"


def _pid(cluster: Cluster, node: Node) -> int | None:
    """The node's process id, when its pid file names a live process."""
    try:
        pid = int((cluster.folder / node.name / "searchd.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def alive(pid: int) -> bool:
    """Whether the process runs (one that exited but was not reaped is a zombie: where the
    init process does not reap, a stopped searchd stays one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "State:\tZ" not in status


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive loopback ports nothing listens on (for clusters
    that tests and benchmarks start)."""
    for base in range(21000, 60000, 97):
        if not any(_listening(port) for port in range(base, base + count)):
            return base
    raise ClusterError(f"no {count} free ports in a row on 127.0.0.1")


@contextmanager
def temporary(folder: Path, shards: int = 2, replicas: int = 1):
    """A cluster started in ``folder`` on free ports, stopped after use; yields it."""
    made = init(folder, shards, replicas, port=free_ports(2 * (shards * replicas + 2)))
    start(made)
    try:
        yield made
    finally:
        stop(made)


def _answers(node: Node) -> bool:
    return _listening(node.sql_port)


def _listening(port: int) -> bool:
    """Whether something accepts connections on a loopback port."""
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _last_error(output: str) -> str:
    errors = [line for line in output.splitlines() if "FATAL" in line or "ERROR" in line]
    return (errors or output.strip().splitlines()[-1:] or ["no output"])[-1].strip()

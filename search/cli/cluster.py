"""`search cluster init|start|stop|status DIR`: a cluster of searchd nodes on this machine
(``backends/sphinxql/cluster.py`` does the work)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import SearchError
from .options import counted


@click.group("cluster")
def cluster_group() -> None:
    """A cluster of searchd nodes on this machine (Sphinx or Manticore Search).

    Example: search cluster init cluster/ --shards 2 && search cluster start cluster/
    """


@cluster_group.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--shards", type=click.IntRange(1, 64), default=2, show_default=True,
              help="RT indexes the passages are spread over.")
@click.option("--replicas", type=click.IntRange(1, 8), default=1, show_default=True,
              help="Nodes serving each shard (mirrors: a query survives all but one).")
@click.option("--port", type=click.IntRange(1024, 65000), default=9306, show_default=True,
              help="The aggregator's SphinxQL port; the nodes take the ports after it.")
def cluster_init(folder: Path, shards: int, replicas: int, port: int) -> None:
    """Write a cluster's configuration into FOLDER (nothing is started).

    Example: search cluster init cluster/ --shards 2 --replicas 2
    """
    from ..backends.sphinxql import cluster

    made = cluster.init(folder, shards, replicas, port)
    click.echo(f"{folder}/: {counted(shards, 'shard')} × {counted(replicas, 'replica')} and an "
               f"aggregator on 127.0.0.1:{made.aggregator.sql_port}; start it with "
               f"`search cluster start {folder}`")


@cluster_group.command("start")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def cluster_start(folder: Path) -> None:
    """Start every node of the cluster in FOLDER (on 127.0.0.1 only).

    Example: search cluster start cluster/
    """
    from ..backends.sphinxql import cluster

    found = cluster.load(folder)
    cluster.start(found)
    click.echo(f"{folder}/: {counted(len(found.nodes), 'node')} running; SphinxQL on "
               f"127.0.0.1:{found.aggregator.sql_port}")


@cluster_group.command("stop")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def cluster_stop(folder: Path) -> None:
    """Stop every node of the cluster in FOLDER (each saves its index first).

    Example: search cluster stop cluster/
    """
    from ..backends.sphinxql import cluster

    stopped = cluster.stop(cluster.load(folder))
    click.echo(f"{folder}/: {counted(len(stopped), 'node')} stopped")


@cluster_group.command("status")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def cluster_status(folder: Path) -> None:
    """Each node of the cluster in FOLDER: its ports and whether it runs (exit 1 if one
    does not).

    Example: search cluster status cluster/
    """
    from ..backends.sphinxql import cluster

    states = cluster.status(cluster.load(folder))
    for node, state in states:
        click.echo(f"{node.name:<12} 127.0.0.1:{node.sql_port:<6} {state}")
    if any(state != "running" for _, state in states):
        raise SearchError(f"not every node of {folder}/ is running; start them with "
                          f"`search cluster start {folder}`")

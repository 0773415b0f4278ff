"""`search ...`: the command line over the engine and the indexer (``commands.py``), how its
options are read (``options.py``), how answers look in a terminal (``render.py``) and the
cluster commands (``cluster.py``)."""

from .commands import cli, main

__all__ = ["cli", "main"]

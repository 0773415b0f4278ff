"""The embedded index in a folder, as the seam (``backend.BackendType``) sees it.

Finding it and reading the counts its last commit recorded take a few file system calls
(``store.py``), so `search stats` answers without loading Whoosh and numpy; opening,
creating and checking it load ``backends/whoosh/backend.py``.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import IndexDamaged
from . import store


class EmbeddedIndex:
    """The Whoosh index in a folder (``index/CURRENT`` names its live generation)."""

    @staticmethod
    def exists(location: Path) -> bool:
        return store.has_index(location)

    @staticmethod
    def claimed(location: Path) -> bool:
        return (store.has_index(location) or (location / store.CURRENT).exists()
                or store.legacy_files(location))

    @staticmethod
    def recorded_counts(location: Path) -> dict[str, int] | None:
        folder = store.live(location)
        recorded = store.recorded_counts(folder) if folder else None
        if recorded and (damage := store.size_damage(folder)):
            raise IndexDamaged(location, damage)
        return recorded

    @staticmethod
    def lock(location: Path):
        return store.indexer_lock(location)

    @staticmethod
    def open(location: Path):
        from .backend import WhooshBackend

        return WhooshBackend.open(location)

    @staticmethod
    def create(location: Path):
        from .backend import WhooshBackend

        return WhooshBackend.create(location)

    @staticmethod
    def check(location: Path) -> tuple[list[str], list[str]]:
        from .backend import WhooshBackend

        return WhooshBackend.check(location)

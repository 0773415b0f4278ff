"""The embedded index in a folder, as the seam (``seam.BackendType``) sees it.

Finding it and reading the counts its last commit recorded take a few file system calls
(``store.py``), so `search stats` answers without loading Whoosh and numpy; opening,
creating and checking it load ``backends/whoosh/backend.py``.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import IndexDamaged
from ..seam import Check
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
    def check(location: Path, option: str = "") -> Check:
        """The damage (what cannot be opened or read) and the files no commit lists."""
        from .backend import WhooshBackend

        damage, leftovers = WhooshBackend.check(location)
        lines = [f"damaged: {problem}" for problem in damage]
        lines += [f"left over: {location}/{name} (no commit lists it; the next "
                  f"`search {option}index` removes it)" for name in leftovers]
        problems = f"{len(damage)} problem" + ("" if len(damage) == 1 else "s")
        failure = (f"the index in {location}/ is damaged ({problems}); rebuild it from its "
                   f"sources with `search {option}index --rebuild PATH`") if damage else ""
        return Check(lines, failure,
                     f"the index in {location}/ is whole: every file as it was written")

    @staticmethod
    def folder(location: Path) -> Path:
        return location

    @staticmethod
    def stamp(location: Path):
        """The live generation and its latest commit."""
        folder = store.live(location)
        return (str(folder), store.latest_commit(folder)) if folder else None

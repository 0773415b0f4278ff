"""The backends behind the seam (``search/backend.py``): ``whoosh/``, the embedded index in a
folder (the default), and ``sphinxql/``, a cluster of searchd nodes."""

from __future__ import annotations

from pathlib import Path

from ..backend import BackendType


def backend_type(location: Path) -> BackendType:
    """The backend that keeps the index at ``location``: the embedded Whoosh index in that
    folder (``whoosh/embedded.py``, which loads Whoosh only to open it)."""
    from .whoosh.embedded import EmbeddedIndex

    return EmbeddedIndex

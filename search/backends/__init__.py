"""The backends behind the seam (``seam.py``): ``whoosh/``, the embedded index in a
folder (the default), and ``sphinxql/``, a cluster of searchd nodes."""

from __future__ import annotations

from pathlib import Path

from .seam import BackendType


def backend_type(location) -> BackendType:
    """The backend that keeps the index at ``location``: a folder (``Path``) holds the
    embedded Whoosh index (``whoosh/embedded.py``, which loads Whoosh only to open it); a
    cluster's address (``sphinxql.sql.Address``) the cluster's (``sphinxql/backend.py``)."""
    if isinstance(location, Path):
        from .whoosh.embedded import EmbeddedIndex

        return EmbeddedIndex
    from .sphinxql.backend import ClusterIndex

    return ClusterIndex

"""The embedded backend: a Whoosh index in a folder (``embedded.EmbeddedIndex`` finds and
opens it; ``backend.WhooshBackend`` is the open index)."""

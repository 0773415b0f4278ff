"""Where an index written before the backends moved into ``search/backends/`` finds the
classes its schema names: Whoosh pickles the schema into each table of contents, with each
class's module, and those indexes name this one."""

from .backends.whoosh.backend import Counted, PreTokenized

__all__ = ["Counted", "PreTokenized"]

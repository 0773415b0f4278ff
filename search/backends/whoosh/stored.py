"""A passage's stored fields in the Whoosh index, written and read: its own (``PASSAGE_STORED``,
one tuple a passage) and its article's (``ARTICLE_STORED``, with the article's first passage
only), read from each segment's stored column directly."""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

from whoosh.reading import TermNotFound

from ...errors import IndexDamaged
from ..seam import FIRST_ORDER, Record, passage_id, place
from .postings import encode_tokens
from .stored_column import STORED_COLUMN

# Stored, as two tuples (Whoosh pickles a dict's names with every document): each passage's
# own fields, and its article's, with the article's first passage only
PASSAGE_STORED = ("article_id", "path", "order", "section", "text", "char_start", "char_end",
                  "line_start", "line_end", "cities", "provinces", "counties", "boilerplate")
ARTICLE_STORED = ("title", "format", "content_hash", "file_hash", "source", "author", "date",
                  "url", "signature", "tags", "categories")
LIST_FIELDS = ("cities", "provinces", "counties")  # a passage's, kept as tuples
ARTICLE_LISTS = ("tags", "categories")  # an article's
ARTICLES_KEPT = 10_000  # articles' stored fields remembered while a searcher is open


class StoredFields:
    """The stored fields of a searcher's passages (articles' remembered while it is open)."""

    def __init__(self, searcher, index_dir: Path):
        self.searcher, self.index_dir = searcher, index_dir
        self._articles: dict[tuple[str, str], dict] = {}  # (path, article id) -> _article()
        self._columns: tuple[list, list] | None = None  # each segment's offset and column

    def stored(self, docnum: int) -> dict:
        """A passage's stored fields, its article's included."""
        return self.fields(self.raw(docnum))

    def place(self, docnum: int) -> tuple[str, int, int]:
        """Where a passage stands (``seam.place``)."""
        return place(passage_fields(self.raw(docnum)))

    def texts(self, docnum: int, names: tuple[str, ...]) -> list[str]:
        """Some of a passage's stored texts (``text``, ``section``, ``title``): its article's
        fields are looked up only when one of them is asked for. (Called for each passage a
        phrase is checked in, from ``search``, which tells a damaged index.)"""
        stored = self.raw(docnum)
        fields = passage_fields(stored)
        if not set(names) <= fields.keys():
            fields.update(self._article(fields["path"], fields["article_id"], stored))
        return [fields[name] for name in names]

    def raw(self, docnum: int) -> dict:
        """Whoosh's ``stored_fields``, read from each segment's stored column directly:
        a third of the time (20 µs, not 65), which counts in a phrase's check."""
        if self._columns is None:  # an index without segments has none
            leaves = self.searcher.reader().leaf_readers()
            self._columns = ([offset for _, offset in leaves],
                             [leaf._perdoc._cached_reader("_stored", STORED_COLUMN)
                              for leaf, _ in leaves])
        offsets, columns = self._columns
        number = bisect_right(offsets, docnum) - 1
        return columns[number][docnum - offsets[number]]

    def fields(self, stored: dict) -> dict:
        fields = passage_fields(stored)
        for name in LIST_FIELDS:
            fields[name] = list(fields[name])
        fields["passage_id"] = passage_id(fields["article_id"], fields["order"])
        fields.update(self._article(fields["path"], fields["article_id"], stored))
        return fields

    def _article(self, path: str, article_id: str, stored: dict) -> dict:
        """An article's stored fields, from its first passage (``stored`` when it is that)."""
        key = (path, article_id)
        if key not in self._articles:
            if "article" not in stored:
                stored = self._first_passage(path, article_id)
            if len(self._articles) >= ARTICLES_KEPT:
                self._articles.clear()
            fields = dict(zip(ARTICLE_STORED, stored["article"], strict=True))
            self._articles[key] = {**fields, **{name: list(fields[name] or ())
                                                for name in ARTICLE_LISTS}}
        return {**self._articles[key], **{name: list(self._articles[key][name])
                                          for name in ARTICLE_LISTS}}

    def _first_passage(self, path: str, article_id: str) -> dict:
        """The stored fields of an article's first passage (a JSONL record's id can be
        another file's too: the path tells them apart)."""
        searcher = self.searcher
        first = passage_id(article_id, FIRST_ORDER)
        try:
            for docnum in searcher.reader().postings("passage_id", first).all_ids():
                stored = self.raw(docnum)
                if passage_fields(stored)["path"] == path:
                    return stored
        except TermNotFound:
            pass
        raise IndexDamaged(self.index_dir, f"the first passage of {article_id} ({path}), which "
                                          "holds its article's fields, is missing")


def passage_fields(stored: dict) -> dict:
    """A passage's own stored fields by name (``PASSAGE_STORED``)."""
    return dict(zip(PASSAGE_STORED, stored["passage"], strict=True))


def document(record: Record) -> dict:
    """Whoosh keyword arguments for one passage: tokens and values to index, and the stored
    tuples (``PASSAGE_STORED``; ``ARTICLE_STORED`` with an article's first passage)."""
    stored = record.stored
    doc = {name: stored[name] for name in ("passage_id", "article_id", "path")}
    doc.update({name: encode_tokens(tokens) for name, tokens in record.tokens.items()})
    doc["passage"] = tuple(tuple(stored.get(name) or ()) if name in LIST_FIELDS
                           else stored.get(name) for name in PASSAGE_STORED)
    if stored["order"] == FIRST_ORDER:
        doc["article"] = tuple(tuple(stored.get(name) or ()) if name in ARTICLE_LISTS
                               else stored.get(name) or "" for name in ARTICLE_STORED)
    for name in LIST_FIELDS:
        doc[name] = ",".join(stored.get(name) or [])
    doc.update({name: value for name, value in record.keys.items() if name not in ARTICLE_LISTS})
    for name in ARTICLE_LISTS:  # a comma inside a value is not one between values
        doc[name] = ",".join(value.replace(",", "，") for value in record.keys.get(name, ()))
    return doc

"""Peer engines the benchmarks compare against, behind one small interface.

A peer is built once from records (dicts with ``id``, ``title``, ``text``) and then answers
``search(text, k)`` with record ids, best first. Indexes live in a temporary directory (or
in memory) that ``close`` removes; peers are context managers that call ``close``.

- ``whoosh-jieba``: stock Whoosh with jieba's ``ChineseAnalyzer``, raw query text parsed by
  ``MultifieldParser`` (OR), default BM25F: what a Python user does today.
- ``rank-bm25``, ``tantivy``, ``sqlite-fts5``: BM25 over the same jieba search-mode tokens
  (``search_tokens``), fed pre-segmented so the engine does no segmentation of its own.

Each peer imports its library when created, failing with the pip package to install.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sqlite3
import tempfile
from pathlib import Path
from types import ModuleType

FIELDS = ("title", "text")  # the searched fields of a record, besides its ``id``


def require(module: str, package: str) -> ModuleType:
    """Import ``module``, or raise ImportError naming the pip ``package`` that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"this peer needs `pip install {package}` ({error})") from error


@functools.cache
def load_jieba() -> ModuleType:
    """jieba, quiet and with its dictionary loaded (so no peer's build time pays for it)."""
    jieba = require("jieba", "jieba==0.42.1")
    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def search_tokens(text: str) -> list[str]:
    """jieba search-mode tokens of ``text`` (words and their dictionary sub-words, in
    order, repeats kept), lowercased, without tokens that are pure whitespace/punctuation.

    jieba rather than the faster rjieba: rjieba's search mode differs on mixed
    Latin/digit runs ("2.4km", "1958-1965"), and stock Whoosh uses jieba.
    """
    words = load_jieba().lcut_for_search(text)
    return [word.lower() for word in words if any(char.isalnum() for char in word)]


def record_tokens(record: dict) -> dict[str, list[str]]:
    """``search_tokens`` of each of a record's ``FIELDS``."""
    return {field: search_tokens(record[field]) for field in FIELDS}


class Peer:
    """A search engine built from records; ``search`` gives record ids, best first."""

    name = ""

    def build(self, records: list[dict]) -> None:
        """Index ``records`` (dicts with id, title, text)."""
        raise NotImplementedError

    def search(self, text: str, k: int) -> list[str]:
        """Ids of the (at most) ``k`` best records for the query ``text``."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the index and delete its files."""

    def size_bytes(self) -> int:
        """The index's size on disk (0 for an index held in memory)."""
        return 0

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class TempDirPeer(Peer):
    """A peer whose index lives in a temporary directory, removed on ``close``."""

    def make_dir(self) -> Path:
        """A fresh temporary directory for the index."""
        self.tmp = tempfile.TemporaryDirectory(prefix=f"peer-{self.name}-")
        return Path(self.tmp.name)

    def size_bytes(self) -> int:
        return sum(path.stat().st_size for path in Path(self.tmp.name).rglob("*")
                   if path.is_file())

    def close(self) -> None:
        if getattr(self, "tmp", None) is not None:
            self.tmp.cleanup()
            self.tmp = None


class StockWhoosh(TempDirPeer):
    """Whoosh with ``jieba.analyse.ChineseAnalyzer`` on title and text, default BM25F; the
    raw query goes through ``MultifieldParser(["title", "text"], group=OrGroup)``."""

    name = "whoosh-jieba"

    def __init__(self) -> None:
        require("whoosh", "whoosh-reloaded")
        load_jieba()

    def build(self, records: list[dict]) -> None:
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import MultifieldParser, OrGroup

        analyzer = ChineseAnalyzer()
        schema = Schema(id=ID(stored=True), **{field: TEXT(analyzer=analyzer) for field in FIELDS})
        self.index = index.create_in(str(self.make_dir()), schema)
        writer = self.index.writer(limitmb=256)
        for record in records:
            writer.add_document(id=record["id"], **{field: record[field] for field in FIELDS})
        writer.commit()
        self.searcher = self.index.searcher()
        self.parser = MultifieldParser(list(FIELDS), schema, group=OrGroup)

    def search(self, text: str, k: int) -> list[str]:
        return [hit["id"] for hit in self.searcher.search(self.parser.parse(text), limit=k)]

    def close(self) -> None:
        if getattr(self, "searcher", None) is not None:
            self.searcher.close()
            self.index.close()
            self.searcher = None
        super().close()


class RankBM25(Peer):
    """``rank_bm25.BM25Okapi`` in memory over each record's title + text tokens."""

    name = "rank-bm25"

    def __init__(self) -> None:
        self.rank_bm25 = require("rank_bm25", "rank-bm25")
        self.numpy = require("numpy", "numpy")
        load_jieba()

    def build(self, records: list[dict]) -> None:
        self.ids = [record["id"] for record in records]
        corpus = [[token for tokens in record_tokens(record).values() for token in tokens]
                  for record in records]
        self.bm25 = self.rank_bm25.BM25Okapi(corpus)

    def search(self, text: str, k: int) -> list[str]:
        scores = self.bm25.get_scores(search_tokens(text))
        best = self.numpy.argsort(-scores, kind="stable")[:k]
        return [self.ids[i] for i in best if scores[i] > 0]  # score 0: no query token


class Tantivy(TempDirPeer):
    """tantivy with title and text indexed by its ``whitespace`` tokenizer over the
    space-joined ``search_tokens``; the query is a BooleanQuery of SHOULD TermQuerys, one
    per query token and field (what ``parse_query(q, ["title", "text"])`` builds, minus
    the query syntax)."""

    name = "tantivy"

    def __init__(self) -> None:
        self.tantivy = require("tantivy", "tantivy")
        load_jieba()

    def build(self, records: list[dict]) -> None:
        tantivy = self.tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        for field in FIELDS:
            builder.add_text_field(field, tokenizer_name="whitespace")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(self.make_dir()))
        writer = self.index.writer()
        for record in records:
            fields = {field: " ".join(tokens) for field, tokens in record_tokens(record).items()}
            writer.add_document(tantivy.Document(id=record["id"], **fields))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, text: str, k: int) -> list[str]:
        query, occur = self.tantivy.Query, self.tantivy.Occur
        clauses = [(occur.Should, query.term_query(self.schema, field, token))
                   for token in search_tokens(text) for field in FIELDS]
        if not clauses:
            return []
        hits = self.searcher.search(query.boolean_query(clauses), k, count=False).hits
        return [self.searcher.doc(address).get_first("id") for _score, address in hits]

    def close(self) -> None:
        self.searcher = self.index = None  # let go of the index files before removing them
        super().close()


class SqliteFts5(TempDirPeer):
    """SQLite FTS5 (stdlib ``sqlite3``, default unicode61 tokenizer) over the space-joined
    ``search_tokens``; the query ORs the tokens, each a quoted phrase, ranked by ``bm25``."""

    name = "sqlite-fts5"

    def __init__(self) -> None:
        load_jieba()

    def build(self, records: list[dict]) -> None:
        self.db = sqlite3.connect(self.make_dir() / "fts5.db")
        self.db.execute(f"CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, {', '.join(FIELDS)})")
        rows = ((record["id"], *(" ".join(tokens) for tokens in record_tokens(record).values()))
                for record in records)
        with self.db:  # one transaction
            self.db.executemany(f"INSERT INTO docs VALUES (?{', ?' * len(FIELDS)})", rows)

    def search(self, text: str, k: int) -> list[str]:
        tokens = search_tokens(text)
        if not tokens:
            return []
        match = " OR ".join('"' + token.replace('"', '""') + '"' for token in tokens)
        rows = self.db.execute(  # bm25(): lower is better
            "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, k))
        return [record_id for (record_id,) in rows]

    def close(self) -> None:
        if getattr(self, "db", None) is not None:
            self.db.close()
            self.db = None
        super().close()


PEERS: dict[str, type[Peer]] = {
    peer.name: peer for peer in (StockWhoosh, RankBM25, Tantivy, SqliteFts5)}


CLUSTER = "cluster"  # not a peer: our engine on a cluster of searchd nodes, which the
# benchmarks run beside the embedded index when it is named in --peers


def make_peers(names: list[str]) -> list[Peer]:
    """Peers by name (keys of ``PEERS``), created now so a missing package fails early."""
    return [PEERS[name]() for name in names]


def peer_list(value: str) -> list[str]:
    """``--peers``: comma-separated names of ``bench.peers.PEERS``, or "none"."""
    names = [] if value.strip() == "none" else [name.strip() for name in value.split(",")]
    unknown = [name for name in names if name not in PEERS and name != CLUSTER]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown peer {', '.join(unknown)}; choose from "
                                         f"{', '.join(PEERS)}, {CLUSTER} or none")
    return names

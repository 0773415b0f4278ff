"""The cluster backend: passages in the RT indexes of a cluster of ``searchd`` nodes.

Queries go to the aggregator's distributed index, which asks one mirror of every shard.
Writes go to every mirror of the shard an article is routed to (``shard_of``): a
distributed index takes none. The aggregator's ``meta`` index holds the nodes (written by
`search cluster start`), the files a run is writing (``pending``) or stopped inside
(``partial``), and the indexer's lock.

A commit here is not atomic across shards. What makes a run safe to kill is the order: a
file is marked pending before any of its passages is deleted or written, and unmarked once
they are all in; a pending file counts as changed (``file_hashes`` gives it no hash), so the
next run deletes what is there of it and writes it again.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager

from ...errors import IndexUnavailable
from ...query import plan
from ...query.parse import Node
from ..seam import FACETS, Filters, Hit, Record, SearchResult
from . import cluster, rerank
from . import compile as sphinxql
from .cluster import INDEX, META
from .rows import COLUMNS, PLACE_ATTRIBUTES, article_rows, file_key, place_names, stored_fields
from .sql import Address, NodeDown, connect, escape, key, literal, run, warnings

FACET_ATTRIBUTE = {**PLACE_ATTRIBUTES, "source": "source", "year": "year", "month": "month"}
FACET_LIMIT = 100_000  # values of a facet, or files (all of them: a cluster of more files
# would count only these)
MAX_MATCHES = 10_000  # ranked candidates a query may ask for
CANDIDATES = 200  # passages Sphinx ranks for a query, at least
INSERT_ROWS = 200  # rows per INSERT statement
SENDS_AHEAD = 4  # statements made and waiting to be sent, at most
PAGE = 5_000  # rows per read when walking every passage
LOCK_ID = key("lock")
ASKS = 3  # times a query is asked while a shard does not answer
MULTI_QUERIES = 32  # statements in one batch, at most (Sphinx 2.2.11)
ANALYSED_KEPT = 50_000  # passages analysed for reranking, remembered while open
RERANKED = 30  # candidates scored again by the embedded scorer, at least
RERANK = 3  # candidates scored again: this many times the limit, at least RERANKED


class ClusterIndex:
    """The index in a cluster, as the seam (``backend.BackendType``) sees it; its location is
    the aggregator's ``Address``."""

    @staticmethod
    def exists(location: Address) -> bool:
        return ClusterIndex.claimed(location)

    @staticmethod
    def claimed(location: Address) -> bool:
        with _connection(location) as connection:
            return bool(_nodes(connection, location))

    @staticmethod
    def recorded_counts(location: Address) -> dict[str, int] | None:
        with closing(ClusterBackend.open(location)) as backend:
            return backend.counts()

    @staticmethod
    def lock(location: Address):
        return _indexer_lock(location)

    @staticmethod
    def open(location: Address) -> ClusterBackend:
        return ClusterBackend.open(location)

    @staticmethod
    def create(location: Address) -> ClusterBackend:
        """The cluster's index, emptied (a rebuild here is not kept apart until it is whole)."""
        backend = ClusterBackend.open(location)
        backend.truncate()
        return backend

    @staticmethod
    def check(location: Address) -> tuple[list[str], list[str]]:
        """(damage, leftovers): the nodes that do not answer, and the files a stopped run
        left pending."""
        try:
            backend = ClusterBackend.open(location)
        except IndexUnavailable as error:
            return [str(error)], []
        try:
            damage = []
            for name, address in backend.node_addresses():
                try:
                    connect(address, name).close()
                except NodeDown as error:
                    damage.append(str(error))
            return damage, sorted(backend.marks("pending"))
        finally:
            backend.close()


@contextmanager
def _connection(address: Address, what: str = "the cluster"):
    connection = connect(address, what)
    try:
        yield connection
    finally:
        connection.close()


def _nodes(connection, location: Address) -> list[dict]:
    """The shards' mirrors as `search cluster start` registered them in ``meta``."""
    try:
        found = run(connection, f"SELECT value FROM {META} WHERE kind = 'node' "
                    f"LIMIT {FACET_LIMIT} OPTION max_matches={FACET_LIMIT}")[0]
    except NodeDown as error:
        raise IndexUnavailable(f"{location} is not a cluster made by `search cluster init` "
                               f"({error})") from None
    return sorted((json.loads(value) for (value,) in found),
                  key=lambda node: (node["shard"], node["replica"]))


class ClusterBackend:
    """An open connection to a cluster's aggregator, and to its shards' mirrors to write."""

    def __init__(self, location: Address, connection, nodes: list[dict]):
        self.location, self.connection, self.nodes = location, connection, nodes
        self.shards = 1 + max(node["shard"] for node in nodes)
        self._writers: dict[str, object] = {}  # node name -> connection
        self._means: tuple[tuple[int, dict], tuple[int, dict]] | None = None  # _averages()
        self._analysed: dict[int, rerank.Passage] = {}  # _article_passages()

    @classmethod
    def open(cls, location: Address) -> ClusterBackend:
        connection = connect(location)
        nodes = _nodes(connection, location)
        if not nodes:
            connection.close()
            raise IndexUnavailable(f"the cluster at {location} has no shards registered; start "
                                   "it with `search cluster start DIR`")
        return cls(location, connection, nodes)

    def node_addresses(self) -> list[tuple[str, Address]]:
        return [(node["name"], Address(node["host"], node["sql_port"])) for node in self.nodes]

    # ------------------------------------------------------------ reading

    def _select(self, statement: str, args=None) -> list[list[tuple]]:
        return run(self.connection, statement, args, what=f"the cluster at {self.location}")

    def search(self, node: Node | None, limit: int, filters: Filters | None = None,
               facets: tuple[str, ...] = FACETS, per_article: int | None = None) -> SearchResult:
        """Two statements: one counts the passages that hold the query (and its facets),
        matching only; one ranks them by BM25F in Sphinx, the best of which are then scored
        again as the embedded backend scores them, their articles' term included
        (``_ranked``)."""
        conditions, args = sphinxql.where(filters)
        held = sphinxql.matching(node) if node is not None else None
        where = " AND ".join((["MATCH(%s)"] if held else []) + conditions)
        where_args = ([held] if held else []) + args
        counting = (f"SELECT id FROM {INDEX}" + (f" WHERE {where}" if where else "")
                    + " LIMIT 0, 1 OPTION ranker=none"
                    + "".join(f" FACET {FACET_ATTRIBUTE[name]} ORDER BY COUNT(*) DESC"
                              f" LIMIT {FACET_LIMIT}" for name in facets))
        counted, total, missing = self._answer(counting, where_args)
        if node is None:  # every passage (filtered): in index order
            found = self._select(f"SELECT id, 0, article FROM {INDEX}"
                                 + (f" WHERE {where}" if where else "")
                                 + f" ORDER BY id ASC LIMIT 0, {max(limit, 1)}", where_args)
        else:
            found, _, failed = self._answer(self._ranking(node, conditions, limit, per_article),
                                            [sphinxql.match(node), *args])
            missing = list(dict.fromkeys(missing + failed))
        ranked = [(doc_id, 0.0, article) for doc_id, _, article in found[0]]
        if node is not None:
            ranked = self._ranked(node, found[0], limit * RERANK)
        if per_article:
            ranked = _per_article(ranked, per_article)
        ranked = ranked[:limit]
        stored = self._stored([doc_id for doc_id, _, _ in ranked])
        hits = [Hit(score, stored[doc_id]) for doc_id, score, _ in ranked if doc_id in stored]
        counts = {name: _facet(name, rows) for name, rows in zip(facets, counted[1:], strict=True)}
        return SearchResult(total, hits, counts, missing)

    def _ranking(self, node: Node, conditions: list[str], limit: int,
                 per_article: int | None) -> str:
        """The statement that ranks the candidates: the needles to match, the plan's terms
        after MAYBE, and BM25F (``compile.ranker``)."""
        wanted = candidates(limit, per_article)
        ranker = sphinxql.ranker(plan.K1, plan.B, sphinxql.FIELD_WEIGHTS,
                                 self._averages()[0][1][plan.TEXT])
        return (f"SELECT id, WEIGHT(), article FROM {INDEX} WHERE "
                + " AND ".join(["MATCH(%s)", *conditions])
                + f" ORDER BY WEIGHT() DESC, id ASC LIMIT 0, {wanted}"
                + f" OPTION max_matches={max(wanted, 1000)}, {ranker}")

    def _ranked(self, node: Node, found: list[tuple], best: int
                ) -> list[tuple[int, float, int]]:
        """(id, score, article) of the candidates ``found``, best first: Sphinx's order, and
        the ``best`` of them (at least ``RERANKED``) scored again as the embedded backend
        scores a passage and its article (``rerank.py``)."""
        passages = self._averages()[0][0]
        ranked = [(doc_id, sphinxql.score(weight, passages), article)
                  for doc_id, weight, article in found]
        top, rest = ranked[:max(best, RERANKED)], ranked[max(best, RERANKED):]
        exact, articles = self._rescored(node, top)
        top = [(doc_id, exact[doc_id] + articles[article], article)
               for doc_id, _, article in top]
        top.sort(key=lambda item: (-item[1], item[0]))
        return top + rest

    def _rescored(self, node: Node, top: list[tuple]
                  ) -> tuple[dict[int, float], dict[int, float]]:
        """The embedded scorer's score of each passage, and of each one's article."""
        found = rerank.clauses(plan.ranking(node))
        texts = rerank.counting(found)
        holders = self._counts("COUNT(*)", texts)
        article_holders = self._counts("COUNT(DISTINCT article)", texts)
        ids, keys = [doc_id for doc_id, _, _ in top], {article for _, _, article in top}
        articles: dict[int, list] = {}
        for doc_id, article in self._article_passages(keys):
            articles.setdefault(article, []).append(self._analysed[doc_id])
        passages = {doc_id: self._analysed[doc_id] for doc_id in ids}
        (size, averages), (count, article_averages) = self._averages()
        return (rerank.scores(found, passages, holders, size, averages),
                rerank.article_scores(found, articles, article_holders, count,
                                      article_averages))

    def _article_passages(self, keys: set[int]) -> list[tuple[int, int]]:
        """(id, article) of every passage of these articles, each analysed once
        (``_analysed``, which keeps at most ``ANALYSED_KEPT``)."""
        if not keys:
            return []
        found = self._select(f"SELECT id, article FROM {INDEX} WHERE article IN "
                             f"({', '.join(map(str, keys))}) LIMIT 0, {MAX_MATCHES} "
                             f"OPTION max_matches={MAX_MATCHES}")[0]
        missing = [doc_id for doc_id, _ in found if doc_id not in self._analysed]
        if len(self._analysed) + len(missing) > ANALYSED_KEPT:
            self._analysed.clear()
            missing = [doc_id for doc_id, _ in found]
        self._analysed.update({doc_id: rerank.analysed(stored)
                               for doc_id, stored in self._stored(missing).items()})
        return found

    def _counts(self, what: str, texts: list[str]) -> dict[str, int]:
        """``what`` (a count) of the passages matching each MATCH() text."""
        counts = {}
        for chunk in _chunks(texts, MULTI_QUERIES):
            rows = self._select("; ".join([f"SELECT {what} FROM {INDEX} WHERE MATCH(%s)"]
                                          * len(chunk)), chunk)
            counts.update({text: result[0][0] if result else 0
                           for text, result in zip(chunk, rows, strict=True)})
        return counts

    def _averages(self) -> tuple[tuple[int, dict], tuple[int, dict]]:
        """Passages and the mean length of each scored field, then articles and theirs: an
        article's text and pairs are its passages', its title counted once and its heading
        path the longest (``rows.article_rows``); read once."""
        if self._means is None:
            fields = rerank.FIELDS
            article_sums = {plan.TITLE: "SUM(IF(opens = 1, title_len, 0))",
                            plan.SECTION: "SUM(article_section_len)"}
            sums = ["COUNT(*)", *(f"SUM({name}_len)" for name in fields), "SUM(opens)",
                    *(article_sums.get(name, f"SUM({name}_len)") for name in fields)]
            found = self._select("SELECT " + ", ".join(f"{sum} AS s{n}"
                                                       for n, sum in enumerate(sums))
                                 + f" FROM {INDEX}")[0][0]
            passages, articles = found[:len(fields) + 1], found[len(fields) + 1:]
            self._means = tuple(
                (count, {name: total / (count or 1)
                         for name, total in zip(fields, totals, strict=True)})
                for count, *totals in (passages, articles))
        return self._means

    def _answer(self, statement: str, args) -> tuple[list[list[tuple]], int, list[str]]:
        """(result sets, total found, what did not answer): an agent that failed is asked
        again (Sphinx 2.2.11 moves no failed query to another mirror, but the next query
        goes to one that answers), then reported."""
        for _ in range(ASKS):
            found = self._select(statement, args)
            meta = dict(self._select("SHOW META")[0])
            failed = warnings(self.connection)
            if not failed:
                break
        return found, int(meta.get("total_found", 0)), [self._missing(w) for w in failed]

    def _missing(self, warning: str) -> str:
        """What a warning of the aggregator says did not answer: the shard and its mirror
        (the agent named by its address), or the warning as it is."""
        for node in self.nodes:
            if f"{node['host']}:{node.get('api_port')}" in warning:
                reason = warning.rsplit(":", 1)[-1].strip().rstrip(";")
                return (f"shard {node['shard']} did not answer ({node['name']} at "
                        f"{node['host']}:{node['api_port']}: {reason})")
        return warning

    def _stored(self, ids: list[int]) -> dict[int, dict]:
        if not ids:
            return {}
        found = self._select(f"SELECT id, stored FROM {INDEX} WHERE id IN "
                             f"({', '.join(map(str, ids))}) LIMIT 0, {len(ids)} "
                             f"OPTION max_matches={max(len(ids), 1000)}")[0]
        return {doc_id: stored_fields(value) for doc_id, value in found}

    def _where(self, condition: str, args=None, columns: str = "stored") -> list[tuple]:
        """Every row meeting a condition (read ``PAGE`` rows at a time, by id)."""
        rows, last = [], 0
        while True:
            page = self._select(f"SELECT id, {columns} FROM {INDEX} WHERE {condition} AND "
                                f"id > {last} ORDER BY id ASC LIMIT 0, {PAGE} "
                                f"OPTION max_matches={PAGE}", args)[0]
            rows += page
            if len(page) < PAGE:
                return rows
            last = page[-1][0]

    def passage(self, passage_id: str) -> dict | None:
        found = self._select(f"SELECT stored FROM {INDEX} WHERE passage_id = %s LIMIT 1",
                             (passage_id,))[0]
        return stored_fields(found[0][0]) if found else None

    def passages_of(self, article_id: str) -> list[dict]:
        found = [stored_fields(value) for _, value in
                 self._where("article_id = %s", (article_id,))]
        return sorted(found, key=lambda p: (p["path"], p["order"]))

    def passage_ids(self) -> list[str]:
        return sorted({value for _, value in self._where("id > 0", columns="passage_id")})

    def passages(self) -> Iterator[dict]:
        """Every passage, a file's together."""
        for path in sorted(self.file_hashes()):
            found = [stored_fields(value) for _, value in
                     self._where(f"file = {file_key(path)}")]
            yield from sorted(found, key=lambda p: (p["line_start"] or 0, p["order"]))

    def file_hashes(self) -> dict[str, str]:
        """Each file with the hash it was indexed with; a pending file's is "" (changed)."""
        found = self._select(f"SELECT path, file_hash FROM {INDEX} GROUP BY file "
                             f"LIMIT 0, {FACET_LIMIT} OPTION max_matches={FACET_LIMIT}")[0]
        hashes = dict(found)
        hashes.update(dict.fromkeys(self.marks("pending"), ""))
        return hashes

    def last_line(self, path: str) -> int:
        found = self._select(f"SELECT line FROM {INDEX} WHERE file = {file_key(path)} "
                             "ORDER BY line DESC LIMIT 1")[0]
        return found[0][0] if found else 0

    def sounds(self) -> None:
        """None: a cluster keeps no pinyin of its words (no "sounds like" rewrites)."""
        return None

    def word_frequency(self, word: str) -> int:
        """Passages holding ``word`` as a word of their text."""
        return self._counts("COUNT(*)", [f"@text {escape(word)}"])[f"@text {escape(word)}"]

    def doc_count(self) -> int:
        return self._select(f"SELECT COUNT(*) FROM {INDEX}")[0][0][0]

    def counts(self) -> dict[str, int]:
        passages = self.doc_count()
        if not passages:
            return {"files": 0, "articles": 0, "passages": 0}
        files = len(self._select(f"SELECT file FROM {INDEX} GROUP BY file LIMIT 0, "
                                 f"{FACET_LIMIT} OPTION max_matches={FACET_LIMIT}")[0])
        # each shard counts its own articles (an article's passages are on one shard; a
        # file's may be on several, and a distributed COUNT(DISTINCT) adds the shards' up)
        articles = self._select(f"SELECT COUNT(DISTINCT article) FROM {INDEX}")[0][0][0]
        return {"files": files, "articles": articles, "passages": passages}

    # ------------------------------------------------------------ marks in meta

    def marks(self, kind: str) -> dict[str, str]:
        """The files marked ``kind`` (pending, partial), with their values."""
        found = self._select(f"SELECT path, value FROM {META} WHERE kind = %s LIMIT 0, "
                             f"{FACET_LIMIT} OPTION max_matches={FACET_LIMIT}", (kind,))[0]
        return dict(found)

    def mark(self, kind: str, paths: dict[str, str]) -> None:
        for chunk in _chunks(list(paths.items()), INSERT_ROWS):
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            args = [item for path, value in chunk
                    for item in (key(kind, path), kind, kind, path, value)]
            self._select(f"REPLACE INTO {META} (id, key, kind, path, value) VALUES {values}",
                         args)

    def unmark(self, kind: str, paths) -> None:
        for chunk in _chunks([key(kind, path) for path in paths], INSERT_ROWS):
            self._select(f"DELETE FROM {META} WHERE id IN ({', '.join(map(str, chunk))})")

    def partial_files(self) -> dict[str, str]:
        return self.marks("partial")

    def mark_partial(self, path: str, file_hash: str) -> None:
        self.mark("partial", {path: file_hash})

    def clear_partial(self, finished: set[str]) -> None:
        self.unmark("partial", [path for path in self.marks("partial") if path in finished])

    # ------------------------------------------------------------ writing

    def writers(self, shard: int) -> list[tuple[str, object]]:
        """Connections to each mirror of a shard (opened once)."""
        found = []
        for node in self.nodes:
            if node["shard"] == shard:
                if node["name"] not in self._writers:
                    self._writers[node["name"]] = connect(
                        Address(node["host"], node["sql_port"]), f"{node['name']} of the cluster")
                found.append((node["name"], self._writers[node["name"]]))
        return found

    def write(self, shard: int, statement: str, args=None) -> None:
        """Run a statement on every mirror of a shard."""
        for name, connection in self.writers(shard):
            run(connection, statement, args, what=f"{name} of the cluster at {self.location}")

    def truncate(self) -> None:
        for shard in range(self.shards):
            self.write(shard, f"TRUNCATE RTINDEX {INDEX}")
        for kind in ("pending", "partial"):
            self.unmark(kind, self.marks(kind))

    def begin(self, procs: int = 1) -> Transaction:
        return Transaction(self)

    def publish(self) -> None:
        """Nothing: the cluster's index is live as it is written."""

    def discard_uncommitted(self) -> None:
        """Nothing: what a stopped run wrote of a file is written again (it stays pending)."""

    def close(self) -> None:
        for connection in [self.connection, *self._writers.values()]:
            try:
                connection.close()
            except Exception:  # a connection the node dropped
                pass
        self._writers = {}


class Transaction:
    """Deletes and adds, sent in order by a thread of their own (``_Sender``: a shard's rows
    ``INSERT_ROWS`` at a time, to every mirror) between marking their files pending and
    ``commit``, which waits for them and unmarks the files. A delete goes ahead of the rows
    not yet sent: the indexer deletes a file before it adds the file's passages."""

    def __init__(self, backend: ClusterBackend):
        self.backend = backend
        self.added = 0
        self.pending: set[str] = set()
        self.rows: list[list[tuple]] = [[] for _ in range(backend.shards)]
        self.article: list[Record] = []  # the records of the article being added
        self.sender = _Sender(backend)

    def _touch(self, path: str) -> None:
        if path not in self.pending:
            self.backend.mark("pending", {path: ""})
            self.pending.add(path)

    def delete(self, path: str) -> None:
        self._touch(path)
        for shard in range(self.backend.shards):
            self.sender.send(shard, f"DELETE FROM {INDEX} WHERE file = {file_key(path)}")

    def add(self, record: Record) -> None:
        self._touch(record.stored["path"])
        if self.article and _article_of(self.article[0]) != _article_of(record):
            self._end_article()
        self.article.append(record)
        self.added += 1

    def _end_article(self) -> None:
        """The article's rows into its shard's batch (an article's passages are rows of one
        shard: ``shard_of`` its key)."""
        values = article_rows(self.article)
        self.article = []
        shard = shard_of(values[0][COLUMNS.index("article")], self.backend.shards)
        self.rows[shard] += values
        if len(self.rows[shard]) >= INSERT_ROWS:
            self._flush(shard)

    def _flush(self, shard: int) -> None:
        batch, self.rows[shard] = self.rows[shard], []
        if batch:
            values = ", ".join("(" + ", ".join(map(literal, row)) + ")" for row in batch)
            self.sender.send(shard, f"INSERT INTO {INDEX} ({', '.join(COLUMNS)}) "
                                    f"VALUES {values}")

    def commit(self, quick: bool = False, last: bool = False) -> None:
        if self.article:
            self._end_article()
        for shard in range(self.backend.shards):
            self._flush(shard)
        self.sender.finish()
        self.backend.unmark("pending", self.pending)
        self.pending = set()

    def cancel(self) -> None:
        """Drop the rows not yet sent; what was sent stays pending (written again next run)."""
        self.rows = [[] for _ in range(self.backend.shards)]
        self.article = []
        self.sender.finish(drop=True)


class _Sender:
    """A thread that runs a transaction's writes in their order, so that searchd indexes
    one batch while the indexer analyses the next (searchd works on another core, and
    pymysql lets go of Python's lock while it waits); at most ``SENDS_AHEAD`` wait. A write
    that fails is raised by the next ``send`` or by ``finish``; the writes after it are not
    made."""

    def __init__(self, backend: ClusterBackend):
        self.backend = backend
        self.waiting: queue.Queue = queue.Queue(maxsize=SENDS_AHEAD)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def send(self, shard: int, statement: str) -> None:
        self._raise()
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="cluster-writes", daemon=True)
            self.thread.start()
        self.waiting.put((shard, statement))

    def _run(self) -> None:
        while (item := self.waiting.get()) is not None:
            try:
                if self.error is None:
                    self.backend.write(*item)
            except BaseException as error:  # raised again in the indexer's thread
                self.error = error

    def finish(self, drop: bool = False) -> None:
        """Wait for every write to be made (``drop``: only the one being made), then raise
        the one that failed."""
        if self.thread is None:
            return
        if drop:
            with contextlib.suppress(queue.Empty):
                while True:
                    self.waiting.get_nowait()
        self.waiting.put(None)
        self.thread.join()
        self.thread = None
        if not drop:
            self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error


def candidates(limit: int, per_article: int | None) -> int:
    """How many passages Sphinx ranks: enough that the best ``limit`` (at most
    ``per_article`` an article) are among them."""
    return min(MAX_MATCHES, max(CANDIDATES, limit * (10 if per_article else 4)))


def shard_of(article: int, shards: int) -> int:
    return article % shards


def _article_of(record: Record) -> tuple[str, str]:
    return record.stored["path"], record.stored["article_id"]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _per_article(ranked: list[tuple], per_article: int) -> list[tuple]:
    taken: Counter = Counter()
    best = []
    for item in ranked:
        if taken[item[2]] < per_article:
            taken[item[2]] += 1
            best.append(item)
    return best


def _facet(name: str, rows: list[tuple]) -> dict[str, int]:
    if name in PLACE_ATTRIBUTES:
        names = place_names(name)
        found = [(names.get(value, str(value)), count) for value, count in rows]
    elif name == "month":  # 202301 -> 2023-01
        found = [(f"{value // 100}-{value % 100:02d}", count) for value, count in rows if value]
    else:
        found = [(str(value), count) for value, count in rows if value not in ("", 0)]
    return dict(sorted(found, key=lambda item: (-item[1], item[0])))


@contextmanager
def _indexer_lock(location: Address):
    """The cluster's indexer lock: a row of ``meta`` that only one run can add (a second
    INSERT of its id fails); a run on this machine whose process is gone left it stale."""
    me = {"host": socket.gethostname(), "pid": os.getpid()}
    with _connection(location) as connection:
        statement = f"INSERT INTO {META} (id, key, kind, path, value) VALUES (%s, 'lock', " \
                    "'lock', '', %s)"
        try:
            run(connection, statement, (LOCK_ID, json.dumps(me)))
        except NodeDown:
            holder = run(connection, f"SELECT value FROM {META} WHERE id = {LOCK_ID}")[0]
            held = json.loads(holder[0][0]) if holder else {}
            if held.get("host") == me["host"] and not cluster.alive(held.get("pid", 0)):
                run(connection, statement.replace("INSERT", "REPLACE"),
                    (LOCK_ID, json.dumps(me)))
            else:
                raise IndexUnavailable(
                    f"another `search index` (pid {held.get('pid', '?')} on "
                    f"{held.get('host', '?')}) is writing the cluster at {location}; wait for "
                    "it to finish, then run again") from None
        try:
            yield
        finally:
            run(connection, f"DELETE FROM {META} WHERE id = {LOCK_ID}")

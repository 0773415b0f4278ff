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
import itertools
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import closing

from ...errors import IndexUnavailable
from ...query import plan
from ...query.filters import FACETS, Filters
from ...query.parse import Node
from ...text.stories import Stories
from ..seam import (
    NO_COUNTS,
    REPEATED,
    UNDATED,
    Check,
    Hit,
    Record,
    SearchResult,
    best,
    date_key,
    facet_counts,
    settled,
    tie_key,
)
from . import compile as sphinxql
from .cluster import INDEX
from .meta import Marks, indexer_lock, nodes
from .rerank import Reranker
from .rows import (
    COLUMNS,
    PLACE_ATTRIBUTES,
    article_rows,
    file_key,
    name_key,
    place_names,
    stored_fields,
)
from .sql import Address, NodeDown, connect, escape, literal, run, warnings

FACET_ATTRIBUTE = {**PLACE_ATTRIBUTES, "source": "source", "year": "year", "month": "month",
                   "tag": "tags", "category": "categories"}
NAMED = {"tag": "tags", "category": "categories"}  # facets whose names meta keeps
FACET_LIMIT = 100_000  # values of a facet, or files (all of them: a cluster of more files
# would count only these)
MAX_MATCHES = 10_000  # ranked candidates a query may ask for
CANDIDATES = 200  # passages Sphinx ranks for a query, at least; all are scored again
INSERT_ROWS = 200  # rows per INSERT statement
SENDS_AHEAD = 4  # statements made and waiting to be sent, at most
PAGE = 5_000  # rows per read when walking every passage
ASKS = 4  # times a query is asked while a shard does not answer
ASK_WAIT = 0.05  # seconds before it is asked again the first time (then twice as long)
READ = "stored, aside, para"  # what a passage is read with (``_read``)
STORIES_PIECE = 100_000  # characters of the stories' table a meta row holds
DATE_KEYS = {"relevance": "0", "newest": f"IF(day = 0, {UNDATED}, {UNDATED - 1} - day)",
             "oldest": f"IF(day = 0, {UNDATED}, day)"}  # seam.date_key's order, in SphinxQL
# (day is unsigned there: newest first counts down from below UNDATED)


class ClusterIndex:
    """The index in a cluster, as the seam (``seam.BackendType``) sees it; its location is
    the aggregator's ``Address``."""

    @staticmethod
    def exists(location: Address) -> bool:
        return ClusterIndex.claimed(location)

    @staticmethod
    def claimed(location: Address) -> bool:
        with closing(connect(location)) as connection:
            return bool(nodes(connection, location))

    @staticmethod
    def recorded_counts(location: Address) -> dict[str, int] | None:
        with closing(ClusterBackend.open(location)) as backend:
            return backend.counts()

    @staticmethod
    def lock(location: Address):
        return indexer_lock(location)

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
    def check(location: Address, option: str = "") -> Check:
        """The nodes that do not answer (a failure), and the files a stopped run left
        pending."""
        try:
            backend = ClusterBackend.open(location)
        except IndexUnavailable as error:
            down, pending = [str(error)], []
        else:
            try:
                down, pending = backend.nodes_down(), sorted(backend.marks.of("pending"))
            finally:
                backend.close()
        lines = [f"down: {problem}" for problem in down]
        lines += [f"pending: {path} (a run stopped while writing it; the next "
                  f"`search {option}index` writes it again)" for path in pending]
        nodes = f"{len(down)} node" + ("" if len(down) == 1 else "s")
        verb, them = ("does", "it") if len(down) == 1 else ("do", "them")
        failure = (f"{nodes} of the cluster at {location} {verb} not answer; start {them} "
                   "with `search cluster start DIR`") if down else ""
        return Check(lines, failure, f"the cluster at {location} answers from every node")

    @staticmethod
    def folder(location: Address) -> None:
        return None

    @staticmethod
    def stamp(location: Address) -> str | None:
        """When the last commit was (``meta``): a server opens the index again after one."""
        with closing(ClusterBackend.open(location)) as backend:
            return backend.marks.of("commit").get("")


class ClusterBackend:
    """An open connection to a cluster's aggregator, and to its shards' mirrors to write."""

    def __init__(self, location: Address, connection, found: list[dict]):
        self.location, self.connection, self.nodes = location, connection, found
        self.shards = 1 + max(node["shard"] for node in found)
        self._writers: dict[str, object] = {}  # node name -> connection
        self.reranker = Reranker(self)
        self.marks = Marks(self.select)
        self._stories: Stories | None = None
        self._repeated: dict[int, int] | None = None  # repeated()

    @classmethod
    def open(cls, location: Address) -> ClusterBackend:
        connection = connect(location)
        found = nodes(connection, location)
        if not found:
            connection.close()
            raise IndexUnavailable(f"the cluster at {location} has no shards registered; start "
                                   "it with `search cluster start DIR`")
        return cls(location, connection, found)

    def nodes_down(self) -> list[str]:
        """What each node that does not answer says."""
        down = []
        for node in self.nodes:
            try:
                connect(Address(node["host"], node["sql_port"]), node["name"]).close()
            except NodeDown as error:
                down.append(str(error))
        return down

    # ------------------------------------------------------------ reading

    def select(self, statement: str, args=None) -> list[list[tuple]]:
        return run(self.connection, statement, args, what=f"the cluster at {self.location}")

    def search(self, node: Node | None, limit: int, filters: Filters | None = None,
               facets: tuple[str, ...] = FACETS, per_article: int | None = None,
               sort: str = "relevance") -> SearchResult:
        """Two statements: one counts the passages that hold the query (and its facets),
        matching only; one finds candidates in the order ``sort`` (by BM25F in Sphinx, or
        by date), which are scored again as the embedded backend scores them, their
        articles' term included (``rerank.py``), and ordered as every backend orders hits
        (``seam.settled``)."""
        conditions, args = sphinxql.where(filters, list(self.repeated()))
        held = sphinxql.matching(node) if node is not None else None
        where = " AND ".join((["MATCH(%s)"] if held else []) + conditions)
        where_args = ([held] if held else []) + args
        counting = (f"SELECT id FROM {INDEX}" + (f" WHERE {where}" if where else "")
                    + " LIMIT 0, 1 OPTION ranker=none"
                    + "".join(f" FACET {FACET_ATTRIBUTE[name]} ORDER BY COUNT(*) DESC"
                              f" LIMIT {FACET_LIMIT}" for name in facets))
        counted, total, missing = self._answer(counting, where_args)
        if node is None:  # every passage (filtered): by date when asked, else in index order
            found = self.select(f"SELECT id, 0, article, day, {DATE_KEYS[sort]} AS d FROM "
                                f"{INDEX}" + (f" WHERE {where}" if where else "")
                                + f" ORDER BY d ASC, id ASC LIMIT 0, {max(limit, 1)}",
                                where_args)[0]
            scored = {row[0]: (0.0, ()) for row in found}
        else:
            found, _, failed = self._answer(
                self._ranking(node, conditions, limit, per_article, sort),
                [sphinxql.match(node), *args])
            found = found[0]
            missing = list(dict.fromkeys(missing + failed))
            scored = self.reranker.ranked(node, found)
        ranked = [(doc_id, *scored[doc_id], article, date_key(day, sort))
                  for doc_id, _, article, day, *_ in found]
        ranked.sort(key=_order_key)
        groups = (list(group) for _, group in itertools.groupby(ranked, key=_order_key))
        ranked = best(settled(groups, lambda item: item[2]), limit, per_article,
                      lambda item: item[3])
        stored = self.stored([item[0] for item in ranked])
        hits = [Hit(score, stored[doc_id]) for doc_id, score, *_ in ranked if doc_id in stored]
        counts = {name: _facet(name, rows, self.names(name))
                  for name, rows in zip(facets, counted[1:], strict=True)}
        articles = self.select(f"SELECT COUNT(DISTINCT article) FROM {INDEX}"
                               + (f" WHERE {where}" if where else "") + " OPTION ranker=none",
                               where_args)[0] if total else [(0,)]
        return SearchResult(total, hits, counts, missing, articles[0][0])

    def _ranking(self, node: Node, conditions: list[str], limit: int,
                 per_article: int | None, sort: str) -> str:
        """The statement that finds the candidates: the needles to match, the plan's terms
        after MAYBE, and BM25F (``compile.ranker``), in the order ``sort``."""
        wanted = candidates(limit, per_article)
        ranker = sphinxql.ranker(plan.K1, plan.B, sphinxql.FIELD_WEIGHTS,
                                 self.reranker.averages()[0][1][plan.TEXT])
        return (f"SELECT id, WEIGHT(), article, day, {DATE_KEYS[sort]} AS d FROM {INDEX} "
                "WHERE " + " AND ".join(["MATCH(%s)", *conditions])
                + f" ORDER BY d ASC, WEIGHT() DESC, id ASC LIMIT 0, {wanted}"
                + f" OPTION max_matches={max(wanted, 1000)}, {ranker}")

    def _answer(self, statement: str, args) -> tuple[list[list[tuple]], int, list[str]]:
        """(result sets, total found, what did not answer): an agent that failed is asked
        again, after a wait that doubles (Sphinx 2.2.11 moves no failed query to another
        mirror; the next query goes to one that answers once the aggregator's pings, every
        100 ms, found the mirror dead), then reported."""
        for ask in range(ASKS):
            found = self.select(statement, args)
            meta = dict(self.select("SHOW META")[0])
            failed = warnings(self.connection)
            if not failed:
                break
            if ask + 1 < ASKS:
                time.sleep(ASK_WAIT * 2 ** ask)
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

    def forget(self) -> None:
        """Forget what was read of the last commit (the repeated paragraphs, the stories)."""
        self._repeated = self._stories = None

    def repeated(self) -> dict[int, int]:
        """The fingerprints (``rows.para_key``) that passages of at least ``seam.REPEATED``
        different articles share (the same paragraph in one source or folder: boilerplate),
        with their copies; read once."""
        if self._repeated is None:
            found = self.select(f"SELECT para, COUNT(*) AS copies FROM {INDEX} GROUP BY para "
                                f"HAVING copies >= {REPEATED} LIMIT 0, {FACET_LIMIT} "
                                f"OPTION max_matches={FACET_LIMIT}")[0]
            self._repeated = {para: copies for para, copies in found
                              if self._articles_holding(para) >= REPEATED}
        return self._repeated

    def _articles_holding(self, para: int) -> int:
        """How many different articles (by content: copies of one article count once) hold a
        passage of this fingerprint."""
        return len({stored_fields(value)["content_hash"]
                    for _, value in self.where(f"para = {para}")})

    def names(self, facet: str) -> dict[int, str]:
        """A tag's or category's number -> its name (``meta`` keeps the names written)."""
        if facet not in NAMED:
            return {}
        return {name_key(name): name for name in self.marks.of(NAMED[facet])}

    def stored(self, ids: list[int]) -> dict[int, dict]:
        if not ids:
            return {}
        found = self.select(f"SELECT id, {READ} FROM {INDEX} WHERE id IN "
                             f"({', '.join(map(str, ids))}) LIMIT 0, {len(ids)} "
                             f"OPTION max_matches={max(len(ids), 1000)}")[0]
        return {doc_id: self._read(*row) for doc_id, *row in found}

    def _read(self, value: str, aside: int, para: int) -> dict:
        """A row's stored fields, and whether the passage is set aside as boilerplate now."""
        return {**stored_fields(value), "boilerplate": bool(aside) or para in self.repeated()}

    def where(self, condition: str, args=None, columns: str = "stored") -> list[tuple]:
        """Every row meeting a condition (read ``PAGE`` rows at a time, by id)."""
        rows, last = [], 0
        while True:
            page = self.select(f"SELECT id, {columns} FROM {INDEX} WHERE {condition} AND "
                                f"id > {last} ORDER BY id ASC LIMIT 0, {PAGE} "
                                f"OPTION max_matches={PAGE}", args)[0]
            rows += page
            if len(page) < PAGE:
                return rows
            last = page[-1][0]

    def passage(self, passage_id: str) -> dict | None:
        found = self.select(f"SELECT {READ} FROM {INDEX} WHERE passage_id = %s LIMIT 1",
                             (passage_id,))[0]
        return self._read(*found[0]) if found else None

    def passages_of(self, article_id: str) -> list[dict]:
        found = [self._read(*row) for _, *row in
                 self.where("article_id = %s", (article_id,), columns=READ)]
        return sorted(found, key=lambda p: (p["path"], p["order"]))

    def passage_ids(self) -> list[str]:
        return sorted({value for _, value in self.where("id > 0", columns="passage_id")})

    def passages(self) -> Iterator[dict]:
        """Every passage, a file's together."""
        for path in sorted(self.file_hashes()):
            found = [self._read(*row) for _, *row in
                     self.where(f"file = {file_key(path)}", columns=READ)]
            yield from sorted(found, key=lambda p: (p["line_start"] or 0, p["order"]))

    def file_hashes(self) -> dict[str, str]:
        """Each file with the hash it was indexed with; a pending file's is "" (changed)."""
        found = self.select(f"SELECT path, file_hash FROM {INDEX} GROUP BY file "
                             f"LIMIT 0, {FACET_LIMIT} OPTION max_matches={FACET_LIMIT}")[0]
        hashes = dict(found)
        hashes.update(dict.fromkeys(self.marks.of("pending"), ""))
        return hashes

    def last_line(self, path: str) -> int:
        found = self.select(f"SELECT line FROM {INDEX} WHERE file = {file_key(path)} "
                             "ORDER BY line DESC LIMIT 1")[0]
        return found[0][0] if found else 0

    def sounds(self) -> None:
        """None: a cluster keeps no pinyin of its words (no "sounds like" rewrites)."""
        return None

    def record_stories(self) -> None:
        """Write which articles are one story (``text/stories.py``), from every article's
        signature (on its opening row), into ``meta`` in pieces; a run's last commit does."""
        articles = [stored_fields(value) for _, value in self.where("opens = 1")]
        text = Stories.made(articles).to_bytes().decode("utf-8")
        self.marks.remove("stories", list(self.marks.of("stories")))
        self.marks.add("stories", {f"{n:06d}": text[start:start + STORIES_PIECE]
                                   for n, start in enumerate(range(0, len(text),
                                                                   STORIES_PIECE))})
        self._stories = None

    def stories(self) -> Stories | None:
        """The cluster's stories of more than one article, read once (None: none written)."""
        if self._stories is None:
            pieces = self.marks.of("stories")
            if not pieces:
                return None
            text = "".join(pieces[name] for name in sorted(pieces))
            self._stories = Stories.from_bytes(text.encode("utf-8"))
        return self._stories

    def word_frequency(self, word: str) -> int:
        """Passages holding ``word`` as a word of their text."""
        text = f"@text {escape(word)}"
        return self.reranker.counts("COUNT(*)", [text])[text]

    def doc_count(self) -> int:
        return self.select(f"SELECT COUNT(*) FROM {INDEX}")[0][0][0]

    def counts(self) -> dict[str, int]:
        passages = self.doc_count()
        if not passages:
            return dict(NO_COUNTS)
        files = len(self.select(f"SELECT file FROM {INDEX} GROUP BY file LIMIT 0, "
                                 f"{FACET_LIMIT} OPTION max_matches={FACET_LIMIT}")[0])
        # each shard counts its own articles (an article's passages are on one shard; a
        # file's may be on several, and a distributed COUNT(DISTINCT) adds the shards' up)
        articles = self.select(f"SELECT COUNT(DISTINCT article) FROM {INDEX}")[0][0][0]
        repeated = self.repeated()
        aside = self.select(f"SELECT COUNT(*) FROM {INDEX} WHERE aside = 1")[0][0][0]
        if repeated:  # the copies a reader did not set aside already
            aside += self.select(f"SELECT COUNT(*) FROM {INDEX} WHERE aside = 0 AND para IN "
                                 f"({', '.join(map(str, repeated))})")[0][0][0]
        return {"files": files, "articles": articles, "passages": passages - aside,
                "set_aside": aside, "repeated": len(repeated),
                "copies": sum(repeated.values())}

    # ------------------------------------------------------------ marks in meta

    def partial_files(self) -> dict[str, str]:
        return self.marks.of("partial")

    def mark_partial(self, path: str, file_hash: str) -> None:
        self.marks.add("partial", {path: file_hash})

    def clear_partial(self, finished: set[str]) -> None:
        self.marks.remove("partial", [path for path in self.marks.of("partial")
                                      if path in finished])

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
        for kind in ("pending", "partial", "stories"):
            self.marks.remove(kind, self.marks.of(kind))

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
        self.named = {kind: set(backend.marks.of(kind)) for kind in NAMED.values()}
        self.sender = _Sender(backend)

    def _touch(self, path: str) -> None:
        if path not in self.pending:
            self.backend.marks.add("pending", {path: ""})
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

    def add_analysed(self, analyse, args: tuple, records: int) -> None:
        """The records ``analyse(*args)`` returns, analysed here (the searchd servers do the
        writing)."""
        for record in analyse(*args):
            self.add(record)

    def _end_article(self) -> None:
        """The article's rows into its shard's batch (an article's passages are rows of one
        shard: ``shard_of`` its key)."""
        values = article_rows(self.article)
        for kind in NAMED.values():  # the names meta keeps, for the facets
            new = set(self.article[0].keys.get(kind, ())) - self.named[kind]
            if new:
                self.backend.marks.add(kind, dict.fromkeys(new, ""))
                self.named[kind] |= new
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
        self.backend.marks.remove("pending", self.pending)
        self.pending = set()
        if last:
            self.backend.record_stories()
        self.backend.marks.add("commit", {"": str(time.time_ns())})  # ClusterIndex.stamp
        self.backend.forget()

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


def _order_key(item: tuple) -> tuple:
    """(date key, score to SCORE_DECIMALS) of a ranked (id, score, place, article, date
    key): the order of every backend before ``place`` (``seam.settled``)."""
    return item[4], tie_key(item[1])


def _facet(name: str, rows: list[tuple], names: dict[int, str]) -> dict[str, int]:
    """A facet's counts by name (``names``: a tag's or category's number -> its name)."""
    if name in PLACE_ATTRIBUTES or name in NAMED:
        names = place_names(name) if name in PLACE_ATTRIBUTES else names
        found = [(names.get(value, str(value)), count) for value, count in rows]
    elif name == "month":  # 202301 -> 2023-01
        found = [(f"{value // 100}-{value % 100:02d}", count) for value, count in rows if value]
    else:
        found = [(str(value), count) for value, count in rows if value not in ("", 0)]
    return facet_counts(found)

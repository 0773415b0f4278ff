"""The backend seam: what the engine hands a storage/matching engine, and what it gets back.

The engine owns reading, cleaning, analysis, query parsing, highlighting and quoting.
A backend owns storage, matching, scoring and counting. It receives passage records
(stored fields plus the already-analysed tokens of each searchable field, so every
backend sees exactly the same tokens) and answers a parsed query (``query.parse.Node``)
with ranked hits. Whoosh (``backends/whoosh/``) is the embedded default; a cluster of
searchd nodes (``backends/sphinxql/``) serves the same queries.

Both rank with the formulas of ``query/bm25f.py`` from their own statistics, and shape
their answers with the functions here, so they agree hit for hit: the order of hits
(``tie_key`` and ``place``, ``settled``), the per-article limit (``best``), the order of
facet values (``facet_counts``) and an empty index's counts (``NO_COUNTS``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from ..query.filters import FACETS, Filters
from ..query.parse import Node

# Searchable fields and what their tokens are (see ``text/analysis.py``).
TOKEN_FIELDS = {
    "text": "words of the passage text",
    "title": "words of the article title",
    "section": "words of the heading path",
    "bigram": "unit pairs of the passage text (what it holds, phrases, ranking)",
    "heading_bigram": "unit pairs of the title, then of the heading path (what they hold)",
}


@dataclass
class Record:
    """A passage as a backend stores it."""

    stored: dict  # passage_id, article_id, path, title, section, text, offsets, lines, metadata
    tokens: dict  # field name -> list of (term, position) or list of terms (position = index)
    keys: dict = field(default_factory=dict)  # what filters and facets match, derived from
    # the stored fields: source_key (the folded source), year ("2023"), month ("2023-01"),
    # day (20230105)


FIRST_ORDER = 1  # an article's first passage's ``order``


def passage_id(article_id: str, order: int) -> str:
    """The id of an article's passage: its article's id and its place (from FIRST_ORDER)."""
    return f"{article_id}:{order}"


@dataclass
class Hit:
    """One ranked passage."""

    score: float
    stored: dict


@dataclass
class Check:
    """What `search check` found: a line for each problem, the failure that ends the check
    (exit 1; "" when there is none), and the sentence that says all is well."""

    lines: list[str]
    failure: str
    whole: str


@dataclass
class SearchResult:
    """The answer to one query."""

    total: int  # matching passages
    hits: list[Hit]
    facets: dict[str, dict[str, int]]  # field -> value -> passages, over all matches
    missing: list[str] = field(default_factory=list)  # what did not answer (a cluster's
    # shard without a live mirror): the answer is partial
    articles: int = 0  # articles with a matching passage


NO_COUNTS = {"files": 0, "articles": 0, "passages": 0, "set_aside": 0, "repeated": 0,
             "copies": 0}  # what an empty index holds: passages searched, and those set
# aside as boilerplate (of them, the copies of paragraphs repeated across a source)
SORTS = ("relevance", "newest", "oldest")  # the orders of hits; by date, undated ones last
REPEATED = 5  # different articles sharing a fingerprint (records.fingerprint: the same
# paragraph in one source or folder) that make it boilerplate, set aside with every copy
# (copies of one article, by its content's hash, count once)
UNDATED = 99_999_999  # an undated passage's date key: after every date, in either order
SCORE_DECIMALS = 6  # scores equal to this many decimals are a tie, broken by ``place``
TIED_KEPT = 1_000  # a tie of more passages (a query of only NOT) stays in index order
Item = TypeVar("Item")


def place(stored: dict) -> tuple[str, int, int]:
    """Where a passage stands: its file (as stored), its first line there and its order in
    its article (a JSONL record's passages share a line). Passages with the same score
    rank in this order on every backend."""
    return stored["path"], stored["line_start"] or 0, stored["order"]


def tie_key(score: float) -> float:
    """What passages are ranked by before their ``place``: the score, to SCORE_DECIMALS."""
    return -round(score, SCORE_DECIMALS)


def date_key(day: int, sort: str) -> int:
    """What passages are ordered by first in a ``sort`` by date (``day``: yyyymmdd, 0 when
    undated): newest or oldest first, undated last either way; 0 for relevance."""
    if sort == "relevance":
        return 0
    if not day:
        return UNDATED
    return -day if sort == "newest" else day


def settled(groups: Iterable[list[Item]], place_of: Callable[[Item], tuple]) -> Iterator[Item]:
    """The items of groups of equal score (best group first), each group in ``place``
    order; a group of more than TIED_KEPT is left in the backend's own order."""
    for group in groups:
        if 1 < len(group) <= TIED_KEPT:
            group = sorted(group, key=place_of)
        yield from group


def best(ordered: Iterable[Item], limit: int, per_article: int | None,
         article_of: Callable[[Item], Hashable]) -> list[Item]:
    """The first ``limit`` items, best first, at most ``per_article`` of one article."""
    taken: Counter = Counter()
    found = []
    for item in ordered:
        if len(found) == limit:
            break
        if per_article:
            article = article_of(item)
            if taken[article] >= per_article:
                continue
            taken[article] += 1
        found.append(item)
    return found


def facet_counts(found: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Facet values with their passage counts, most first, then by name; none counted 0."""
    return dict(sorted(((name, count) for name, count in found if count),
                       key=lambda item: (-item[1], item[0])))


COMMIT_SECONDS = 10.0  # inside one big file, a commit at least this often: what Ctrl-C or a
# power cut loses is bounded by time as well as by IN_FILE_BATCH
IN_FILE_BATCH = 50_000  # passages per commit inside one JSONL file: a stopped run resumes
# after the last (laws: about 30 s of work); larger than a batch of files, as each commit
# adds segments (a quick commit merges none)


class Transaction(Protocol):
    """Deletes and adds that become visible together at ``commit``."""

    added: int  # passages added so far

    def delete(self, path: str) -> None:
        """Remove every passage of a file (path as stored)."""

    def add(self, record: Record) -> None:
        """Add one passage."""

    def add_analysed(self, analyse: Callable[..., list[Record]], args: tuple,
                     records: int) -> None:
        """Add the ``records`` passages ``analyse(*args)`` returns, analysed where the
        backend writes them: by a writer process when there are several (the analysis is
        most of the work of indexing). ``analyse`` and ``args`` must pickle."""

    def commit(self, quick: bool = False, last: bool = False) -> None:
        """Make the changes visible. ``quick``: a commit inside a big file (and after one in
        the same run), to be done fast; ``last``: a run's last commit, which may tidy up."""

    def cancel(self) -> None:
        """Drop the changes since ``begin``."""


class Backend(Protocol):
    """What the engine and the indexer need from an open index."""

    def begin(self, procs: int = 1) -> Transaction:
        """A transaction; ``procs`` > 1 may build it in that many processes."""

    def publish(self) -> None:
        """Make this index the one queries see (a rebuild's, once whole); else nothing."""

    def discard_uncommitted(self) -> None:
        """Remove what a failed or killed run wrote and did not commit."""

    def partial_files(self) -> dict[str, str]:
        """Files a stopped run left partly indexed (path -> their hash then)."""

    def mark_partial(self, path: str, file_hash: str) -> None:
        """Mark a file partly indexed (before a commit inside it)."""

    def clear_partial(self, finished: set[str]) -> None:
        """Unmark the files a run read to the end."""

    def file_hashes(self) -> dict[str, str]:
        """Each indexed file (path as stored) with its content hash."""

    def last_line(self, path: str) -> int:
        """The last line a file's indexed passages start on (0: none)."""

    def counts(self) -> dict[str, int]:
        """Files, articles and passages the index holds."""

    def doc_count(self) -> int:
        """Passages the index holds."""

    def word_frequency(self, word: str) -> int:
        """Passages holding ``word`` as a word of their text (query rewrites)."""

    def sounds(self):
        """The index's words by their pinyin (``text.sounds.Sounds``), or None without them."""

    def stories(self):
        """The index's stories of more than one article (``text.stories.Stories``), or None
        when it keeps none."""

    def close(self) -> None:
        """Let go of what the index holds open."""

    def search(self, node: Node | None, limit: int, filters: Filters | None = None,
               facets: tuple[str, ...] = FACETS, per_article: int | None = None,
               sort: str = "relevance") -> SearchResult:
        """The first ``limit`` passages (all passages when ``node`` is None) in the order
        ``sort`` (``SORTS``: best first, or by date with the best first on a day), facet
        counts over every match, at most ``per_article`` passages from one article."""

    def passages(self) -> Iterator[dict]:
        """The stored fields of every passage."""

    def passage(self, passage_id: str) -> dict | None:
        """One passage's stored fields, or None."""

    def passage_ids(self) -> list[str]:
        """Every passage id."""

    def passages_of(self, article_id: str) -> list[dict]:
        """An article's passages in order."""


class BackendType(Protocol):
    """What finds, opens, creates and checks the index at a location."""

    def exists(self, location: Path) -> bool:
        """A whole index is there."""

    def claimed(self, location: Path) -> bool:
        """Something that says it is an index is there (damaged, or of another version)."""

    def open(self, location: Path) -> Backend:
        """The index there; ``IndexDamaged`` or ``IndexUnavailable`` when it cannot be."""

    def create(self, location: Path) -> Backend:
        """A new, empty index, live at once only where there was none (``publish``)."""

    def check(self, location: Path, option: str = "") -> Check:
        """What is damaged or left over, reading everything and changing nothing; ``option``
        names the index on a command line (``--index-dir D `` or ``--backend URL ``), for
        the hints."""

    def folder(self, location: Path) -> Path | None:
        """The folder the index is kept in on this machine (its sources are recorded against
        the folder that holds it); None for a cluster's."""

    def stamp(self, location: Path):
        """Something that changes when the index gets a commit (a server opens the index
        again then); None when the index answers from its latest writes anyway."""

    def lock(self, location: Path) -> AbstractContextManager:
        """Held by an indexing run: a second one fails at once with a clear message."""

    def recorded_counts(self, location: Path) -> dict[str, int] | None:
        """Files, articles and passages as the last commit recorded them, without opening
        the index (None when it recorded none)."""

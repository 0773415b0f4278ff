"""Which articles are the same story: a story republished with another header or byline, a
paragraph more or less, other punctuation, or in the other script (a Hong Kong outlet reprinting
a mainland story in Traditional is a reprint).

At index time each article gets a MinHash ``signature`` of its folded text (Simplified,
lowercase, punctuation and spaces left out, shingles of SHINGLE characters), kept with its
stored fields. After each run the index's articles are grouped (``group``): articles whose
signatures share a band (LSH, BANDS bands) are compared, and those whose estimated Jaccard
similarity is at least SAME_STORY are one story, transitively. The groups with more than one
article are the index's ``Stories`` (written with the run's last commit by each backend), which
queries read to list a hit's reprints and to show one hit a story.

>>> from .analysis import fold
>>> a = signature(fold("国务院总理李强主持召开国务院常务会议，研究部署推动经济回升向好的政策措施，"
...                    "听取关于加快建设全国统一大市场工作情况的汇报。"))
>>> b = signature(fold("國務院總理李強主持召開國務院常務會議，研究部署推動經濟回升向好的政策措施，"
...                    "聽取關於加快建設全國統一大市場工作情況的匯報！"))
>>> c = signature(fold("今年前三季度全国规模以上工业增加值同比增长百分之四，制造业投资增长较快，"
...                    "消费市场稳步恢复，就业形势总体稳定，居民收入继续增加。"))
>>> similarity(a, b), similarity(a, c) < 0.2
(1.0, True)
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

SHINGLE = 5  # characters a shingle
HASHES = 64  # MinHash functions a signature
BANDS = 16  # LSH bands (HASHES // BANDS rows each)
SAME_STORY = 0.8  # estimated Jaccard similarity at which two articles are one story
WINDOW_DAYS = 14  # dated articles further apart than this are not one story
MIN_CHARACTERS = 40  # an article shorter than this (letters and digits) is no story's
MAX_BUCKET = 500  # articles sharing a band, at most, to be compared (more: a common phrase)
CHUNK = 20_000  # shingles hashed at a time
_PRIME = (1 << 31) - 1
_RANDOM = np.random.default_rng(20261207)
_A = _RANDOM.integers(1, _PRIME, HASHES, dtype=np.uint64)
_B = _RANDOM.integers(0, _PRIME, HASHES, dtype=np.uint64)
_NOT_WORD = re.compile(r"[\W_]+")


def signature(folded: str) -> bytes | None:
    """The MinHash signature (HASHES little-endian uint32) of a folded text's shingles; None
    for a text too short to tell a story by."""
    text = _NOT_WORD.sub("", folded)
    if len(text) < max(MIN_CHARACTERS, SHINGLE):
        return None
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    shingles = np.zeros(len(codes) - SHINGLE + 1, dtype=np.uint64)
    for i in range(SHINGLE):  # a polynomial hash of each run of SHINGLE characters
        shingles = shingles * np.uint64(1_000_003) + codes[i:len(codes) - SHINGLE + 1 + i]
    shingles = np.unique(shingles % np.uint64(_PRIME))
    lowest = np.full(HASHES, _PRIME, dtype=np.uint64)
    for start in range(0, len(shingles), CHUNK):
        part = shingles[start:start + CHUNK]
        hashed = (_A[:, None] * part[None, :] + _B[:, None]) % np.uint64(_PRIME)
        np.minimum(lowest, hashed.min(axis=1), out=lowest)
    return lowest.astype("<u4").tobytes()


def encoded(found: bytes | None) -> str:
    """A signature as an article's stored fields keep it (base64; "" for none)."""
    return base64.b64encode(found).decode("ascii") if found else ""


def decoded(kept: str | bytes | None) -> bytes | None:
    """A signature from an article's stored fields (``encoded``)."""
    if not kept:
        return None
    return kept if isinstance(kept, bytes) else base64.b64decode(kept)


def similarity(first: bytes, second: bytes) -> float:
    """The estimated Jaccard similarity of two signatures' shingle sets."""
    return float(np.mean(np.frombuffer(first, "<u4") == np.frombuffer(second, "<u4")))


def group(signatures: list[bytes | None], dates: list[str] | None = None) -> list[int]:
    """The story of each article (the number of its story's first article in this list),
    from their signatures (None: an article of its own) and ISO dates ("" when undated)."""
    days = [_day(date) for date in dates] if dates is not None else [None] * len(signatures)
    leader = list(range(len(signatures)))
    known = [n for n, found in enumerate(signatures) if found is not None]
    if len(known) < 2:
        return leader
    matrix = np.frombuffer(b"".join(signatures[n] for n in known), "<u4").reshape(-1, HASHES)
    rows = HASHES // BANDS
    compared: set[tuple[int, int]] = set()
    for band in range(BANDS):
        keys = np.ascontiguousarray(matrix[:, band * rows:(band + 1) * rows]).view(
            np.dtype((np.void, 4 * rows))).ravel()
        _, bucket, sizes = np.unique(keys, return_inverse=True, return_counts=True)
        for members in _buckets(bucket, sizes):
            for i, first in enumerate(members):
                for second in members[i + 1:]:
                    pair = (first, second)
                    if pair not in compared:
                        compared.add(pair)
                        one, other = known[first], known[second]
                        if _close_in_time(days[one], days[other]) and np.count_nonzero(
                                matrix[first] == matrix[second]) >= SAME_STORY * HASHES:
                            _join(leader, one, other)
    return [_root(leader, n) for n in range(len(signatures))]


def _day(date: str) -> int | None:
    """An ISO date as a day number, None when there is none."""
    try:
        return datetime.date.fromisoformat(date[:10]).toordinal() if date else None
    except ValueError:
        return None


def _close_in_time(first: int | None, second: int | None) -> bool:
    return first is None or second is None or abs(first - second) <= WINDOW_DAYS


def _buckets(bucket: np.ndarray, sizes: np.ndarray) -> Iterable[list[int]]:
    """The rows of each bucket of two to MAX_BUCKET rows."""
    order = np.argsort(bucket, kind="stable")
    starts = np.concatenate(([0], np.cumsum(sizes)))
    for number in np.flatnonzero((sizes > 1) & (sizes <= MAX_BUCKET)).tolist():
        yield order[starts[number]:starts[number + 1]].tolist()


def _root(leader: list[int], n: int) -> int:
    while leader[n] != n:
        leader[n] = leader[leader[n]]
        n = leader[n]
    return n


def _join(leader: list[int], first: int, second: int) -> None:
    """One story of both (its first article in the list leads it)."""
    one, other = sorted((_root(leader, first), _root(leader, second)))
    leader[other] = one


ARTICLE_FIELDS = ("article_id", "path", "title", "source", "date")  # what a reprint shows


@dataclass
class Stories:
    """The index's stories of more than one article: for each such article (by path and
    article id), its fields (ARTICLE_FIELDS) and its story's number."""

    articles: list[dict]
    story: list[int]

    def __post_init__(self):
        self._of = {(found["path"], found["article_id"]): n
                    for n, found in enumerate(self.articles)}
        self._members: dict[int, list[int]] = {}
        for n, number in enumerate(self.story):
            self._members.setdefault(number, []).append(n)

    @classmethod
    def made(cls, articles: list[dict]) -> Stories:
        """The stories of articles (ARTICLE_FIELDS and ``signature``), in a stable order:
        by path, then article id."""
        articles = sorted(articles, key=lambda found: (found["path"], found["article_id"]))
        leaders = group([decoded(found.get("signature")) for found in articles],
                        [found.get("date") or "" for found in articles])
        sizes: dict[int, int] = {}
        for leader in leaders:
            sizes[leader] = sizes.get(leader, 0) + 1
        kept = [n for n, leader in enumerate(leaders) if sizes[leader] > 1]
        numbers = {leader: number for number, leader in
                   enumerate(dict.fromkeys(leaders[n] for n in kept))}
        return cls([{name: articles[n].get(name) or "" for name in ARTICLE_FIELDS}
                    for n in kept], [numbers[leaders[n]] for n in kept])

    def story_of(self, path: str, article_id: str) -> int | None:
        """The story an article belongs to, or None when it is the only article of its own."""
        n = self._of.get((path, article_id))
        return None if n is None else self.story[n]

    def reprints(self, path: str, article_id: str) -> list[dict]:
        """The other articles of an article's story (ARTICLE_FIELDS), oldest first."""
        n = self._of.get((path, article_id))
        if n is None:
            return []
        others = [self.articles[m] for m in self._members[self.story[n]] if m != n]
        return sorted(others, key=lambda found: (not found["date"], found["date"],
                                                 found["path"], found["article_id"]))

    def __len__(self) -> int:
        return len(self._members)

    def to_bytes(self) -> bytes:
        return json.dumps({"articles": self.articles, "story": self.story},
                          ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Stories:
        found = json.loads(data.decode("utf-8"))
        return cls(found["articles"], found["story"])

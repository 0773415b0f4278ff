"""Which articles are the same story: a story republished with another header or byline, a
paragraph more or less, other punctuation, or in the other script (a Hong Kong outlet reprinting
a mainland story in Traditional is a reprint).

At index time each article gets a MinHash ``signature`` of its folded text (Simplified,
lowercase, punctuation and spaces left out, shingles of SHINGLE characters), kept with its
stored fields. After each run the index's articles are grouped (``group``): articles whose
signatures share a band (LSH, BANDS bands) are compared, and those dated at most WINDOW_DAYS
apart are one story, transitively, when their estimated Jaccard similarity is at least
SAME_STORY, or when the shorter one is nearly all in the longer one (at least CONTAINED of its
shingles, estimated from the similarity and both sizes: a paragraph more or less) and they are
still alike (CONTAINED_SIMILARITY; a short notice quoted in a longer report of another event is
not a reprint). bench/reprints.py measures them. The groups with more than one
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

A paragraph more is the same story; the same text a month and a half later is not:

>>> d = signature(fold("国务院总理李强主持召开国务院常务会议，研究部署推动经济回升向好的政策措施，"
...                    "听取关于加快建设全国统一大市场工作情况的汇报。"
...                    "会议强调，要持续扩大有效需求。"))
>>> similarity(a, d) < SAME_STORY
True
>>> group([a, b, c, d, a], ["2025-03-01", "2025-03-02", "2025-03-01", "2025-03-03", "2025-04-15"])
[0, 0, 2, 0, 4]
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from dataclasses import dataclass

import numpy as np

SHINGLE = 5  # characters a shingle
HASHES = 128  # MinHash functions a signature
BANDS = 42  # LSH bands (HASHES // BANDS rows each, the last HASHES % BANDS in none)
SAME_STORY = 0.8  # estimated Jaccard similarity at which two articles are one story
CONTAINED = 0.9  # or: this share of the shorter one's shingles in the longer one (a paragraph
CONTAINED_SIMILARITY = 0.45  # more or less), with at least this Jaccard similarity
WINDOW_DAYS = 7  # dated articles further apart than this are not one story (bench/reprints.py)
MIN_CHARACTERS = 40  # an article shorter than this (letters and digits) is no story's
MAX_BUCKET = 500  # articles sharing a band, at most, to be compared (more: a common phrase)
CHUNK = 4096  # shingles hashed at a time
_RANDOM = np.random.default_rng(20261207)
_A = _RANDOM.integers(0, 1 << 64, 1024, dtype=np.uint64) | np.uint64(1)  # odd multipliers
_B = _RANDOM.integers(0, 1 << 64, 1024, dtype=np.uint64)
_STEP = np.uint64(0x9E3779B97F4A7C15)  # of the polynomial hash of a shingle (mod 2**64)
_NOT_WORD = re.compile(r"[\W_]+")


def signature(folded: str) -> bytes | None:
    """The MinHash signature of a folded text's shingles (HASHES little-endian uint32, then
    the number of distinct shingles); None for a text too short to tell a story by."""
    text = _NOT_WORD.sub("", folded)
    if len(text) < max(MIN_CHARACTERS, SHINGLE):
        return None
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - SHINGLE + 1
    shingles = codes[:count].copy()
    for i in range(1, SHINGLE):  # a polynomial hash of each run of SHINGLE characters
        shingles *= _STEP
        shingles += codes[i:count + i]
    shingles.sort()
    shingles = shingles[np.concatenate(([True], shingles[1:] != shingles[:-1]))]
    multipliers, offsets = _A[:HASHES, None], _B[:HASHES, None]
    lowest = np.full(HASHES, np.iinfo(np.uint64).max, dtype=np.uint64)
    room = np.empty((HASHES, min(CHUNK, len(shingles))), dtype=np.uint64)  # one array for all
    for start in range(0, len(shingles), CHUNK):  # (a * x + b) mod 2**64, its high 32 bits
        part = shingles[None, start:start + CHUNK]
        hashed = room[:, :part.shape[1]]
        np.multiply(multipliers, part, out=hashed)
        hashed += offsets
        np.minimum(lowest, hashed.min(axis=1), out=lowest)
    return np.append(lowest >> np.uint64(32), len(shingles)).astype("<u4").tobytes()


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
    return float(np.mean(np.frombuffer(first, "<u4")[:HASHES]
                         == np.frombuffer(second, "<u4")[:HASHES]))


def group(signatures: list[bytes | None], dates: list[str] | None = None) -> list[int]:
    """The story of each article (the number of its story's first article in this list),
    from their signatures (None, or one of another size: an article of its own) and ISO dates
    ("" when undated)."""
    leader = list(range(len(signatures)))
    width = 4 * (HASHES + 1)
    known = [n for n, found in enumerate(signatures) if found is not None and len(found) == width]
    if len(known) < 2:
        return leader
    table = np.frombuffer(b"".join(signatures[n] for n in known), "<u4").reshape(-1, HASHES + 1)
    matrix, sizes = table[:, :HASHES], table[:, HASHES].astype(np.float64)
    first, second = _candidates(matrix)
    agree = np.concatenate([np.count_nonzero(matrix[first[at:at + 65536]]
                                             == matrix[second[at:at + 65536]], axis=1)
                            for at in range(0, len(first), 65536)] or [np.zeros(0, int)])
    same = _same(agree / HASHES, sizes[first], sizes[second])
    if dates is not None:
        days = np.array([_day(dates[n]) for n in known], dtype=np.float64)
        same &= ~(np.abs(days[first] - days[second]) > WINDOW_DAYS)  # NaN: undated, kept
    for one, other in zip(first[same].tolist(), second[same].tolist(), strict=True):
        _join(leader, known[one], known[other])
    return [_root(leader, n) for n in range(len(signatures))]


def _same(jaccard: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Which compared pairs are one story, from their estimated Jaccard similarity and their
    numbers of shingles: similar enough, or the shorter one nearly all in the longer one (the
    share estimated from the similarity and the sizes) and similar enough for that."""
    shared = jaccard * (first + second) / (1 + jaccard)
    contained = shared / np.minimum(first, second)
    return (jaccard >= SAME_STORY) | ((contained >= CONTAINED)
                                      & (jaccard >= CONTAINED_SIMILARITY))


def _candidates(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of rows (first < second) that share a band, in buckets of at most MAX_BUCKET
    rows, each pair once."""
    rows, count = HASHES // BANDS, len(matrix)
    found = []
    for band in range(BANDS):
        part = matrix[:, band * rows:(band + 1) * rows].astype(np.uint64)
        keys = (part * _A[:rows]).sum(axis=1)  # the band's values as one number (mod 2**64)
        _, bucket, sizes = np.unique(keys, return_inverse=True, return_counts=True)
        order = np.argsort(bucket, kind="stable")  # each bucket's rows in increasing order
        starts = np.concatenate(([0], np.cumsum(sizes)))
        for size in np.unique(sizes[(sizes > 1) & (sizes <= MAX_BUCKET)]).tolist():
            members = order[starts[:-1][sizes == size][:, None] + np.arange(size)]
            i, j = np.triu_indices(size, 1)
            found.append(members[:, i].ravel() * count + members[:, j].ravel())
    pairs = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    return pairs // count, pairs % count


def _day(date: str) -> float:
    """An ISO date as a day number, NaN when there is none."""
    try:
        return float(datetime.date.fromisoformat(date[:10]).toordinal()) if date else np.nan
    except ValueError:
        return np.nan


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

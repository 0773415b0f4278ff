"""Reprint detection (``search/stories.py``) against labelled pairs:
``python -m bench.reprints [--shared DIR] [--settings NAMES|all] [--per-kind] [--json FILE]``,
``python -m bench.reprints --candidates [--low J]`` (pairs to label) and
``python -m bench.reprints --cost`` (what detection costs; ``--build DIR [--detector]``
builds the news index, for a whole-process timer to compare with and without detection).

The pairs are of two sorts:

- **Real** (``tests/data/reprint_pairs.jsonl``: two article ids, ``same`` and a kind; no text):
  pairs of the CCTV news corpus (``news-xwlb.jsonl.gz``, ids ``xwlb:…``) and of the Hong Kong
  sample (``hkcnews-dev``, manifest ids ``hkc…``) found by ``--candidates`` and labelled by
  reading them: the same report of the same event (a re-broadcast, a re-post, a revision) is
  one story; the same formula about another event, country, year, edition or day's figures
  is not.
- **Synthetic**, made here from the same corpora with a fixed seed, never stored: variants of
  a real article that are the same story (the whole text in the other script with another
  outlet's header, another header and byline, a paragraph more, a paragraph less, other
  punctuation, a reporter's line, several of these at once), dated 0-3 days after their
  original; and other stories on the same topic: every figure of a figures-heavy report
  changed (another day's or month's release, dated 1-7 days after), and real pairs of news
  items at most 7 days apart whose titles name the same country or province and that no label
  covers (``topic``: two such items are two stories; every pair of the corpus at Jaccard 0.4 or
  more within 30 days was read and labelled, and of the pairs with one title within 3 days,
  below that, one was the same story: it is labelled).
- A **stress test** kept out of precision and recall (``name-swap``): the country or province
  a title names swapped for another everywhere in the text and nothing else. Half of these
  differ from their original in one or two words, which no measure of shared text can tell
  from a reprint with another header; real formulas about another country differ in names,
  dates and details too (``news-formula``).

Each setting signs every article (the corpora's and the variants', with the indexer's text:
its passages, folded, joined by newlines), groups them all at once with ``group`` as an index
would, and a pair counts as joined when both articles end up in one story (so what chaining
through a third article does is counted too). Printed per setting: precision and recall on
the real pairs, recall on the cross-script and on the other synthetic variants, how many hard
negatives (real, synthetic) were joined, overall precision, recall and F1, and how many pairs
of the real corpora were joined that no label covers.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import opencc

from search.errors import ReadError, ignore
from search.ingest.readers import read_file
from search.ingest.segment import segment
from search.text.analysis import fold

try:  # where the indexer's branch keeps it
    from search.text import stories
except ImportError:
    from search import stories

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NEWS = Path("corpora/news-xwlb.jsonl.gz")
HK = Path("corpora/hkcnews-dev")
PAIRS = ROOT / "tests" / "data" / "reprint_pairs.jsonl"
RESULTS = ROOT / "bench" / "results"
SEED = 30

REAL_POSITIVE = ("news-rebroadcast", "news-expanded", "hk-repost", "hk-revision")
REAL_NEGATIVE = ("news-formula", "news-annual", "news-contained", "news-bulletin",
                 "news-series", "hk-column")
CROSS_SCRIPT = ("s2t", "s2hk", "t2s", "mixed")
VARIANTS = ("header", "paragraph+", "paragraph-", "punctuation", "reporter")
SYNTHETIC_NEGATIVE = ("figures", "topic")
STRESS = ("name-swap",)


@dataclass
class Item:
    """An article as the detector sees it: its key, ISO date, title and passages' text."""

    key: str
    date: str
    title: str
    text: str
    folded: str = ""

    def __post_init__(self):
        if not self.folded:
            self.folded = "\n".join(fold(line) for line in self.text.split("\n"))


@dataclass
class Pair:
    a: str
    b: str
    same: bool
    kind: str


# --- the corpora ------------------------------------------------------------------------


def _articles(path: Path, name: str | None = None) -> Iterator:
    try:
        documents = read_file(path, ignore, name=name)
    except ReadError:  # a file the indexer skips too (one of hkcnews-dev's cannot be decoded)
        return
    for document in documents:
        yield from segment(document)


def news_items(path: Path) -> list[Item]:
    """The news corpus's articles, keyed ``xwlb:<id>``."""
    return [Item(f"xwlb:{article.article_id}", article.meta.get("date", ""),
                 article.title, "\n".join(passage.text for passage in article.passages))
            for article in _articles(path, "news-xwlb.jsonl")]


def hk_items(folder: Path) -> list[Item]:
    """The Hong Kong sample's articles, keyed by their manifest id (``hkc<N>``)."""
    items = []
    for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        for article in _articles(folder / entry["path"], entry["path"]):
            items.append(Item(entry["id"], article.meta.get("date", ""), article.title,
                              "\n".join(passage.text for passage in article.passages)))
    return items


def load_corpora(shared: Path) -> list[Item]:
    items = news_items(shared / NEWS) + hk_items(shared / HK)
    keys = [item.key for item in items]
    assert len(set(keys)) == len(keys), "article keys must be unique"
    return items


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    with path.open(encoding="utf-8") as lines:
        return [Pair(**json.loads(line)) for line in lines if line.strip()]


# --- synthetic pairs --------------------------------------------------------------------

_S2T, _S2HK, _T2S = (opencc.OpenCC(config) for config in ("s2t", "s2hk", "t2s"))
_CCTV = "央视网消息（新闻联播）："
_DATELINES = ["新华社北京{m}月{d}日电 ", "中新网{m}月{d}日电 ", "本报北京{m}月{d}日讯 ",
              "人民网北京{m}月{d}日电（记者{n}）", "【环球网报道】", "据央视新闻客户端消息，"]
_HK_HEADERS = ["【明報專訊】", "（星島日報報道）", "香港01訊：", "【on.cc東網專訊】",
               "【大公報訊】記者{n}報道：", "（綜合報道）"]
_CREDITS = ["（记者 {n} {o}）", "（责任编辑：{n}）", "来源：央视网", "（本报记者 {n}）",
            "编辑：{n} 校对：{o}"]
_HK_CREDITS = ["記者：{n}", "（編輯：{n}）", "撰文：{n}", "資料來源：新華社"]
_NAMES = ["张晓明", "李华", "王建国", "陈静", "刘洋", "赵敏", "黄志强", "周雪梅"]
_COUNTRIES = ("美国 俄罗斯 日本 韩国 朝鲜 印度 巴基斯坦 法国 德国 英国 意大利 西班牙 葡萄牙 巴西 "
              "阿根廷 智利 秘鲁 墨西哥 古巴 南非 埃及 越南 老挝 柬埔寨 泰国 马来西亚 新加坡 "
              "印度尼西亚 菲律宾 澳大利亚 新西兰 加拿大 伊朗 土耳其 哈萨克斯坦 乌兹别克斯坦 "
              "蒙古国 尼泊尔 斯里兰卡 孟加拉国 匈牙利 塞尔维亚 希腊 波兰 芬兰 挪威 瑞典 荷兰 "
              "比利时 瑞士 奥地利 爱尔兰 尼日利亚 肯尼亚 埃塞俄比亚 坦桑尼亚 赞比亚 安哥拉 "
              "北京 上海 天津 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 "
              "河南 湖北 湖南 广东 广西 海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆").split()
_FIGURE = re.compile(r"\d+(?:\.\d+)?")
_ASCII_PUNCTUATION = str.maketrans({"，": ",", "。": ".", "：": ":", "；": ";", "！": "!",
                                    "？": "?", "（": "(", "）": ")", "“": '"', "”": '"'})
_CORNER_QUOTES = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』", "，": "、"})


def _later(date: str, days: int) -> str:
    if not date:
        return ""
    return (datetime.date.fromisoformat(date[:10]) + datetime.timedelta(days=days)).isoformat()


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _words(item: Item) -> int:
    return len(stories._NOT_WORD.sub("", item.text))


class Maker:
    """Variants of real articles, all drawn from one seeded random generator."""

    def __init__(self, reports: list[Item], seed: int):
        self.rng = random.Random(seed)
        self.extra = sorted(  # paragraphs that may be added: each a small part of its report
            line.removeprefix(_CCTV) for item in reports
            for lines in [_lines(item.text)] if len(lines) >= 4
            for line in lines[1:] if 40 <= len(line) <= 0.3 * len(item.text))

    def _name(self) -> str:
        return self.rng.choice(_NAMES)

    def _dateline(self, item: Item, choices: list[str]) -> str:
        month, day = (int(item.date[5:7]), int(item.date[8:10])) if item.date else (1, 1)
        return self.rng.choice(choices).format(m=month, d=day, n=self._name(), o=self._name())

    def header(self, item: Item, traditional: bool = False) -> list[str]:
        """Another outlet's header for the first paragraph, a credit line at the end."""
        lines = _lines(item.text)
        first = lines[0].removeprefix(_CCTV)
        if traditional:
            lines[0] = self._dateline(item, _HK_HEADERS) + first
            lines.append(self._dateline(item, _HK_CREDITS))
        else:
            lines[0] = self._dateline(item, _DATELINES) + first
            lines.append(self._dateline(item, _CREDITS))
        return lines

    def paragraph_more(self, lines: list[str]) -> list[str]:
        """One paragraph more (background: a paragraph of another report, at most 30% of that
        one), after the first or at the end."""
        extra = self.rng.choice(self.extra)
        return lines[:1] + [extra] + lines[1:] if self.rng.random() < 0.5 else lines + [extra]

    def paragraph_less(self, lines: list[str]) -> list[str] | None:
        """One paragraph less (not the first), for articles of three paragraphs or more."""
        if len(lines) < 3:
            return None
        drop = self.rng.randrange(1, len(lines))
        return lines[:drop] + lines[drop + 1:]

    def punctuation(self, text: str) -> str:
        return text.translate(_ASCII_PUNCTUATION if self.rng.random() < 0.5 else _CORNER_QUOTES)

    def reporter(self, lines: list[str]) -> list[str]:
        line = f"（记者 {self._name()} {self._name()}）"
        return [line] + lines if self.rng.random() < 0.5 else lines + [line]

    def same_story(self, item: Item) -> dict[str, str]:
        """The same-story variants of a news article (Simplified), by kind."""
        variants = {
            "s2t": _S2T.convert("\n".join(self.header(item, traditional=True))),
            "s2hk": _S2HK.convert("\n".join(self.header(item, traditional=True))),
            "header": "\n".join(self.header(item)),
            "paragraph+": "\n".join(self.paragraph_more(_lines(item.text))),
            "punctuation": self.punctuation(item.text),
            "reporter": "\n".join(self.reporter(_lines(item.text))),
        }
        if (fewer := self.paragraph_less(_lines(item.text))) is not None:
            variants["paragraph-"] = "\n".join(fewer)
            mixed = self.paragraph_less(self.header(item, traditional=True))
            variants["mixed"] = self.punctuation(_S2HK.convert("\n".join(mixed)))
        return variants

    def mainland_reprint(self, item: Item) -> str:
        """A Hong Kong article reprinted in Simplified, with a mainland header."""
        lines = _lines(_T2S.convert(item.text))
        lines[0] = self._dateline(item, _DATELINES) + lines[0]
        return "\n".join(lines + [self._dateline(item, _CREDITS)])

    def name_swap(self, item: Item) -> str | None:
        """The country or province the title names, swapped for another everywhere."""
        named = [name for name in _COUNTRIES if name in item.title and name in item.text]
        if not named:
            return None
        name = max(named, key=len)
        other = self.rng.choice([place for place in _COUNTRIES
                                 if place not in item.text and place not in name])
        return item.text.replace(name, other)

    def other_figures(self, item: Item) -> str | None:
        """Every figure changed, for a report that is mostly figures (one every 40
        characters or more, five at least): another day's or month's release."""
        figures = _FIGURE.findall(item.text)
        if len(figures) < 5 or len(figures) * 40 < _words(item):
            return None

        def changed(found: re.Match) -> str:
            digits = [str((int(c) + self.rng.randrange(1, 10)) % 10) if c.isdigit() else c
                      for c in found.group()]
            if digits[0] == "0" and len(digits) > 1 and digits[1] != ".":
                digits[0] = str(self.rng.randrange(1, 10))
            return "".join(digits)

        return _FIGURE.sub(changed, item.text)


def synthetic(items: list[Item], seed: int = SEED, news: int = 300, hk: int = 100,
              negatives: int = 150) -> tuple[list[Item], list[Pair]]:
    """Deterministic synthetic variants of real articles and their pairs (see the module)."""
    maker = Maker([item for item in items if item.key.startswith("xwlb:")], seed)
    made, pairs = [], []

    def add(original: Item, text: str, kind: str, same: bool, days: int) -> None:
        key = f"syn:{kind}:{original.key}"
        made.append(Item(key, _later(original.date, days), original.title, text))
        pairs.append(Pair(original.key, key, same, kind))

    def usable(item: Item) -> bool:
        return _words(item) >= stories.MIN_CHARACTERS and bool(item.date)

    news_pool = sorted((item for item in items if item.key.startswith("xwlb:") and usable(item)),
                       key=lambda item: item.key)
    hk_pool = sorted((item for item in items if item.key.startswith("hkc") and usable(item)),
                     key=lambda item: item.key)
    for item in maker.rng.sample(news_pool, news):
        for kind, text in maker.same_story(item).items():
            add(item, text, kind, True, maker.rng.randint(0, 3))
    for item in maker.rng.sample(hk_pool, hk):
        add(item, maker.mainland_reprint(item), "t2s", True, maker.rng.randint(0, 3))
    for kind, method in (("name-swap", maker.name_swap), ("figures", maker.other_figures)):
        eligible = [(item, text) for item in news_pool if (text := method(item)) is not None]
        for item, text in maker.rng.sample(eligible, min(negatives, len(eligible))):
            add(item, text, kind, False, maker.rng.randint(1, 7))
    return made, pairs


def topic_pairs(items: list[Item], labelled: set[frozenset], seed: int = SEED,
                count: int = 300) -> list[Pair]:
    """Real pairs of news items at most 7 days apart whose titles name the same country or
    province, not labelled otherwise: other stories on the same topic."""
    named: dict[str, list[Item]] = {}
    for item in items:
        if item.key.startswith("xwlb:") and item.date and _words(item) >= stories.MIN_CHARACTERS:
            for name in _COUNTRIES:
                if name in item.title:
                    named.setdefault(name, []).append(item)
    found = set()
    for group in named.values():
        group.sort(key=lambda item: item.date)
        for i, first in enumerate(group):
            for second in group[i + 1:]:
                if stories._day(second.date) - stories._day(first.date) > 7:
                    break
                if frozenset((first.key, second.key)) not in labelled:
                    found.add((first.key, second.key))
    chosen = random.Random(seed).sample(sorted(found), min(count, len(found)))
    return [Pair(a, b, False, "topic") for a, b in chosen]


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """Values of ``search/stories.py``'s constants (None: as the module has it), and whether
    digits are left out of the text before signing."""

    name: str
    shingle: int | None = None
    hashes: int | None = None
    bands: int | None = None
    same_story: float | None = None
    contained: float | None = None
    contained_similarity: float | None = None
    window: int | None = None  # days; 0: no window
    digits: bool = True
    short: tuple[int, float] | None = None  # (shingles, SAME_STORY below that many)

    def constants(self) -> dict:
        found = {"SHINGLE": self.shingle, "HASHES": self.hashes, "BANDS": self.bands,
                 "SAME_STORY": self.same_story, "CONTAINED": self.contained,
                 "CONTAINED_SIMILARITY": self.contained_similarity,
                 "WINDOW_DAYS": 10**6 if self.window == 0 else self.window}
        return {name: value for name, value in found.items() if value is not None}


OFF = 2.0  # a containment threshold nothing reaches: no containment rule
_BASE = {"shingle": stories.SHINGLE, "hashes": stories.HASHES, "bands": stories.BANDS,
         "same_story": stories.SAME_STORY, "contained": stories.CONTAINED,
         "contained_similarity": stories.CONTAINED_SIMILARITY, "window": stories.WINDOW_DAYS}


def _setting(name: str, **changes) -> Setting:
    """The module's setting with some changes."""
    return Setting(name, **{**_BASE, **changes})


RECOMMENDED = _setting("recommended (the module's)")
SETTINGS = [  # the detector as it was given, the module's, then one change each
    _setting("as given: J 0.8, 14 days, 64 hashes", hashes=64, bands=16, contained=OFF,
             window=14),
    RECOMMENDED,
    _setting("no containment rule", contained=OFF),
    _setting("contained 0.85", contained=0.85),
    _setting("contained 0.95", contained=0.95),
    _setting("contained with J 0.4", contained_similarity=0.4),
    _setting("contained with J 0.5", contained_similarity=0.5),
    _setting("J 0.6", same_story=0.6),
    _setting("J 0.7", same_story=0.7),
    _setting("J 0.85", same_story=0.85),
    _setting("J 0.9", same_story=0.9),
    _setting("window 14", window=14),
    _setting("window 30", window=30),
    _setting("no window", window=0),
    _setting("shingle 3", shingle=3),
    _setting("shingle 4", shingle=4),
    _setting("shingle 6", shingle=6),
    _setting("no digits", digits=False),
    _setting("short (<150 shingles): J 0.9", short=(150, 0.9)),
    _setting("short (<150 shingles): J 0.7", short=(150, 0.7)),
    _setting("64 hashes, 16 bands of 4", hashes=64, bands=16),
    _setting("96 hashes, 32 bands of 3", hashes=96, bands=32),
    _setting("32 bands of 4", bands=32),
    _setting("64 bands of 2", bands=64),
]


@contextlib.contextmanager
def applied(setting: Setting) -> Iterator[None]:
    """The module's constants (and its decision, for a short-text rule) as ``setting`` has
    them, for the time of a ``with``."""
    saved = {name: getattr(stories, name) for name in setting.constants()}
    same = stories._same
    for name, value in setting.constants().items():
        setattr(stories, name, value)
    if setting.short:
        below, threshold = setting.short

        def stricter(jaccard, first, second):  # short texts: this threshold alone
            return np.where(np.minimum(first, second) < below, jaccard >= threshold,
                            same(jaccard, first, second))
        stories._same = stricter
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(stories, name, value)
        stories._same = same


_DIGITS = re.compile(r"\d")


def signatures(items: list[Item], setting: Setting) -> list[bytes | None]:
    with applied(setting):
        if setting.digits:
            return [stories.signature(item.folded) for item in items]
        return [stories.signature(_DIGITS.sub("", item.folded)) for item in items]


def grouped(items: list[Item], setting: Setting,
            cache: dict | None = None) -> dict[str, int]:
    """The story of each item under ``setting`` (signatures cached by what changes them)."""
    key = (setting.shingle, setting.hashes, setting.digits)
    if cache is None or key not in cache:
        found = signatures(items, setting)
        if cache is None:
            cache = {}
        cache[key] = found
    with applied(setting):
        leaders = stories.group(cache[key], [item.date for item in items])
    return {item.key: leader for item, leader in zip(items, leaders, strict=True)}


@dataclass
class Counts:
    joined: int = 0
    total: int = 0
    kinds: dict = field(default_factory=dict)

    def add(self, kind: str, joined: bool) -> None:
        self.total += 1
        self.joined += joined
        done = self.kinds.setdefault(kind, [0, 0])
        done[0] += joined
        done[1] += 1


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def score(story: dict[str, int], pairs: list[Pair], real_keys: set[str]) -> dict:
    """Precision and recall of the pair decisions, by the groups of pairs the module names."""
    groups = {name: Counts() for name in ("real+", "real-", "cross-script", "variants",
                                          "synthetic-", "stress")}
    for pair in pairs:
        joined = story[pair.a] == story[pair.b]
        if pair.kind in REAL_POSITIVE:
            groups["real+"].add(pair.kind, joined)
        elif pair.kind in REAL_NEGATIVE:
            groups["real-"].add(pair.kind, joined)
        elif pair.kind in CROSS_SCRIPT:
            groups["cross-script"].add(pair.kind, joined)
        elif pair.kind in VARIANTS:
            groups["variants"].add(pair.kind, joined)
        elif pair.kind in STRESS:
            groups["stress"].add(pair.kind, joined)
        else:
            groups["synthetic-"].add(pair.kind, joined)
    real_tp, real_fp = groups["real+"].joined, groups["real-"].joined
    tp = real_tp + groups["cross-script"].joined + groups["variants"].joined
    fp = real_fp + groups["synthetic-"].joined
    positives = groups["real+"].total + groups["cross-script"].total + groups["variants"].total
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, positives)
    labelled = {frozenset((pair.a, pair.b)) for pair in pairs}
    members: dict[int, list[str]] = {}
    for key, leader in story.items():
        if key in real_keys:
            members.setdefault(leader, []).append(key)
    unlabelled = sum(1 for group in members.values() for i, a in enumerate(group)
                     for b in group[i + 1:] if frozenset((a, b)) not in labelled)
    return {
        "real_precision": _ratio(real_tp, real_tp + real_fp),
        "real_recall": _ratio(real_tp, groups["real+"].total),
        "cross_script_recall": _ratio(groups["cross-script"].joined,
                                      groups["cross-script"].total),
        "variants_recall": _ratio(groups["variants"].joined, groups["variants"].total),
        "real_negatives_joined": real_fp, "real_negatives": groups["real-"].total,
        "synthetic_negatives_joined": groups["synthetic-"].joined,
        "synthetic_negatives": groups["synthetic-"].total,
        "name_swaps_joined": groups["stress"].joined, "name_swaps": groups["stress"].total,
        "precision": precision, "recall": recall,
        "f1": round(2 * precision * recall / (precision + recall), 4)
        if precision and recall else 0.0,
        "unlabelled_real_pairs_joined": unlabelled,
        "kinds": {kind: {"joined": done[0], "pairs": done[1]}
                  for counts in groups.values() for kind, done in sorted(counts.kinds.items())},
    }


@contextlib.contextmanager
def hash_functions(seed: int | None) -> Iterator[None]:
    """Other MinHash functions for the time of a ``with`` (None: the module's own)."""
    if seed is None:
        yield
        return
    saved = stories._A, stories._B
    rng = np.random.default_rng(seed)
    stories._A = rng.integers(0, 1 << 64, len(saved[0]), dtype=np.uint64) | np.uint64(1)
    stories._B = rng.integers(0, 1 << 64, len(saved[1]), dtype=np.uint64)
    try:
        yield
    finally:
        stories._A, stories._B = saved


def _mean(runs: list[dict]) -> dict:
    """The figures of several runs: their means, and the range of the ratios."""
    if len(runs) == 1:
        return runs[0]
    merged: dict = {"runs": len(runs), "range": {}}
    for key, value in runs[0].items():
        if key == "kinds":
            merged[key] = {kind: {"joined": round(statistics.mean(
                run["kinds"][kind]["joined"] for run in runs), 2), "pairs": found["pairs"]}
                for kind, found in value.items()}
        elif any(run[key] is None for run in runs):
            merged[key] = None
        else:
            merged[key] = round(statistics.mean(run[key] for run in runs), 4)
            if isinstance(value, float):
                merged["range"][key] = [min(run[key] for run in runs),
                                        max(run[key] for run in runs)]
    return merged


def evaluate(shared: Path, settings: list[Setting], seed: int = SEED,
             hash_seeds: tuple[int | None, ...] = (None,)) -> dict:
    """The figures of each setting (means over the MinHash functions of ``hash_seeds``)."""
    items = load_corpora(shared)
    real = {item.key for item in items}
    pairs = load_pairs()
    missing = {key for pair in pairs for key in (pair.a, pair.b)} - real
    assert not missing, f"labelled articles not in the corpora: {sorted(missing)[:5]}"
    made, made_pairs = synthetic(items, seed)
    made_pairs += topic_pairs(items, {frozenset((pair.a, pair.b)) for pair in pairs}, seed)
    everything = items + made
    runs: dict[str, list[dict]] = {setting.name: [] for setting in settings}
    for hash_seed in hash_seeds:
        cache: dict = {}
        with hash_functions(hash_seed):
            for setting in settings:
                runs[setting.name].append(score(grouped(everything, setting, cache),
                                                pairs + made_pairs, real))
    counts: dict[str, int] = {}
    for pair in pairs + made_pairs:
        counts[pair.kind] = counts.get(pair.kind, 0) + 1
    return {"seed": seed, "hash_seeds": list(hash_seeds), "articles": len(items),
            "synthetic_articles": len(made), "pairs": counts,
            "settings": {name: _mean(found) for name, found in runs.items()}}


COLUMNS = [("real P", "real_precision"), ("real R", "real_recall"),
           ("x-script R", "cross_script_recall"), ("variants R", "variants_recall"),
           ("hard neg. joined", None), ("synth. neg. joined", None), ("P", "precision"),
           ("R", "recall"), ("F1", "f1"), ("unlabelled joined", "unlabelled_real_pairs_joined"),
           ("name swaps joined", None)]


def table(result: dict) -> str:
    lines = ["| setting | " + " | ".join(name for name, _ in COLUMNS) + " |",
             "|---" * (len(COLUMNS) + 1) + "|"]
    for name, found in result["settings"].items():
        cells = []
        for label, key in COLUMNS:
            if label == "hard neg. joined":
                cells.append(f"{found['real_negatives_joined']:g}/{found['real_negatives']:g}")
            elif label == "synth. neg. joined":
                cells.append(f"{found['synthetic_negatives_joined']:g}/"
                             f"{found['synthetic_negatives']:g}")
            elif label == "name swaps joined":
                cells.append(f"{found['name_swaps_joined']:g}/{found['name_swaps']:g}")
            else:
                value = found[key]
                cells.append("-" if value is None else f"{value:g}" if key.startswith("unlab")
                             else f"{value:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def kinds_table(result: dict) -> str:
    names = list(result["settings"])
    kinds = list(result["pairs"])
    lines = ["| kind | pairs | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
    for kind in kinds:
        cells = [str(result["settings"][name]["kinds"].get(kind, {}).get("joined", "-"))
                 for name in names]
        sort = "same" if _positive(kind) else "stress" if kind in STRESS else "not"
        lines.append(f"| {kind} ({sort}) | "
                     f"{result['pairs'][kind]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _positive(kind: str) -> bool:
    return kind in REAL_POSITIVE or kind in CROSS_SCRIPT or kind in VARIANTS


# --- candidates to label ----------------------------------------------------------------


def shingle_set(folded: str, size: int = 5) -> np.ndarray:
    """The exact set of a folded text's shingles (as ``signature`` hashes them)."""
    text = stories._NOT_WORD.sub("", folded)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = max(len(codes) - size + 1, 0)
    shingles = codes[:count].copy()
    for i in range(1, size):
        shingles *= stories._STEP
        shingles += codes[i:count + i]
    return np.unique(shingles)


def exact(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    """The exact Jaccard similarity and containment (of the smaller set) of two sets."""
    shared = len(np.intersect1d(first, second, assume_unique=True))
    union = len(first) + len(second) - shared
    return (shared / union if union else 0.0,
            shared / min(len(first), len(second)) if min(len(first), len(second)) else 0.0)


def candidates(shared: Path, low: float) -> list[dict]:
    """Pairs of the real corpora whose exact Jaccard similarity is at least ``low``, or whose
    smaller text is at least 0.8 in the other one with a Jaccard similarity of 0.2 or more:
    found with the module's signatures and a looser LSH (bands of two rows, so a pair at
    Jaccard 0.3 is a candidate with a probability above 0.99), then measured exactly."""
    items = load_corpora(shared)
    found = [stories.signature(item.folded) for item in items]
    keep = [n for n, one in enumerate(found) if one is not None]
    matrix = np.frombuffer(b"".join(found[n] for n in keep), "<u4").reshape(
        -1, stories.HASHES + 1)[:, :stories.HASHES]
    saved = stories.BANDS, stories.MAX_BUCKET
    stories.BANDS, stories.MAX_BUCKET = stories.HASHES // 2, 2000
    try:
        first, second = stories._candidates(matrix)
    finally:
        stories.BANDS, stories.MAX_BUCKET = saved
    agree = np.count_nonzero(matrix[first] == matrix[second], axis=1) / stories.HASHES
    loose = agree >= min(low, 0.2) - 0.1
    sets: dict[int, np.ndarray] = {}
    rows = []
    for one, other in zip(first[loose].tolist(), second[loose].tolist(), strict=True):
        a, b = items[keep[one]], items[keep[other]]
        if a.key[:3] != b.key[:3]:
            continue
        for n in (keep[one], keep[other]):
            if n not in sets:
                sets[n] = shingle_set(items[n].folded)
        jaccard, contained = exact(sets[keep[one]], sets[keep[other]])
        if jaccard >= low or (contained >= 0.8 and jaccard >= 0.2):
            gap = (abs(stories._day(a.date) - stories._day(b.date))
                   if a.date and b.date else None)
            rows.append({"a": a.key, "b": b.key, "jaccard": round(jaccard, 3),
                         "contained": round(contained, 3),
                         "days": None if gap is None or gap != gap else int(gap),
                         "titles": [a.title[:40], b.title[:40]]})
    rows.sort(key=lambda row: -row["jaccard"])
    return rows


# --- cost -------------------------------------------------------------------------------


def cost(shared: Path, runs: int = 5) -> dict:
    """Time of ``signature`` an article and of ``group`` over the whole news corpus (median
    of ``runs``), beside the time to read and fold it."""
    started = time.perf_counter()
    items = news_items(shared / NEWS)
    read = time.perf_counter() - started
    texts = [item.folded for item in items]
    dates = [item.date for item in items]
    signing, grouping = [], []
    for _ in range(runs):
        started = time.perf_counter()
        found = [stories.signature(text) for text in texts]
        signing.append(time.perf_counter() - started)
        started = time.perf_counter()
        stories.group(found, dates)
        grouping.append(time.perf_counter() - started)
    sign, join = statistics.median(signing), statistics.median(grouping)
    return {"articles": len(items), "read_and_fold_seconds": round(read, 2),
            "signature_seconds": round(sign, 3),
            "signature_ms_per_article": round(1000 * sign / len(items), 4),
            "group_seconds": round(join, 3), "detector_seconds": round(sign + join, 3),
            "runs": runs, "signature_bytes": 4 * (stories.HASHES + 1)}


def build(shared: Path, index_dir: Path, detector: bool) -> dict:
    """Build the news corpus's index from scratch, as ``search index --rebuild`` does; with
    ``detector``, also sign each article as the indexer's branch does (from the passages it
    folds anyway) and group them all at the end: what detection adds to a build (less the
    writing of the signatures, about 700 bytes an article)."""
    import search.indexer as indexer
    import search.ingest.records as records
    from search.indexer import index_paths

    folded: list[str] = []
    found: list[tuple[bytes | None, str]] = []
    spent = {"signature": 0.0, "group": 0.0}
    original_fold, original_records = records.fold, indexer.records_for

    def kept_fold(text: str) -> str:
        folded.append(original_fold(text))
        return folded[-1]

    def signed_records(article, file_hash: str = ""):
        folded.clear()
        made = original_records(article, file_hash)
        passages = folded[:len(article.passages)]  # its first folds (then sources' keys)
        started = time.perf_counter()
        found.append((stories.signature("\n".join(passages)), article.meta.get("date", "")))
        spent["signature"] += time.perf_counter() - started
        return made

    if detector:
        records.fold, indexer.records_for = kept_fold, signed_records
    started = time.perf_counter()
    try:
        report = index_paths(index_dir, [shared / NEWS], rebuild=True)
        if detector:
            grouping = time.perf_counter()
            stories.group([one for one, _ in found], [date for _, date in found])
            spent["group"] = time.perf_counter() - grouping
    finally:
        records.fold, indexer.records_for = original_fold, original_records
    seconds = time.perf_counter() - started
    return {"detector": detector, "seconds": round(seconds, 2), "articles": report.articles,
            "passages": report.passages, "signed": len(found),
            "signature_seconds": round(spent["signature"], 2),
            "group_seconds": round(spent["group"], 3),
            "detector_share": round((spent["signature"] + spent["group"]) / seconds, 4)}


# --- command line -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="the folder holding corpora/ (default: ../shared)")
    parser.add_argument("--settings", default="all",
                        help="names of SETTINGS, comma-separated, or all (default)")
    parser.add_argument("--per-kind", action="store_true", help="also pairs joined by kind")
    parser.add_argument("--json", type=Path, help="write the figures there too")
    parser.add_argument("--name", help="write the tables to bench/results/NAME.md and the "
                        "figures to NAME.json")
    parser.add_argument("--seed", type=int, default=SEED,
                        help="of the synthetic pairs (default 30)")
    parser.add_argument("--hash-seeds", type=int, default=0, metavar="N",
                        help="also average over N other draws of the MinHash functions")
    parser.add_argument("--candidates", action="store_true",
                        help="print pairs of the real corpora to label, as JSON lines")
    parser.add_argument("--low", type=float, default=0.4,
                        help="with --candidates: the lowest Jaccard similarity (0.4)")
    parser.add_argument("--cost", action="store_true", help="time the detector")
    parser.add_argument("--build", type=Path, metavar="INDEX_DIR",
                        help="build the news corpus's index there (for a timer to time)")
    parser.add_argument("--detector", action="store_true",
                        help="with --build: sign and group the articles too")
    args = parser.parse_args(argv)
    if not (args.shared / NEWS).exists():
        sys.exit(f"{args.shared / NEWS} not found: give --shared")
    if args.candidates:
        labelled = {frozenset((pair.a, pair.b)) for pair in load_pairs()}
        for row in candidates(args.shared, args.low):
            row["labelled"] = frozenset((row["a"], row["b"])) in labelled
            print(json.dumps(row, ensure_ascii=False))
        return
    if args.cost:
        print(json.dumps(cost(args.shared)))
        return
    if args.build:
        print(json.dumps(build(args.shared, args.build, args.detector)))
        return
    names = {setting.name for setting in SETTINGS}
    wanted = names if args.settings == "all" else set(args.settings.split(","))
    if unknown := wanted - names:
        sys.exit(f"unknown settings: {sorted(unknown)}; known: {sorted(names)}")
    hash_seeds = (None, *range(1, args.hash_seeds + 1))
    result = evaluate(args.shared, [s for s in SETTINGS if s.name in wanted], args.seed,
                      hash_seeds)
    tables = table(result) + ("\n\n" + kinds_table(result) if args.per_kind else "")
    print(tables)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.name:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=1) + "\n",
                                                   encoding="utf-8")
        command = "python -m bench.reprints " + " ".join(argv if argv is not None
                                                         else sys.argv[1:])
        pairs = ", ".join(f"{kind} {count}" for kind, count in result["pairs"].items())
        (RESULTS / f"{args.name}.md").write_text(
            f"# Reprint detection: {args.name}\n\n`{command}` on "
            f"{datetime.date.today().isoformat()}: {result['articles']} real articles and "
            f"{result['synthetic_articles']} synthetic ones; MinHash functions "
            f"{result['hash_seeds']} (None: the module's; figures are means over them).\n\n"
            f"Pairs: {pairs}.\n\n{tables}\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""What a place name means where it stands: the context rules of place extraction.

A name the gazetteer knows is not always that place. These rules say, from the text around
it, when it is something else, or which of several places it is:

- **Markup** (``markup_spans``): a name inside an HTML tag, a URL, a Markdown link target
  or a shortcode is no reader's text, so it names nothing (``<img src=".../德州-風災.jpg">``).
- **Senses** (``data/place_senses.tsv``, ``Senses``): a word right before or after the name
  shows it is not the place (未開封 unsealed, 德州撲克 Texas hold'em, 公安條例 the Public
  Order Ordinance, 中山紀念公園 Sun Yat-sen), or the article is about a foreign country that
  has a place of that name (德州 in an article naming 美國 is Texas, unless the passage names
  山東).
- **Regions** (``region_of``, ``article_region``): Hong Kong, Macau and Taiwan are regions
  of their own; a name shared with the mainland (馬鞍山, 大埔, 九龍) is read as the region's
  place when the passage or the article is about that region.

The names and cues are folded (Simplified) when loaded, so either script matches.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from .analysis import fold

MAINLAND = "mainland"
REGIONS = {"81": "香港", "82": "澳门", "71": "台湾"}  # adcode prefix -> region of its own
WHERE = ("before", "after", "article")
_MARKUP = re.compile(
    r"<[^<>\n]*>"  # an HTML tag with its attributes
    r"|\{\{[<%].*?[>%]\}\}"  # a Hugo shortcode
    r"|https?://[^\s<>\"'）)\]]+"  # a URL
    r"|\]\([^)\s]*\)")  # a Markdown link target


def markup_spans(text: str) -> list[tuple[int, int]]:
    """The [start, end) spans of ``text`` that are markup, not words a reader reads.

    >>> markup_spans('德州<img src="/德州.jpg">德州')
    [(2, 21)]
    """
    if not any(mark in text for mark in ("<", "{{", "://", "](")):
        return []
    return [match.span() for match in _MARKUP.finditer(text)]


def inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether [start, end) overlaps any of ``spans``."""
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def region_of(code: str) -> str:
    """The region of a place's adcode: 香港, 澳门, 台湾, or ``MAINLAND``."""
    return REGIONS.get(code[:2], MAINLAND)


def article_region(codes: Iterable[str]) -> str | None:
    """The region an article is about, from the adcodes of the places it names for sure:
    Hong Kong, Macau or Taiwan, whichever it names most, if it names any; else None.

    >>> article_region(["110000000000", "810000000000", "810109000000"])
    '香港'
    """
    counts = Counter(region_of(code) for code in codes)
    counts.pop(MAINLAND, None)
    if not counts:
        return None
    return max(sorted(counts), key=counts.__getitem__)


@dataclass(frozen=True)
class Sense:
    """A cue that a name is not the place: a word right ``before`` or ``after`` it, or
    anywhere in the ``article``; ``meaning`` says what the name is then."""

    name: str
    where: str
    cue: str
    meaning: str


@dataclass
class Senses:
    """The cues of ``data/place_senses.tsv``, by name."""

    near: dict[str, list[Sense]] = field(default_factory=dict)  # before/after cues
    article: dict[str, list[Sense]] = field(default_factory=dict)  # article cues

    def not_here(self, name: str, folded: str, start: int, end: int) -> Sense | None:
        """The cue right before or after the name at [start, end) of ``folded`` that shows
        it is not the place, if any.

        >>> senses().not_here("开封", "未开封的杯面", 1, 3).meaning
        'unsealed, opened'
        """
        for sense in self.near.get(name, ()):
            before = folded[max(0, start - len(sense.cue)):start]
            if sense.where == "before" and before == sense.cue:
                return sense
            if sense.where == "after" and folded[end:end + len(sense.cue)] == sense.cue:
                return sense
        return None

    def foreign(self, texts: Iterable[str]) -> frozenset[str]:
        """The names an article's folded texts use for a foreign place (德州 where 美国 is
        named).

        >>> sorted(senses().foreign(["美国南部德州的风灾"]))
        ['德州']
        """
        texts = list(texts)
        return frozenset(name for name, cues in self.article.items()
                         if any(sense.cue in text for sense in cues for text in texts))


@cache
def senses() -> Senses:
    """The senses table, loaded once."""
    table = (resources.files("search") / "data" / "place_senses.tsv").read_text("utf-8")
    loaded = Senses()
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, where, cue, meaning = line.split("\t")
        if where not in WHERE:
            raise ValueError(f"place_senses.tsv: {where!r} is not one of {WHERE}: {line}")
        sense = Sense(fold(name), where, fold(cue), meaning)
        by = loaded.article if where == "article" else loaded.near
        by.setdefault(sense.name, []).append(sense)
    return loaded

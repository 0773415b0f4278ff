"""The engine: answer queries from an index as the JSON contract of DESIGN.md."""

from __future__ import annotations

import calendar
import datetime
import difflib
import re
from pathlib import Path

from .analysis import fold
from .backend import FACETS, Filters
from .errors import QueryError
from .highlight import highlight
from .places import gazetteer
from .query import parse, positive_parts
from .whoosh_backend import WhooshBackend

HIT_FIELDS = ("passage_id", "article_id", "title", "section", "text", "path", "line_start",
              "line_end", "char_start", "char_end", "cities", "provinces", "source", "author",
              "date")
_PERIOD = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def make_filters(city=(), province=(), county=(), source=(), year=(), since=None,
                 until=None) -> Filters:
    """Filters from what a user typed: places in any script and form, dates as YYYY[-MM[-DD]].

    Raises QueryError (a usage error) for a value that names nothing.
    """
    filters = Filters(source=[fold(value.strip()) for value in source])
    for level, values in (("city", city), ("province", province), ("county", county)):
        for value in values:
            _add_place(filters, level, value)
    for value in year:
        if not re.fullmatch(r"\d{4}", value.strip()):
            raise QueryError(f"--year {value}: give a year such as 2022")
        filters.year.append(value.strip())
    filters.since = _day(since, "--since", first=True) if since else None
    filters.until = _day(until, "--until", first=False) if until else None
    return filters


def _add_place(filters: Filters, level: str, value: str) -> None:
    """Add a place filter; a municipality given as a province filters as the city it is."""
    places = gazetteer().lookup(value)
    exact = sorted({p.name for p in places if p.level == level})
    if exact:
        getattr(filters, level).extend(exact)
        return
    if level == "province" and any(p.level == "city" and not p.province for p in places):
        filters.city.extend(sorted({p.name for p in places if p.level == "city"}))
        return
    if places:
        other = places[0]
        parent = f" of {other.city or other.province}" if other.level == "county" else ""
        raise QueryError(f"--{level} {value}: {other.name} is a {other.level}{parent}; "
                         f"use --{other.level} {other.name}")
    known = sorted({p.name for p in gazetteer().places.values() if p.level == level})
    typed = fold(value.strip())
    close = difflib.get_close_matches(typed, known, n=50, cutoff=0.5)
    close.sort(key=lambda name: name[0] != typed[:1])  # 株州 -> 株洲 before 随州
    hint = f"; did you mean {close[0]}?" if close else ""
    raise QueryError(f"--{level} {value}: no such {level} in the gazetteer{hint}")


def _day(value: str, option: str, first: bool) -> str:
    """YYYY, YYYY-MM or YYYY-MM-DD as the first (or last) day it covers, in ISO form."""
    match = _PERIOD.fullmatch(value.strip())
    if not match:
        raise QueryError(f"{option} {value}: give a date as YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else None for part in match.groups())
    month = month or (1 if first else 12)
    try:
        last_day = calendar.monthrange(year, month)[1]
        return datetime.date(year, month, day or (1 if first else last_day)).isoformat()
    except ValueError:
        raise QueryError(f"{option} {value}: no such date") from None


class Engine:
    """Queries against one index directory."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self.backend = WhooshBackend.open(index_dir)

    def query(self, text: str | None, limit: int = 10, filters: Filters | None = None,
              per_article: int | None = None, facets: tuple[str, ...] = FACETS) -> dict:
        """``{"query", "total", "hits", "facets"}`` for a typed query, best passages first.

        ``text`` None matches every passage (the filters still apply).
        """
        node = parse(text) if text is not None else None
        if text is not None and node is None:  # nothing searchable: only punctuation
            return {"query": text, "total": 0, "hits": [], "facets": {f: {} for f in facets}}
        result = self.backend.search(node, limit, filters, facets, per_article)
        terms, phrases = positive_parts(node)
        hits = []
        for rank, hit in enumerate(result.hits, start=1):
            stored = hit.stored
            entry = {"rank": rank, "score": round(hit.score, 4)}
            entry.update({name: stored.get(name, "") for name in HIT_FIELDS})
            entry["matches"] = highlight(stored["text"], terms, phrases)
            hits.append(entry)
        return {"query": text, "total": result.total, "hits": hits, "facets": result.facets}

    def stats(self) -> dict:
        """Counts of what is indexed."""
        articles, paths, passages = set(), set(), 0
        for stored in self.backend.passages():
            passages += 1
            articles.add(stored["article_id"])
            paths.add(stored["path"])
        return {"index": str(self.index_dir), "files": len(paths), "articles": len(articles),
                "passages": passages}

    def close(self) -> None:
        self.backend.close()

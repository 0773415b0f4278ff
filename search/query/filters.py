"""What a user typed to narrow a search, as the filters every backend applies: places in
any script and form, sources, years and dates; and the facets a search counts.

Cheap to import (the command line reads ``FACET_LABELS`` at start-up): the gazetteer and the
analysis are loaded only when a filter is made.
"""

from __future__ import annotations

import calendar
import datetime
import difflib
import re
from dataclasses import dataclass, field

from ..errors import QueryError

FACETS = ("city", "province", "source", "year")  # what a search counts by default
FACET_LABELS = {"city": "cities", "province": "provinces", "county": "counties",
                "source": "sources", "year": "years", "month": "months", "tag": "tags",
                "category": "categories"}  # every facet, with its plural; months
# ("2023-01") draw the web page's timeline; tags and categories are an article's front matter's
FILTER_FACETS = ("city", "province", "county", "source", "year", "tag", "category")  # facets
# that filter too
_PERIOD = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


@dataclass
class Filters:
    """What a passage must be tied to: any value of a field, every field given (the
    ``FILTER_FACETS``, and dates)."""

    city: list[str] = field(default_factory=list)  # canonical short names (株洲)
    province: list[str] = field(default_factory=list)
    county: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)  # folded
    year: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)  # as written
    category: list[str] = field(default_factory=list)
    since: str | None = None  # ISO dates, inclusive
    until: str | None = None
    boilerplate: bool = False  # passages set aside as boilerplate count too


def make_filters(city=(), province=(), county=(), source=(), year=(), since=None,
                 until=None, tag=(), category=(), boilerplate=False) -> Filters:
    """Filters from what a user typed: places in any script and form, dates as YYYY[-MM[-DD]].

    Raises QueryError (a usage error) for a value that names nothing.
    """
    from ..text.analysis import fold

    filters = Filters(source=[fold(value.strip()) for value in source],
                      tag=[value.strip() for value in tag if value.strip()],
                      category=[value.strip() for value in category if value.strip()],
                      boilerplate=boilerplate)
    for level, values in (("city", city), ("province", province), ("county", county)):
        for value in values:
            _add_place(filters, level, value)
    for value in year:
        if not re.fullmatch(r"\d{4}", value.strip()):
            raise QueryError(f"--year {value}: give a year such as 2022")
        filters.year.append(value.strip())
    filters.since = _day(since, "--since", first=True) if since else None
    filters.until = _day(until, "--until", first=False) if until else None
    if filters.since and filters.until and filters.since > filters.until:
        raise QueryError(f"--since {since} is after --until {until}: no date is in between")
    return filters


def typed_filters(filters: Filters) -> list[tuple[str, Filters]]:
    """Each filter in use, as typed options (``--year 2020``), with Filters holding only it."""
    out = []
    for name in ("city", "province", "county", "source", "year", "tag", "category", "since",
                 "until"):
        value = getattr(filters, name)
        if value:
            values = value if isinstance(value, list) else [value]
            typed = " ".join(f"--{name} {item}" for item in values)
            out.append((typed, Filters(**{name: value})))
    return out


def _add_place(filters: Filters, level: str, value: str) -> None:
    """Add a place filter; a municipality given as a province filters as the city it is."""
    from ..text.analysis import fold
    from ..text.places import gazetteer

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



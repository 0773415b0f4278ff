"""The search's state, as its URL holds it: what the page shows and every link it makes (a
facet value added, a chip's value removed, a page, a month, an order, an export)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from ..query.filters import FILTER_FACETS, Filters, make_filters

BAR_STEP, BAR_HEIGHT = 12, 60  # pixels of the timeline's bars


@dataclass
class Search:
    """The search page's state, as its URL holds it."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # FILTER_FACETS -> values
    since: str = ""
    until: str = ""
    page: int = 1
    per_article: bool = False
    exact: bool = False  # no rewrites (rewrite.py)
    sort: str = "relevance"  # seam.SORTS
    one_per_story: bool = False  # a story's reprints listed with its first hit
    include_boilerplate: bool = False  # passages set aside as boilerplate count too

    def params(self, **changes) -> list[tuple[str, str]]:
        state = {**self.__dict__, **changes}
        pairs = [("q", state["q"])] if state["q"] else []
        for name in FILTER_FACETS:
            pairs += [(name, value) for value in state["filters"].get(name, [])]
        pairs += [(name, state[name]) for name in ("since", "until") if state[name]]
        if state["per_article"]:
            pairs.append(("per_article", "1"))
        if state["exact"]:
            pairs.append(("exact", "1"))
        if state["sort"] != "relevance":
            pairs.append(("sort", state["sort"]))
        if state["one_per_story"]:
            pairs.append(("one_per_story", "1"))
        if state["include_boilerplate"]:
            pairs.append(("include_boilerplate", "1"))
        if state["page"] > 1:
            pairs.append(("page", str(state["page"])))
        return pairs

    def url(self, **changes) -> str:
        """This state's URL, with ``changes`` (a new page, filters, dates)."""
        return "/?" + urlencode(self.params(**changes))

    def query_string(self, **extra) -> str:
        """This search's parameters from its first page, with ``extra`` ones (an export's
        format)."""
        return urlencode(self.params(page=1) + list(extra.items()))

    def adding(self, name: str, value: str) -> str:
        """The URL with one more filter value (from page 1)."""
        values = self.filters.get(name, [])
        if value in values:
            return self.url(page=1)
        return self.url(filters={**self.filters, name: [*values, value]}, page=1)

    def removing(self, name: str, value: str = "") -> str:
        """The URL without a filter value (``since``/``until``: the date)."""
        if name in ("since", "until"):
            return self.url(**{name: ""}, page=1)
        kept = [v for v in self.filters.get(name, []) if v != value]
        return self.url(filters={**self.filters, name: kept}, page=1)

    def chips(self) -> list[tuple[str, str, str]]:
        """(label, value, URL without it) for each active filter."""
        found = [(name, value, self.removing(name, value))
                 for name in FILTER_FACETS for value in self.filters.get(name, [])]
        found += [(name, getattr(self, name), self.removing(name))
                  for name in ("since", "until") if getattr(self, name)]
        return found

    def made_filters(self) -> Filters:
        """The filters of this state (``filters.make_filters``: a QueryError for a value
        that names nothing)."""
        return make_filters(since=self.since or None, until=self.until or None,
                            boilerplate=self.include_boilerplate, **self.filters)

    def active(self) -> bool:
        return bool(self.q.strip() or any(self.filters.values()) or self.since or self.until)


@dataclass
class Bar:
    month: str
    count: int
    x: int
    height: int
    url: str


def timeline(months: dict[str, int], state: Search) -> list[Bar]:
    """A bar for every month from the first to the last with matches (empty months too),
    heights in proportion to the counts; each bar's URL filters to its month."""
    if not months:
        return []
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:7])
    bars, most = [], max(months.values())
    while f"{year:04d}-{month:02d}" <= last:
        name = f"{year:04d}-{month:02d}"
        count = months.get(name, 0)
        bars.append(Bar(name, count, len(bars) * BAR_STEP, round(BAR_HEIGHT * count / most),
                        state.url(since=name, until=name, page=1)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bars

"""The search page: `search serve`, a local web page and a JSON API over the engine.

Server-rendered HTML (Jinja2 templates in ``templates/``) that works without JavaScript; a
few lines of it copy a quote to the clipboard. Every state of the page is its URL
(``/?q=小巨人&city=株洲&page=2``): the query stays in the box, facet values filter when
clicked, active filters are chips that remove themselves, a timeline of matches per month
(an SVG drawn here) filters to a month. The API (``/api/...``) returns the CLI's JSON
contract; FastAPI describes it at ``/openapi.json``.

Safe by default: read-only (no route writes), everything from the articles escaped by the
templates, ids looked up in the index and never used as paths, bad parameters answered
with a 4xx and a hint. The engine is used by one request at a time (``Current``), and is
opened again when the index has a new commit, so a server answers from the latest one
while `search index` runs beside it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException

from ..backends import backend_type
from ..backends.seam import SORTS
from ..engine import Engine, article_outline
from ..errors import IndexUnavailable, QueryError, SearchError
from ..export import EXPORTS, MEDIA_TYPES
from ..query.filters import FACET_LABELS, FACETS, FILTER_FACETS, Filters, make_filters
from ..quote import as_markdown

PAGE_SIZE = 10
MAX_PAGE = 100  # the CLI's --limit goes to 1,000 too
MAX_QUERY = 500  # characters
EXPORT_LIMIT, MAX_EXPORT = 100, 1000  # matches an export holds by default, at most (the CLI's
# --limit goes to 1,000 too)
SHOWN_FACETS = FACETS  # beside the results: city, province, source, year
TIMELINE = "month"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class BadRequest(SearchError):
    """A parameter the page cannot use; the message says what to give instead."""

    status = 400


class NotFound(SearchError):
    status = 404


class Current:
    """The engine over the latest commit of the index, used by one request at a time."""

    def __init__(self, location):
        self.location = location
        self.lock = threading.Lock()
        self._engine: Engine | None = None
        self._stamp = None

    def __enter__(self) -> Engine:
        self.lock.acquire()
        try:
            stamp = backend_type(self.location).stamp(self.location)
            if self._engine is None or stamp != self._stamp:
                if self._engine is not None:  # no request uses it: this one holds the lock
                    self._engine.close()
                self._engine = Engine(self.location)
                self._stamp = stamp
            return self._engine
        except BaseException:
            self.lock.release()
            raise

    def __exit__(self, *exc) -> None:
        self.lock.release()


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
        return make_filters(since=self.since or None, until=self.until or None, **self.filters)

    def active(self) -> bool:
        return bool(self.q.strip() or any(self.filters.values()) or self.since or self.until)


def search_params(q: str = "", city: list[str] = Query([]), province: list[str] = Query([]),
                  county: list[str] = Query([]), source: list[str] = Query([]),
                  year: list[str] = Query([]), since: str = "", until: str = "",
                  page: int = 1, per_article: bool = False, exact: bool = False,
                  sort: str = "relevance") -> Search:
    """The search's state from the URL's parameters (FastAPI reads them): a query of at
    most MAX_QUERY characters, a page from 1 to MAX_PAGE."""
    if len(q) > MAX_QUERY:
        raise BadRequest(f"the query is {len(q)} characters long; give at most {MAX_QUERY}")
    if not 1 <= page <= MAX_PAGE:
        raise BadRequest(f"page {page}: give a page from 1 to {MAX_PAGE}")
    if sort not in SORTS:
        raise BadRequest(f"sort {sort}: give one of {', '.join(SORTS)}")
    filters = {"city": city, "province": province, "county": county, "source": source,
               "year": year}
    return Search(q, {name: [v for v in values if v.strip()] for name, values in
                      filters.items()}, since.strip(), until.strip(), page, per_article, exact,
                  sort)


def run_search(engine: Engine, state: Search, facets: tuple[str, ...]) -> dict:
    """The engine's answer for a page of the search (the CLI's JSON contract), with
    ``page``, ``pages`` and ``why_empty``; a page past the last is a BadRequest."""
    text = state.q if state.q.strip() else None
    result = engine.search(text, state.page * PAGE_SIZE, state.made_filters(),
                           per_article=1 if state.per_article else None, facets=facets,
                           exact=state.exact, sort=state.sort)
    pages = max(1, -(-min(result["total"], MAX_PAGE * PAGE_SIZE) // PAGE_SIZE))
    if state.page > pages:
        raise BadRequest(f"page {state.page} is past the last page of this search "
                         f"({pages}); go back to page {pages}")
    result["hits"] = result["hits"][(state.page - 1) * PAGE_SIZE:]
    result.update(page=state.page, pages=pages)
    return result


def marked(text: str, spans: list[list[int]]) -> Markup:
    """``text`` escaped, with each [start, end) span in ``<mark>``."""
    out, pos = [], 0
    for start, end in spans:
        out += [escape(text[pos:start]), Markup("<mark>"), escape(text[start:end]),
                Markup("</mark>")]
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


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


BAR_STEP, BAR_HEIGHT = 12, 60  # pixels


def create_app(location) -> FastAPI:
    """The web app over the index at ``location`` (a folder, or a cluster's Address)."""
    if not backend_type(location).exists(location):
        raise SearchError(f"no index at {location}; build one with `search index PATH`")
    current = Current(location)
    app = FastAPI(title="zh-news-search", docs_url=None, redoc_url=None,
                  description="Search Chinese news passages: the CLI's JSON contract over "
                              "HTTP (README: JSON output). Read-only.")

    @app.exception_handler(SearchError)
    async def search_error(request: Request, error: SearchError):
        return _error(request, _status(error), str(error))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, error: RequestValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}"
                             for e in error.errors())
        return _error(request, 422, f"bad parameter ({problems})")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        hint = "the pages are / (search) and /articles/ID; the API is under /api/"
        message = hint if error.status_code == 404 else str(error.detail)
        return _error(request, error.status_code, message)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, state: Search = Depends(search_params)):
        with current as engine:
            stats = engine.stats()
            result = run_search(engine, state, (*SHOWN_FACETS, TIMELINE)) \
                if state.active() else None
            hits = [_shown_hit(engine, hit) for hit in result["hits"]] if result else []
        context = {"request": request, "state": state, "result": result, "hits": hits,
                   "stats": stats, "facets": SHOWN_FACETS, "labels": FACET_LABELS, "sorts": SORTS,
                   "export_limit": EXPORT_LIMIT,
                   "bars": timeline(result["facets"][TIMELINE], state) if result else [],
                   "bar_step": BAR_STEP, "bar_height": BAR_HEIGHT}
        return TEMPLATES.TemplateResponse(request, "search.html", context)

    @app.get("/articles/{article_id:path}", response_class=HTMLResponse,
             include_in_schema=False)
    def article_page(request: Request, article_id: str, passage: str = ""):
        with current as engine:
            passages = engine.outline(article_id)
        quotes = {p["passage_id"]: as_markdown([p], set()) for p in passages}
        article = article_outline(passages)
        context = {"request": request, "article": article, "chosen": passage,
                   "quotes": quotes, "sections": _by_section(article["passages"])}
        return TEMPLATES.TemplateResponse(request, "article.html", context)

    @app.get("/api/query", summary="Ranked passages for a query (search query --json)")
    def api_query(state: Search = Depends(search_params)) -> dict:
        if not state.q.strip():
            raise BadRequest("give a query: /api/query?q=小巨人")
        with current as engine:
            return run_search(engine, state, FACETS)

    @app.get("/api/export", summary="The matches as CSV rows or RIS records with their "
                                     "citations (search query --format csv|ris)",
             response_class=PlainTextResponse)
    def api_export(state: Search = Depends(search_params),
                   format: str = Query("csv", pattern="^(csv|ris)$"),
                   limit: int = Query(EXPORT_LIMIT, ge=1, le=MAX_EXPORT)) -> Response:
        if not state.q.strip():
            raise BadRequest("give a query: /api/export?q=小巨人&format=csv")
        with current as engine:
            result = engine.search(state.q, limit, state.made_filters(),
                                   per_article=1 if state.per_article else None, facets=(),
                                   exact=state.exact, sort=state.sort)
        name = "search." + format
        return Response(EXPORTS[format](result["hits"]), media_type=MEDIA_TYPES[format],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/api/facets/{field}", summary="Passage counts per value of a facet "
                                             "(search facets FIELD --json)")
    def api_facets(field: str, state: Search = Depends(search_params)) -> dict[str, int]:
        if field not in FACET_LABELS:
            raise NotFound(f"no facet {field}; the facets are {', '.join(FACET_LABELS)}")
        filters = state.made_filters()
        with current as engine:
            text = state.q if state.q.strip() else None
            return engine.facet(field, text, filters, state.exact)["facets"][field]

    @app.get("/api/quote/{passage_id:path}", summary="A passage as a quote with its citation "
                                                     "(search quote --format json)")
    def api_quote(passage_id: str, context: int = Query(0, ge=0, le=20)) -> dict:
        with current as engine:
            quote = engine.quote(passage_id, context)
            quote["markdown"] = as_markdown([engine.passage(passage_id)], set())
        return quote

    @app.get("/api/articles/{article_id:path}", summary="An article's outline: its metadata "
                                                        "and every passage (search show)")
    def api_article(article_id: str) -> dict:
        with current as engine:
            return engine.article(article_id)

    return app


def _status(error: SearchError) -> int:
    """A problem's HTTP status: a parameter that cannot be used (400: a date, a place, a
    page), an id the index does not hold (404), an index that cannot be read (503)."""
    if isinstance(error, (BadRequest, NotFound)):
        return error.status
    if isinstance(error, QueryError):
        return 400
    return 503 if isinstance(error, IndexUnavailable) else 404


def _error(request: Request, status: int, message: str):
    """A JSON error for the API, an HTML page with the message for the pages."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    return TEMPLATES.TemplateResponse(request, "error.html",
                                      {"request": request, "status": status,
                                       "message": message}, status_code=status)


def _shown_hit(engine: Engine, hit: dict) -> dict:
    """A hit as the page shows it: its text, title and heading path marked, and its quote
    (``search quote --format markdown``; the article page says when the source changed)."""
    return {**hit, "marked_text": marked(hit["text"], hit["matches"]),
            "marked_title": marked(hit["title"], hit["title_matches"]),
            "marked_section": marked(hit["section"], hit["section_matches"]),
            "quote": as_markdown([engine.passage(hit["passage_id"])], set()),
            "article_url": f"/articles/{hit['article_id']}?"
                           + urlencode({"passage": hit["passage_id"]})
                           + f"#p{hit['passage_id'].rpartition(':')[2]}"}


def _by_section(passages: list[dict]) -> list[tuple[str, list[dict]]]:
    sections: list[tuple[str, list[dict]]] = []
    for passage in passages:
        if not sections or sections[-1][0] != passage["section"]:
            sections.append((passage["section"], []))
        sections[-1][1].append(passage)
    return sections

"""The JSON API (``/api/...``): the CLI's JSON contract over HTTP (docs/json.md), described at
``/openapi.json`` as it answers: every parameter with its real constraints, every answer with
its status and body (an error is ``{"error", "status"}``: a 400 for a value that names nothing,
a 404 for an id or facet the index does not have, a 422 for a parameter of the wrong form, a 503
for an index that cannot be read)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, StringConstraints

from ..engine import Engine
from ..errors import SearchError
from ..export import EXPORTS, MEDIA_TYPES
from ..query.filters import FACET_LABELS, FACETS
from ..quote import as_markdown
from .state import Search

PAGE_SIZE = 10
MAX_PAGE = 100  # the CLI's --limit goes to 1,000 too
MAX_QUERY = 500  # characters
EXPORT_LIMIT, MAX_EXPORT = 100, 1000  # matches an export holds by default, at most
MAX_CONTEXT = 20  # passages around a quote, at most
DATE = r"^(\d{4}(-(0?[1-9]|1[0-2])(-(0?[1-9]|[12]\d|3[01]))?)?)?$"  # YYYY[-MM[-DD]], or empty


class BadRequest(SearchError):
    """A parameter the page cannot use; the message says what to give instead."""

    status = 400


class NotFound(SearchError):
    status = 404


class ErrorBody(BaseModel):
    """Every error's body: what went wrong and what to give instead, and the status."""

    error: str
    status: int


ERRORS = {
    400: {"model": ErrorBody, "description": "A value that names nothing the index or the "
          "gazetteer knows (a city, a source, an impossible date, a page past the last)"},
    404: {"model": ErrorBody, "description": "An id or a facet the index does not have"},
    422: {"model": ErrorBody, "description": "A parameter of the wrong form"},
    503: {"model": ErrorBody, "description": "The index cannot be read"},
}
router = APIRouter(prefix="/api", responses=ERRORS)
HINTS = {"q": f"give a query of 1 to {MAX_QUERY} characters, e.g. /api/query?q=小巨人",
         "since": "give a date as YYYY, YYYY-MM or YYYY-MM-DD",
         "until": "give a date as YYYY, YYYY-MM or YYYY-MM-DD",
         "year": "give a year such as 2022", "page": f"give a page from 1 to {MAX_PAGE}",
         "sort": "give relevance, newest or oldest", "format": "give csv or ris",
         "limit": f"give 1 to {MAX_EXPORT}", "context": f"give 0 to {MAX_CONTEXT}"}
Year = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
Sort = Literal["relevance", "newest", "oldest"]


def holder(request: Request):
    """The app's engine over the latest commit (``app.Current``), one request at a time."""
    return request.app.state.current


def filter_params(city: list[str] = Query([], description="a city, in any script or form "
                                          "(长沙, 長沙, 长沙市); repeatable"),
                  province: list[str] = Query([]), county: list[str] = Query([]),
                  source: list[str] = Query([], description="an indexed source"),
                  year: list[Year] = Query([]),
                  tag: list[str] = Query([], description="a tag of the article's front matter"),
                  category: list[str] = Query([]),
                  since: str = Query("", pattern=DATE, description="YYYY[-MM[-DD]]"),
                  until: str = Query("", pattern=DATE, description="YYYY[-MM[-DD]]"),
                  page: int = Query(1, ge=1, le=MAX_PAGE), per_article: bool = False,
                  exact: bool = Query(False, description="no rewrites: only what was typed"),
                  sort: Sort = "relevance",
                  one_per_story: bool = Query(False, description="one hit for each story, "
                                              "its reprints listed with it"),
                  include_boilerplate: bool = Query(False, description="count passages set "
                                                    "aside as boilerplate too")) -> Search:
    """A search's filters and options as the API takes them (the page's ``Search``)."""
    filters = {"city": city, "province": province, "county": county, "source": source,
               "year": year, "tag": tag, "category": category}
    return Search("", {name: [v for v in values if v.strip()] for name, values in
                       filters.items()}, since, until, page, per_article, exact, sort,
                  one_per_story, include_boilerplate)


def query_params(q: str = Query(min_length=1, max_length=MAX_QUERY, pattern=r"\S",
                                description="the query (docs/queries.md)"),
                 state: Search = Depends(filter_params)) -> Search:
    state.q = q
    return state


def run_search(engine: Engine, state: Search, facets: tuple[str, ...]) -> dict:
    """The engine's answer for a page of the search (the CLI's JSON contract), with
    ``page`` and ``pages`` (10 hits a page; with one passage an article, as many pages as the
    matching articles fill; with one hit a story, this page and the next while there are
    more); a page past the last is a BadRequest."""
    text = state.q if state.q.strip() else None
    wanted = state.page * PAGE_SIZE
    result = engine.search(text, wanted, state.made_filters(),
                           per_article=1 if state.per_article else None, facets=facets,
                           exact=state.exact, sort=state.sort,
                           one_per_story=state.one_per_story)
    shown = result["articles"] if state.per_article else result["total"]
    if state.one_per_story:  # how many stories match is known only up to this page
        shown = len(result["hits"]) + (PAGE_SIZE if len(result["hits"]) == wanted else 0)
    pages = max(1, -(-min(shown, MAX_PAGE * PAGE_SIZE) // PAGE_SIZE))
    if state.page > pages:
        raise BadRequest(f"page {state.page} is past the last page of this search "
                         f"({pages}); go back to page {pages}")
    result["hits"] = result["hits"][(state.page - 1) * PAGE_SIZE:]
    result.update(page=state.page, pages=pages)
    return result


@router.get("/query", summary="Ranked passages for a query (search query --json)")
def api_query(state: Search = Depends(query_params), current=Depends(holder)) -> dict:
    with current as engine:
        return run_search(engine, state, FACETS)


@router.get("/export", summary="The matches as CSV rows or RIS records with their citations "
                               "(search query --format csv|ris)", response_class=Response,
            responses={200: {"content": {MEDIA_TYPES["csv"].split(";")[0]: {},
                                         MEDIA_TYPES["ris"].split(";")[0]: {}},
                             "description": "CSV (UTF-8 with a byte-order mark) or RIS"}})
def api_export(state: Search = Depends(query_params), current=Depends(holder),
               format: Literal["csv", "ris"] = "csv",
               limit: int = Query(EXPORT_LIMIT, ge=1, le=MAX_EXPORT)) -> Response:
    with current as engine:
        result = engine.search(state.q, limit, state.made_filters(),
                               per_article=1 if state.per_article else None, facets=(),
                               exact=state.exact, sort=state.sort,
                               one_per_story=state.one_per_story)
    return Response(EXPORTS[format](result["hits"]), media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="search.{format}"'})


@router.get("/facets/{field}", summary="Passage counts per value of a facet (search facets "
                                       "FIELD --json); field: " + ", ".join(FACET_LABELS))
def api_facets(field: str, state: Search = Depends(filter_params),
               q: str = Query("", max_length=MAX_QUERY, description="only passages matching "
                              "this query"), current=Depends(holder)) -> dict[str, int]:
    if field not in FACET_LABELS:
        raise NotFound(f"no facet {field}; the facets are {', '.join(FACET_LABELS)}")
    filters = state.made_filters()
    with current as engine:
        text = q if q.strip() else None
        return engine.facet(field, text, filters, state.exact)["facets"][field]


@router.get("/quote/{passage_id:path}", summary="A passage as a quote with its citation "
                                                 "(search quote --format json)")
def api_quote(passage_id: str, context: int = Query(0, ge=0, le=MAX_CONTEXT),
              current=Depends(holder)) -> dict:
    with current as engine:
        quote = engine.quote(passage_id, context)
        quote["markdown"] = as_markdown([engine.passage(passage_id)], set())
    return quote


@router.get("/articles/{article_id:path}", summary="An article's outline: its metadata and "
                                                    "every passage (search show)")
def api_article(article_id: str, current=Depends(holder)) -> dict:
    with current as engine:
        return engine.article(article_id)

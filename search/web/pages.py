"""The pages: the search page (``/``) and an article's page (``/articles/ID``), rendered from
the templates; every value from the articles is escaped, a passage's matches put in
``<mark>``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from ..backends.seam import SORTS
from ..engine import Engine, article_outline
from ..query.filters import FACET_LABELS
from ..quote import as_markdown
from .api import EXPORT_LIMIT, MAX_PAGE, MAX_QUERY, BadRequest, holder, run_search
from .state import BAR_HEIGHT, BAR_STEP, Search, timeline

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
SHOWN_FACETS = ("city", "county", "province", "source", "year", "tag", "category")  # beside
# the results, those with values (districts show Hong Kong's; tags and categories a CMS's)
TIMELINE = "month"
router = APIRouter(include_in_schema=False)


def page_params(q: str = "", city: list[str] = Query([]), province: list[str] = Query([]),
                county: list[str] = Query([]), source: list[str] = Query([]),
                year: list[str] = Query([]), tag: list[str] = Query([]),
                category: list[str] = Query([]), since: str = "", until: str = "",
                page: int = 1, per_article: bool = False, exact: bool = False,
                sort: str = "relevance", one_per_story: bool = False,
                include_boilerplate: bool = False) -> Search:
    """The page's state from its URL (lenient: no query shows what is indexed; a bad value
    is a 4xx page that says what to give)."""
    if len(q) > MAX_QUERY:
        raise BadRequest(f"the query is {len(q)} characters long; give at most {MAX_QUERY}")
    if not 1 <= page <= MAX_PAGE:
        raise BadRequest(f"page {page}: give a page from 1 to {MAX_PAGE}")
    if sort not in SORTS:
        raise BadRequest(f"sort {sort}: give one of {', '.join(SORTS)}")
    filters = {"city": city, "province": province, "county": county, "source": source,
               "year": year, "tag": tag, "category": category}
    return Search(q, {name: [v for v in values if v.strip()] for name, values in
                      filters.items()}, since.strip(), until.strip(), page, per_article, exact,
                  sort, one_per_story, include_boilerplate)


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, state: Search = Depends(page_params),
                current=Depends(holder)):
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


@router.get("/articles/{article_id:path}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str, passage: str = "",
                 current=Depends(holder)):
    with current as engine:
        passages = engine.outline(article_id)
    quotes = {p["passage_id"]: as_markdown([p], set()) for p in passages}
    article = article_outline(passages)
    context = {"request": request, "article": article, "chosen": passage,
               "quotes": quotes, "sections": _by_section(article["passages"])}
    return TEMPLATES.TemplateResponse(request, "article.html", context)


def marked(text: str, spans: list[list[int]]) -> Markup:
    """``text`` escaped, with each [start, end) span in ``<mark>``."""
    out, pos = [], 0
    for start, end in spans:
        out += [escape(text[pos:start]), Markup("<mark>"), escape(text[start:end]),
                Markup("</mark>")]
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


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

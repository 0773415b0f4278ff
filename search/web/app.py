"""The search page: `search serve`, a local web page and a JSON API over the engine.

Server-rendered HTML (``pages.py``, Jinja2 templates in ``templates/``) that works without
JavaScript; a few lines of it copy a quote to the clipboard. Every state of the page is its
URL (``state.py``: ``/?q=小巨人&city=株洲&page=2``): the query stays in the box, facet values
filter when clicked, active filters are chips that remove themselves, a timeline of matches per
month filters to a month. The API (``api.py``, ``/api/...``) returns the CLI's JSON contract;
FastAPI describes it at ``/openapi.json``.

Safe by default: read-only (no route writes), everything from the articles escaped by the
templates, ids looked up in the index and never used as paths, bad parameters answered
with a 4xx and a hint. The engine is used by one request at a time (``Current``), and is
opened again when the index has a new commit, so a server answers from the latest one
while `search index` runs beside it.
"""

from __future__ import annotations

import threading

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..backends import backend_type
from ..engine import Engine
from ..errors import IndexUnavailable, QueryError, SearchError
from . import api, pages
from .api import MAX_PAGE, MAX_QUERY, PAGE_SIZE, BadRequest, NotFound

__all__ = ["MAX_PAGE", "MAX_QUERY", "PAGE_SIZE", "create_app"]


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


def create_app(location) -> FastAPI:
    """The web app over the index at ``location`` (a folder, or a cluster's Address)."""
    if not backend_type(location).exists(location):
        raise SearchError(f"no index at {location}; build one with `search index PATH`")
    app = FastAPI(title="zh-news-search", docs_url=None, redoc_url=None,
                  description="Search Chinese news passages: the CLI's JSON contract over "
                              "HTTP (docs/json.md). Read-only.")
    app.state.current = Current(location)
    app.include_router(pages.router)
    app.include_router(api.router)

    @app.exception_handler(SearchError)
    async def search_error(request: Request, error: SearchError):
        return _error(request, _status(error), str(error))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, error: RequestValidationError):
        problems = "; ".join(_problem(found) for found in error.errors())
        return _error(request, 422, f"bad parameter ({problems}); the parameters are "
                                    "described at /openapi.json")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        hint = "the pages are / (search) and /articles/ID; the API is under /api/"
        message = hint if error.status_code == 404 else str(error.detail)
        return _error(request, error.status_code, message, error.headers)

    return app


def _problem(found: dict) -> str:
    """One parameter's problem, with what to give instead (``api.HINTS``) where it has one."""
    name = str(found["loc"][1]) if len(found["loc"]) > 1 else str(found["loc"][0])
    told = "required" if found["type"] == "missing" else found["msg"]
    return f"{name}: {told}" + (f"; {api.HINTS[name]}" if name in api.HINTS else "")


def _status(error: SearchError) -> int:
    """A problem's HTTP status: a parameter that cannot be used (400: a date, a place, a
    page), an id the index does not hold (404), an index that cannot be read (503)."""
    if isinstance(error, (BadRequest, NotFound)):
        return error.status
    if isinstance(error, QueryError):
        return 400
    return 503 if isinstance(error, IndexUnavailable) else 404


def _error(request: Request, status: int, message: str, headers: dict | None = None):
    """A JSON error for the API, an HTML page with the message for the pages (``headers``:
    what the answer must carry, such as a 405's ``Allow``)."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "status": status}, status_code=status,
                            headers=headers)
    return pages.TEMPLATES.TemplateResponse(request, "error.html",
                                            {"request": request, "status": status,
                                             "message": message}, status_code=status,
                                            headers=headers)

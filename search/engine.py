"""The engine: answer queries from an index as the JSON contract (docs/json.md), one call per
thing a user does."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable

from .backends import backend_type
from .backends.seam import SearchResult, best, facet_counts
from .errors import QueryError, SearchError
from .ingest.records import keys
from .ingest.sources import Sources
from .query.filters import FACETS, Filters, typed_filters
from .query.highlight import highlight
from .query.near import has_near, holds, loosened
from .query.parse import Node, Phrase, parse, positive_needles
from .query.rewrite import Rewriter
from .quote import Mismatch, SourceReader, as_json, check, citation, lines_of, source_problem
from .text.analysis import units

HIT_FIELDS = ("passage_id", "article_id", "title", "section", "text", "path", "line_start",
              "line_end", "char_start", "char_end", "cities", "provinces", "source", "author",
              "date", "url", "tags", "categories", "boilerplate")
EMPTY = {"tags": [], "categories": [], "boilerplate": False}  # what a hit lacking one shows
HINT_PASSAGES = 20_000  # an index this large gives unknown ids no "did you mean"
NEAR_CANDIDATES = 5_000  # passages a query with NEAR may check, at most
STORY_CANDIDATES = 5_000  # articles looked through for one hit a story, at most


def did_you_mean(typed: str, known) -> str:
    """``"did you mean X?"`` with the closest of ``known``, or "" when none is close."""
    close = difflib.get_close_matches(typed, list(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]}?" if close else ""


FACET_FIELDS = {"city": "cities", "province": "provinces", "county": "counties",
                "tag": "tags", "category": "categories"}
ARTICLE_FIELDS = ("article_id", "title", "source", "author", "date", "url", "path", "tags",
                  "categories")
OUTLINE_FIELDS = ("passage_id", "order", "section", "text", "line_start", "line_end",
                  "char_start", "char_end", "cities", "provinces", "boilerplate")


def _story(stories, stored: dict) -> tuple:
    """What is one story: the story an article belongs to, or the article itself."""
    number = stories.story_of(stored["path"], stored["article_id"]) if stories else None
    return ("story", number) if number is not None else (stored["path"], stored["article_id"])


def facet_values(stored: dict, facet: str) -> list[str]:
    """The values a passage counts for under a facet (as every backend indexes them:
    ``records.keys`` for source, year and month)."""
    if facet in FACET_FIELDS:
        return list(stored.get(FACET_FIELDS[facet]) or ())
    value = keys(stored).get({"source": "source_key"}.get(facet, facet))
    return [str(value)] if value else []


def article_outline(passages: list[dict]) -> dict:
    """An article from its passages in order (``Engine.outline``): its metadata, places,
    lines, citation, how its source changed since indexing ("" when it did not), and every
    passage (``OUTLINE_FIELDS``)."""
    first = passages[0]
    return {**{name: first.get(name, "") for name in ARTICLE_FIELDS},
            "line_start": first["line_start"], "line_end": passages[-1]["line_end"],
            "cities": sorted({c for p in passages for c in p["cities"]}),
            "provinces": sorted({c for p in passages for c in p["provinces"]}),
            "citation": citation(first), "warning": source_problem(first),
            "passages": [{name: p.get(name) for name in OUTLINE_FIELDS} for p in passages]}


def answer(text: str | None, total: int, hits: list[dict], facets: dict,
           missing: list[str] = (), rewrites: list[dict] = (), articles: int = 0) -> dict:
    """A query's answer as the JSON contract (docs/json.md) has it: ``total`` passages match,
    in ``articles`` articles. ``rewrites`` lists what the query also searched (``{"from",
    "to", "why"}``: rewrite.py); ``partial`` is true when part of the index did not answer (a
    cluster's shard with no live mirror; an embedded index always answers whole), and then
    ``missing`` says what."""
    found = {"query": text, "total": total, "articles": articles, "hits": hits,
             "facets": facets, "rewrites": list(rewrites), "partial": bool(missing)}
    return {**found, "missing": list(missing)} if missing else found


class IndexVocabulary:
    """What the query rewrites ask of an index (``rewrite.Vocabulary``)."""

    def __init__(self, backend):
        self.backend = backend

    def frequency(self, word: str) -> int:
        return self.backend.word_frequency(word)

    def sounds(self):
        return self.backend.sounds()

    def holds(self, text: str) -> int:
        """Passages holding ``text`` as written (as a quoted phrase)."""
        return self.backend.search(Phrase(text, tuple(units(text))), 1, facets=()).total


class Engine:
    """Queries against one index: a folder, or a cluster's address."""

    def __init__(self, index_dir):
        self.index_dir = index_dir
        kind = backend_type(index_dir)
        self.backend = kind.open(index_dir)
        self.sources = Sources(kind.folder(index_dir))

    def query(self, text: str | None, limit: int = 10, filters: Filters | None = None,
              per_article: int | None = None, facets: tuple[str, ...] = FACETS,
              exact: bool = False, sort: str = "relevance", one_per_story: bool = False
              ) -> dict:
        """``{"query", "total", "articles", "hits", "facets", "rewrites", "partial"}``
        (``answer``) for a typed query, best passages first (``sort`` "newest" or "oldest":
        by their articles' dates, the best first on a day, undated ones last); unless
        ``exact``, the query is met halfway first (pinyin, slips of the input method, other
        names: rewrite.py) and ``rewrites`` says how. Each hit lists its ``reprints``, the
        other articles of its story (``text/stories.py``); ``one_per_story`` shows only the
        first hit of each story (the totals still count passages).

        ``text`` None matches every passage (the filters still apply).
        """
        node = parse(text) if text is not None else None
        if text is not None and node is None:  # nothing searchable: only punctuation
            return answer(text, 0, [], {facet: {} for facet in facets})
        rewrites: list[dict] = []
        if node is not None and not exact:
            rewriter = Rewriter(IndexVocabulary(self.backend))
            node = rewriter.rewrite(node)
            rewrites = rewriter.rewrites
        if one_per_story:
            result = self._one_per_story(node, limit, filters, facets, sort)
        else:
            result = self._matches(node, limit, filters, facets, per_article, sort)
        needles = positive_needles(node)
        stories = self.backend.stories()
        hits = []
        for rank, hit in enumerate(result.hits, start=1):
            stored = hit.stored
            entry = {"rank": rank, "score": round(hit.score, 4)}
            entry.update({name: stored.get(name, EMPTY.get(name, "")) for name in HIT_FIELDS})
            entry["path"] = self.sources.shown(stored["path"])
            entry["matches"] = highlight(stored["text"], needles)
            entry["title_matches"] = highlight(entry["title"], needles)
            entry["section_matches"] = highlight(entry["section"], needles)
            entry["reprints"] = self._reprints(stories, stored)
            hits.append(entry)
        return answer(text, result.total, hits, result.facets, result.missing, rewrites,
                      result.articles)

    def _matches(self, node: Node | None, limit: int, filters: Filters | None,
                 facets: tuple[str, ...], per_article: int | None, sort: str) -> SearchResult:
        """The backend's answer, or for a query with NEAR, ``_near``'s."""
        if node is not None and has_near(node):
            return self._near(node, limit, filters, facets, per_article, sort)
        return self.backend.search(node, limit, filters, facets, per_article, sort)

    def _one_per_story(self, node: Node | None, limit: int, filters: Filters | None,
                       facets: tuple[str, ...], sort: str) -> SearchResult:
        """The first ``limit`` hits of distinct stories (an article of no other story is a
        story of its own): each article's first passage, as many as that takes (at most
        STORY_CANDIDATES)."""
        stories, wanted = self.backend.stories(), limit * 3
        while True:
            result = self._matches(node, wanted, filters, facets, 1, sort)
            chosen = best(result.hits, limit, 1, lambda hit: _story(stories, hit.stored))
            if len(chosen) == limit or len(result.hits) < wanted or wanted >= STORY_CANDIDATES:
                return SearchResult(result.total, chosen, result.facets, result.missing,
                                    result.articles)
            wanted = min(wanted * 4, STORY_CANDIDATES)

    def _reprints(self, stories, stored: dict) -> list[dict]:
        """The other articles of a passage's story, as a hit lists them (oldest first)."""
        if stories is None:
            return []
        return [{**found, "path": self.sources.shown(found["path"])}
                for found in stories.reprints(stored["path"], stored["article_id"])]

    def _near(self, node: Node, limit: int, filters: Filters | None, facets: tuple[str, ...],
              per_article: int | None, sort: str) -> SearchResult:
        """The answer to a query with NEAR (``query/near.py``): the backend's matches of it
        with each NEAR as AND, in order, each checked on its stored fields; the total and the
        facets count those that hold it. A QueryError when there are more than
        NEAR_CANDIDATES to check."""
        found = self.backend.search(loosened(node), NEAR_CANDIDATES, filters, (), None, sort)
        if found.total > NEAR_CANDIDATES:
            raise QueryError(f"{found.total} passages hold both sides of a NEAR, more than "
                             f"the {NEAR_CANDIDATES} it can check; narrow the query with "
                             "more words or filters")
        held = [hit for hit in found.hits if holds(hit.stored, node)]
        counts = {name: facet_counts(Counter(value for hit in held
                                             for value in facet_values(hit.stored, name))
                                     .items()) for name in facets}
        chosen = best(held, limit, per_article,
                      lambda hit: (hit.stored["path"], hit.stored["article_id"]))
        articles = len({(hit.stored["path"], hit.stored["article_id"]) for hit in held})
        return SearchResult(len(held), chosen, counts, found.missing, articles)

    def passage(self, passage_id: str) -> dict:
        """A passage's stored fields; an unknown id raises SearchError with a hint."""
        stored = self.backend.passage(passage_id)
        if stored is not None:
            return self.located(stored)
        article_id, _, order = passage_id.rpartition(":")
        if not order.isdigit() and self.backend.passages_of(passage_id):
            raise SearchError(f"{passage_id} is an article, not a passage; its passages are "
                              f"listed by `search show {passage_id}`")
        if not order.isdigit():
            raise SearchError(f"{passage_id} is not a passage id (they look like ARTICLE:N, "
                              "e.g. seeds/003_87c9261d10d2c016:12); find one with `search query`")
        hint = did_you_mean(passage_id, self._known_ids())
        raise SearchError(f"no passage {passage_id} in {self.index_dir}/; "
                          f"{hint or 'find one with `search query`'}")

    def search(self, text: str | None, limit: int = 10, filters: Filters | None = None,
               per_article: int | None = None, facets: tuple[str, ...] = FACETS,
               exact: bool = False, sort: str = "relevance",
               one_per_story: bool = False) -> dict:
        """A user's search: the filters checked (``check_filters``: an unknown source is a
        QueryError with a hint), the answer (``query``) and, when it is empty, ``why_empty``
        (which filters left no passage)."""
        if filters is not None:
            self.check_filters(filters)
        result = self.query(text, limit, filters, per_article, facets, exact, sort,
                            one_per_story)
        if not result["total"]:
            result["why_empty"] = self.why_empty(text, filters)
        return result

    def facet(self, field: str, text: str | None = None, filters: Filters | None = None,
              exact: bool = False) -> dict:
        """Passages per value of one facet among those matching ``text`` (None: every
        passage) and the filters: a search (``search``) of that facet alone;
        its counts are ``["facets"][field]``."""
        return self.search(text, 1, filters, facets=(field,), exact=exact)

    def quote(self, passage_id: str, context: int = 0) -> dict:
        """A passage as a quote in the JSON contract (``quote.as_json``), with the
        ``context`` passages around it and a ``warning`` when its source changed since it
        was indexed."""
        quotation = self.quotation(passage_id, context)
        found = as_json(quotation["passage"], quotation["before"] + quotation["after"])
        if quotation["warning"]:
            found["warning"] = quotation["warning"]
        return found

    def article(self, article_id: str) -> dict:
        """An article's outline (``article_outline``) with its ``reprints``, the other
        articles of its story; an unknown id raises SearchError."""
        passages = self.outline(article_id)
        return {**article_outline(passages),
                "reprints": self._reprints(self.backend.stories(), passages[0])}

    def _known_ids(self) -> list[str]:
        """The passage ids an unknown id is compared with for a "did you mean" hint: none in
        an index of more than HINT_PASSAGES passages, where reading and comparing every id
        takes longer than the hint is worth (0.45 s on 80,000 passages; a web page asked
        for unknown ids would be kept busy)."""
        if self.backend.doc_count() > HINT_PASSAGES:
            return []
        return self.backend.passage_ids()

    def located(self, stored: dict) -> dict:
        """A passage's stored fields with ``path`` as shown to the user (relative to the working
        directory) and ``file``, where its source is on disk."""
        recorded = stored["path"]
        return {**stored, "path": self.sources.shown(recorded),
                "file": str(self.sources.file(recorded))}

    def context(self, stored: dict, size: int) -> tuple[list[dict], list[dict]]:
        """The ``size`` passages before and after one, within its article."""
        if size <= 0:
            return [], []
        siblings = [self.located(p) for p in self.backend.passages_of(stored["article_id"])]
        i = next(n for n, p in enumerate(siblings) if p["passage_id"] == stored["passage_id"])
        return siblings[max(0, i - size):i], siblings[i + 1:i + 1 + size]

    def quotation(self, passage_id: str, context: int = 0) -> dict:
        """What a quote of a passage is made of (``quote.as_markdown``, ``as_text``,
        ``as_json``): ``{"passage", "before", "after", "warning"}``, the passage's stored
        fields, the ``context`` passages around it in its article, and what changed in its
        source since it was indexed ("" when nothing did). Both front ends quote from it."""
        stored = self.passage(passage_id)
        before, after = self.context(stored, context)
        return {"passage": stored, "before": before, "after": after,
                "warning": source_problem(stored)}

    def outline(self, article_id: str) -> list[dict]:
        """An article's passages in order; an unknown id raises SearchError with a hint."""
        passages = self.backend.passages_of(article_id)
        if passages:
            return [self.located(p) for p in passages]
        articles = sorted({pid.rpartition(":")[0] for pid in self._known_ids()})
        hint = did_you_mean(article_id, articles) or "find one with `search query`"
        raise SearchError(f"no article {article_id} in {self.index_dir}/; {hint}")

    def verify(self, on_progress: Callable[[int, int], None] = lambda done, total: None
               ) -> tuple[int, list[Mismatch]]:
        """Check every passage against its source: (passages checked, mismatches, by path and
        line). Passages come in index order, in which a file's are together: each source file
        is decoded once (``SourceReader``), and only one is held at a time.
        ``on_progress(checked, total)`` is called as it goes."""
        reader, total = SourceReader(), self.backend.doc_count()
        checked, found = 0, []
        for stored in self.backend.passages():
            passage = self.located(stored)
            checked += 1
            if problem := check(passage, reader.source(passage)):
                found.append(((passage["path"], passage["line_start"]),
                              Mismatch(passage["passage_id"], lines_of(passage), problem)))
            if checked % 1000 == 0:
                on_progress(checked, total)
        on_progress(checked, total)
        found.sort(key=lambda item: item[0])
        return checked, [mismatch for _, mismatch in found]

    def stats(self) -> dict:
        """Counts of what is indexed: ``{"index", "files", "articles", "passages"}``."""
        return {"index": str(self.index_dir), **self.backend.counts()}

    def check_filters(self, filters: Filters) -> None:
        """Raise QueryError (a usage error) for a ``--source`` that no article has, with the
        closest indexed source as a hint."""
        if not filters.source:
            return
        known = self.query(None, 1, facets=("source",))["facets"]["source"]
        for value in filters.source:
            if value not in known:
                hint = did_you_mean(value, known) or "`search facets source` lists them"
                raise QueryError(f"--source {value}: no indexed article has this source; {hint}")

    def why_empty(self, text: str | None, filters: Filters | None) -> str:
        """Why a query (``text`` None: every passage) found nothing, in one sentence: which
        filters left no passage, and how many passages match without them."""
        subject = f"no passages match {text}" if text is not None else "no passages"
        used = typed_filters(filters) if filters else []
        if not used:
            return subject
        every = " ".join(typed for typed, _ in used)
        without = self._total(text, None)
        if not without:
            return f"{subject}, even without {every}"
        emptying = [typed for typed, alone in used if not self._total(text, alone)]
        culprits = " ".join(emptying) or every + (" together" if len(used) > 1 else "")
        verb = "does" if without == 1 else "do"
        return f"{subject} with {culprits}; without the filters {without} {verb}"

    def _total(self, text: str | None, filters: Filters | None) -> int:
        return self.query(text, 1, filters, facets=())["total"]

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

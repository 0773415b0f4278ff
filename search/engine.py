"""The engine: answer queries from an index as the JSON contract of DESIGN.md."""

from __future__ import annotations

from pathlib import Path

from .highlight import highlight
from .query import parse, positive_parts
from .whoosh_backend import WhooshBackend

HIT_FIELDS = ("passage_id", "article_id", "title", "section", "text", "path", "line_start",
              "line_end", "char_start", "char_end", "source", "author", "date")


class Engine:
    """Queries against one index directory."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self.backend = WhooshBackend.open(index_dir)

    def query(self, text: str, limit: int = 10) -> dict:
        """``{"query", "total", "hits": [...]}`` for a typed query, best passages first."""
        node = parse(text)
        if node is None:
            return {"query": text, "total": 0, "hits": []}
        total, hits = self.backend.search(node, limit)
        terms, phrases = positive_parts(node)
        out = []
        for rank, hit in enumerate(hits, start=1):
            stored = hit.stored
            entry = {"rank": rank, "score": round(hit.score, 4)}
            entry.update({name: stored.get(name, "") for name in HIT_FIELDS})
            entry["matches"] = highlight(stored["text"], terms, phrases)
            out.append(entry)
        return {"query": text, "total": total, "hits": out}

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

"""Relevance on a retrieval set: ``python -m bench.relevance DIR [--queries FILE] [--limit N]``.

DIR holds ``corpus.jsonl`` (records with id, title, text), ``queries_*.jsonl`` (qid, query,
relevant ids). The corpus is indexed as JSONL articles; a hit counts for the article it
belongs to, ranked by its best passage. Prints MRR@10, Recall@10, nDCG@10, Recall@100.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

from search.engine import Engine
from search.indexer import index_paths


def load_queries(path: Path, limit: int | None) -> list[dict]:
    queries = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    return queries[:limit] if limit else queries


def article_ranking(engine: Engine, text: str, depth: int = 100) -> list[str]:
    """Article ids in order of their best passage."""
    seen: list[str] = []
    for hit in engine.query(text, depth)["hits"]:
        if hit["article_id"] not in seen:
            seen.append(hit["article_id"])
    return seen[:depth]


def metrics(rankings: list[list[str]], relevant: list[set[str]]) -> dict:
    """MRR@10, Recall@10, nDCG@10 and Recall@100 averaged over queries."""
    totals = {"MRR@10": 0.0, "Recall@10": 0.0, "nDCG@10": 0.0, "Recall@100": 0.0}
    for ranking, wanted in zip(rankings, relevant, strict=True):
        first = next((i for i, doc in enumerate(ranking[:10]) if doc in wanted), None)
        totals["MRR@10"] += 0 if first is None else 1 / (first + 1)
        totals["Recall@10"] += len(wanted & set(ranking[:10])) / len(wanted)
        totals["Recall@100"] += len(wanted & set(ranking[:100])) / len(wanted)
        dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranking[:10]) if doc in wanted)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(wanted), 10)))
        totals["nDCG@10"] += dcg / ideal
    return {name: round(value / len(rankings), 4) for name, value in totals.items()}


def evaluate(directory: Path, queries_file: Path, limit: int | None) -> dict:
    queries = load_queries(queries_file, limit)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index_paths(Path(tmp), [directory / "corpus.jsonl"], rebuild=True)
        built = time.perf_counter() - started
        engine = Engine(Path(tmp))
        started = time.perf_counter()
        rankings = [article_ranking(engine, q["query"]) for q in queries]
        elapsed = time.perf_counter() - started
        engine.close()
    result = metrics(rankings, [set(q["relevant"]) for q in queries])
    result.update(queries=len(queries), index_seconds=round(built, 2),
                  ms_per_query=round(1000 * elapsed / len(queries), 2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--queries", type=Path, help="default: DIR/queries_dev.jsonl")
    parser.add_argument("--limit", type=int, help="only the first N queries")
    args = parser.parse_args()
    queries = args.queries or args.directory / "queries_dev.jsonl"
    print(json.dumps(evaluate(args.directory, queries, args.limit), ensure_ascii=False))


if __name__ == "__main__":
    main()

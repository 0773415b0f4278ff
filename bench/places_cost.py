"""What place extraction costs: ``python -m bench.places_cost FILE.jsonl[.gz] [--docs N]``.

Indexes the same records twice in one run, with and without place extraction, and times
queries with facets (city, province, source, year) and highlights of the top 10. Prints JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import search.indexer as indexer
import search.ingest.records as records
from search.engine import Engine
from search.ingest.metadata import ArticlePlaces


def sample(path: Path, docs: int | None, out: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for _, line in zip(range(docs or 10**9), lines, strict=False)]
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return records


def build(corpus: Path, index_dir: Path, places: bool) -> float:
    original = records.article_places
    if not places:
        records.article_places = lambda article, passages: ArticlePlaces(
            {}, [], [[] for _ in article.passages])
    try:
        started = time.perf_counter()
        report = indexer.index_paths(index_dir, [corpus], rebuild=True)
        return time.perf_counter() - started, report.passages
    finally:
        records.article_places = original


def query_times(index_dir: Path, records: list[dict], count: int = 200) -> list[float]:
    rng = random.Random(7)
    engine = Engine(index_dir)
    queries = []
    for record in rng.sample(records, min(count, len(records))):
        words = [w for w in record["title"].replace("【", " ").replace("】", " ").split() if w]
        queries.append(" ".join(words[: rng.randint(1, 2)]) or record["title"][:4])
    engine.query(queries[0])  # load the searcher and the facet caches
    times = []
    for text in queries:
        started = time.perf_counter()
        engine.query(text, 10)
        times.append((time.perf_counter() - started) * 1000)
    engine.close()
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--docs", type=int, help="only the first N records")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        records = sample(args.file, args.docs, corpus)
        without, passages = build(corpus, Path(tmp) / "plain", places=False)
        with_places, _ = build(corpus, Path(tmp) / "places", places=True)
        times = query_times(Path(tmp) / "places", records)
    print(json.dumps({
        "records": len(records), "passages": passages,
        "index_seconds_without_places": round(without, 2),
        "index_seconds_with_places": round(with_places, 2),
        "place_extraction_overhead": f"{100 * (with_places / without - 1):.1f}%",
        "query_ms_p50": round(statistics.median(times), 2),
        "query_ms_p95": round(times[int(0.95 * len(times)) - 1], 2),
        "queries": len(times),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()

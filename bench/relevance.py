"""Relevance on a retrieval set: ``python -m bench.relevance DIR [--queries FILE] [--skip N]
[--limit N] [--peers NAMES] [--name NAME]``.

DIR holds ``corpus.jsonl`` (records with id, title, text), ``queries_*.jsonl`` (qid, query,
relevant ids): ``cmrc2018`` (questions over Wikipedia paragraphs) and ``news-titles`` (news
titles as keyword queries over the bodies of CCTV news). The corpus is indexed as JSONL
articles; the engine is asked for its best passage of each of 100 distinct articles, so an
article is ranked by its best passage. In the same run, the peer engines of
``bench.peers`` are built from the same records and asked the same queries. Prints, per
engine, MRR@10, Recall@10, nDCG@10, Recall@100, build seconds and ms per query; ``--name``
also writes them to ``bench/results/`` with each query's latency and a latency plot.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.peers import CLUSTER, PEERS, Peer, make_peers, peer_list
from bench.speed import RESULTS, machine, plot
from search.backends.sphinxql import cluster
from search.backends.sphinxql.sql import Address
from search.engine import Engine
from search.indexer import index_paths

OURS = "zh-news-search"
DEPTH = 100  # ranks kept per query: enough for Recall@100


def load_jsonl(path: Path) -> list[dict]:
    """The records of a JSONL file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_queries(path: Path, limit: int | None, skip: int = 0) -> list[dict]:
    """The queries of a JSONL file, past the first ``skip``, at most ``limit`` of them."""
    queries = load_jsonl(path)[skip:]
    return queries[:limit] if limit else queries


def article_ranking(engine: Engine, text: str, depth: int = 100) -> list[str]:
    """The ids of the ``depth`` best articles, in order of their best passage."""
    return [hit["article_id"] for hit in engine.query(text, depth, per_article=1)["hits"]]


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


def timed_rankings(search: Callable[[str], list[str]],
                   queries: list[dict]) -> tuple[list[list[str]], list[float]]:
    """``search`` of each query's text, and the seconds each took."""
    rankings, latencies = [], []
    for query in queries:
        started = time.perf_counter()
        rankings.append(search(query["query"]))
        latencies.append(time.perf_counter() - started)
    return rankings, latencies


def summary(rankings: list[list[str]], latencies: list[float], queries: list[dict],
            built: float) -> dict:
    """``metrics`` of the rankings, with build seconds and mean milliseconds per query."""
    result = metrics(rankings, [set(query["relevant"]) for query in queries])
    result.update(index_seconds=round(built, 2),
                  ms_per_query=round(1000 * sum(latencies) / len(queries), 2))
    return result


def run_ours(directory: Path, queries: list[dict], on_cluster: bool = False
             ) -> tuple[dict, list[float]]:
    """Our engine on DIR/corpus.jsonl: its ``summary`` and per-query latencies; built in an
    embedded index, or ``on_cluster`` in a cluster of 2 shards started for the run."""
    with tempfile.TemporaryDirectory() as tmp, _location(Path(tmp), on_cluster) as location:
        started = time.perf_counter()
        index_paths(location, [directory / "corpus.jsonl"], rebuild=True)
        built = time.perf_counter() - started
        engine = Engine(location)
        try:
            rankings, latencies = timed_rankings(
                lambda text: article_ranking(engine, text, DEPTH), queries)
        finally:
            engine.close()
    return summary(rankings, latencies, queries, built), latencies


@contextlib.contextmanager
def _location(folder: Path, on_cluster: bool):
    """Where our engine's index goes: the folder, or a cluster started in it."""
    if not on_cluster:
        yield folder
        return
    with cluster.temporary(folder / "cluster") as made:
        yield Address("127.0.0.1", made.aggregator.sql_port)


def run_peer(peer: Peer, records: list[dict], queries: list[dict]) -> tuple[dict, list[float]]:
    """A peer built from ``records``: its ``summary`` and per-query latencies; closes it."""
    with peer:
        started = time.perf_counter()
        peer.build(records)
        built = time.perf_counter() - started
        rankings, latencies = timed_rankings(lambda text: peer.search(text, DEPTH), queries)
    return summary(rankings, latencies, queries, built), latencies


def evaluate(directory: Path, queries_file: Path, limit: int | None, skip: int = 0) -> dict:
    """Our engine only: ``summary`` plus the number of queries."""
    queries = load_queries(queries_file, limit, skip)
    result, _latencies = run_ours(directory, queries)
    return {**result, "queries": len(queries)}


def compare(directory: Path, queries_file: Path, limit: int | None,
            peer_names: list[str], skip: int = 0) -> dict:
    """Our engine and the named peers on the same records and queries:
    ``{"engines": {name: summary}, "queries": N, "latencies": {name: [seconds]}}``."""
    queries = load_queries(queries_file, limit, skip)
    peers = make_peers([name for name in peer_names if name != CLUSTER])
    runs = {OURS: run_ours(directory, queries)}
    if CLUSTER in peer_names:
        runs[CLUSTER] = run_ours(directory, queries, on_cluster=True)
    records = load_jsonl(directory / "corpus.jsonl") if peers else []
    for peer in peers:
        runs[peer.name] = run_peer(peer, records, queries)
    return {"engines": {name: result for name, (result, _) in runs.items()},
            "queries": len(queries),
            "latencies": {name: latencies for name, (_, latencies) in runs.items()}}


def markdown(result: dict, name: str) -> str:
    """The figures of a ``compare`` result as a markdown table."""
    columns = ("MRR@10", "Recall@10", "nDCG@10", "Recall@100", "index_seconds", "ms_per_query")
    lines = [f"# Relevance: {name}", "", f"{result['queries']} queries; machine: {machine()}", "",
             "| engine | " + " | ".join(columns) + " |", "| --- |" + " ---: |" * len(columns)]
    for engine, figures in result["engines"].items():
        lines.append(f"| {engine} | " + " | ".join(f"{figures[c]:g}" for c in columns) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--queries", type=Path, help="default: DIR/queries_dev.jsonl")
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N queries")
    parser.add_argument("--limit", type=int, help="only the first N queries (after --skip)")
    parser.add_argument("--peers", type=peer_list, default=list(PEERS),
                        help=f"peer engines, comma-separated (default: {','.join(PEERS)}), "
                        "or none")
    parser.add_argument("--name", help="write RESULTS/NAME.json (with per-query latencies), "
                        ".md and -latency.png")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results go")
    args = parser.parse_args()
    queries = args.queries or args.directory / "queries_dev.jsonl"
    result = compare(args.directory, queries, args.limit, args.peers, args.skip)
    if args.name:
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / f"{args.name}.json").write_text(
            json.dumps({**result, "machine": machine()}, ensure_ascii=False) + "\n", "utf-8")
        (args.results / f"{args.name}.md").write_text(markdown(result, args.name), "utf-8")
        plot(result["latencies"], args.results / f"{args.name}-latency.png")
    del result["latencies"]
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

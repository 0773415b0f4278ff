"""Load: ``python -m bench.load INDEX_DIR [--clients 50] [--seconds 30] [--queries 100]
[--name NAME] [--results DIR]``.

Starts ``search serve`` on INDEX_DIR (a process of its own, on a free loopback port) and
runs CLIENTS concurrent clients for SECONDS, each on its own keep-alive connection, asking
in turn for the search page of a query, the API's answer to it (``/api/query``), an article
page and a quote (``/api/quote``) of one of its hits. Queries are 1-4 words of titles in the
index (fixed seed); the article and quote ids come from their answers. Prints requests per
second, errors (any answer but 200, or no answer) and p50/p95 per page, beside the same
queries' in-process time (``Engine.query``, top 10 with highlights and facets, asked in this
process before the load). ``--name`` writes ``bench/results/<name>.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.speed import RESULTS, ROOT, machine, title_queries

PAGES = ("search page", "api query", "article page", "api quote")


def requests_for(index: Path, count: int) -> tuple[list[list[tuple[str, str]]], list[float]]:
    """For each query, its four requests (page name, path), and the query's in-process time."""
    from search.engine import Engine

    engine = Engine(index)
    try:
        titles = engine.query(None, 2_000, facets=())["hits"]
        queries = title_queries([{"title": hit["title"]} for hit in titles], count)
        rounds, seconds = [], []
        for text in queries:
            started = time.perf_counter()
            answer = engine.query(text, 10)
            seconds.append(time.perf_counter() - started)
            if not answer["hits"]:
                continue
            hit = answer["hits"][0]
            rounds.append([
                ("search page", "/?" + urlencode({"q": text})),
                ("api query", "/api/query?" + urlencode({"q": text})),
                ("article page", f"/articles/{quote(hit['article_id'])}?"
                                 + urlencode({"passage": hit["passage_id"]})),
                ("api quote", f"/api/quote/{quote(hit['passage_id'])}"),
            ])
        return rounds, seconds
    finally:
        engine.close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(index: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "search", "--index-dir", str(index),
                               "serve", "--port", str(port)], cwd=Path.cwd(),
                              stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("search serve did not answer")


def client(port: int, rounds: list, start: int, deadline: float, found: dict,
           lock: threading.Lock) -> None:
    """Ask the requests in turn until the deadline; record each one's time or error."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    requests = [request for one in rounds for request in one]
    n = start * 4
    while time.perf_counter() < deadline:
        name, path = requests[n % len(requests)]
        n += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            ok = False
        elapsed = time.perf_counter() - started
        with lock:
            found[name].append(elapsed) if ok else found["errors"].append((name, path))
    connection.close()


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0


def run(index: Path, clients: int, seconds: float, queries: int) -> dict:
    rounds, in_process = requests_for(index, queries)
    port = free_port()
    server = serve(index, port)
    found: dict[str, list] = {name: [] for name in (*PAGES, "errors")}
    lock = threading.Lock()
    try:
        deadline = time.perf_counter() + seconds
        threads = [threading.Thread(target=client, args=(port, rounds, n, deadline, found, lock))
                   for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    answered = sum(len(found[name]) for name in PAGES)
    return {
        "index": str(index), "clients": clients, "seconds": seconds, "queries": len(rounds),
        "requests": answered, "errors": len(found["errors"]),
        "requests_per_second": answered / seconds,
        "pages": {name: {"requests": len(found[name]),
                         "p50_ms": 1000 * percentile(found[name], 0.5),
                         "p95_ms": 1000 * percentile(found[name], 0.95)} for name in PAGES},
        "in_process_query_p50_ms": 1000 * statistics.median(in_process),
        "in_process_query_p95_ms": 1000 * percentile(in_process, 0.95),
        "machine": machine(),
    }


def markdown(result: dict, command: str) -> str:
    lines = [f"# Load: {Path(result['index']).name}", "",
             f"`{command}`", "",
             f"{result['clients']} clients for {result['seconds']:.0f} s on loopback, "
             f"{result['queries']} queries; machine: {result['machine']}", "",
             f"**{result['requests_per_second']:.1f} requests/s**, {result['requests']} "
             f"answered, {result['errors']} errors", "",
             "| page | requests | p50 ms | p95 ms |", "| --- | ---: | ---: | ---: |"]
    for name, figures in result["pages"].items():
        lines.append(f"| {name} | {figures['requests']} | {figures['p50_ms']:.1f} | "
                     f"{figures['p95_ms']:.1f} |")
    lines += ["", f"The same queries in process (`Engine.query`, top 10 with highlights and "
                  f"facets, no load): p50 {result['in_process_query_p50_ms']:.1f} ms, p95 "
                  f"{result['in_process_query_p95_ms']:.1f} ms."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="the index to serve")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--name", help="write bench/results/NAME.md and NAME.json")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results go")
    args = parser.parse_args()
    result = run(args.index, args.clients, args.seconds, args.queries)
    command = "python -m bench.load " + " ".join(sys.argv[1:])
    text = markdown(result, command)
    print(text)
    if args.name:
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / f"{args.name}.md").write_text(text, encoding="utf-8")
        (args.results / f"{args.name}.json").write_text(json.dumps(result, indent=1), "utf-8")
    if result["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

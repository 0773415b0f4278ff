"""Speed: ``python -m bench.speed FILE.jsonl[.gz] [--docs N] [--runs R] [--peers LIST]
[--queries-from DIR]``.

For this engine and each peer, in one run on the same records: index build time, MB/s and
passages/s, peak RSS of the whole process tree, index size on disk, and in-process query
latency (p50/p95/p99) over a fixed set of queries drawn from titles (or, with
``--queries-from``, a relevance set's dev queries: news-titles' are whole headlines, the
long queries); for this engine also the
wall time of a cold ``search query`` process on the seeds index. Each engine is built and
queried in a fresh child process, ``--runs`` times; every figure is the median over runs.
Writes ``bench/results/<name>.json``, ``<name>.md`` and ``<name>-latency.png``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.peers import CLUSTER, PEERS, peer_list

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OURS = "zh-news-search"
COLD_QUERY = ("长沙银行", "供应链金融")
QUERY_SEED = 13


# ---------------------------------------------------------------- inputs


def load_records(path: Path, docs: int | None) -> list[dict]:
    """The first ``docs`` records of a JSONL file (gzipped or not) with a title and text."""
    opener = gzip.open if path.suffix == ".gz" else open
    records = []
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("text"):
                records.append({"id": str(record.get("id", len(records))),
                                "title": record.get("title", ""), "text": record["text"]})
            if docs and len(records) >= docs:
                break
    return records


def title_queries(records: list[dict], count: int = 200, seed: int = QUERY_SEED) -> list[str]:
    """``count`` queries of 1-4 consecutive words of random titles (fixed seed)."""
    import rjieba

    rng = random.Random(seed)
    queries: list[str] = []
    while len(queries) < count:
        title = rng.choice(records)["title"]
        words = [w for w in rjieba.cut(title) if re.fullmatch(r"[\w]+", w) and len(w) > 1]
        if words:
            size = rng.randint(1, min(4, len(words)))
            start = rng.randint(0, len(words) - size)
            queries.append(" ".join(words[start:start + size]))
    return queries


def set_queries(directory: Path, count: int) -> list[str]:
    """The first ``count`` queries of a relevance set's ``queries_dev.jsonl``."""
    with open(directory / "queries_dev.jsonl", encoding="utf-8") as lines:
        return [json.loads(line)["query"] for line in lines][:count]


# ---------------------------------------------------------------- one engine, in a child


def child(engine: str, corpus: Path, workdir: Path, queries: list[str], rounds: int) -> dict:
    """Build ``engine`` on ``corpus`` and time its queries; runs in a fresh process (ours
    on a cluster: in a cluster of 2 shards it starts first and stops last)."""
    with contextlib.ExitStack() as stack:
        location = workdir / "index"
        if engine == CLUSTER:
            location = stack.enter_context(_cluster(workdir))
        return _timed(engine, corpus, location, queries, rounds)


@contextlib.contextmanager
def _cluster(workdir: Path):
    from search.backends.sphinxql import cluster
    from search.backends.sphinxql.sql import Address

    with cluster.temporary(workdir / "cluster") as made:
        yield Address("127.0.0.1", made.aggregator.sql_port)


def _timed(engine: str, corpus: Path, location, queries: list[str], rounds: int) -> dict:
    records = load_records(corpus, None)
    started = time.perf_counter()
    if engine in (OURS, CLUSTER):
        search, size, passages = _build_ours(corpus, location)
    else:
        search, size, passages = _build_peer(engine, records)
    build = time.perf_counter() - started
    search(queries[0])  # open the index and load what a first query loads
    latencies = []
    for _ in range(rounds):
        times = []
        for text in queries:
            started = time.perf_counter()
            search(text)
            times.append(time.perf_counter() - started)
        latencies.append(times)
    return {"build_seconds": build, "passages": passages, "index_bytes": size(),
            "latencies": latencies, "server_peak_rss_bytes": _server_peak(location)}


def _build_ours(corpus: Path, location):
    """Our engine built into ``location`` (a folder, or a cluster's address): (search,
    the index's bytes on disk, passages)."""
    from search.engine import Engine
    from search.indexer import index_paths

    report = index_paths(location, [corpus], rebuild=True)
    engine = Engine(location)
    if isinstance(location, Path):
        return lambda text: engine.query(text, 10), lambda: _disk_bytes(location), \
            report.passages
    return lambda text: engine.query(text, 10), lambda: _cluster_bytes(location), \
        report.passages


def _cluster_bytes(address) -> int:
    """The bytes of the cluster's indexes on disk, once each shard has saved its RAM chunk."""
    from search.backends.sphinxql.backend import ClusterBackend
    from search.backends.sphinxql.cluster import INDEX

    backend = ClusterBackend.open(address)
    try:
        for shard in range(backend.shards):
            backend.write(shard, f"FLUSH RTINDEX {INDEX}")
    finally:
        backend.close()
    return sum(_disk_bytes(path) for path in Path.cwd().glob("cluster/*/data"))


def _server_peak(location) -> int:
    """The peak resident memory of the cluster's searchd processes (0: embedded)."""
    if isinstance(location, Path):
        return 0
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            command = (status.parent / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "searchd" in command and str(Path.cwd()) in command:
            found = re.search(r"VmHWM:\s+(\d+) kB", text)
            peak += int(found.group(1)) * 1024 if found else 0
    return peak


def _build_peer(name: str, records: list[dict]):
    peer = PEERS[name]()
    peer.build(records)
    return lambda text: peer.search(text, 10), peer.size_bytes, len(records)


def _disk_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


# ---------------------------------------------------------------- the parent


class TreeMemory:
    """Peak resident memory of a process and all its descendants, sampled every 50 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._done = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self.peak = max(self.peak, sum(_rss(pid) for pid in _tree(self.pid)))

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def _rss(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) * 1024 if found else 0


def run_child(engine: str, corpus: Path, queries: list[str], rounds: int) -> dict:
    """One build-and-query run of ``engine`` in a fresh process, with its peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "queries.json").write_text(json.dumps(queries, ensure_ascii=False), "utf-8")
        command = [sys.executable, "-m", "bench.speed", "--child", engine, str(corpus),
                   "--workdir", tmp, "--rounds", str(rounds)]
        process = subprocess.Popen(command, cwd=tmp, stdout=subprocess.PIPE, text=True,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        memory = TreeMemory(process.pid)
        output, _ = process.communicate()
        peak = memory.stop()
        if process.returncode != 0:
            raise SystemExit(f"{engine} failed (exit {process.returncode})")
        result = json.loads(output)
        result["peak_rss_bytes"] = peak + result["server_peak_rss_bytes"]
        return result


def cold_query_seconds(runs: int) -> list[float]:
    """Wall time of ``search query`` processes on a seeds index built beforehand."""
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        base = [sys.executable, "-m", "search", "--index-dir", str(index)]
        subprocess.run([*base, "index", str(ROOT / "seeds"), "-q"], check=True, cwd=ROOT)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([*base, "query", *COLD_QUERY], check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - started)
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summarise(runs: list[dict], megabytes: float) -> dict:
    """Medians over runs of build and query figures (query percentiles per round)."""
    builds = [run["build_seconds"] for run in runs]
    rounds = [times for run in runs for times in run["latencies"]]
    figure = {
        "build_seconds": statistics.median(builds),
        "mb_per_second": megabytes / statistics.median(builds),
        "passages_per_second": statistics.median(r["passages"] / r["build_seconds"] for r in runs),
        "passages": runs[0]["passages"],
        "peak_rss_mb": statistics.median(run["peak_rss_bytes"] for run in runs) / 2**20,
        "index_mb": statistics.median(run["index_bytes"] for run in runs) / 2**20,
    }
    for q in (50, 95, 99):
        figure[f"query_p{q}_ms"] = 1000 * statistics.median(percentile(r, q) for r in rounds)
    return figure


def ratios(figures: dict) -> dict:
    """Each peer's figures as a ratio to ours (above 1: the peer takes longer or more)."""
    ours = figures[OURS]
    keys = ("build_seconds", "peak_rss_mb", "index_mb", "query_p50_ms", "query_p95_ms",
            "query_p99_ms")
    return {name: {key: round(peer[key] / ours[key], 3) if ours[key] else None for key in keys}
            for name, peer in figures.items() if name != OURS}


def markdown(result: dict) -> str:
    """The figures as a markdown table."""
    columns = ("build_seconds", "mb_per_second", "passages_per_second", "peak_rss_mb",
               "index_mb", "query_p50_ms", "query_p95_ms", "query_p99_ms")
    lines = [f"# Speed: {result['name']}", "", f"{result['corpus']}: {result['documents']} "
             f"documents, {result['megabytes']:.1f} MB; {result['queries']} queries "
             f"({result.get('query_kind', 'title words')}), "
             f"{result['runs']} runs (medians); machine: {result['machine']}", "",
             "| engine | " + " | ".join(columns) + " |",
             "| --- |" + " ---: |" * len(columns)]
    for name, figure in result["engines"].items():
        lines.append(f"| {name} | " + " | ".join(f"{figure[c]:.4g}" for c in columns) + " |")
    cold = result["cold_query_seconds"]
    lines += ["", f"Cold `search query {' '.join(COLD_QUERY)}` on the seeds index: median "
              f"{statistics.median(cold):.3f} s wall over {len(cold)} runs.", "",
              "Ratios to ours (peer / ours):", "", "| engine | " + " | ".join(
                  next(iter(result["ratios"].values()), {})) + " |"]
    if result["ratios"]:
        lines.append("| --- |" + " ---: |" * len(next(iter(result["ratios"].values()))))
    for name, ratio in result["ratios"].items():
        lines.append(f"| {name} | " + " | ".join(str(v) for v in ratio.values()) + " |")
    return "\n".join(lines) + "\n"


def plot(latencies: dict[str, list[float]], path: Path) -> None:
    """Box plots of per-query latency per engine (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4.5))
    names = list(latencies)
    axes.boxplot([[1000 * t for t in latencies[name]] for name in names], whis=(1, 99),
                 showfliers=True, flierprops={"markersize": 2})
    axes.set_xticks(range(1, len(names) + 1), names)
    axes.set_yscale("log")
    axes.set_ylabel("query latency (ms, log scale)")
    axes.set_title("Query latency per engine (whiskers: p1-p99)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               "unknown CPU")
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    python = sys.version.split()[0]
    return f"{os.cpu_count()} cores, {cpu}, {memory / 2**20:.0f} GiB, Python {python}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--docs", type=int, help="only the first N records")
    parser.add_argument("--runs", type=int, default=3, help="runs per engine (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="query rounds per run")
    parser.add_argument("--queries", type=int, default=200, help="queries (default 200)")
    parser.add_argument("--queries-from", type=Path, metavar="DIR",
                        help="a relevance set's folder: its dev queries instead of title words")
    parser.add_argument("--peers", type=peer_list, default=list(PEERS),
                        help=f"peer engines, comma-separated (default: {','.join(PEERS)}), "
                        "or none")
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--name", help="results name (default: from the corpus and --docs)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results go")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        queries = json.loads((args.workdir / "queries.json").read_text("utf-8"))
        print(json.dumps(child(args.child, args.corpus, args.workdir, queries, args.rounds)))
        return
    run(args)


def run(args) -> dict:
    peers = args.peers
    name = args.name or args.corpus.name.split(".")[0] + (f"-{args.docs}" if args.docs else "") \
        + (f"-{args.queries_from.name}-queries" if args.queries_from else "")
    records = load_records(args.corpus, args.docs)
    queries = set_queries(args.queries_from, args.queries) if args.queries_from \
        else title_queries(records, args.queries)
    megabytes = sum(len(r["title"].encode()) + len(r["text"].encode()) for r in records) / 1e6
    figures, latencies = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                          "utf-8")
        for engine in [OURS, *peers]:
            runs = []
            for n in range(args.runs):
                print(f"{engine}: run {n + 1}/{args.runs}", file=sys.stderr, flush=True)
                runs.append(run_child(engine, corpus, queries, args.rounds))
            figures[engine] = summarise(runs, megabytes)
            latencies[engine] = runs[-1]["latencies"][-1]
    result = {"name": name, "corpus": args.corpus.name, "documents": len(records),
              "megabytes": megabytes, "queries": len(queries),
              "query_kind": f"{args.queries_from.name} dev queries" if args.queries_from
              else "title words", "runs": args.runs,
              "machine": machine(), "engines": figures, "ratios": ratios(figures),
              "cold_query_seconds": cold_query_seconds(args.cold_runs),
              "query_seed": QUERY_SEED}  # the queries come from the corpus: not stored
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1),
                                               "utf-8")
    (args.results / f"{name}.md").write_text(markdown(result), "utf-8")
    plot(latencies, args.results / f"{name}-latency.png")
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()

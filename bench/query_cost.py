"""What a query costs in process, and what it answers: ``python -m bench.query_cost INDEX
RECORDS {time,dump} [--kinds titles,headlines,questions,numbered] [--rounds N] [--out FILE]``.

INDEX is an index of RECORDS (a JSONL file, as ``search index`` takes it); the query sets are
``bench.speed``'s 200 title queries of RECORDS, the first 300 news-titles headlines and the
first 300 cmrc2018 dev questions (``../shared/relevance``), and "numbered": those of the three
with an ASCII letter or digit. ``time`` prints each set's p50 and p95 of ``time.process_time``
around ``Engine.query(text, 10)`` (the median over the rounds); ``dump`` writes every answer
as JSON, to compare two trees' answers byte for byte. To compare trees, run one and the other
alternately, ``--tree`` naming the other, e.g.

    python -m bench.query_cost /tmp/n5k news5k.jsonl time --tree ../main
    python -m bench.query_cost /tmp/n5k news5k.jsonl time
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

from .speed import load_records, title_queries

RELEVANCE = Path(__file__).resolve().parents[2] / "shared" / "relevance"
SET_SIZE = 300  # headlines, questions


def query_sets(records: Path) -> dict[str, list[str]]:
    """The query sets by name (see the module docstring)."""
    sets = {"titles": title_queries(load_records(records, 5000)),
            "headlines": _queries(RELEVANCE / "news-titles"),
            "questions": _queries(RELEVANCE / "cmrc2018")}
    sets["numbered"] = [query for name in ("titles", "headlines", "questions")
                        for query in sets[name] if re.search("[0-9A-Za-z]", query)]
    return sets


def _queries(directory: Path) -> list[str]:
    """The first ``SET_SIZE`` queries of a relevance set's dev queries."""
    with open(directory / "queries_dev.jsonl", encoding="utf-8") as lines:
        return [json.loads(line)["query"] for line in lines][:SET_SIZE]


def percentiles(engine, queries: list[str]) -> tuple[float, float]:
    """(p50, p95) in ms of the process time of each query."""
    took = []
    for text in queries:
        start = time.process_time()
        engine.query(text, 10)
        took.append(time.process_time() - start)
    took.sort()
    return took[len(took) // 2] * 1000, took[int(len(took) * 0.95)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("records", type=Path)
    parser.add_argument("mode", choices=("time", "dump"))
    parser.add_argument("--kinds", default="titles,headlines,questions,numbered")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("answers.json"))
    parser.add_argument("--tree", type=Path, help="the tree whose search package answers "
                        "(default: the one on the path, this one)")
    args = parser.parse_args()
    if args.tree:
        sys.path.insert(0, str(args.tree.resolve()))
    from search.engine import Engine  # from --tree, when given

    sets, engine = query_sets(args.records), Engine(args.index)
    kinds = args.kinds.split(",")
    engine.query(sets["titles"][0], 10)  # opened, dictionaries loaded
    if args.mode == "dump":
        answers = {kind: [engine.query(text, 10) for text in sets[kind]] for kind in kinds}
        args.out.write_text(json.dumps(answers, ensure_ascii=False, sort_keys=True), "utf-8")
        return
    for kind in kinds:
        rounds = [percentiles(engine, sets[kind]) for _ in range(args.rounds)]
        p50, p95 = (statistics.median(values) for values in zip(*rounds, strict=True))
        print(f"{kind} ({len(sets[kind])}) p50 {p50:.2f} p95 {p95:.2f}")


if __name__ == "__main__":
    main()

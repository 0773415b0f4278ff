"""The benchmark harness runs end to end on the seeds with a few queries, so it cannot rot."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

PEERS = ["whoosh-jieba", "rank-bm25", "tantivy", "sqlite-fts5"]
if shutil.which("searchd"):  # ours on a cluster too (.ci/run installs searchd)
    PEERS.append("cluster")
ENGINES = {"zh-news-search", *PEERS}


@pytest.fixture(scope="module")
def seed_set(tmp_path_factory) -> Path:
    """The seeds as a retrieval set: each article's headline is a query for it."""
    folder = tmp_path_factory.mktemp("seedset")
    records, queries = [], []
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        title = next(line for line in text.splitlines()  # past front matter and markup
                     if len(re.findall(r"[\u4e00-\u9fff]", line)) >= 6)[:30]
        records.append({"id": seed.stem, "title": seed.stem, "text": text})
        queries.append({"qid": seed.stem, "query": title, "relevant": [seed.stem]})
    for name, rows in (("corpus.jsonl", records), ("queries_dev.jsonl", queries)):
        (folder / name).write_text("".join(json.dumps(row, ensure_ascii=False) + "\n"
                                           for row in rows), encoding="utf-8")
    return folder


def bench(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def test_relevance_benchmark_on_the_seeds(seed_set, tmp_path):
    result = json.loads(bench("bench.relevance", str(seed_set), "--results", str(tmp_path),
                              "--name", "seeds", "--peers", ",".join(PEERS)).stdout)
    assert set(result["engines"]) == ENGINES and result["queries"] == 5
    for figures in result["engines"].values():
        assert 0 <= figures["MRR@10"] <= 1 and figures["Recall@100"] > 0
    assert result["engines"]["zh-news-search"]["MRR@10"] == 1.0  # headlines find their article
    if "cluster" in result["engines"]:
        assert result["engines"]["cluster"]["Recall@10"] == 1.0
    assert "| sqlite-fts5 |" in (tmp_path / "seeds.md").read_text(encoding="utf-8")
    saved = json.loads((tmp_path / "seeds.json").read_text(encoding="utf-8"))
    assert {len(times) for times in saved["latencies"].values()} == {5}
    assert (tmp_path / "seeds-latency.png").read_bytes().startswith(b"\x89PNG")


def test_speed_benchmark_on_the_seeds(seed_set, tmp_path):
    bench("bench.speed", str(seed_set / "corpus.jsonl"), "--runs", "1", "--rounds", "1",
          "--queries", "5", "--cold-runs", "1", "--results", str(tmp_path), "--name", "seeds",
          "--peers", ",".join(PEERS))
    result = json.loads((tmp_path / "seeds.json").read_text(encoding="utf-8"))
    assert set(result["engines"]) == ENGINES and set(result["ratios"]) == ENGINES - {
        "zh-news-search"}
    for figures in result["engines"].values():
        assert figures["build_seconds"] > 0 and figures["peak_rss_mb"] > 10
        assert 0 < figures["query_p50_ms"] <= figures["query_p99_ms"]
    assert result["engines"]["zh-news-search"]["passages"] > 5
    assert 0 < min(result["cold_query_seconds"])
    assert "| tantivy |" in (tmp_path / "seeds.md").read_text(encoding="utf-8")
    assert (tmp_path / "seeds-latency.png").read_bytes().startswith(b"\x89PNG")

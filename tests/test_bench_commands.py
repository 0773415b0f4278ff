"""bench.commands runs every command as a process on a seeds index and reports each one."""

import json
import subprocess
import sys

from search.indexer import index_paths
from tests.conftest import ROOT, SEEDS

COMMANDS = ["stats", "query", "query --filter", "facets city", "show", "quote", "query --json",
            "index (build)"]


def test_commands_benchmark_on_the_seeds(tmp_path):
    index_paths(tmp_path / "index", [SEEDS], rebuild=True)
    done = subprocess.run([sys.executable, "-m", "bench.commands", str(tmp_path / "index"),
                           "--runs", "1", "--build", str(SEEDS), "--results", str(tmp_path),
                           "--name", "seeds"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "seeds.json").read_text(encoding="utf-8"))
    assert [row["name"] for row in result["commands"]] == COMMANDS
    for row in result["commands"]:
        figure = row["new"]
        assert figure["status"] == 0 and figure["runs"] == 1, row
        assert figure["seconds"] > 0 and figure["peak_rss_mb"] > 10, row
    assert result["index_counts"]["passages"] > 5
    table = (tmp_path / "seeds.md").read_text(encoding="utf-8")
    assert "| quote |" in table and table in done.stdout


def test_load_benchmark_on_the_seeds(tmp_path):
    index_paths(tmp_path / "index", [SEEDS], rebuild=True)
    done = subprocess.run([sys.executable, "-m", "bench.load", str(tmp_path / "index"),
                           "--clients", "4", "--seconds", "2", "--queries", "8", "--results",
                           str(tmp_path), "--name", "seeds"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "seeds.json").read_text(encoding="utf-8"))
    assert result["errors"] == 0 and result["requests_per_second"] > 0
    for name, figures in result["pages"].items():
        assert figures["requests"] > 0 and 0 < figures["p50_ms"] <= figures["p95_ms"], name
    assert "requests/s" in (tmp_path / "seeds.md").read_text(encoding="utf-8")

"""Commands: ``python -m bench.commands INDEX_DIR [--runs N] [--compare TREE]
[--compare-index DIR] [--build SOURCE] [--name NAME]``.

Wall time and peak RSS of each user command (``stats``, a keyword query, a query with a
filter, ``facets city``, ``show``, ``quote``, ``query --json``) run as a real
``python -m search`` process on INDEX_DIR, the way a user runs it; with ``--build``, also of
``search index SOURCE`` into a temporary index. The query words and the ids are taken from
the index itself, so it runs on any index. With ``--compare TREE`` the same commands run
with another checkout of the code on ``PYTHONPATH``, old and new alternated run by run.
Prints the medians over ``--runs`` as a Markdown table; ``--name`` also writes
``bench/results/<name>.md`` and ``.json``.

Peak RSS is ``ru_maxrss`` of the process as returned by ``os.wait4``: the largest resident
size of the process or of any descendant it waited for (the indexer's writer processes), not
their sum.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.speed import RESULTS, ROOT, machine

NEW, OLD = "new", "old"
CANNOT_OPEN = "cannot open this index"
FILTER_FIELDS = ("city", "province", "year", "source")  # the first with a value filters


@dataclass
class Command:
    """One command as a user types it after ``search --index-dir DIR``."""

    name: str
    args: list[str]
    builds: bool = False  # ``search index``: into a fresh temporary index each run


# ---------------------------------------------------------------- what to ask


def pick_commands(index_dir: Path) -> list[Command]:
    """The commands to time, with query words, filter and ids taken from the index: the
    first passage tied to the most frequent city (or province, year, source), the two
    longest words of its article's title (Chinese before ASCII), and the best hit of them."""
    from search.engine import Engine
    from search.query.filters import make_filters
    from search.text.analysis import query_words

    engine = Engine(index_dir)
    try:
        facets = engine.query(None, 1, facets=FILTER_FIELDS)["facets"]
        field = next((f for f in FILTER_FIELDS if facets.get(f)), None)
        value = max(facets[field], key=facets[field].get) if field else None
        filters = make_filters(**{field: (value,)}) if field else None
        first = engine.query(None, 1, filters, facets=())["hits"]
        if not first:
            raise SystemExit(f"{index_dir}/ holds no passage: nothing to time")
        words = sorted((w for w in query_words(first[0]["title"]) if len(w) > 1),
                       key=lambda w: (not w.isascii(), len(w)), reverse=True)[:2]
        words = words or [first[0]["title"][:2]]  # Chinese words first, then numbers
        title = query_words(first[0]["title"])
        words.sort(key=title.index)  # in the title's order
        best = engine.query(" ".join(words), 1, facets=())["hits"][0]
    finally:
        engine.close()
    narrowed = [f"--{field}", value] if field else []
    return [
        Command("stats", ["stats"]),
        Command("query", ["query", *words]),
        Command("query --filter", ["query", *words, *narrowed]),
        Command("facets city", ["facets", "city"]),
        Command("show", ["show", best["article_id"]]),
        Command("quote", ["quote", best["passage_id"]]),
        Command("query --json", ["query", *words, "--json"]),
    ]


# ---------------------------------------------------------------- one timed process


# Runs a command and prints its wait4 figures. The command must not be forked from this
# benchmark: Linux keeps a process's peak RSS across fork and exec, so every command would
# report at least this process's memory. It is forked from this small launcher instead.
LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - started, os.waitstatus_to_exitcode(status), usage.ru_maxrss,
      usage.ru_utime + usage.ru_stime)
"""


def timed(argv: list[str], tree: Path, cwd: Path) -> dict:
    """Run ``argv`` with ``tree`` on PYTHONPATH: ``{"seconds", "peak_rss_mb", "cpu_seconds",
    "status", "error"}`` (``error``: the last line of stderr when the status is not 0)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *argv], cwd=cwd, env=env,
                          capture_output=True, check=True)
    seconds, status, rss_kib, cpu = done.stdout.decode().split()
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return {"seconds": float(seconds), "peak_rss_mb": int(rss_kib) / 1024,
            "cpu_seconds": float(cpu), "status": int(status),
            "error": lines[-1] if int(status) and lines else ""}


def run_once(command: Command, tree: Path, index_dir: Path, workdir: Path) -> dict:
    """One timed run of ``command`` (a build goes to a fresh folder, removed after)."""
    if not command.builds:
        return timed(search_argv(index_dir, command), tree, workdir)
    with tempfile.TemporaryDirectory(dir=workdir) as built:
        return timed(search_argv(Path(built) / "index", command), tree, workdir)


def search_argv(index_dir: Path, command: Command) -> list[str]:
    return [sys.executable, "-m", "search", "--index-dir", str(index_dir), *command.args]


# ---------------------------------------------------------------- the runs


def measure(commands: list[Command], trees: dict[str, tuple[Path, Path]],
            runs: int) -> tuple[dict[str, dict[str, list[dict]]], dict[str, str]]:
    """Every command on every tree ``runs`` times, the trees alternated run by run (and
    which goes first too): the runs of each command per tree, and the trees that cannot
    open their index (their ``stats`` fails; they are not asked again) with the error."""
    results = {c.name: {label: [] for label in trees} for c in commands}
    refused: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:  # the working directory: no search/ in it
        workdir = Path(tmp)
        for label, (tree, index_dir) in trees.items():  # warm-up: .pyc files, page cache
            warm = timed(search_argv(index_dir, commands[0]), tree, workdir)
            if warm["status"]:
                refused[label] = warm["error"]
        for run in range(runs):
            order = list(trees) if run % 2 == 0 else list(reversed(trees))
            print(f"run {run + 1}/{runs}", file=sys.stderr, flush=True)
            for command in commands:
                for label in order:
                    if label in refused and not command.builds:
                        continue
                    tree, index_dir = trees[label]
                    results[command.name][label].append(
                        run_once(command, tree, index_dir, workdir))
    return results, refused


def summarise(samples: list[dict]) -> dict:
    """Medians over the runs of one command on one tree, or why it has none."""
    if not samples:
        return {"error": CANNOT_OPEN}
    failed = [s for s in samples if s["status"]]
    figure = {"runs": len(samples), "status": max((s["status"] for s in samples), key=abs)}
    for key in ("seconds", "peak_rss_mb", "cpu_seconds"):
        figure[key] = round(statistics.median(s[key] for s in samples), 3)
        figure[f"{key}_runs"] = [round(s[key], 3) for s in samples]
    if failed:
        figure["error"] = failed[0]["error"]
    return figure


def ratio(old: dict, new: dict, key: str) -> float | None:
    """old / new (above 1: the old code takes longer or more)."""
    if "error" in old or "error" in new or not new[key]:
        return None
    return round(old[key] / new[key], 2)


def commit(tree: Path) -> str:
    done = subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h %cs"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "not a git checkout"


# ---------------------------------------------------------------- report


def cell(figure: dict, key: str, digits: str) -> str:
    if "runs" not in figure:
        return figure["error"]
    if figure.get("status"):
        return f"failed (exit {figure['status']})"
    return format(figure[key], digits)


def markdown(result: dict) -> str:
    """The medians as a Markdown table, the exact commands under it."""
    trees = result["trees"]
    head = ["command", "wall s", "peak RSS MB"]
    rule = "| --- | ---: | ---: |"
    if OLD in trees:
        head = ["command", "wall s (new)", "wall s (old)", "old/new",
                "peak RSS MB (new)", "peak RSS MB (old)", "old/new"]
        rule = "| --- |" + " ---: |" * 6
    counts = result["index_counts"]
    lines = [f"# Commands: {result['name']}", "",
             f"Index `{result['index']}`: {counts.get('files')} files, "
             f"{counts.get('articles')} articles, {counts.get('passages')} passages; "
             f"{result['runs']} runs (medians); machine: {result['machine']}", ""]
    lines += [f"- {label}: `{tree['path']}` ({tree['commit']})"
              + (f", index `{tree['index']}`" if tree["index"] != result["index"] else "")
              + (f"; {CANNOT_OPEN}: {tree['refused']}" if tree["refused"] else "")
              for label, tree in trees.items()]
    lines += ["", "| " + " | ".join(head) + " |", rule]
    for row in result["commands"]:
        new = row[NEW]
        if OLD not in trees:
            cells = [cell(new, "seconds", ".3f"), cell(new, "peak_rss_mb", ".0f")]
        else:
            old = row[OLD]
            cells = [cell(new, "seconds", ".3f"), cell(old, "seconds", ".3f"),
                     _ratio_cell(row["ratio"]["seconds"]),
                     cell(new, "peak_rss_mb", ".0f"), cell(old, "peak_rss_mb", ".0f"),
                     _ratio_cell(row["ratio"]["peak_rss_mb"])]
        lines.append(f"| {row['name']} | " + " | ".join(cells) + " |")
    lines += ["", "Peak RSS: `ru_maxrss` from `os.wait4`, the largest single process "
              "(a build's writer processes included), not their sum.", "", "Commands "
              "(after `python -m search --index-dir INDEX`):", ""]
    lines += [f"- {row['name']}: `{' '.join(row['args'])}`" for row in result["commands"]]
    errors = [(row["name"], label, row[label]["error"]) for row in result["commands"]
              for label in trees if row[label].get("error") not in (None, CANNOT_OPEN)]
    if errors:
        lines += ["", "Errors:", ""]
        lines += [f"- {name} ({label}): {error}" for name, label, error in errors]
    return "\n".join(lines) + "\n"


def _ratio_cell(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="the index to run the commands on")
    parser.add_argument("--runs", type=int, default=3, help="runs per command (default 3)")
    parser.add_argument("--compare", type=Path, metavar="TREE",
                        help="another checkout of the code, run alternately with this one")
    parser.add_argument("--compare-index", type=Path, metavar="DIR",
                        help="the index the --compare tree opens (default: INDEX)")
    parser.add_argument("--build", type=Path, metavar="SOURCE",
                        help="also time `search index SOURCE` into a temporary index")
    parser.add_argument("--name", help="write bench/results/NAME.md and NAME.json")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results go")
    args = parser.parse_args(argv)
    index = args.index.resolve()
    commands = pick_commands(index)
    if args.build:
        commands.append(Command("index (build)", ["index", str(args.build.resolve()),
                                                  "--rebuild", "-q"], builds=True))
    trees = {NEW: (ROOT, index)}
    if args.compare:
        trees[OLD] = (args.compare.resolve(), (args.compare_index or args.index).resolve())
    samples, refused = measure(commands, trees, args.runs)
    rows = []
    for command in commands:
        row = {"name": command.name, "args": command.args}
        row.update({label: summarise(samples[command.name][label]) for label in trees})
        if OLD in trees:
            row["ratio"] = {key: ratio(row[OLD], row[NEW], key)
                            for key in ("seconds", "peak_rss_mb", "cpu_seconds")}
        rows.append(row)
    result = {"name": args.name or index.name, "index": str(index),
              "index_counts": _counts(index), "runs": args.runs, "machine": machine(),
              "trees": {label: {"path": str(tree), "commit": commit(tree), "index": str(dir_),
                             "refused": refused.get(label, "")}
                        for label, (tree, dir_) in trees.items()},
              "commands": rows}
    if args.name:
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / f"{args.name}.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
        (args.results / f"{args.name}.md").write_text(markdown(result), "utf-8")
    print(markdown(result))
    return result


def _counts(index: Path) -> dict:
    from search.engine import Engine

    engine = Engine(index)
    try:
        return engine.stats()
    finally:
        engine.close()


if __name__ == "__main__":
    main()

"""What a stopped run keeps: ``python -m bench.stopped_run FILE [--at 0.6] [--args ...]``.

Indexes FILE (one big JSONL file, say the first 1,200 statutes of laws-zh) once to the end,
timing it; then indexes it again into a new folder and sends Ctrl-C (SIGINT) at ``--at`` of
that time, counts what the stopped index holds (``search stats``), runs the same command again
(which resumes after the last commit) and counts again. Prints the three counts and the exit
codes; the resumed run's counts should be the clean run's.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def index(folder: Path, path: Path, extra: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "search", "--index-dir", str(folder), "index",
                             str(path), "--quiet", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def holds(folder: Path) -> dict:
    """Articles and passages the index in ``folder`` holds."""
    out = subprocess.run([sys.executable, "-m", "search", "--index-dir", str(folder), "stats",
                          "--json"], capture_output=True, text=True, check=True).stdout
    found = json.loads(out)
    return {"articles": found["articles"], "passages": found["passages"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--at", type=float, default=0.6, help="share of a clean run's time")
    parser.add_argument("--args", nargs=argparse.REMAINDER, default=[],
                        help="more options for `search index` (say --commit-seconds 30)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        clean, stopped = Path(work, "clean"), Path(work, "stopped")
        started = time.perf_counter()
        index(clean, options.file, options.args).wait()
        seconds = time.perf_counter() - started
        run = index(stopped, options.file, options.args)
        time.sleep(options.at * seconds)
        run.send_signal(signal.SIGINT)
        run.wait()
        kept = holds(stopped) if (stopped / "CURRENT").exists() else {}
        resumed = index(stopped, options.file, options.args)
        resumed.wait()
        print(json.dumps({"clean_seconds": round(seconds, 1), "clean": holds(clean),
                          "stopped_at": options.at, "stopped_exit": run.returncode,
                          "kept": kept, "resumed_exit": resumed.returncode,
                          "resumed": holds(stopped)}, indent=1))


if __name__ == "__main__":
    main()

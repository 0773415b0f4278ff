"""One seeds index for the whole session, built by the real indexer into a temp folder; and
the same seeds in a real cluster of searchd nodes, so that the tests of the ``engine``
fixture run on both backends (the backend contract)."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from search.backends.sphinxql import cluster
from search.backends.sphinxql.sql import Address
from search.engine import Engine
from search.indexer import index_paths
from search.ingest.readers import read_file
from search.ingest.segment import segment
from search.query.parse import And, Not, Or, Phrase, Words, is_character
from search.text.analysis import units, words

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
os.chdir(ROOT)  # tests name the seeds as seeds/
NO_SEARCHD = "searchd is not installed (apt-get install sphinxsearch; .ci/run does it)"
needs_searchd = pytest.mark.skipif(shutil.which("searchd") is None, reason=NO_SEARCHD)


def run_search(*args: str, cwd, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m search ARGS`` as a real process in ``cwd``, with a bare environment (plus
    ``env``)."""
    return subprocess.run([sys.executable, "-m", "search", *args], cwd=cwd, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                          **(env or {})})


@pytest.fixture(scope="session")
def seed_workspace(tmp_path_factory) -> Path:
    """A project folder: a copy of seeds/ and, beside it, index/ built from it by the real
    indexer, so recorded paths and ids read ``seeds/…`` as they do in the repository."""
    workspace = tmp_path_factory.mktemp("workspace")
    shutil.copytree(SEEDS, workspace / "seeds")
    report = index_paths(workspace / "index", [workspace / "seeds"], rebuild=True)
    assert report.files == 5 and not report.skipped
    return workspace


@pytest.fixture(scope="session")
def seed_index(seed_workspace) -> Path:
    return seed_workspace / "index"


@pytest.fixture
def in_workspace(seed_workspace, monkeypatch) -> Path:
    """Run the test from the workspace, where paths are shown as ``seeds/…`` (from elsewhere
    they are shown absolute). Do not change its files: the whole session shares them."""
    monkeypatch.chdir(seed_workspace)
    return seed_workspace


@pytest.fixture(scope="session")
def seed_cluster(seed_workspace, tmp_path_factory) -> Address:
    """A running cluster of 2 shards on free loopback ports, holding the seeds as indexed
    from the workspace (recorded as ``seeds/…``)."""
    if shutil.which("searchd") is None:
        pytest.skip(NO_SEARCHD)
    with cluster.temporary(tmp_path_factory.mktemp("cluster") / "c") as made:
        address = Address("127.0.0.1", made.aggregator.sql_port)
        with contextlib.chdir(seed_workspace):
            report = index_paths(address, [Path("seeds")], rebuild=True)
        assert report.files == 5 and not report.skipped
        yield address


@pytest.fixture(scope="session", params=["embedded", "cluster"])
def engine(request, seed_index, seed_workspace) -> Engine:
    """An engine over the seeds, on each backend in turn."""
    if request.param == "embedded":
        engine = Engine(seed_index)
    else:
        address = request.getfixturevalue("seed_cluster")
        with contextlib.chdir(seed_workspace):  # where its sources are recorded against
            engine = Engine(address)
    yield engine
    engine.close()


@contextlib.contextmanager
def both_backends(folder: Path, paths: list[Path]):
    """An embedded index and a real cluster, each built from ``paths`` (relative to
    ``folder``, where the test then runs): ``(embedded, clustered)`` engines."""
    with contextlib.chdir(folder), cluster.temporary(folder / "c") as made:
        address = Address("127.0.0.1", made.aggregator.sql_port)
        for location in (Path("index"), address):
            index_paths(location, paths, rebuild=True)
        with Engine(Path("index")) as embedded, Engine(address) as clustered:
            yield embedded, clustered


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(workspace: Path, path: str = "/"):
    """``search serve`` as a real process over ``workspace``'s index, on a free port; the
    URL of ``path`` once it answers."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "search", "--index-dir", "index", "serve",
                               "--port", str(port)], cwd=workspace, stderr=subprocess.DEVNULL,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}{path}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def seed_articles() -> dict:
    """seed number ("000".."004") -> (Document, [Article, ...])."""
    out = {}
    for path in sorted(Path("seeds").glob("*.txt")):
        [doc] = read_file(path)
        out[path.name[:3]] = (doc, segment(doc))
    return out


def holds(stored: dict, node) -> bool:
    """Reference: does a passage hold a parsed query as typed? One of a word's needles, or a
    phrase, in a row in the units of its text, title or heading path; AND, OR, NOT as given."""
    if isinstance(node, Words | Phrase):
        return any(_holds_needle(stored[name], needle) for needle in node.needles
                   for name in ("text", "title", "section"))
    if isinstance(node, And):
        return all(holds(stored, child) for child in node.children)
    if isinstance(node, Or):
        return any(holds(stored, child) for child in node.children)
    if isinstance(node, Not):
        return not holds(stored, node.child)
    raise TypeError(node)


def _holds_needle(text: str, needle: tuple[str, ...]) -> bool:
    """A single CJK character as a word of the text, anything else as units in a row."""
    if is_character(needle):
        return needle[0] in {token.text for token in words(text)}
    return _contains(units(text), list(needle))


def _contains(found: list[str], needle: list[str]) -> bool:
    return any(found[i:i + len(needle)] == needle for i in range(len(found) - len(needle) + 1))

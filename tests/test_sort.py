"""Results in date order (`--sort newest|oldest`): by their articles' dates, undated ones last in
either order, the best first on a day; totals, facets, filters and the per-article limit as in
relevance order. On both backends (the ``engine`` fixture) and on an index of dated records."""

import itertools
import json

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.engine import Engine
from search.indexer import index_paths
from search.query.filters import make_filters
from tests.conftest import SEEDS

PARAGRAPHS = [line for seed in sorted(SEEDS.glob("*.txt"))
              for line in seed.read_text("utf-8").splitlines() if len(line) > 40]
DATES = ["2021-03-01", "2023-07-15", "", "2022-01-09", "2023-07-15", "2020-12-31", ""]


def dated_records() -> list[dict]:
    """Records of seed paragraphs, each with one of DATES (some undated, two on one day)."""
    return [{"id": f"r{n}", "title": f"记录{n}", "date": DATES[n % len(DATES)],
             "text": "\n\n".join(PARAGRAPHS[(5 * n + k) % len(PARAGRAPHS)] for k in range(5))}
            for n in range(21)]


@pytest.fixture(scope="module")
def dated(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("dated")
    (root / "records.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                for r in dated_records()), "utf-8")
    index_paths(root / "index", [root / "records.jsonl"])
    engine = Engine(root / "index")
    yield engine
    engine.close()


def date_keys(hits: list[dict], sort: str) -> list[tuple]:
    """Each hit's place in a date order: undated last, then the date (reversed for newest)."""
    return [(not hit["date"], hit["date"] if sort == "oldest" else
             "".join(chr(0x3A - int(c)) if c.isdigit() else c for c in hit["date"]))
            for hit in hits]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("text", ["企业", "株洲 数字化", "湖南 OR 重庆", None])
def test_hits_come_in_date_order_undated_last_the_best_first_on_a_day(dated, sort, text):
    hits = dated.query(text, 100, sort=sort)["hits"]
    assert hits and date_keys(hits, sort) == sorted(date_keys(hits, sort))
    assert {hit["date"] for hit in hits} >= {"", "2023-07-15"} or text is not None
    if text is not None:
        for before, after in itertools.pairwise(hits):
            if before["date"] == after["date"]:
                assert before["score"] >= after["score"]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_the_first_hits_by_date_are_the_first_of_all_matches(dated, sort):
    everything = dated.query("企业", 1000, sort=sort)["hits"]
    assert [hit["passage_id"] for hit in dated.query("企业", 7, sort=sort)["hits"]] == \
        [hit["passage_id"] for hit in everything[:7]]
    newest = everything[0]["date"]
    assert newest == ("2023-07-15" if sort == "newest" else "2020-12-31")


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_a_sort_changes_the_order_not_the_counts(engine, sort):
    filters = make_filters(city=["株洲"])
    base = engine.query("企业", 10, filters)
    ordered = engine.query("企业", 10, filters, sort=sort)
    assert ordered["total"] == base["total"] and ordered["facets"] == base["facets"]
    once = engine.query("企业", 50, filters, per_article=1, sort=sort)["hits"]
    assert len({hit["article_id"] for hit in once}) == len(once)


def test_the_cli_sorts_and_says_so(dated, tmp_path, monkeypatch):
    index = str(dated.index_dir)
    result = CliRunner().invoke(cli, ["--index-dir", index, "query", "企业", "--sort", "newest",
                                      "-n", "3"])
    assert result.exit_code == 0 and "; the newest 3:" in result.output
    result = CliRunner().invoke(cli, ["--index-dir", index, "query", "企业", "--sort", "latest"])
    assert result.exit_code == 2 and "'latest' is not one of" in result.output

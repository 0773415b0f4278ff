"""Facets and filters on the seeds index: counts, hierarchy, scripts, per-article."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.errors import QueryError
from search.query.filters import make_filters
from tests.test_places import SEED_PLACES

ALL = 1000


def seed_of(hit) -> str:
    return Path(hit["path"]).name[:3]


def test_city_filter_keeps_passages_tied_to_the_city(engine):
    result = engine.query("小巨人", ALL, make_filters(city=["株洲"]))
    assert result["total"] == len(result["hits"]) > 0
    assert all("株洲" in hit["cities"] for hit in result["hits"])
    seeds = {seed_of(hit) for hit in result["hits"]}
    assert {"000", "001"} <= seeds <= {"000", "001", "003"}


@pytest.mark.parametrize("facet", ["city", "province", "source", "year"])
def test_facet_counts_equal_filtered_totals(engine, facet):
    result = engine.query("企业", 10)
    assert result["facets"][facet]
    for value, count in result["facets"][facet].items():
        filters = make_filters(**{facet: [value]})
        assert engine.query("企业", 10, filters)["total"] == count, (facet, value)


def test_facets_count_all_matches_not_just_the_page(engine):
    small, large = engine.query("企业", 1), engine.query("企业", ALL)
    assert small["facets"] == large["facets"]
    assert sum(small["facets"]["city"].values()) >= len(small["hits"])


def test_city_facet_over_all_passages_has_no_spurious_city(engine):
    cities = set(engine.query(None, 1, facets=("city",))["facets"]["city"])
    assert cities == set().union(*(c for c, _ in SEED_PLACES.values()))


def test_province_filter_includes_its_cities_and_counties(engine):
    jiaxing = engine.query("嘉善", ALL, make_filters(city=["嘉兴"]))
    assert any("浙江省嘉善县" in hit["text"] for hit in jiaxing["hits"])
    zhejiang = engine.query("嘉善", ALL, make_filters(province=["浙江"]))
    assert {h["passage_id"] for h in jiaxing["hits"]} <= {h["passage_id"] for h in zhejiang["hits"]}
    county = engine.query("嘉善", ALL, make_filters(county=["嘉善县"]))
    assert [h["passage_id"] for h in county["hits"]] == [h["passage_id"] for h in jiaxing["hits"]]


@pytest.mark.parametrize("value", ["長沙", "长沙市", "長沙市", "长沙"])
def test_filters_take_either_script_and_form(engine, value):
    ids = [h["passage_id"] for h in engine.query("银行", ALL, make_filters(city=[value]))["hits"]]
    assert ids == [h["passage_id"] for h in
                   engine.query("银行", ALL, make_filters(city=["长沙"]))["hits"]]
    assert ids


def test_filters_combine_across_fields_and_any_within(engine):
    both = engine.query("企业", ALL, make_filters(city=["株洲", "北京"]))
    assert {seed_of(h) for h in both["hits"]} >= {"000", "002"}
    narrowed = engine.query("企业", ALL, make_filters(city=["株洲", "北京"], source=["株洲日报"]))
    assert narrowed["hits"] and {seed_of(h) for h in narrowed["hits"]} == {"003"}


def test_dates_and_years(engine):
    assert {seed_of(h) for h in engine.query("企业", ALL, make_filters(year=["2022"]))["hits"]} \
        == {"003"}
    assert engine.query("企业", ALL, make_filters(since="2022-02"))["total"] > 0
    assert engine.query("企业", ALL, make_filters(until="2022-02-07"))["total"] == 0
    assert engine.query("企业", ALL, make_filters(since="2023"))["total"] == 0


def test_per_article_limits_passages_per_article(engine):
    every = {h["article_id"] for h in engine.query("小巨人", ALL)["hits"]}
    for n in (1, 2):
        articles = [h["article_id"] for h in engine.query("小巨人", ALL, per_article=n)["hits"]]
        assert set(articles) == every
        assert max(articles.count(a) for a in every) == n


@pytest.mark.parametrize("kwargs, message", [
    ({"city": ["株州"]}, "--city 株州: no such city in the gazetteer; did you mean 株洲?"),
    ({"city": ["嘉善"]}, "--city 嘉善: 嘉善 is a county of 嘉兴; use --county 嘉善"),
    ({"year": ["22"]}, "--year 22: give a year such as 2022"),
    ({"since": "2022-13"}, "--since 2022-13: no such date"),
    ({"until": "yesterday"}, "--until yesterday: give a date as YYYY, YYYY-MM or YYYY-MM-DD"),
])
def test_bad_filter_values(kwargs, message):
    with pytest.raises(QueryError) as error:
        make_filters(**kwargs)
    assert str(error.value) == message


def test_municipality_as_province_filters_as_city():
    filters = make_filters(province=["北京"])
    assert (filters.city, filters.province) == (["北京"], [])


def test_cli_json_has_facets_and_places(seed_index):
    result = CliRunner().invoke(cli, ["--index-dir", str(seed_index), "query", '"黑灯工厂"',
                                      "--city", "株洲", "--json"])
    data = json.loads(result.output)
    assert set(data["facets"]) == {"city", "province", "source", "year"}
    assert data["facets"]["source"] == {"株洲日报": data["total"]}
    assert data["hits"][0]["cities"] == ["株洲"] and data["hits"][0]["provinces"] == ["湖南"]


def test_cli_shows_facets_under_results(seed_index):
    result = CliRunner().invoke(cli, ["--index-dir", str(seed_index), "query", "小巨人",
                                      "--city", "株洲", "-n", "2"])
    lines = result.output.splitlines()
    assert any(line.startswith("cities: 株洲 ") for line in lines)
    assert any(line.startswith("provinces: 湖南 ") for line in lines)


def test_cli_facets_command(seed_index):
    result = CliRunner().invoke(cli, ["--index-dir", str(seed_index), "facets", "city", "--json"])
    counts = json.loads(result.output)
    assert set(counts) == set().union(*(c for c, _ in SEED_PLACES.values()))
    text = CliRunner().invoke(cli, ["--index-dir", str(seed_index), "facets", "source",
                                    "--query", '"黑灯工厂"'])
    assert text.output.split() == ["株洲日报", "1"]


def test_cli_bad_filter_is_a_usage_error(seed_index):
    result = CliRunner().invoke(cli, ["--index-dir", str(seed_index), "query", "x", "--city", "株州"])
    assert (result.exit_code, result.output) == (
        2, "error: --city 株州: no such city in the gazetteer; did you mean 株洲?\n")


def test_counts_are_recorded_at_commit_and_checked(seed_index):
    """`stats` reads the counts the last commit recorded; counts recorded for another commit
    are not believed."""
    from search.backends.whoosh.backend import WhooshBackend
    from search.backends.whoosh.store import COUNTS

    backend = WhooshBackend.open(seed_index)
    try:
        recorded = json.loads((backend.generation / COUNTS).read_text(encoding="utf-8"))
        assert recorded.pop("commit") == backend.ix.latest_generation()
        assert recorded == backend.counts() == backend._counted()
        assert recorded["passages"] == backend.doc_count() > 0
    finally:
        backend.close()


def test_counts_of_another_commit_are_counted_again(tmp_path):
    from search.backends.whoosh.backend import WhooshBackend
    from search.backends.whoosh.store import COUNTS
    from search.indexer import index_paths

    source = tmp_path / "a.jsonl"
    source.write_text('{"id": "a", "title": "标题", "text": "株洲的小巨人企业。"}\n', encoding="utf-8")
    index_paths(tmp_path / "ix", [source])
    backend = WhooshBackend.open(tmp_path / "ix")
    try:
        stale = {"commit": backend.ix.latest_generation() - 1, "files": 9, "articles": 9,
                 "passages": 9}
        (backend.generation / COUNTS).write_text(json.dumps(stale), encoding="utf-8")
        assert backend.counts() == {"files": 1, "articles": 1, "passages": 1, "set_aside": 0,
                                    "repeated": 0, "copies": 0}
    finally:
        backend.close()


def test_facet_arrays_are_recorded_at_commit_and_checked(seed_index, engine, monkeypatch):
    """A large answer counts facets from the arrays the commit recorded; arrays of another
    commit are not believed, and both give the counts read from the postings."""
    from search.backends.whoosh import backend as whoosh_backend
    from search.backends.whoosh.backend import WhooshBackend
    from search.query.parse import parse

    expected = engine.query("企业", 1)["facets"]  # from the recorded arrays
    backend = WhooshBackend.open(seed_index)
    try:
        recorded = backend.facets().arrays
        assert recorded and recorded["commit"] == backend.ix.latest_generation()
        names, values, owners = backend.facets().read_values("cities")
        assert list(recorded["cities.names"]) == names
        assert (recorded["cities.values"] == values).all()
        assert (recorded["cities.owners"] == owners).all()
        assert (recorded["article_numbers"] == backend.postings().article_numbers()).all()
        backend.close()  # forget what was read, then see arrays of another commit refused
        monkeypatch.setattr(whoosh_backend.store, "latest_commit", lambda folder: -1)
        assert backend.facets().arrays == {}
        assert backend.search(parse("企业"), 1).facets == expected
    finally:
        backend.close()

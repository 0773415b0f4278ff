"""Boilerplate set aside (issue 27): a paragraph repeated in five or more articles of one source
(a subscription plea) and a page's navigation are left out of matching, counting and ranking,
found again with ``include_boilerplate``, marked on hits, quotes and the article's passages,
and reported by ``stats``; under incremental indexing a footer first seen in the fifth file sets
aside the first four too, and passage ids stay. Front-matter tags and categories are facets and
filters. The last test runs the same on a real cluster; the hkcnews-dev one on real exports."""

import contextlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from search.cli import cli
from search.engine import Engine
from search.indexer import index_paths
from search.query.filters import make_filters
from search.web.app import create_app
from tests.conftest import SHARED, both_backends, needs_searchd

FOOTER = "請加入成為本報的月費訂戶，長期支持我們的工作，訂戶每周收到時事通訊。"
BODIES = [
    ("株洲企業加快數字化轉型", ["工業"], "株洲一批製造企業今年加快數字化轉型，車間裝上感測器。"),
    ("長沙銀行推出新服務", ["金融"], "長沙的銀行推出小微企業貸款新服務，審批時間縮短一半。"),
    ("湘江治理見成效", ["環境"], "湘江沿岸的治理工程完成，水質連續三年達標。"),
    ("本報調整訂閱方案", ["本報"], "本報明年起調整月費訂戶的收費，現有訂戶的價錢維持不變。"),
    ("衡陽高鐵站擴建", ["交通"], "衡陽高鐵站擴建工程動工，新站房面積比舊站大一倍。"),
    ("岳陽港貨運量創新高", ["工業", "交通"], "岳陽港上半年貨運量創新高，集裝箱吞吐量增長兩成。"),
]


def write_article(folder: Path, number: int) -> None:
    title, tags, body = BODIES[number]
    tag_lines = "".join(f"  - {tag}\n" for tag in tags)
    (folder / f"article_{number}.md").write_text(
        f"---\ntitle: {title}\ndate: 2024-05-0{number + 1}\nsource: 本報\ntags:\n{tag_lines}"
        f"categories:\n  - {'評論' if number == 3 else '新聞'}\n---\n\n{body}\n\n---\n\n{FOOTER}\n",
        "utf-8")


@pytest.fixture
def archive(tmp_path) -> Path:
    (tmp_path / "archive").mkdir()
    for number in range(len(BODIES)):
        write_article(tmp_path / "archive", number)
    return tmp_path


def footer_ids(engine: Engine) -> set[str]:
    hits = engine.query('"月費訂戶"', 50, make_filters(boilerplate=True), exact=True)["hits"]
    return {hit["passage_id"] for hit in hits if FOOTER[:6] in hit["text"]}


def test_a_footer_in_five_articles_is_set_aside_in_all_and_found_when_asked(archive):
    index_paths(archive / "index", [archive / "archive"])
    with Engine(archive / "index") as engine:
        found = engine.query('"月費訂戶"', 50, exact=True)
        assert found["total"] == 1 and found["hits"][0]["article_id"].endswith("article_3")
        assert not found["hits"][0]["boilerplate"]
        every = engine.query('"月費訂戶"', 50, make_filters(boilerplate=True), exact=True)
        assert every["total"] == 7
        assert sum(hit["boilerplate"] for hit in every["hits"]) == 6
        stats = engine.stats()
        assert (stats["repeated"], stats["copies"]) == (1, 6)
        assert engine.facet("city", "時事通訊")["facets"]["city"] == {}
        footer = next(hit for hit in every["hits"] if hit["boilerplate"])
        assert engine.quote(footer["passage_id"])["boilerplate"] is True


def test_a_footer_first_seen_in_the_fifth_file_sets_aside_the_first_four_and_ids_stay(archive):
    later = archive / "later"
    later.mkdir()
    for number in (4, 5):
        (archive / "archive" / f"article_{number}.md").rename(later / f"article_{number}.md")
    index_paths(archive / "index", [archive / "archive"])
    with Engine(archive / "index") as engine:
        assert engine.query('"月費訂戶"', 50, exact=True)["total"] == 5  # four footers, one body
        before = footer_ids(engine)
    (later / "article_4.md").rename(archive / "archive" / "article_4.md")
    index_paths(archive / "index", [archive / "archive"])
    with Engine(archive / "index") as engine:
        assert engine.query('"月費訂戶"', 50, exact=True)["total"] == 1
        assert before < footer_ids(engine)
    (archive / "archive" / "article_0.md").unlink()
    (archive / "archive" / "article_1.md").unlink()
    index_paths(archive / "index", [archive / "archive"])
    with Engine(archive / "index") as engine:  # three footers left: no longer boilerplate
        assert engine.query('"月費訂戶"', 50, exact=True)["total"] == 4


def test_the_cli_the_page_and_the_api_mark_and_switch_boilerplate(archive):
    index_paths(archive / "index", [archive / "archive"])
    index = str(archive / "index")
    plain = CliRunner().invoke(cli, ["--index-dir", index, "query", '"月費訂戶"', "--exact"])
    every = CliRunner().invoke(cli, ["--index-dir", index, "query", '"月費訂戶"', "--exact",
                                     "--include-boilerplate"])
    assert plain.exit_code == every.exit_code == 0
    assert "1 passage" in plain.output and "7 passages" in every.output
    assert every.output.count("set aside as boilerplate") == 6
    stats = CliRunner().invoke(cli, ["--index-dir", index, "stats"])
    assert "6 more set aside as boilerplate: 6 copies of 1 paragraph" in stats.output
    with contextlib.chdir(archive), TestClient(create_app(archive / "index")) as client:
        page = client.get("/", params={"q": '"月費訂戶"', "include_boilerplate": 1}).text
        assert 'name="include_boilerplate" value="1" checked' in page
        api = client.get("/api/query", params={"q": "月費訂戶", "include_boilerplate": True})
        hits = api.json()["hits"]
        assert any(hit["boilerplate"] for hit in hits)
        article = client.get("/api/articles/" + hits[0]["article_id"]).json()
        marks = [passage["boilerplate"] for passage in article["passages"]]
        assert marks.count(True) == 1 and marks.count(False) >= 1


def test_tags_and_categories_are_facets_and_filters(archive):
    index_paths(archive / "index", [archive / "archive"])
    with Engine(archive / "index") as engine:
        assert engine.facet("tag")["facets"]["tag"] == {"工業": 2, "交通": 2, "金融": 1, "環境": 1, "本報": 1}
        assert engine.facet("category")["facets"]["category"] == {"新聞": 5, "評論": 1}
        hits = engine.query(None, 10, make_filters(tag=["交通"]))["hits"]
        assert {hit["title"] for hit in hits} == {"衡陽高鐵站擴建", "岳陽港貨運量創新高"}
        assert engine.query("企業", 10, make_filters(category=["評論"]))["total"] == 0
        assert hits[0]["tags"] and hits[0]["categories"] == ["新聞"]


@needs_searchd
def test_a_cluster_sets_aside_counts_and_filters_alike(archive):
    with both_backends(archive, [Path("archive")]) as (embedded, clustered):
        for filters in (make_filters(), make_filters(boilerplate=True),
                        make_filters(tag=["工業"]), make_filters(category=["評論"])):
            for text in ('"月費訂戶"', "企業", None):
                ours, theirs = (engine.query(text, 20, filters, exact=True)
                                for engine in (embedded, clustered))
                assert ours["total"] == theirs["total"], (text, filters)
                assert sorted(h["passage_id"] for h in ours["hits"]) == \
                    sorted(h["passage_id"] for h in theirs["hits"]), (text, filters)
        for field in ("tag", "category", "city"):
            assert embedded.facet(field)["facets"] == clustered.facet(field)["facets"], field
        assert embedded.stats()["repeated"] == clustered.stats()["repeated"] == 1


HKCNEWS = SHARED / "corpora" / "hkcnews-dev"


@pytest.mark.skipif(not HKCNEWS.is_dir(), reason="needs ../shared/corpora/hkcnews-dev")
def test_the_subscription_footer_of_real_exports_is_set_aside(tmp_path):
    """A quarter of the exports (their first numbered folders; the whole set: 4 passages left,
    1,274 with --include-boilerplate, docs/indexing.md)."""
    folders = sorted((HKCNEWS / "articles").iterdir())
    index_paths(tmp_path / "index", folders[:len(folders) // 4], jobs=2)
    with Engine(tmp_path / "index") as engine:
        asked = engine.query('"月費訂戶"', 100, exact=True)
        every = engine.query('"月費訂戶"', 10, make_filters(boilerplate=True), exact=True)
        assert asked["total"] < 10 and every["total"] > 200
        for hit in asked["hits"]:
            assert not hit["boilerplate"] and "請加入成為眾新聞的月費訂戶" not in hit["text"]

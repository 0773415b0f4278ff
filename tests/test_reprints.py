"""Reprints grouped (text/stories.py): the same story republished with another header and byline,
a paragraph more or less, other punctuation or in the other script is one story, found at index
time and kept up to date as files come and go; each hit lists its story's other articles, and
one hit a story can be asked for, the counts staying passage counts."""

import json
from contextlib import chdir
from pathlib import Path

import opencc
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from search.cli import cli
from search.engine import Engine
from search.indexer import index_paths
from search.web.app import create_app
from tests.conftest import SEEDS

PARAGRAPHS = [line for line in (sorted(SEEDS.glob("*.txt"))[3]).read_text("utf-8").splitlines()
              if len(line) > 40]
TRADITIONAL = opencc.OpenCC("s2t")


def records() -> dict[str, list[dict]]:
    """Files of records: a story and a different one on the same topic (news), the story
    reprinted in Traditional with another header and ASCII commas (hk), and with a paragraph
    more and a byline (more)."""
    story, other = "\n\n".join(PARAGRAPHS[:6]), "\n\n".join(PARAGRAPHS[6:12])
    reprint = "（來源：香港某報）\n\n" + TRADITIONAL.convert(story).replace("，", ",")
    longer = "本报记者 王五\n\n" + story + "\n\n" + PARAGRAPHS[12]
    return {
        "news.jsonl": [{"id": "story", "title": "原文", "date": "2022-02-08", "source": "株洲日报",
                        "text": story},
                       {"id": "other", "title": "另一篇", "date": "2022-02-08", "text": other}],
        "hk.jsonl": [{"id": "hk", "title": "轉載", "date": "2022-02-09", "source": "香港某报",
                      "text": reprint}],
        "more.jsonl": [{"id": "more", "title": "多一段", "date": "2022-02-10", "source": "湖南日报",
                        "text": longer}],
    }


def write(folder: Path, names: list[str]) -> None:
    for name, found in records().items():
        path = folder / name
        if name in names:
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in found),
                            "utf-8")
        else:
            path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def reprinted(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reprints")
    (root / "news").mkdir()
    write(root / "news", list(records()))
    index_paths(root / "index", [root / "news"])
    return root


def reprints_of(engine: Engine, text: str = "智能化") -> dict[str, set[str]]:
    return {hit["article_id"]: {found["article_id"] for found in hit["reprints"]}
            for hit in engine.query(text, 100)["hits"]}


def test_a_story_and_its_reprints_list_each_other(reprinted):
    with Engine(reprinted / "index") as engine:
        found = reprints_of(engine)
    assert found["story"] == {"hk", "more"} and found["hk"] == {"story", "more"}
    assert found["other"] == set()


def test_one_hit_a_story_and_the_counts_stay_passage_counts(reprinted):
    with Engine(reprinted / "index") as engine:
        every = engine.query("智能化", 100)
        once = engine.query("智能化", 100, one_per_story=True)
        oldest = engine.query("智能化", 100, one_per_story=True, sort="oldest")
    assert once["total"] == every["total"] and once["facets"] == every["facets"]
    stories = [frozenset({hit["article_id"], *(r["article_id"] for r in hit["reprints"])})
               for hit in once["hits"]]
    assert len(stories) == len(set(stories)) == 2
    assert once["hits"][0]["passage_id"] == every["hits"][0]["passage_id"]
    first = next(hit for hit in oldest["hits"] if hit["reprints"])
    assert first["article_id"] == "story"  # the earliest of its story


def test_a_reprint_indexed_later_joins_its_story_and_leaves_it_when_removed(tmp_path):
    (tmp_path / "news").mkdir()
    write(tmp_path / "news", ["news.jsonl"])
    index_paths(tmp_path / "index", [tmp_path / "news"])
    with Engine(tmp_path / "index") as engine:
        assert reprints_of(engine)["story"] == set()
        before = {hit["passage_id"] for hit in engine.query("智能化", 100)["hits"]}
    write(tmp_path / "news", ["news.jsonl", "hk.jsonl"])
    index_paths(tmp_path / "index", [tmp_path / "news"])
    with Engine(tmp_path / "index") as engine:
        assert reprints_of(engine)["story"] == {"hk"}
        assert before <= {hit["passage_id"] for hit in engine.query("智能化", 100)["hits"]}
    write(tmp_path / "news", ["news.jsonl"])
    index_paths(tmp_path / "index", [tmp_path / "news"])
    with Engine(tmp_path / "index") as engine:
        assert reprints_of(engine)["story"] == set()


def test_the_cli_and_the_page_show_the_reprints(reprinted):
    index = str(reprinted / "index")
    result = CliRunner().invoke(cli, ["--index-dir", index, "query", "智能化", "--one-per-story"])
    assert result.exit_code == 0 and "also in 2 other articles: " in result.output
    result = CliRunner().invoke(cli, ["--index-dir", index, "show", "hk"])
    assert result.exit_code == 0
    with chdir(reprinted), TestClient(create_app(reprinted / "index")) as client:
        page = client.get("/", params={"q": "智能化", "one_per_story": 1}).text
        assert "also in 2 other articles" in page and 'name="one_per_story" value="1" checked' in page
        api = client.get("/api/query", params={"q": "智能化", "one_per_story": True}).json()
        assert len(api["hits"]) == 2
        article = client.get("/api/articles/hk").json()
        assert {found["article_id"] for found in article["reprints"]} == {"story", "more"}

"""The CLI, through click's CliRunner and, for error handling, as a real process."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli
from tests.conftest import ROOT, run_search

CONTRACT = {"rank", "score", "passage_id", "article_id", "title", "section", "text", "matches",
            "title_matches", "section_matches",
            "path", "line_start", "line_end", "char_start", "char_end", "cities", "provinces",
            "source", "author", "date"}


def run(*args, index=None):
    argv = (["--index-dir", str(index)] if index else []) + list(args)
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


def test_query_prints_ranked_highlighted_passages(seed_index):
    result = run("query", "长沙银行", "供应链金融", "--limit", "2", index=seed_index)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert re.fullmatch(r"\d+ passages match; the best 2:", lines[0])
    assert "1. 培育「小巨人」 實現大作為 › 金融輸血 打通堵點" in lines
    assert "   seeds/001_097ff2d78488caf1.txt:178-183  ·  seeds/001_097ff2d78488caf1:23" in lines
    assert "[長沙銀行]依託中企雲鏈等[供應鏈金融]平台" in result.output


def test_query_json_follows_the_contract(seed_index):
    result = run("query", "黑灯工厂", "--json", index=seed_index)
    data = json.loads(result.output)
    assert data["query"] == "黑灯工厂" and data["total"] >= 1
    hit = data["hits"][0]
    assert set(hit) == CONTRACT
    assert hit["title"] == "中小企业如何突破“卡脖子”难题"
    assert hit["date"] == "2022-02-08"
    start, end = hit["matches"][0]
    assert hit["text"][start:end] == "黑灯工厂"
    raw = Path(hit["path"]).read_text(encoding="utf-8")
    assert "黑灯工厂" in raw[hit["char_start"]:hit["char_end"]]


def test_query_that_is_only_punctuation_matches_nothing(seed_index):
    result = run("query", "？？", "--json", index=seed_index)
    assert json.loads(result.output) == {"query": "？？", "total": 0, "hits": [], "facets": {
        "city": {}, "province": {}, "source": {}, "year": {}}}


@pytest.mark.parametrize("query", ["什么是专精特新？", "专精特新?", "小巨人！", "株洲：硬质合金",
                                   "“小巨人”", "5G*", "IaaS (PaaS"])
def test_punctuation_never_empties_results(seed_index, query):
    result = run("query", query, "--json", index=seed_index)
    assert json.loads(result.output)["total"] > 0


def test_batch_plain_and_jsonl(seed_index, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text('黑灯工厂\n\n{"qid": "q2", "query": "58家"}\n{"oops": 1}\n', encoding="utf-8")
    result = run("query", "--batch", str(queries), "--limit", "1", index=seed_index)
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [row["qid"] for row in rows] == ["1", "q2", "4"]
    assert rows[0]["hits"][0]["passage_id"] == "seeds/003_87c9261d10d2c016:12"
    assert "58家" in rows[1]["hits"][0]["text"]
    assert "error" in rows[2]


def test_stats(seed_index):
    result = run("stats", "--json", index=seed_index)
    assert json.loads(result.output) == {"index": str(seed_index), "files": 5, "articles": 7,
                                         "passages": 145}


def test_index_reports_bad_files_and_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("株洲的一篇新闻，说的是硬质合金。", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02binary\x00")
    result = CliRunner().invoke(cli, ["--index-dir", str(tmp_path / "ix"), "index", str(folder)])
    assert result.exit_code == 0
    assert "bad.txt: looks like a binary file, not text; skip it or convert it to text" in \
        result.output
    assert "1 added, 0 updated, 0 removed, 0 unchanged, 1 skipped (1 binary file); " \
        "1 articles, 1 passages" in result.output


def test_index_jsonl_names_bad_lines_and_keeps_good_ones(tmp_path):
    path = tmp_path / "n.jsonl"
    path.write_text('{"id": "a", "title": "株洲新闻", "text": "株洲的硬质合金产业。"}\n{bad\n',
                    encoding="utf-8")
    index = tmp_path / "ix"
    result = CliRunner().invoke(cli, ["--index-dir", str(index), "index", str(path)])
    assert result.exit_code == 0
    assert "n.jsonl:2: not valid JSON" in result.output
    assert "1 added, 0 updated, 0 removed, 0 unchanged, 0 skipped; 1 articles, 1 passages; " \
        "1 warnings above" in result.output
    hit = json.loads(run("query", "硬质合金", "--json", index=index).output)["hits"][0]
    assert (hit["passage_id"], hit["line_start"], hit["title"]) == ("a:1", 1, "株洲新闻")


def test_usage_error_without_a_query(seed_index):
    result = CliRunner().invoke(cli, ["--index-dir", str(seed_index), "query"])
    assert result.exit_code == 2
    assert "give a query" in result.output


def test_missing_index_is_one_line_and_exit_1(tmp_path):
    done = run_search("query", "株洲", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == "error: no index in index/; build one with `search index PATH`\n"


def test_mismatched_index_is_refused_with_a_hint(tmp_path, seed_index):
    import shutil
    shutil.copytree(seed_index, tmp_path / "index")
    generation = (tmp_path / "index" / "CURRENT").read_text(encoding="utf-8").strip()
    (tmp_path / "index" / generation / "search-meta.json").write_text('{"schema": 0}', "utf-8")
    done = run_search("query", "株洲", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "built by another version" in done.stderr and "search index --rebuild" in done.stderr


def test_an_index_of_the_old_layout_is_refused_with_a_hint(tmp_path):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "_MAIN_1.toc").write_bytes(b"old")
    done = run_search("query", "株洲", cwd=tmp_path)
    assert done.returncode == 1 and "search index --rebuild" in done.stderr


def test_bad_option_is_usage_exit_2(tmp_path):
    done = run_search("query", "株洲", "--limit", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_query_builds_the_seed_index_when_there_is_none(tmp_path):
    import shutil
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    done = run_search("query", "黑灯工厂", "--limit", "1", cwd=tmp_path)
    assert done.returncode == 0
    assert "indexing seeds/ first" in done.stderr
    assert "[黑灯工厂]" in done.stdout

"""The CLI, through click's CliRunner and, for error handling, as a real process."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli
from tests.conftest import ROOT, run_search

CONTRACT = {"rank", "score", "passage_id", "article_id", "title", "section", "text", "matches",
            "title_matches", "section_matches",
            "path", "line_start", "line_end", "char_start", "char_end", "cities", "provinces",
            "source", "author", "date", "url", "reprints", "tags", "categories", "boilerplate"}


def run(*args, index=None):
    argv = (["--index-dir", str(index)] if index else []) + list(args)
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


def test_query_prints_ranked_highlighted_passages(seed_index, in_workspace):
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


@pytest.mark.parametrize("words, message", [
    ([], "error: give a query, e.g. `search query 长沙银行 供应链金融`, or --batch FILE\n"),
    ([""], "error: give a query, e.g. `search query 长沙银行 供应链金融`, or --batch FILE\n"),
    (["  "], "error: give a query, e.g. `search query 长沙银行 供应链金融`, or --batch FILE\n"),
    (["？"], "error: ？ has no word to find (punctuation and -excluded words find nothing by "
            "themselves); give words, e.g. `search query 长沙银行 供应链金融`\n"),
    (["？？", "!"], "error: ？？ ! has no word to find (punctuation and -excluded words find "
                   "nothing by themselves); give words, e.g. `search query 长沙银行 供应链金融`\n"),
    (["-株洲"], "error: -株洲 has no word to find (punctuation and -excluded words find nothing "
               "by themselves); give words, e.g. `search query 长沙银行 供应链金融`\n"),
])
def test_a_query_without_words_is_a_usage_error(seed_index, words, message):
    result = run("query", *words, "--json", index=seed_index)
    assert (result.exit_code, result.output) == (2, message)


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
                                         "passages": 145, "set_aside": 0, "repeated": 0,
                                         "copies": 0}


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
        "the index holds 1 file, 1 article, 1 passage\n" in result.output


def test_index_jsonl_names_bad_lines_and_keeps_good_ones(tmp_path):
    path = tmp_path / "n.jsonl"
    path.write_text('{"id": "a", "title": "株洲新闻", "text": "株洲的硬质合金产业。"}\n{bad\n',
                    encoding="utf-8")
    index = tmp_path / "ix"
    result = CliRunner().invoke(cli, ["--index-dir", str(index), "index", str(path)])
    assert result.exit_code == 0
    assert "n.jsonl:2: not valid JSON" in result.output
    assert "1 added, 0 updated, 0 removed, 0 unchanged, 0 skipped; the index holds 1 file, " \
        "1 article, 1 passage; 1 warning above\n" in result.output
    hit = json.loads(run("query", "硬质合金", "--json", index=index).output)["hits"][0]
    assert (hit["passage_id"], hit["line_start"], hit["title"]) == ("a:1", 1, "株洲新闻")


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


@pytest.mark.parametrize("args, split", [
    (["黑灯工厂", "-株洲"], ["--", "黑灯工厂", "-株洲"]),
    (["-株洲", "黑灯工厂", "-n", "3"], ["-n", "3", "--", "-株洲", "黑灯工厂"]),
    (["黑灯工厂", "-5G", "-n3"], ["-n3", "--", "黑灯工厂", "-5G"]),
    (["黑灯工厂", "--limit=3", "-new", "--json"], ["--limit=3", "--json", "--", "黑灯工厂", "-new"]),
    (["-n", "-3", "株洲"], ["-n", "-3", "--", "株洲"]),  # an option's value stays its value
    (["-n", "3", "--", "-n"], ["-n", "3", "--", "-n"]),
    (["--json"], ["--json"]),
])
def test_words_may_start_with_a_dash(args, split):
    from search.cli.options import split_words
    assert split_words(args, {"-n": True, "--limit": True, "--json": False}) == split


@pytest.mark.parametrize("words", [["黑灯工厂", "-株洲"], ["-株洲", "黑灯工厂"], ["黑灯工厂", "-5G"]])
def test_an_excluded_word_is_a_word_not_an_option(seed_index, words):
    result = run("query", *words, "-n", "1", "--json", index=seed_index)
    assert result.exit_code == 0
    assert json.loads(result.output)["query"] == " ".join(words)


def test_a_real_option_is_still_an_option(seed_index):
    result = run("query", '"小巨人"', "-n", "2", "--json", index=seed_index)
    assert len(json.loads(result.output)["hits"]) == 2


@pytest.mark.parametrize("command", [
    ["query", '"黑灯工厂"'], ["facets", "source"], ["quote", "seeds/003_87c9261d10d2c016:12"],
    ["show", "seeds/003_87c9261d10d2c016"], ["stats"], ["verify"]])
def test_index_dir_after_the_command(seed_index, command):
    after = CliRunner().invoke(cli, [*command, "--index-dir", str(seed_index)])
    before = run(*command, index=seed_index)
    assert (after.exit_code, after.output) == (0, before.output)


def test_index_dir_after_the_index_command(tmp_path):
    (tmp_path / "a.txt").write_text("株洲的硬质合金产业。", encoding="utf-8")
    result = CliRunner().invoke(cli, ["index", str(tmp_path / "a.txt"),
                                      "--index-dir", str(tmp_path / "ix")])
    assert result.exit_code == 0 and f"indexed into {tmp_path}/ix/" in result.output


@pytest.mark.parametrize("total, shown, line", [
    (47, 3, "47 passages match; the best 3:"),
    (3, 3, "3 passages match:"),
    (1, 1, "1 passage matches:"),
])
def test_how_many_match(total, shown, line):
    from search.cli.render import _matched
    assert _matched(total, shown) == line


def test_one_match_is_singular(seed_index):
    result = run("query", '"黑灯工厂"', index=seed_index)
    assert result.output.startswith("1 passage matches:\n")


@pytest.mark.parametrize("args, output", [
    (['"黑灯工厂"', "--year", "2020"],
     'no passages match "黑灯工厂" with --year 2020; without the filters 1 does\n'),
    (['"小巨人"', "--city", "株洲", "--source", "株洲日报"],
     'no passages match "小巨人" with --source 株洲日报; without the filters 99 do\n'),
    (['"小巨人"', "--city", "北京", "--province", "湖南"],
     'no passages match "小巨人" with --city 北京 --province 湖南 together; without the filters '
     '99 do\n'),
    (['"小巨人"', "--since", "2023-01"],
     'no passages match "小巨人" with --since 2023-01-01; without the filters 99 do\n'),
    (['"不存在的词"', "--city", "株洲"],
     'no passages match "不存在的词", even without --city 株洲\n'),
    (['"不存在的词"'], 'no passages match "不存在的词"\n'),
])
def test_an_empty_answer_says_which_filter_emptied_it(seed_index, args, output):
    result = run("query", *args, index=seed_index)
    assert (result.exit_code, result.output) == (0, output)
    data = json.loads(run("query", *args, "--json", index=seed_index).output)
    assert (data["total"], data["why_empty"]) == (0, output.strip())


def test_a_full_answer_has_no_why_empty(seed_index):
    assert "why_empty" not in json.loads(run("query", '"黑灯工厂"', "--json",
                                             index=seed_index).output)


def test_facets_say_which_filter_emptied_them(seed_index):
    result = run("facets", "city", "--year", "2020", index=seed_index)
    assert (result.exit_code, result.output) == (
        0, "no passages with --year 2020; without the filters 145 do\n")


@pytest.mark.parametrize("args, message", [
    (["--since", "2023", "--until", "2022"],
     "error: --since 2023 is after --until 2022: no date is in between\n"),
    (["--source", "株州日报"],
     "error: --source 株州日报: no indexed article has this source; did you mean 株洲日报?\n"),
    (["--source", "新华社"],
     "error: --source 新华社: no indexed article has this source; `search facets source` lists "
     "them\n"),
    (["--source", "株洲日报", "--source", "株州日报"],
     "error: --source 株州日报: no indexed article has this source; did you mean 株洲日报?\n"),
])
def test_filters_that_cannot_match_are_usage_errors(seed_index, args, message):
    for command in (["query", "黑灯工厂"], ["facets"]):
        result = run(*command, *args, index=seed_index)
        assert (result.exit_code, result.output) == (2, message)


@pytest.mark.parametrize("args, message", [
    (["query", "株洲", "--limit", "0"], "error: Invalid value for '--limit' / '-n': 0 is not in "
     "the range 1<=x<=1000 (see `search query --help`)\n"),
    (["query", "株洲", "--lmit", "3"], "error: No such option '--lmit'. (Did you mean one of: "
     "'--city', '--limit'?) (see `search query --help`)\n"),
    (["--bogus", "stats"], "error: No such option '--bogus' (see `search --help`)\n"),
    (["querry", "株洲"], "error: No such command 'querry'. Did you mean 'query'? (see `search "
     "--help`)\n"),
])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, args, message):
    done = run_search(*args, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (2, message)


def test_the_summary_holds_what_stats_counts(tmp_path, monkeypatch):
    import shutil
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    Path("extra.jsonl").write_text(
        '{"id": "a", "title": "株洲新闻", "text": "株洲的硬质合金产业。"}\n', encoding="utf-8")
    steps = [["index"], ["index"], ["index", "seeds", "extra.jsonl"], ["index", "missing"],
             ["index", "--rebuild", "extra.jsonl"]]
    for step in steps:
        summary = CliRunner().invoke(cli, step).output.splitlines()[-1]
        held = re.search(r"the index holds (\d+) files?, (\d+) articles?, (\d+) passages?$",
                         summary).groups()
        stats = json.loads(CliRunner().invoke(cli, ["stats", "--json"]).output)
        assert [int(n) for n in held] == [stats["files"], stats["articles"], stats["passages"]]
    assert summary.endswith("the index holds 1 file, 1 article, 1 passage")


def test_a_run_with_nothing_to_do_says_so(seed_workspace, tmp_path):
    import shutil
    shutil.copytree(seed_workspace, tmp_path / "w")
    done = run_search("index", cwd=tmp_path / "w")
    assert (done.returncode, done.stderr) == (
        0, "nothing to update in index/: 5 unchanged; the index holds 5 files, 7 articles, "
           "145 passages\n")


def test_an_index_that_holds_nothing(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.txt").write_bytes(b"\x00\x01\x02binary\x00")
    index = ["--index-dir", str(tmp_path / "ix")]
    result = CliRunner().invoke(cli, [*index, "index", str(tmp_path / "in")])
    assert (result.exit_code, result.output.splitlines()[-1]) == (
        0, f"nothing to update in {tmp_path}/ix/: 1 skipped (1 binary file); the index holds "
           "0 files, 0 articles, 0 passages")
    stats = CliRunner().invoke(cli, [*index, "stats"])
    assert stats.output == f"{tmp_path}/ix: 0 files, 0 articles, 0 passages\n"
    query = CliRunner().invoke(cli, [*index, "query", "测试"])
    assert (query.exit_code, query.output) == (0, "no passages match 测试\n")


@pytest.mark.parametrize("n, reason, text", [
    (1, "empty file", "1 empty file"),
    (2, "empty file", "2 empty files"),
    (3, "unsupported type", "3 unsupported types"),
    (2, "bad JSON line", "2 bad JSON lines"),
    (2, "too large", "2 too large"),
    (2, "malformed front matter", "2 malformed front matter"),
    (0, "unreadable", "0 unreadable"),
])
def test_skip_reasons_are_counted_in_the_right_number(n, reason, text):
    from search.cli.render import _reason
    assert _reason(n, reason) == text


def test_stats_reads_the_recorded_counts_without_opening_the_index(seed_index):
    """`search stats` answers from the counts its last commit recorded: neither Whoosh nor
    numpy nor jieba is loaded (a large index answers as fast as a small one)."""
    program = ("import sys; from search.cli import cli; "
               f"cli.main(['--index-dir', {str(seed_index)!r}, 'stats'], standalone_mode=False); "
               "print(sorted({'whoosh', 'numpy', 'rjieba'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines() == [f"{seed_index}: 5 files, 7 articles, 145 passages", "[]"]

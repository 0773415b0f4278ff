"""Quoting, outlines and verification: citations a reader can check against the file."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.indexer import index_paths
from search.ingest.clean import clean_text
from tests.conftest import ROOT, run_search


def run(index, *args):
    return CliRunner().invoke(cli, ["--index-dir", str(index), *args])


def all_ids(engine):
    return sorted(p["passage_id"] for p in engine.backend.passages())


def test_every_seed_passage_quotes_exactly(engine, seed_index):
    raws = {}
    for passage_id in all_ids(engine):
        quoted = json.loads(run(seed_index, "quote", passage_id, "--format", "json").output)
        raw_out = run(seed_index, "quote", passage_id, "--raw").output
        path = quoted["path"]
        raw = raws.setdefault(path, Path(path).read_text(encoding="utf-8"))
        assert raw_out == raw[quoted["char_start"]:quoted["char_end"]]
        fmt = engine.passage(passage_id)["format"]
        assert clean_text(raw_out, fmt) == quoted["text"]
        lines = raw.split("\n")
        assert quoted["text"][0] in lines[quoted["line_start"] - 1]
        assert quoted["text"][-1] in lines[quoted["line_end"] - 1]
        where = f"{path}:{quoted['line_start']}" + (
            f"-{quoted['line_end']}" if quoted["line_end"] != quoted["line_start"] else "")
        assert f"，{where}" in quoted["citation"]


def test_query_quote_prints_a_block_quote_with_its_citation(seed_index, in_workspace):
    result = run(seed_index, "query", "黑灯工厂", "--quote", "-n", "1")
    lines = result.output.splitlines()
    assert lines[0].startswith("> 湖南恒茂高科股份有限公司") and "黑灯工厂" in lines[0]
    assert lines[-1] == ("—— 《中小企业如何突破“卡脖子”难题》，株洲日报，高晓燕，2022-02-08，"
                         "seeds/003_87c9261d10d2c016.txt:25，http://finews.zning.xyz/html_News/"
                         "NewsShare.html?infoCode=NW202202082268975557")


def test_text_format_and_several_ids_in_order(seed_index, in_workspace):
    result = run(seed_index, "quote", "seeds/004_e6ed1c0b8024ab86:8", "seeds/000_afc4210ba7f2fd67:2")
    assert result.exit_code == 0
    first, second = result.output.split("\n\n")
    assert first.startswith("数字化、绿色化也成了重庆小康动力有限公司")
    assert first.endswith("—— 《“小巨人”展翅翱翔》，齐旭，seeds/004_e6ed1c0b8024ab86.txt:25-27")
    assert "0.01度" in second and "seeds/000_afc4210ba7f2fd67.txt:1" in second


def test_context_passages_are_marked(seed_index):
    result = run(seed_index, "quote", "seeds/003_87c9261d10d2c016:12", "--context", "1",
                 "--format", "markdown")
    blocks = result.output.split("\n>\n")
    assert len(blocks) == 3
    assert blocks[0].startswith("> *去之前") and blocks[2].split("\n")[0].startswith("> *这样的学习")
    assert blocks[1].startswith("> 湖南恒茂高科")
    data = json.loads(run(seed_index, "quote", "seeds/003_87c9261d10d2c016:12", "--context", "1",
                          "--format", "json").output)
    assert [c["passage_id"] for c in data["context"]] == [
        "seeds/003_87c9261d10d2c016:11", "seeds/003_87c9261d10d2c016:13"]


def test_show_prints_the_outline(seed_index, in_workspace):
    result = run(seed_index, "show", "seeds/003_87c9261d10d2c016")
    lines = result.output.splitlines()
    assert lines[0] == "《中小企业如何突破“卡脖子”难题》"
    assert lines[1].startswith("株洲日报  ·  高晓燕  ·  2022-02-08  ·  http://finews.zning.xyz/")
    assert lines[1].endswith("  ·  seeds/003_87c9261d10d2c016.txt, lines 8-39")
    assert "§ 办大事先从改“思路”做起" in lines
    assert any(line.startswith("  seeds/003_87c9261d10d2c016:12  湖南恒茂高科") for line in lines)


@pytest.fixture()
def seed_copy(tmp_path, monkeypatch):
    """The seeds copied to a temp folder, indexed there."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    index_paths(Path("index"), [Path("seeds")], rebuild=True)
    return tmp_path


def test_verify_passes_on_a_fresh_index(seed_copy):
    result = run(Path("index"), "verify")
    assert result.exit_code == 0
    assert result.output == "verified 145 passages: each re-extracts exactly from its source\n"


def test_verify_names_each_passage_after_an_edit(seed_copy):
    path = Path("seeds/003_87c9261d10d2c016.txt")
    path.write_text(path.read_text(encoding="utf-8").replace("黑灯工厂", "无人工厂"), "utf-8")
    result = run(Path("index"), "verify")
    assert result.exit_code == 1
    assert "seeds/003_87c9261d10d2c016:12  seeds/003_87c9261d10d2c016.txt:25  its recorded span " \
        "no longer gives back its text" in result.output
    assert "error: 1 of 145 passages in 1 file no longer matches its source; re-index them with " \
        "`search index PATH`" in result.output


def test_verify_reports_a_vanished_file(seed_copy):
    Path("seeds/000_afc4210ba7f2fd67.txt").unlink()
    result = run(Path("index"), "verify")
    assert result.exit_code == 1
    assert "seeds/000_afc4210ba7f2fd67.txt is gone since it was indexed" in result.output


def test_quote_warns_when_the_source_changed_but_prints_the_indexed_text(seed_copy):
    path = Path("seeds/003_87c9261d10d2c016.txt")
    path.write_text(path.read_text(encoding="utf-8") + "\n追加的一行。", "utf-8")
    result = CliRunner().invoke(cli, ["--index-dir", "index", "quote",
                                      "seeds/003_87c9261d10d2c016:12"])
    assert result.exit_code == 0
    assert "warning: seeds/003_87c9261d10d2c016.txt has changed since it was indexed" in \
        result.output
    assert "黑灯工厂" in result.output


@pytest.mark.parametrize("args, message", [
    (["quote", "seeds/003_87c9261d10d2c016:99"],
     "error: no passage seeds/003_87c9261d10d2c016:99 in index/; did you mean seeds/003_87c9261d10d2c016:9?"),
    (["quote", "nonsense"],
     "error: nonsense is not a passage id (they look like ARTICLE:N, e.g. "
     "seeds/003_87c9261d10d2c016:12); find one with `search query`"),
    (["quote", "seeds/003_87c9261d10d2c016"],
     "error: seeds/003_87c9261d10d2c016 is an article, not a passage; its passages are listed by "
     "`search show seeds/003_87c9261d10d2c016`"),
    (["show", "seeds/003_87c9261d10d2c01"],
     "error: no article seeds/003_87c9261d10d2c01 in index/; did you mean seeds/003_87c9261d10d2c016?"),
])
def test_bad_ids_get_one_line_and_exit_1(seed_copy, args, message):
    done = run_search(*args, cwd=seed_copy)
    assert (done.returncode, done.stderr) == (1, message + "\n")


def test_raw_of_a_changed_source_is_refused(seed_copy):
    path = Path("seeds/003_87c9261d10d2c016.txt")
    path.write_text("换掉了", "utf-8")
    done = run_search("quote", "seeds/003_87c9261d10d2c016:12", "--raw", cwd=seed_copy)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "has changed since it was indexed" in done.stderr


def test_quote_without_ids_is_a_usage_error(seed_index):
    assert run(seed_index, "quote").exit_code == 2


def test_jsonl_passages_quote_their_record(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first, second = "第一段说的是别的事情。" * 8, "第二段说的是黑灯工厂。" * 8
    record = {"id": "a", "title": "甲", "text": f"{first}\n\n{second}", "url": "http://x.cn/a",
              "source": "某报"}
    Path("n.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    index_paths(Path("index"), [Path("n.jsonl")], rebuild=True)
    data = json.loads(run(Path("index"), "quote", "a:2", "--format", "json").output)
    assert data["citation"] == "《甲》，某报，n.jsonl:1，http://x.cn/a"
    assert run(Path("index"), "quote", "a:2", "--raw").output == second
    assert run(Path("index"), "verify").exit_code == 0


def test_a_record_is_changed_only_when_its_own_text_changed(tmp_path, monkeypatch):
    """A JSONL file with one record edited: quoting that record warns, another does not (the
    file's bytes differ, so each record is read again and compared)."""
    monkeypatch.chdir(tmp_path)
    records = [{"id": name, "title": name, "text": f"{name}说的是黑灯工厂的事情。"}
               for name in ("甲", "乙")]
    path = Path("n.jsonl")
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    index_paths(Path("index"), [path])
    assert "warning" not in run(Path("index"), "quote", "甲:1", "乙:1").output
    records[1]["text"] = "乙改过了。"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    assert "warning" not in run(Path("index"), "quote", "甲:1").output
    assert "warning: n.jsonl has changed since it was indexed" in \
        run(Path("index"), "quote", "乙:1").output

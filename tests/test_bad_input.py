"""A folder of everything a folder can hold: each bad file is named, the rest is indexed."""

import gzip
import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.indexer import index_paths

TEXT = "株洲的中小企业加快数字化转型，长沙银行发放贷款支持硬质合金产业。"
TRADITIONAL = "株洲的中小企業加快數字化轉型，長沙銀行發放貸款支持硬質合金產業。"


@pytest.fixture()
def messy(tmp_path, monkeypatch) -> Path:
    """Written at test time: no binaries are committed."""
    monkeypatch.chdir(tmp_path)
    folder = Path("messy")
    folder.mkdir()
    (folder / "utf8.txt").write_text(TEXT * 3, encoding="utf-8")
    (folder / "utf8-bom.txt").write_bytes(b"\xef\xbb\xbf" + (TEXT * 3).encode("utf-8"))
    (folder / "utf16.txt").write_bytes((TEXT * 3).encode("utf-16"))
    (folder / "utf16-nobom.txt").write_bytes((TEXT * 3).encode("utf-16-le"))
    (folder / "gbk.txt").write_bytes((TEXT * 3).encode("gb18030"))
    (folder / "big5.txt").write_bytes((TRADITIONAL * 3).encode("big5"))
    (folder / "broken.html").write_text("<html><body><p>株洲的<b>硬质合金<p>没有闭合的段落" + TEXT,
                                        encoding="utf-8")
    (folder / "bad-front-matter.md").write_text("---\ntitle: [oops\n---\n" + TEXT, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "huge.txt").write_text(TEXT * 530_000, encoding="utf-8")  # 50 MB, one line
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "disguised.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4)
    with zipfile.ZipFile(folder / "archive.zip", "w") as archive:
        archive.writestr("a.txt", TEXT)
    (folder / "news.jsonl").write_text("\n".join([
        json.dumps({"id": "n1", "title": "一", "text": TEXT}, ensure_ascii=False),
        "{broken json",
        json.dumps({"id": "n3", "title": "三"}, ensure_ascii=False),
        json.dumps({"id": "n4", "title": "四", "text": TEXT}, ensure_ascii=False)]) + "\n",
        encoding="utf-8")
    (folder / "packed.jsonl.gz").write_bytes(gzip.compress(
        json.dumps({"id": "g1", "title": "压缩", "text": TEXT}, ensure_ascii=False).encode()))
    (folder / "broken.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    os.symlink("nowhere.txt", folder / "dangling.txt")
    os.symlink("..", folder / "loop")
    return folder


def test_every_bad_file_is_named_and_every_good_one_indexed(messy):
    problems = []
    report = index_paths(Path("index"), [messy], on_error=problems.append)
    skipped = {Path(e.path).name: e.reason for e in report.skipped}
    assert skipped == {
        "empty.txt": "empty file", "photo.png": "unsupported type",
        "disguised.txt": "binary file", "archive.zip": "unsupported type",
        "broken.jsonl.gz": "broken archive",
        "dangling.txt": "unreadable", "loop": "linked folder", "huge.txt": "too large"}
    # front matter YAML refuses is read leniently, with a warning (issue 27)
    assert sorted(Path(p).name for p in report.added) == [
        "bad-front-matter.md", "big5.txt", "broken.html", "gbk.txt", "news.jsonl",
        "packed.jsonl.gz", "utf16-nobom.txt", "utf16.txt", "utf8-bom.txt", "utf8.txt"]
    assert [e.path.rsplit("/", 1)[1] for e in report.warnings] == [
        "bad-front-matter.md", "news.jsonl:2", "news.jsonl:3"]
    assert report.warnings[0].reason == "malformed front matter"
    assert sorted(report.notes) == ["messy/big5.txt: decoded as big5",
                                    "messy/gbk.txt: decoded as gb18030",
                                    "messy/utf16-nobom.txt: decoded as utf-16-le",
                                    "messy/utf16.txt: decoded as utf-16"]
    assert len(problems) == len(report.skipped) + len(report.warnings)


def test_each_encoding_reads_the_same_text(messy):
    index_paths(Path("index"), [messy])
    result = CliRunner().invoke(cli, ["query", "硬质合金", "--json", "-n", "50"])
    hits = json.loads(result.output)["hits"]
    found = {Path(h["path"]).name for h in hits}
    assert {"utf8.txt", "utf8-bom.txt", "utf16.txt", "utf16-nobom.txt", "gbk.txt", "big5.txt",
            "broken.html", "news.jsonl", "packed.jsonl.gz"} <= found
    texts = {Path(h["path"]).name: h["text"] for h in hits}
    assert texts["utf16.txt"] == texts["gbk.txt"] == texts["utf8-bom.txt"]


def test_strict_exits_1_and_the_index_is_still_written(messy):
    result = CliRunner().invoke(cli, ["index", str(messy), "--strict"])
    assert result.exit_code == 1
    assert result.output.endswith("\nerror: 8 files skipped (--strict)\n")
    assert CliRunner().invoke(cli, ["stats"]).output.startswith("index: 10 files")


def test_index_twice_does_no_work(messy):
    index_paths(Path("index"), [messy])
    again = index_paths(Path("index"), [messy])
    assert (again.added, again.updated, again.removed, again.unchanged) == ([], [], [], 10)
    assert again.passages == 0


def test_edit_add_remove(messy):
    index_paths(Path("index"), [messy])
    (messy / "utf8.txt").write_text("完全不同的内容，讲的是福州的纺织业。", encoding="utf-8")
    (messy / "new.md").write_text("# 新文章\n\n济南的新闻。", encoding="utf-8")
    (messy / "gbk.txt").unlink()
    report = index_paths(Path("index"), [messy])
    assert (report.added, report.updated, report.removed) == (
        ["messy/new.md"], ["messy/utf8.txt"], ["messy/gbk.txt"])
    assert report.unchanged == 8
    kept = index_paths(Path("index"), [messy / "utf8.txt"], keep_missing=True)
    assert kept.removed == [] and kept.unchanged == 1


def test_quiet_prints_nothing_and_verbose_names_every_file(messy):
    quiet = CliRunner().invoke(cli, ["index", str(messy), "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""
    (messy / "utf8.txt").write_text("福州的纺织业。", encoding="utf-8")
    verbose = CliRunner().invoke(cli, ["index", str(messy), "--verbose"])
    lines = verbose.output.splitlines()
    assert "updated   messy/utf8.txt" in lines
    assert "unchanged messy/gbk.txt" in lines
    assert "skipped   messy/photo.png" in lines
    assert lines[-1].startswith("indexed into index/ in ")


def test_a_long_one_line_file_is_read_in_parts_that_quote_exactly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("long.txt").write_text("长篇\u3000\u3000" + "\u3000\u3000".join(
        f"第{n}段：{TEXT}" for n in range(15_000)) + "\u3000\u3000结尾提到了独一无二的标记。",
        encoding="utf-8")
    report = index_paths(Path("index"), [Path("long.txt")])
    assert report.added == ["long.txt"] and report.articles >= 3
    result = CliRunner().invoke(cli, ["query", "独一无二 标记", "--json"])
    hit = json.loads(result.output)["hits"][0]
    assert hit["article_id"].startswith("long~") and hit["line_start"] == 1
    raw = Path("long.txt").read_text(encoding="utf-8")
    assert raw[hit["char_start"]:hit["char_end"]].endswith("结尾提到了独一无二的标记。")
    quoted = CliRunner().invoke(cli, ["quote", hit["passage_id"], "--raw"])
    assert quoted.exit_code == 0 and "独一无二的标记" in quoted.output

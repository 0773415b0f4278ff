"""Readers: formats recognised from content, metadata, encodings, JSONL."""

import gzip
import json
from pathlib import Path

import pytest

from search.errors import ReadError
from search.ingest.readers import decode_detected, detect_format, read_file, split_front_matter

SEED_FORMATS = [
    ("000_afc4210ba7f2fd67.txt", "spaced"),
    ("001_097ff2d78488caf1.txt", "wrapped"),
    ("002_50dce2328ed16d13.txt", "plain"),
    ("003_87c9261d10d2c016.txt", "html"),
    ("004_e6ed1c0b8024ab86.txt", "markdown"),
]


@pytest.mark.parametrize("name, fmt", SEED_FORMATS)
def test_seed_formats_are_recognised_from_content(name, fmt):
    [doc] = read_file(Path("seeds") / name)
    assert doc.format == fmt
    assert doc.article_id == f"seeds/{name[:-4]}"
    assert doc.path == f"seeds/{name}"


@pytest.mark.parametrize("text, suffix, fmt", [
    ("第一段。\n\n第二段。", ".txt", "plain"),
    ("# 标题\n\n正文。", ".txt", "markdown"),
    ("正文。", ".md", "markdown"),
    ("<p>一</p><p>二</p>", ".txt", "html"),
    ("正文", ".html", "html"),
    ("标题\u3000\u3000第一段。\u3000\u3000第二段。", ".txt", "spaced"),
    ("\n".join(["这是一行被硬换行的中文文本内容啊"] * 10), ".txt", "wrapped"),
])
def test_detect_format(text, suffix, fmt):
    assert detect_format(text, suffix) == fmt


def test_front_matter_metadata_and_body_offset():
    [doc] = read_file(Path("seeds/003_87c9261d10d2c016.txt"))
    assert doc.meta["title"] == "中小企业如何突破“卡脖子”难题"
    assert doc.meta["date"] == "2022-02-08"
    assert doc.raw[doc.body_start:].startswith("<p>株洲日报")
    # the page ends with the address it was saved from
    assert doc.meta["url"] == ("http://finews.zning.xyz/html_News/NewsShare.html"
                               "?infoCode=NW202202082268975557")


@pytest.mark.parametrize("given, iso", [
    ("2022-02-08 08:39:08 +0800", "2022-02-08"), ("20220901", "2022-09-01"),
    ("2022年2月8日", "2022-02-08"), ("2022/2/8", "2022-02-08"), ("sometime", None)])
def test_dates_become_iso(given, iso):
    from search.ingest.readers import _with_iso_date
    assert _with_iso_date({"date": given}).get("date") == iso


def test_malformed_front_matter_is_read_leniently_with_a_warning():
    """Issue 27: a stray quote, a tab or a control character no longer drops the file."""
    with pytest.raises(ReadError, match="not valid YAML"):  # without on_error it raises
        split_front_matter("---\ntitle: [unclosed\n---\nbody", "x.md")
    warnings = []
    meta, start = split_front_matter('---\ntitle: "他說"好"\ndate: 2020-07-16\ntags:\n  - "黃仁龍"\n'
                                     '  - 精神健康\n---\n正文', "x.md", warnings.append)
    assert meta == {"title": '他說"好', "date": "2020-07-16", "tags": ["黃仁龍", "精神健康"]}
    assert [w.reason for w in warnings] == ["malformed front matter"]


@pytest.mark.parametrize("front", ["title: \"標\x07題\"\n", "title:\t\"標題\"\n"])
def test_front_matter_with_a_control_character_or_a_tab_is_read(front):
    warnings = []
    meta, _ = split_front_matter(f"---\n{front}---\n正文", "x.md", warnings.append)
    assert meta["title"] == "標題" and not warnings


def test_front_matter_tags_and_categories_are_lists():
    meta, _ = split_front_matter("---\ntitle: 標題\ncategory: 眾聞\ncategories: [港聞, 眾聞]\n"
                                 "tags:\n  - 林鄭月娥\n  - Carrie Lam\nkeywords: 政治, 選舉\n---\n正文",
                                 "x.md")
    assert meta["tags"] == ["林鄭月娥", "Carrie Lam"]
    assert meta["categories"] == ["港聞", "眾聞"]
    assert meta["keywords"] == ["政治", "選舉"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16"])
def test_decode_encodings(encoding):
    text = "長沙銀行依託中企雲鏈等供應鏈金融平台，不斷加深合作。" * 3
    if encoding == "gb18030":
        text = "长沙银行依托中企云链等供应链金融平台，不断加深合作。" * 3
    assert decode_detected(text.encode(encoding), "x.txt").text == text


def test_binary_is_refused():
    with pytest.raises(ReadError, match="binary"):
        decode_detected(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.png")


def test_jsonl_records_become_documents(tmp_path):
    path = tmp_path / "news.jsonl"
    rows = [{"id": "a1", "title": "标题一", "text": "株洲的新闻。", "date": "2023-01-02",
             "source": "新华社"},
            {"id": "a2", "title": "标题二", "text": "长沙的新闻。"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    docs = read_file(path)
    assert [d.article_id for d in docs] == ["a1", "a2"]
    assert [d.line for d in docs] == [1, 2]
    assert docs[0].meta == {"title": "标题一", "date": "2023-01-02", "source": "新华社"}
    assert docs[1].raw == "长沙的新闻。"


def test_jsonl_bad_lines_are_named_and_good_lines_still_read(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1, "text": "好"}\n{not json\n{"id": 3}\n{"id": 4, "text": "也好"}\n',
                    encoding="utf-8")
    with pytest.raises(ReadError, match=r"bad.jsonl:2: not valid JSON"):
        read_file(path)
    problems = []
    docs = read_file(path, problems.append)
    assert [d.raw for d in docs] == ["好", "也好"]
    assert [str(p).split(": ", 1)[1] for p in problems] == [
        "not valid JSON (Expecting property name enclosed in double quotes); fix or remove the line",
        "a record needs a string 'text' field; write records like {\"id\": …, \"title\": …, \"text\": …}"]
    assert [p.path.rsplit(":", 1)[1] for p in problems] == ["2", "3"]


GUILIN = "桂林漓江山水甲天下。"
YANGSHUO = "阳朔西街夜景。"
TRAD = "長沙銀行依託中企雲鏈等供應鏈金融平台。"
DECODING = [
    # (file name, bytes, text read, warnings): a few bad bytes are read as U+FFFD and named
    ("x.txt", GUILIN.encode(), GUILIN, []),
    ("x.txt", GUILIN.encode() + b"\xff\xfe\xfd" + YANGSHUO.encode(),
     f"{GUILIN}\ufffd\ufffd\ufffd{YANGSHUO}",
     ["x.txt: 3 bytes are not valid UTF-8; replaced by U+FFFD (first at byte 30, line 1)"]),
    ("x.txt", f"{GUILIN}\n{GUILIN}\n".encode() + b"\xe6\xa1" + YANGSHUO.encode(),
     f"{GUILIN}\n{GUILIN}\n\ufffd\ufffd{YANGSHUO}",  # a character cut short: both its bytes
     ["x.txt: 2 bytes are not valid UTF-8; replaced by U+FFFD (first at byte 62, line 3)"]),
    ("x.txt", b"\xef\xbb\xbf" + GUILIN.encode() + b"\x80" + YANGSHUO.encode(),
     f"{GUILIN}\ufffd{YANGSHUO}",  # offsets count the BOM
     ["x.txt: 1 byte is not valid UTF-8; replaced by U+FFFD (first at byte 33, line 1)"]),
    ("x.txt", GUILIN.encode("gb18030") + b"\xff" + YANGSHUO.encode("gb18030"),
     f"{GUILIN}\ufffd{YANGSHUO}",
     ["x.txt: 1 byte is not valid gb18030; replaced by U+FFFD (first at byte 20, line 1)"]),
    ("x.txt", TRAD.encode("big5") + b"\x80" + TRAD.encode("big5"), f"{TRAD}\ufffd{TRAD}",
     ["x.txt: 1 byte is not valid big5; replaced by U+FFFD (first at byte 38, line 1)"]),
    ("x.jsonl.gz", gzip.compress(b'{"id": "a", "text": "' + GUILIN.encode() + b"\xff" + b'"}'),
     f"{GUILIN}\ufffd",
     ["x.jsonl.gz: 1 byte is not valid UTF-8; replaced by U+FFFD (first at byte 51 of the "
      "unzipped file, line 1)"]),
    # a short text in GB18030 is not taken for johab (Korean), as charset-normalizer ranks it
    ("x.txt", "长沙银行供应链金融。".encode("gb18030"), "长沙银行供应链金融。", []),
]


@pytest.mark.parametrize("name, data, text, warnings", DECODING)
def test_bad_bytes_are_replaced_and_named(tmp_path, monkeypatch, name, data, text, warnings):
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(data)
    problems = []
    [doc] = read_file(Path(name), problems.append)
    assert doc.raw == text
    assert [str(p) for p in problems] == warnings
    if warnings:
        with pytest.raises(ReadError, match="not valid"):  # without on_error, it raises
            read_file(Path(name))


UNREADABLE = [
    # (bytes, reason): a truly binary file or an unknown encoding is still skipped
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
    (bytes(range(1, 256)) * 8, "unknown encoding"),
    (GUILIN.encode() + b"\xff" * 20 + YANGSHUO.encode(), "unknown encoding"),  # not a few
    ((GUILIN * 10).encode() + b"\xff" * 40, "unknown encoding"),  # over 1%
]


@pytest.mark.parametrize("data, reason", UNREADABLE)
def test_binary_and_undecodable_files_are_still_skipped(tmp_path, data, reason):
    (tmp_path / "x.txt").write_bytes(data)
    with pytest.raises(ReadError) as error:
        read_file(tmp_path / "x.txt", lambda problem: None)
    assert error.value.reason == reason


def test_quote_reads_a_source_as_the_indexer_did(tmp_path, monkeypatch):
    from search.ingest.segment import segment
    from search.quote import source_raw

    monkeypatch.chdir(tmp_path)
    for n, (name, data, _, _) in enumerate(DECODING):
        path = Path(f"{n}-{name}")
        path.write_bytes(data)
        [doc] = read_file(path, lambda problem: None)
        [article] = segment(doc)
        stored = {"path": doc.path, "file": str(path), "line_start": article.passages[0].line_start,
                  "content_hash": article.content_hash}
        source = source_raw(stored)
        assert (source.raw, source.problem) == (doc.raw, "")


TITLE_KEYS = [
    # (JSONL record, title in meta or None): a record's title key is kept, even empty
    ({"id": "a", "title": "", "text": "正文。"}, ""),
    ({"id": "a", "title": None, "text": "正文。"}, ""),
    ({"id": "a", "title": "标题", "text": "正文。"}, "标题"),
    ({"id": "a", "title": 2023, "text": "正文。"}, "2023"),
    ({"id": "a", "text": "正文。"}, None),
]


@pytest.mark.parametrize("record, title", TITLE_KEYS)
def test_a_record_keeps_its_title_key(tmp_path, record, title):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    [doc] = read_file(path)
    assert doc.meta.get("title") == title


@pytest.mark.parametrize("front, title", [
    ("title:\n", ""), ("title: ''\n", ""), ("title: 标题\n", "标题"), ("date: 2022-02-08\n", None)])
def test_front_matter_keeps_its_title_key(front, title):
    meta, _ = split_front_matter(f"---\n{front}---\n正文。", "x.md")
    assert meta.get("title") == title


def test_a_repeated_record_id_is_named_and_the_record_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [{"id": "a", "text": "株洲的新闻。"}, {"id": "a", "text": "长沙的新闻。"}]
    Path("news.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                                  encoding="utf-8")
    problems = []
    docs = read_file(Path("news.jsonl"), problems.append)
    assert [(d.article_id, d.raw) for d in docs] == [("a", "株洲的新闻。"), ("news:2", "长沙的新闻。")]
    assert [str(p) for p in problems] == [
        "news.jsonl:2: id a is the id of line 1 too; this record is indexed as news:2"]


def test_a_record_may_hold_line_separators_other_than_newline(tmp_path):
    text = "第一句\u2028第二句\x85第三句\x1c第四句。"
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"id": "a", "text": text}, ensure_ascii=False) + "\n"
                    + json.dumps({"id": "b", "text": "株洲。"}, ensure_ascii=False), encoding="utf-8")
    docs = read_file(path)
    assert [(d.article_id, d.raw, d.line) for d in docs] == [("a", text, 1), ("b", "株洲。", 2)]

"""Saved web pages and CMS exports (issue 27): decoding, main text and boilerplate, what a
page says about itself, MHTML; the synthetic pages in tests/data/web, and the shared
corpora when ../shared is there."""

import json
import random
import re
from pathlib import Path

import pytest

from bench.web_pages import MARKUP
from search.ingest.clean import clean_text
from search.ingest.readers import decode_file, read_file
from search.ingest.segment import segment
from search.ingest.webpage import declared_charset, is_whole_page
from tests.conftest import SHARED, run_search

DATA = Path(__file__).parent / "data" / "web"
TEA = DATA / "tea-gb2312.html"
ARTICLE = ["本报讯（记者 林小溪）春分刚过", "青禾县农业农村局负责人介绍", "在白石村的茶叶合作社",
           "为了让好茶卖出好价钱", "业内人士认为"]
WEB_PAGES = SHARED / "corpora" / "web-pages-dev"
HKCNEWS = SHARED / "corpora" / "hkcnews-dev"


def read(path: Path):
    warnings = []
    articles = [a for doc in read_file(path, warnings.append) for a in segment(doc, warnings.append)]
    return articles, warnings


@pytest.mark.parametrize("head, codec", [
    (b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gb18030"),
    (b"<meta charset='GBK'>", "gb18030"),
    (b'<meta charset="big5">', "big5hkscs"),
    (b'<?xml version="1.0" encoding="gb2312"?><rss>', "gb18030"),
    (b'<script charset="utf-8"></script><meta charset="gb2312">', "gb18030"),  # archive.org
    (b'<meta charset="x-unknown">', None), (b"<p>no charset</p>", None),
])
def test_declared_charset(head, codec):
    assert declared_charset(head) == codec


@pytest.mark.parametrize("data, encoding", [
    # a stale <meta> that claims GB2312 for UTF-8 bytes: UTF-8 is tried first
    ('<meta charset="gb2312"><p>长沙银行供应链金融</p>'.encode(), "utf-8"),
    # GB2312 bytes as declared (GBK characters too), read as GB18030
    ('<meta charset="gb2312"><p>长沙银行供应链金融，镕</p>'.encode("gbk"), "gb18030"),
    # Big5 bytes decode without error as GB18030 too: the declared charset decides
    ('<meta charset="big5"><p>長沙銀行依託中企雲鏈等供應鏈金融平台</p>'.encode("big5"), "big5hkscs"),
])
def test_a_page_is_decoded_in_the_charset_it_declares_after_utf8(data, encoding):
    decoded, _ = decode_file(Path("x.html"), data, "x.html")
    assert decoded.encoding == encoding
    assert "供應鏈金融" in decoded.text or "供应链金融" in decoded.text


def test_whole_pages_and_fragments():
    assert is_whole_page("<!DOCTYPE html><p>x</p>", ".txt")
    assert is_whole_page("<p>x</p><body>", ".html")
    assert not is_whole_page("<p>株洲日报</p><p>正文</p>", ".txt")  # a CMS export's paragraphs


@pytest.mark.parametrize("page", [TEA, DATA / "tea.mhtml"])
def test_a_saved_page_keeps_its_article_and_sets_the_rest_aside(page):
    [article], warnings = read(page)
    assert not warnings
    text = "\n".join(p.text for p in article.passages)
    assert all(start in text for start in ARTICLE)
    assert "白石村茶农在采摘新茶（资料图）" in text  # the figcaption: a caption, searchable
    aside = "\n".join(p.text for p in article.boilerplate)
    for boilerplate in ("首页", "热门新闻", "江北新区地铁二号线年内开通", "版权所有"):
        assert boilerplate in aside and boilerplate not in text
    assert all(p.boilerplate for p in article.boilerplate)
    assert not any(p.boilerplate for p in article.passages)
    # the set-aside passages are numbered after the article's, so its ids never move
    orders = [p.order for p in article.passages + article.boilerplate]
    assert orders == list(range(1, len(orders) + 1))


@pytest.mark.parametrize("page", [TEA, DATA / "tea.mhtml"])
def test_what_a_page_says_about_itself(page):
    [article], _ = read(page)
    [doc] = read_file(page)
    assert article.title == "青禾县三千亩茶园开采明前茶"  # not the <title> with its suffixes
    assert doc.raw[slice(*article.title_span)] == article.title  # the <h1>, out of the text
    assert article.meta["date"] == "2021-03-22"  # the dateline under the headline
    assert article.meta["source"] == "青禾日报网"
    assert article.meta["author"] == "林小溪"
    assert article.meta["url"] == "http://news.example.cn/2021-03/22/content_88.html"
    assert not any(article.title in p.section for p in article.passages)


@pytest.mark.parametrize("page", [TEA, DATA / "tea.mhtml"])
def test_every_passage_of_a_page_quotes_back_and_holds_no_markup(page):
    [doc] = read_file(page)
    for article in segment(doc):
        for passage in article.passages + article.boilerplate:
            assert clean_text(doc.raw[passage.char_start:passage.char_end], "html") == passage.text
            assert not MARKUP.search(passage.text), passage.text


def test_a_page_is_indexed_found_quoted_and_verified(tmp_path):
    (tmp_path / "pages").mkdir()
    for page in (TEA, DATA / "tea.mhtml"):
        (tmp_path / "pages" / page.name).write_bytes(page.read_bytes())
    indexed = run_search("index", "pages", cwd=tmp_path)
    assert indexed.returncode == 0, indexed.stderr
    found = json.loads(run_search("query", "明前茶", "--json", cwd=tmp_path).stdout)
    assert {hit["title"] for hit in found["hits"]} == {"青禾县三千亩茶园开采明前茶"}
    assert not json.loads(run_search("query", "江北新区地铁", "--json", cwd=tmp_path).stdout)["hits"]
    verified = run_search("verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr


CMS = """---
title: "黃仁龍：Shall we talk?"
date: "2020-07-16"
category: "眾說"
tags:
  - "黃仁龍"
  - "精神健康"
---

# 黃仁龍：Shall we talk?

大家好，我是精神健康諮詢委員會主席。有一些重要的說話，我希望能夠和大家分享。

<figure>
<img src="https://a.hk/x.jpg" alt="">
<figcaption>論壇現場。資料圖片</figcaption>
</figure>

{{< video src="https://www.facebook.com/plugins/video.php?href=x" >}}

過去一年，香港經歷了翻天覆地的改變。<br>很多人都好疲倦。
"""


def test_a_cms_export_reads_its_html_drops_shortcodes_and_keeps_its_tags(tmp_path):
    path = tmp_path / "article_1.md"
    path.write_text(CMS, encoding="utf-8")
    [article], warnings = read(path)
    assert not warnings
    assert article.title == "黃仁龍：Shall we talk?"
    assert article.meta["tags"] == ["黃仁龍", "精神健康"] and article.meta["categories"] == ["眾說"]
    assert [p.section for p in article.passages] == [""] * len(article.passages)  # no title › title
    text = "\n".join(p.text for p in article.passages)
    assert "論壇現場。資料圖片" in text and "很多人都好疲倦。" in text
    assert not MARKUP.search(text) and "video" not in text
    [doc] = read_file(path)
    assert doc.raw[slice(*article.title_span)] == "# " + article.title  # the heading line
    for passage in article.passages:
        assert clean_text(doc.raw[passage.char_start:passage.char_end], "markdown") == passage.text


@pytest.mark.skipif(not WEB_PAGES.exists(), reason="../shared/corpora/web-pages-dev is not there")
def test_real_saved_pages_hold_no_markup_and_quote_back():
    """A sample of the real pages (every encoding): nothing skipped but what Python cannot
    decode, no markup in any passage, every span quotes back."""
    pages = sorted(p for p in (WEB_PAGES / "pages").rglob("*.html"))
    for page in random.Random(27).sample(pages, 25):
        [doc] = read_file(page, lambda error: None)
        for article in segment(doc):
            assert not MARKUP.search(article.title)
            for passage in article.passages + article.boilerplate:
                assert not MARKUP.search(passage.text), (page, passage.text)
                assert clean_text(doc.raw[passage.char_start:passage.char_end],
                                  "html") == passage.text, page


@pytest.mark.skipif(not HKCNEWS.exists(), reason="../shared/corpora/hkcnews-dev is not there")
def test_real_cms_exports_hold_no_markup_nor_shortcodes_and_keep_their_tags():
    files = sorted((HKCNEWS / "articles").rglob("*.md"))
    for path in random.Random(27).sample(files, 150):
        [doc] = read_file(path, lambda error: None)
        for article in segment(doc):
            assert isinstance(article.meta.get("tags", []), list)
            for passage in article.passages:
                assert not MARKUP.search(passage.text), (path, passage.text)
                assert not re.match(re.escape(article.title) + "( ›|$)", passage.section)
                assert clean_text(doc.raw[passage.char_start:passage.char_end],
                                  "markdown") == passage.text, path

"""Article metadata from front matter, JSONL and the text itself; nothing guessed."""

import pytest

from search.ingest.metadata import describe
from search.ingest.readers import Document
from search.ingest.segment import segment

SEED_META = [
    # article id suffix, source, author, date
    ("000_afc4210ba7f2fd67", None, None, None),
    ("001_097ff2d78488caf1", None, "劉恩琛", None),
    ("002_50dce2328ed16d13", "中央纪委国家监委网站", "王雅婧, 陈文静", None),
    ("003_87c9261d10d2c016", "株洲日报", "高晓燕", "2022-02-08"),
    ("004_e6ed1c0b8024ab86", None, "齐旭", None),
    ("004_e6ed1c0b8024ab86@2", None, "诸玲珍", None),
    ("004_e6ed1c0b8024ab86@3", None, "岳炎", None),
]


@pytest.mark.parametrize("suffix, source, author, date", SEED_META)
def test_seed_metadata(seed_articles, suffix, source, author, date):
    _, articles = seed_articles[suffix[:3]]
    [article] = [a for a in articles if a.article_id == f"seeds/{suffix}"]
    describe(article)
    assert article.meta.get("source") == source
    assert article.meta.get("author") == author
    assert article.meta.get("date") == date


BYLINES = [
    ("本报记者 齐旭\n\n正文第一段。", None, "齐旭"),
    ("株洲日报·掌上株洲记者/高晓燕\n\n正文第一段。", "株洲日报", "高晓燕"),
    ("中央纪委国家监委网站 王雅婧 通讯员 陈文静\n\n正文第一段。", "中央纪委国家监委网站", "王雅婧, 陈文静"),
    ("正文第一段。\n\n文：劉恩琛", None, "劉恩琛"),
    ("正文第一段。（文章来源：人民日报）", "人民日报", None),
    ("本报讯 记者诸玲珍报道：近日，活动启动。", None, "诸玲珍"),
    ("正文没有署名。\n\n第二段也没有。", None, None),
]


@pytest.mark.parametrize("text, source, author", BYLINES)
def test_bylines(text, source, author):
    [article] = segment(Document("x.txt", "x", text, "plain"))
    describe(article)
    assert article.meta.get("source") == source
    assert article.meta.get("author") == author


def test_front_matter_and_jsonl_fields_win():
    doc = Document("x.jsonl", "r1", "本报记者 齐旭\n\n正文。", "plain",
                   meta={"source": "某报", "author": "李四", "date": "2023-01-02"}, line=1)
    [article] = segment(doc)
    describe(article)
    assert (article.meta["source"], article.meta["author"]) == ("某报", "李四")

"""Segmentation of the seeds: titles, sections, stories, passage sizes and line numbers."""

from pathlib import Path

import pytest

from search.ingest.readers import Document
from search.ingest.segment import MAX_PASSAGE, segment

TITLES = {
    "000": ["湖南株洲整合技术、市场、管理资源，培育专精特新“小巨人”企业58家龙头企业带动提档升级"
            "（激发涌现更多专精特新中小企业③）"],
    "001": ["培育「小巨人」 實現大作為"],
    "002": [""],  # the page has no headline; it stays empty rather than guessed
    "003": ["中小企业如何突破“卡脖子”难题"],
    "004": ["“小巨人”展翅翱翔", "山东上半年 规上工业增加值增长6.9%",
            "广东召开首场 “制造业当家22条”政策宣讲培训会"],
}


@pytest.mark.parametrize("seed", sorted(TITLES))
def test_titles_and_stories(seed_articles, seed):
    _, articles = seed_articles[seed]
    assert [a.title for a in articles] == TITLES[seed]


def test_briefs_get_their_own_article_ids(seed_articles):
    _, articles = seed_articles["004"]
    assert [a.article_id for a in articles] == [
        "seeds/004_e6ed1c0b8024ab86", "seeds/004_e6ed1c0b8024ab86@2",
        "seeds/004_e6ed1c0b8024ab86@3"]
    assert articles[1].passages[0].text.startswith("本报讯 记者诸玲珍报道")
    # after a brief, the page's main story goes on
    assert any(p.section == "畅循环：“科技—产业—金融”体系初步形成" for p in articles[0].passages)


SECTIONS = [
    ("000", "株洲已培育58家", "核心阅读"),
    ("000", "弹性车轮", "市场协同，提升产业链供应链现代化水平"),
    ("001", "長沙銀行依託中企雲鏈", "金融輸血 打通堵點"),
    ("001", "湖南有這樣一批中小企業", "依託先進產業集群做強「小巨人」企業"),
    ("002", "浙江省嘉善县", "求变求新 深耕细作 超80%专精特新“小巨人”企业居本省细分市场首位"),
    ("003", "黑灯工厂", "办大事先从改“思路”做起"),
    ("004", "重庆小康动力", "促转型：向“数字化”“绿色化”要竞争力"),
]


@pytest.mark.parametrize("seed, snippet, section", SECTIONS)
def test_sections(seed_articles, seed, snippet, section):
    _, articles = seed_articles[seed]
    [passage] = [p for a in articles for p in a.passages if snippet in p.text]
    assert passage.section == section


def test_passage_sizes(seed_articles):
    for _, articles in seed_articles.values():
        for article in articles:
            for passage in article.passages:
                assert 0 < len(passage.text) <= MAX_PASSAGE * 1.3, passage.passage_id


def test_line_numbers_point_at_the_passage(seed_articles):
    for doc, articles in seed_articles.values():
        lines = doc.raw.split("\n")
        for article in articles:
            for p in article.passages:
                assert doc.raw[p.char_start] == p.text[0], p.passage_id
                assert p.text[0] in lines[p.line_start - 1], p.passage_id
                assert p.text[-1] in lines[p.line_end - 1], p.passage_id
                assert doc.raw.count("\n", 0, p.char_start) + 1 == p.line_start
                assert doc.raw.count("\n", 0, p.char_end - 1) + 1 == p.line_end


def test_long_paragraph_is_split_at_sentence_ends():
    text = "".join(f"这是第{i}句话，内容相当长，用来测试切分。" for i in range(40))
    doc = Document("x.txt", "x", text, "plain")
    [article] = segment(doc)
    assert len(article.passages) > 1
    assert all(p.text.endswith("。") for p in article.passages)
    assert "".join(p.text for p in article.passages) == text


def test_short_paragraphs_merge_forward():
    text = "很短。\n\n也很短。\n\n" + "这是一个足够长的段落，" * 8 + "结束。"
    [article] = segment(Document("x.txt", "x", text, "plain"))
    assert article.passages[0].text.startswith("很短。\n也很短。\n这是")


def test_a_record_of_one_short_line_is_text_not_a_heading():
    [article] = segment(Document("x.jsonl", "r1", "有全日制初级中学一所", "plain",
                                 meta={"title": "宝山"}, line=3))
    assert [p.text for p in article.passages] == ["有全日制初级中学一所"]
    assert (article.passages[0].line_start, article.passages[0].line_end) == (3, 3)


def test_ids_are_stable_across_runs(seed_articles):
    from search.ingest.readers import read_file
    for doc, articles in seed_articles.values():
        again = segment(read_file(Path(doc.path))[0])
        assert [p.passage_id for a in again for p in a.passages] == \
            [p.passage_id for a in articles for p in a.passages]


BODY = "长沙银行依托中企云链等供应链金融平台，不断加深与产业链核心企业的合作，累计发放贷款39.25亿元。"
LATIN = ("This paper reviews supply chain finance at Bank of Changsha, and proposes three "
         "measures for small firms.")
HEADLINES = [
    # (format, text, title, passage texts): a headline needs evidence, else it stays text
    ("plain", f"长沙银行发展供应链金融\n\n{BODY}", "长沙银行发展供应链金融", [BODY]),
    ("spaced", f"长沙银行发展供应链金融\u3000\u3000{BODY}\u3000\u3000{BODY}",
     "长沙银行发展供应链金融", [f"{BODY}\n{BODY}"]),
    # one paragraph is never a headline, whatever its punctuation
    ("plain", "本文讨论了长沙银行供应链金融的发展现状,并提出了三条对策.", "",
     ["本文讨论了长沙银行供应链金融的发展现状,并提出了三条对策."]),
    ("plain", "本文讨论了长沙银行供应链金融的发展现状，并提出了三条对策", "",
     ["本文讨论了长沙银行供应链金融的发展现状，并提出了三条对策"]),
    ("plain", "长沙银行发展供应链金融", "", ["长沙银行发展供应链金融"]),
    # an ASCII full stop ends a sentence like 。 does (and what does not end in one is
    # joined to the next paragraph, as a page break in mid-sentence would be)
    ("plain", f"长沙银行发展供应链金融. 成效明显\n\n{BODY}", "", [f"长沙银行发展供应链金融. 成效明显{BODY}"]),
    ("plain", f"Supply chain finance. A review\n\n{LATIN}", "",
     [f"Supply chain finance. A review {LATIN}"]),
    # ... but not as a decimal point, inside a word, or after a list number
    ("plain", f"规上工业增加值增长6.9%\n\n{BODY}", "规上工业增加值增长6.9%", [BODY]),
    ("plain", f"U.S.A与中国的贸易往来\n\n{BODY}", "U.S.A与中国的贸易往来", [BODY]),
    ("plain", f"1. 长沙银行发展供应链金融\n\n{BODY}", "1. 长沙银行发展供应链金融", [BODY]),
    ("plain", f"Supply chain finance review\n\n{LATIN}", "Supply chain finance review", [LATIN]),
    # a paragraph that ends in a clause mark leads into the text
    ("plain", f"长沙银行行长赵小中表示：\n\n{BODY}", "", [f"长沙银行行长赵小中表示：\n{BODY}"]),
    # not clearly shorter than the text after it: a section heading, not the title
    ("plain", "长沙银行发展供应链金融平台\n\n累计发放贷款39.25亿元。", "", ["累计发放贷款39.25亿元。"]),
    # a headline may be long, but not over MAX_HEADLINE
    ("plain", f"{'长沙银行' * 21}\n\n{BODY * 4}", "", [f"{'长沙银行' * 21}{BODY * 4}"]),
    # marked headings are titles: the writer said so
    ("markdown", f"# 长沙银行发展供应链金融平台\n\n{BODY[:20]}。", "长沙银行发展供应链金融平台",
     [f"{BODY[:20]}。"]),
    ("html", f"<h1>长沙银行</h1><p>{BODY}</p>", "长沙银行", [BODY]),
    # in other layouts a paragraph is never a headline
    ("markdown", f"长沙银行发展供应链金融\n\n{BODY}", "", [f"长沙银行发展供应链金融{BODY}"]),
]


@pytest.mark.parametrize("fmt, text, title, passages", HEADLINES)
def test_headline_rule(fmt, text, title, passages):
    articles = segment(Document("x.txt", "x", text, fmt))
    assert [a.title for a in articles] == [title]
    assert [p.text for p in articles[0].passages] == passages


TITLE_KEYS = [
    # (meta, title, passage texts): a title key is the title, even empty
    ({}, "长沙银行发展供应链金融", [BODY]),
    ({"title": ""}, "", [BODY]),
    ({"title": "供应链金融"}, "供应链金融", [BODY]),
]


@pytest.mark.parametrize("meta, title, passages", TITLE_KEYS)
def test_a_title_key_is_the_title(meta, title, passages):
    text = f"长沙银行发展供应链金融\n\n{BODY}"
    [article] = segment(Document("x.jsonl", "a", text, "plain", meta=meta, line=1))
    assert article.title == title
    assert [p.text for p in article.passages] == passages
    if "title" in meta:  # the short first line, not a title, heads the text as a section
        assert article.passages[0].section == "长沙银行发展供应链金融"


EMPTY = [
    # (text, format, meta, articles left, warning)
    ("", "plain", {"title": "标题"}, [],
     "x.jsonl:3: record a has a title (《标题》) but no text; nothing of it is indexed"),
    ("", "plain", {"title": ""}, [], "x.jsonl:3: record a has no text; nothing of it is indexed"),
    ("[返回首页](http://x.cn)", "plain", {}, [],
     "x.jsonl:3: record a has no text; nothing of it is indexed"),
    ("# 要闻\n\n## 株洲简讯\n\n本报讯 记者张三报道 株洲今天召开大会。", "markdown", {}, ["a@2"],
     "x.jsonl:3: the headline 《要闻》 stands over 1 本报讯 stories only; they are indexed as "
     "articles of their own, the headline is not"),
]


@pytest.mark.parametrize("text, fmt, meta, left, warning", EMPTY)
def test_a_story_without_passages_is_reported_not_kept(text, fmt, meta, left, warning):
    warnings = []
    articles = segment(Document("x.jsonl", "a", text, fmt, meta=meta, line=3), warnings.append)
    assert [a.article_id for a in articles] == left
    assert all(a.passages for a in articles)
    assert [str(w) for w in warnings] == [warning]


def test_a_file_without_text_is_named(tmp_path):
    warnings = []
    assert segment(Document("x.md", "x", "---\ntitle: 标题\n---\n", "markdown", 19,
                            {"title": "标题"}), warnings.append) == []
    assert [str(w) for w in warnings] == [
        "x.md: has a title (《标题》) but no text; nothing of it is indexed"]

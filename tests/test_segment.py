"""Segmentation of the seeds: titles, sections, stories, passage sizes and line numbers."""

from pathlib import Path

import pytest

from search.readers import Document
from search.segment import MAX_PASSAGE, segment

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
    from search.readers import read_file
    for doc, articles in seed_articles.values():
        again = segment(read_file(Path(doc.path))[0])
        assert [p.passage_id for a in again for p in a.passages] == \
            [p.passage_id for a in articles for p in a.passages]

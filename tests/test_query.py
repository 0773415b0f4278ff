"""Query parsing: typed text -> query tree. Punctuation is never syntax."""

import pytest

from search.query.parse import And, Not, Or, Phrase, Words, parse, positive_needles
from search.text.analysis import units


def W(text, *terms):
    return Words(text, terms)


PARSES = [
    ("长沙银行 供应链金融", Or((W("长沙银行", "长沙", "银行"), W("供应链金融", "供应链", "金融")))),
    ('"供应链金融"', Phrase("供应链金融", ("供", "应", "链", "金", "融"))),
    ("“供应链 金融”", Phrase("供应链 金融", ("供", "应", "链", "金", "融"))),
    ("「小巨人」", Phrase("小巨人", ("小", "巨", "人"))),
    ("株洲 AND 银行", And((W("株洲", "株洲"), W("银行", "银行")))),
    ("株洲 OR 长沙", Or((W("株洲", "株洲"), W("长沙", "长沙")))),
    ("黑灯工厂 -株洲", And((W("黑灯工厂", "黑灯", "工厂"), Not(W("株洲", "株洲"))))),
    ("黑灯工厂 NOT 株洲", And((W("黑灯工厂", "黑灯", "工厂"), Not(W("株洲", "株洲"))))),
    ("(长沙 OR 株洲) AND 银行",
     And((Or((W("长沙", "长沙"), W("株洲", "株洲"))), W("银行", "银行")))),
    # questions and punctuation of either width
    ("什么是专精特新？", W("什么是专精特新？", "什么", "是", "专精", "特新")),
    ("什么是专精特新?", W("什么是专精特新?", "什么", "是", "专精", "特新")),
    ("中小企业*", W("中小企业*", "中小企业")),
    ("株洲：长沙，", W("株洲：长沙，", "株洲", "长沙")),
    ("5G OR 0.01度", Or((W("5G", "5g"), W("0.01度", "0.01", "度")))),
    ("2021-2025", W("2021-2025", "2021-2025")),  # jieba keeps a range whole
    # operators with nothing to combine, unbalanced brackets, unclosed quotes
    ("AND 长沙", W("长沙", "长沙")),
    ("长沙 OR", W("长沙", "长沙")),
    ("a) (b", Or((W("a", "a"), W("b", "b")))),
    ('"长沙银行', Phrase("长沙银行", ("长", "沙", "银", "行"))),
    ("and or not", Or((W("and", "and"), W("or", "or"), W("not", "not")))),
]


@pytest.mark.parametrize("text, tree", PARSES)
def test_parse(text, tree):
    assert parse(text) == tree


@pytest.mark.parametrize("text", ["", "？？！", "NOT", "-", '""', "()", "-株洲"])
def test_nothing_searchable(text):
    assert parse(text) is None


def test_highlighted_needles_skip_negations():
    needles = positive_needles(parse('黑灯工厂 "株洲模式" -长沙'))
    assert needles == {("黑", "灯", "工", "厂"), ("株", "洲", "模", "式")}


@pytest.mark.parametrize("text, content", [
    ("《战国无双3》是由哪两个公司合作开发的？", ("战国", "无双", "3", "两个", "公司", "合作开发")),
    ("长沙银行的供应链金融", ("长沙", "银行", "供应链", "金融")),
    ("的", ("的",)),  # nothing else to search for: the function word stays
])
def test_function_words_are_not_scored_when_there_is_more(text, content):
    assert parse(text).content_terms == content


def _needles(*texts: str) -> tuple:
    return tuple(tuple(units(text)) for text in texts)


@pytest.mark.parametrize("text, needles", [
    # a typed term of one or two words, no function word: found as written
    ("供应链金融", _needles("供应链金融")),
    ("高质量发展", _needles("高质量发展")),
    ("58家", _needles("58家")),
    ("5G", _needles("5g")),
    ("中", _needles("中")),  # typed alone, a single character is what was asked for
    ("千人纱，万人布", _needles("千人纱", "万人布")),  # punctuation separates terms
    # a run with a function word, or longer: each content word
    ("长沙银行的供应链金融", _needles("长沙", "银行", "供应链", "供应", "金融")),
    ("什么是市场竞争？", _needles("市场竞争")),
    ("重庆小康动力", _needles("重庆", "小康", "动力")),
    ("金融持续发力支持实体经济", _needles("金融", "持续", "发力", "支持", "实体", "经济")),
    # single characters of a longer run are needles too (found where they stand as words)
    ("POF热收缩膜", _needles("pof", "热", "收缩膜", "收缩")),
    # and a word without the character jieba glued on (a text says 国庆), not its parts
    ("首都花团锦簇喜迎国庆", _needles("首都", "花团锦簇", "喜", "迎国庆", "国庆")),
    ("他司职什么位置？", _needles("他", "司职", "位置")),
    ("王沈是哪里人？", _needles("王沈", "人")),  # jieba's guess 王沈是 loses its 是
    ("的", _needles("的")),
])
def test_needles_are_what_a_passage_must_hold(text, needles):
    assert parse(text).needles == needles


@pytest.mark.parametrize("text, joins", [
    ("长沙银行的供应链金融", ("沙银", "链金")),  # 的 joins nothing: it is not searched for
    ("5G网络", ("5g网",)),
    ("供应链", ()),
])
def test_joins_are_the_pairs_across_two_content_words(text, joins):
    assert parse(text).joins == joins

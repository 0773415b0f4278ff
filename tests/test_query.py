"""Query parsing: typed text -> query tree. Punctuation is never syntax."""

import pytest

from search.query import And, Not, Or, Phrase, Words, parse, positive_parts


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


def test_highlight_parts_skip_negations():
    terms, phrases = positive_parts(parse('黑灯工厂 "株洲模式" -长沙'))
    assert terms == {"黑灯", "工厂"}
    assert phrases == {("黑", "灯", "工", "厂"), ("株", "洲", "模", "式")}


@pytest.mark.parametrize("text, content", [
    ("《战国无双3》是由哪两个公司合作开发的？", ("战国", "无双", "3", "两个", "公司", "合作开发")),
    ("长沙银行的供应链金融", ("长沙", "银行", "供应链", "金融")),
    ("的", ("的",)),  # nothing else to search for: the function word stays
])
def test_function_words_are_not_scored_when_there_is_more(text, content):
    words = parse(text)
    assert words.content_terms == content
    assert positive_parts(words)[0] == set(content)


@pytest.mark.parametrize("text, joins", [
    ("长沙银行的供应链金融", ("沙银", "链金")),  # 的 joins nothing: it is not searched for
    ("5G网络", ("5g网",)),
    ("供应链", ()),
])
def test_joins_are_the_pairs_across_two_content_words(text, joins):
    assert parse(text).joins == joins

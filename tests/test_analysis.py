"""Analysis: folding keeps offsets, tokens carry positions that make phrases work."""

import pytest

from search.text.analysis import bigrams, first_unit, fold, query_words, unit_spans, words

FOLD = [
    ("長沙銀行", "长沙银行"),
    ("供應鏈金融", "供应链金融"),
    ("５Ｇ網絡", "5g网络"),
    ("ＵｎｉＩＯＳ", "uniios"),
    ("，：？！（）", ",:?!()"),
    ("\u3000", " "),
    ("㎡平方米", "㎡平方米"),  # NFKC would make this two characters: kept as is
]


@pytest.mark.parametrize("text, folded", FOLD)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("text", [row[0] for row in FOLD] + ["ﬁ", "Ⅻ", "①②", "é", "İstanbul"])
def test_fold_keeps_length(text):
    assert len(fold(text)) == len(text)


def assert_token(token, text, pos, start, end):
    assert (token.text, token.pos, token.start, token.end) == (text, pos, start, end)


def test_word_positions_and_offsets():
    tokens = words("長沙銀行依託供應鏈金融")
    assert_token(tokens[0], "长沙", 0, 0, 2)
    assert_token(tokens[1], "银行", 1, 2, 4)
    assert_token(tokens[2], "依托", 2, 4, 6)
    assert_token(tokens[3], "供应链", 3, 6, 9)
    assert_token(tokens[4], "供应", 3, 6, 8)  # sub-word at its word's position
    assert_token(tokens[5], "金融", 4, 9, 11)


def test_punctuation_and_spaces_take_no_position():
    tokens = words("小巨人」 企業，58家")
    assert [(t.text, t.pos) for t in tokens if t.text in ("企业", "58", "家")] == [
        ("企业", 2), ("58", 3), ("家", 4)]


@pytest.mark.parametrize("text, expected", [
    ("控制精度达0.01度", ["控制精度", "达", "0.01", "度"]),
    ("58家", ["58", "家"]),
    ("5G線纜", ["5g", "线缆"]),
    ("什么是专精特新？", ["什么", "是", "专精", "特新"]),
    ("IaaS、PaaS", ["iaas", "paas"]),
])
def test_query_words(text, expected):
    assert query_words(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("「小巨人」 企業", ["小巨", "巨人", "人企", "企业", "业$"]),  # spaces, punctuation skipped
    ("0.01度", ["0.01度", "度$"]),
    ("5G", ["5g$"]),
    ("UniIOS 5G网", ["uniios_5g", "5g网", "网$"]),  # two Latin runs keep their boundary
    ("", []),
])
def test_bigrams_pair_units_and_mark_the_end(text, expected):
    assert bigrams(text) == expected


@pytest.mark.parametrize("pair, unit", [
    ("小巨", "小"), ("0.01度", "0.01"), ("uniios_5g", "uniios"), ("5g网", "5g"), ("业$", "业"),
    ("5g$", "5g"),
])
def test_first_unit_splits_a_pair_back(pair, unit):
    assert first_unit(pair) == unit


def test_unit_spans_point_into_the_original():
    text = "１０毫秒，長沙"
    assert [(u, text[s:e]) for u, s, e in unit_spans(text)] == [
        ("10", "１０"), ("毫", "毫"), ("秒", "秒"), ("长", "長"), ("沙", "沙")]

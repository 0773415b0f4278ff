"""Highlights: the needles a passage matched by, as merged spans in its own script."""

import pytest

from search.query.highlight import highlight, mark
from search.query.parse import parse, positive_needles


@pytest.mark.parametrize("query, text, marked", [
    ("专精特新", "专精特新企业", "[专精特新]企业"),
    ("专精 特新", "专精特新企业", "[专精特新]企业"),  # touching spans merge
    ("专精 企业", "专精特新企业", "[专精]特新[企业]"),
    ("长沙银行", "長沙銀行依託", "[長沙銀行]依託"),  # the passage's own script
    ('"黑灯工厂"', "黑灯 工厂", "[黑灯] [工厂]"),  # a space inside a phrase is not lit
    ("５Ｇ", "5G网络", "[5G]网络"),
    ("供应链金融", "供应链与金融", "供应链与金融"),  # the term as written, not its parts
    ("王沈是哪里人？", "太原晋阳人。人民", "太原晋阳[人]。人民"),  # a character where it is a word
    ("王沈是哪里人？", "王沈，晋阳人", "[王沈]，晋阳人"),  # ...and only where nothing longer is
    ("黑灯工厂 -株洲", "株洲的黑灯工厂", "株洲的[黑灯工厂]"),  # nothing under NOT
])
def test_highlight(query, text, marked):
    assert mark(text, highlight(text, positive_needles(parse(query)))) == marked

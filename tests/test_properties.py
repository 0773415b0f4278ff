"""Property tests on random mixed-script text: cleaning and analysis never fail, offsets stay
inside the text, and the invariants hold."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.ingest.clean import clean, clean_text
from search.ingest.readers import Document
from search.ingest.segment import segment
from search.query.highlight import highlight
from search.text.analysis import (
    bigrams,
    first_unit,
    fold,
    folded_unit_runs,
    unit_spans,
    units,
    words,
)

PIECES = st.sampled_from([
    "長沙銀行", "长沙银行", "供應鏈金融", "５Ｇ", "0.01度", "58家", "小巨人", "「", "」", "“", "”",
    "。", "，", "？", "！", "……", "\n", "\n\n", "\u3000\u3000", " ", "▲", "培培育育", "常常",
    "## ", "<p>", "</p>", "&amp;", "[链接](http://x.cn)", "记者/高晓燕", "ABC", "iaas", "---\n",
    "湖湖南南", "研究研究", "重庆小", "康动力", "\t", "ﬁ", "İ", "㎡", "①", "\ufeff",
])
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=40).map("".join)
FORMATS = st.sampled_from(["plain", "spaced", "markdown", "html", "wrapped"])
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXTS)
def test_fold_keeps_every_offset(text):
    assert len(fold(text)) == len(text)


@FAST
@given(TEXTS)
def test_tokens_lie_inside_the_text(text):
    for token in words(text):
        assert 0 <= token.start < token.end <= len(text)
        assert fold(text)[token.start:token.end] == token.text
    for unit, start, end in unit_spans(text):
        assert fold(text)[start:end] == unit
    found = units(text)
    assert [first_unit(pair) for pair in bigrams(text)] == found


@FAST
@given(TEXTS, FORMATS)
def test_blocks_map_back_and_reclean_to_themselves(text, fmt):
    for block in clean(text, fmt):
        assert len(block.starts) == len(block.ends) == len(block.text) > 0
        assert all(0 <= s < e <= len(text) for s, e in zip(block.starts, block.ends, strict=True))
        assert clean_text(text[block.char_start:block.char_end], fmt) == block.text


@FAST
@given(TEXTS, FORMATS)
def test_passages_cover_their_spans_and_quote_exactly(text, fmt):
    articles = segment(Document("x.txt", "x", text, fmt))
    last_end = 0
    for passage in sorted((p for a in articles for p in a.passages), key=lambda p: p.char_start):
        assert last_end <= passage.char_start < passage.char_end <= len(text)
        assert clean_text(text[passage.char_start:passage.char_end], fmt) == passage.text
        assert 1 <= passage.line_start <= passage.line_end
        last_end = passage.char_end


@FAST
@given(TEXTS, TEXTS)
def test_highlights_lie_inside_the_text(text, query):
    from search.query.parse import parse, positive_needles

    for start, end in highlight(text, positive_needles(parse(query))):
        assert 0 <= start < end <= len(text)


# Issue 27: markup never reaches a passage, however broken; spans still quote back.
_TAGS = ["p", "div", "span", "a", "img", "br", "h2", "figure", "figcaption", "td", "li", "b",
         "script", "style", "title", "noscript", "textarea", "svg"]
_ATTRS = st.sampled_from([
    "", ' class="x"', " onload=\"if(this.width>450) this.width=450\"", " src='http://a.cn/x.jpg'",
    ' alt="图说"', ' title="a>b"', " data-x='{\"k\": 1}'", ' style="color:red"', " href=x.html",
    ' alt="', " class='", ' a=b"c', "=", ' alt=""',
])
_OPEN = st.builds(lambda name, attrs, end: f"<{name}{attrs}{end}", st.sampled_from(_TAGS),
                  _ATTRS, st.sampled_from([">", "/>", ""]))
_CLOSE = st.builds(lambda name: f"</{name}>", st.sampled_from(_TAGS))
_MARKUP = st.sampled_from([
    "<!-- 注释 -->", "<!--", "-->", "&nbsp;", "&#20013;", "&ldquo;", "&amp;nbsp;", "&lt;p&gt;",
    "&lt;/div&gt;", "{{< video src=\"x\" >}}", "{{% note %}}", "{{% /note %}}", "{% raw %}",
    "{{ .Title }}", "{{<", ">}}", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml version='1.0'?>",
    "</", "<",
])
_MARKDOWN = st.sampled_from(["# ", "## ", "**", "[链接](http://x.cn)", "![图](a.png)", "- ", "> "])
_WORDS = st.sampled_from([
    "长沙银行", "供應鏈金融", "小巨人", "。", "，", "？", "「", "」", "“", "”", "\n", "\n\n", " ",
    "\u3000\u3000", "58家", "0.01度", "▲", "图说", "记者　林小溪", "（资料图）",
])
_HTML = st.lists(st.one_of(_OPEN, _CLOSE, _MARKUP, _WORDS), max_size=50).map("".join)
_MD = st.lists(st.one_of(_OPEN, _CLOSE, _MARKUP, _MARKDOWN, _WORDS), max_size=50).map("".join)
FRAGMENTS = st.one_of(st.tuples(_HTML, st.just("html")), st.tuples(_MD, st.just("markdown")))
_LEFT_OVER = re.compile(r"[A-Za-z]|\{\{|\}\}|\{%|%\}")  # a tag, attribute, entity, shortcode


def _texts(article):
    yield article.title
    for passage in article.passages + article.boilerplate:
        yield passage.text
        yield passage.section


@FAST
@given(FRAGMENTS)
def test_no_markup_reaches_a_passage_and_spans_quote_back(fragment):
    """Any fragment of HTML or Markdown, however broken: its passages, sections and title hold
    no markup (the words it is made of hold no ASCII letter, so any letter left is markup),
    and each passage's raw span cleans back to its text."""
    text, fmt = fragment
    for article in segment(Document("x", "x", text, fmt)):
        for found in _texts(article):
            assert not _LEFT_OVER.search(found), found
        for passage in article.passages:
            assert clean_text(text[passage.char_start:passage.char_end], fmt) == passage.text


@FAST
@given(_HTML, st.randoms(use_true_random=False))
def test_set_aside_blocks_and_a_title_in_the_body_keep_spans_exact(text, rnd):
    """A web page's blocks set aside (any of them) and its headline taken out of the middle:
    every passage, set aside or not, still quotes back exactly, and none overlaps another."""
    blocks = clean(text, "html")
    aside = [(b.char_start, b.char_end) for b in blocks if rnd.random() < 0.4]
    title = rnd.choice(blocks) if blocks else None
    doc = Document("x.html", "x", text, "html", meta={"title": "标题"}, set_aside=aside,
                   title_span=title and (title.char_start, title.char_end))
    spans = []
    for article in segment(doc):
        for passage in article.passages + article.boilerplate:
            assert passage.boilerplate == (passage in article.boilerplate)
            assert clean_text(text[passage.char_start:passage.char_end], "html") == passage.text
            spans.append((passage.char_start, passage.char_end))
    spans.sort()
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


ASCII_RUNS = st.lists(st.sampled_from(["3.5", "3.55a", "a.5", "1.2.3", "5a", "58", "5", "a", "x_y",
                                       "..", ".5", " ", "长", "沙", "，", "5g", "Ａ"]),
                      max_size=12).map("".join)


def _walked_runs(text: str, run: tuple[str, ...]) -> list[list[tuple[int, int]]]:
    """``folded_unit_runs`` the slow way: a walk over every unit of the text."""
    spans = unit_spans(text)
    found = [unit for unit, _, _ in spans]
    return [[(start, end) for _, start, end in spans[i:i + len(run)]]
            for i in range(len(found) - len(run) + 1) if tuple(found[i:i + len(run)]) == run]


@FAST
@given(st.one_of(TEXTS, ASCII_RUNS), st.data())
def test_unit_runs_are_found_as_a_walk_over_the_units_finds_them(text, data):
    found = units(text)
    if found:  # a run of the text's own units, or units that may not be there
        start = data.draw(st.integers(0, len(found) - 1))
        run = tuple(found[start:start + data.draw(st.integers(1, 3))])
    else:
        run = tuple(data.draw(st.lists(st.sampled_from(["5", "a", "3.5", "长"]), min_size=1,
                                       max_size=2)))
    assert list(folded_unit_runs(fold(text), run)) == _walked_runs(text, run)

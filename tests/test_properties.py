"""Property tests on random mixed-script text: cleaning and analysis never fail, offsets stay
inside the text, and the invariants hold."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.ingest.clean import clean, clean_text
from search.ingest.readers import Document
from search.ingest.segment import segment
from search.query.highlight import highlight
from search.text.analysis import bigrams, first_unit, fold, unit_spans, units, words

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

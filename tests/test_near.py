"""Proximity (`A NEAR/n B`): parsed as typed, counted exactly (a passage counts only when the two
sides stand at most n characters apart in one of its fields, in either order), combined with
AND, OR, NOT and parentheses, highlighted on both sides; on both backends."""

import pytest

import search.engine
from search.errors import QueryError
from search.query.near import holds, loosened
from search.query.parse import And, Near, Not, Or, Phrase, Words, parse

PARSED = [  # typed -> the tree
    ("株洲 NEAR/5 企业", Near(Words("株洲", ("株洲",)), Words("企业", ("企业",)), 5)),
    ("株洲 NEAR 企业", Near(Words("株洲", ("株洲",)), Words("企业", ("企业",)), 10)),
    ('"小巨人" NEAR/3 株洲', Near(Phrase("小巨人", ("小", "巨", "人")), Words("株洲", ("株洲",)), 3)),
    ("株洲 NEAR/2 企业 AND 数字化", And((Near(Words("株洲", ("株洲",)), Words("企业", ("企业",)), 2),
                                       Words("数字化", ("数字化",))))),
    ("(株洲 OR 长沙) NEAR/4 银行", Near(Or((Words("株洲", ("株洲",)), Words("长沙", ("长沙",)))),
                                    Words("银行", ("银行",)), 4)),
    ("株洲 NEAR -企业", And((Words("株洲", ("株洲",)), Not(Words("企业", ("企业",)))))),
    ("NEAR 企业", Words("企业", ("企业",))),
    ("株洲 NEAR", Words("株洲", ("株洲",))),
]


@pytest.mark.parametrize(("typed", "tree"), PARSED, ids=[typed for typed, _ in PARSED])
def test_near_is_parsed_as_typed(typed, tree):
    assert parse(typed) == tree


TEXTS = [  # text, query, holds?
    ("株洲的中小企业", "株洲 NEAR/5 企业", True),
    ("企业在株洲", "株洲 NEAR/1 企业", True),  # either order
    ("企业在株洲", "株洲 NEAR/0 企业", False),
    ("株洲企业", "株洲 NEAR/0 企业", True),
    ("株洲市委书记说，我们的中小企业", "株洲 NEAR/5 企业", False),
    ("株洲，企业", "株洲 NEAR/1 企业", True),  # a comma is a character between them
    ("長沙銀行", "长沙 NEAR/0 银行", True),  # either script
]


@pytest.mark.parametrize(("text", "typed", "expected"), TEXTS)
def test_near_holds_where_the_sides_stand_close(text, typed, expected):
    assert holds({"text": text, "title": "", "section": ""}, parse(typed)) is expected


def test_near_holds_within_one_field_not_across_two():
    stored = {"text": "企业", "title": "株洲", "section": ""}
    assert not holds(stored, parse("株洲 NEAR/50 企业"))
    assert holds(stored, parse("株洲 AND 企业"))


def test_near_under_not_is_loosened_to_nothing_and_checked():
    node = parse("企业 NOT (株洲 NEAR/3 数字化)")
    assert loosened(node) == Words("企业", ("企业",))


QUERIES = ["株洲 NEAR/5 企业", "株洲 NEAR 企业", "企业 NEAR/2 数字化 OR 长沙银行",
           '"小巨人" NEAR/10 株洲', "(株洲 OR 长沙) NEAR/6 企业", "企业 NOT (株洲 NEAR/4 企业)",
           "数字化 NEAR/3 转型 AND 企业", "株洲 NEAR/0 企业"]


@pytest.mark.parametrize("typed", QUERIES)
def test_near_counts_exactly_the_passages_that_hold_it(engine, typed):
    node = parse(typed)
    expected = {p["passage_id"] for p in engine.backend.passages() if holds(p, node)}
    answer = engine.query(typed, 1000, exact=True)
    assert answer["total"] == len(expected)
    assert {hit["passage_id"] for hit in answer["hits"]} == expected
    assert sum(answer["facets"]["year"].values()) <= answer["total"]


def test_near_highlights_both_sides(engine):
    hits = engine.query("株洲 NEAR/5 企业", 20)["hits"]
    assert hits
    for hit in hits:
        lit = " ".join(hit["text"][start:end] for start, end in hit["matches"])
        assert "株洲" in lit and "企业" in lit


def test_near_with_filters_per_article_and_sort(engine):
    from search.query.filters import make_filters

    plain = engine.query("株洲 NEAR/10 企业", 100)
    once = engine.query("株洲 NEAR/10 企业", 100, per_article=1, sort="newest")
    assert len({hit["article_id"] for hit in once["hits"]}) == len(once["hits"])
    assert once["total"] == plain["total"]
    none = engine.query("株洲 NEAR/10 企业", 10, make_filters(city=["北京"]))
    assert none["total"] <= plain["total"]


def test_a_near_over_too_many_passages_says_so(engine, monkeypatch):
    monkeypatch.setattr(search.engine, "NEAR_CANDIDATES", 5)
    with pytest.raises(QueryError, match="more than the 5 it can check"):
        engine.query("企业 NEAR 株洲", 10)

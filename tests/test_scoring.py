"""The numpy scorer must rank exactly as a one-posting-at-a-time reference of the same BM25F,
the passages that match must be exactly those that hold the query (a plain-Python reference
over the stored text), and filters must select exactly Whoosh's matches, also with several
segments and deletions."""

import math

import pytest
from whoosh import query as wq

from search.analysis import words
from search.backend import Filters
from search.engine import Engine
from search.indexer import index_paths
from search.query import parse
from search.scoring import Scorer, Word, scored_clauses
from search.whoosh_backend import K1, B, filter_queries, to_whoosh
from tests.conftest import SEEDS, holds

QUERIES = ["长沙", "长沙银行 供应链金融", "湖南 OR 重庆", "企业 -湖南", "企业 AND 数字化",
           '"专精特新"', "小巨人 的 企业", "株洲", "不存在的词语zzz", "企业 企业 数字化",
           "中小企業 數字化轉型", '湖南 OR ("黑灯工厂" AND 企业)', '"湖" 湖南 湖', "湖", "5G",
           "重庆小康动力 -长沙", "什么是专精特新？"]


@pytest.fixture(scope="module")
def edited_index(tmp_path_factory) -> Engine:
    """The seeds indexed, then one of them edited: two segments, deleted passages."""
    root = tmp_path_factory.mktemp("scoring")
    (root / "docs").mkdir()
    for seed in SEEDS.glob("*.txt"):
        (root / "docs" / seed.name).write_bytes(seed.read_bytes())
    index_paths(root / "index", [root / "docs"])
    edited = next((root / "docs").glob("004_*"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n长沙企业的新段落。", "utf-8")
    index_paths(root / "index", [root / "docs"])
    return Engine(root / "index")


def reference_scores(searcher, query) -> dict[int, float]:
    """The same BM25F, one posting at a time through Whoosh's public API."""
    k1, b, size = K1, B, searcher.doc_count()
    scores: dict[int, float] = {}
    words: dict[str, dict[int, float]] = {}
    for clause in scored_clauses(query):
        if isinstance(clause, Word):
            frequency = words.setdefault(clause.text, {})
            for term in clause.subqueries:
                average = searcher.avg_field_length(term.fieldname)
                for docnum, tf in term_postings(searcher, term):
                    length = searcher.doc_field_length(docnum, term.fieldname)
                    frequency[docnum] = frequency.get(docnum, 0) + term.boost * tf / (
                        (1 - b) + b * length / average)
        elif isinstance(clause, wq.Term):
            average = searcher.avg_field_length(clause.fieldname)
            idf = searcher.idf(clause.fieldname, clause.text)
            for docnum, tf in term_postings(searcher, clause):
                length = searcher.doc_field_length(docnum, clause.fieldname)
                scores[docnum] = scores.get(docnum, 0) + clause.boost * idf * tf * (k1 + 1) / (
                    tf + k1 * ((1 - b) + b * length / average))
        else:
            matcher = clause.matcher(searcher)
            while matcher.is_active():
                scores[matcher.id()] = scores.get(matcher.id(), 0) + matcher.score()
                matcher.next()
    for frequency in words.values():
        idf = math.log(1 + (size - len(frequency) + 0.5) / (len(frequency) + 0.5))
        for docnum, value in frequency.items():
            scores[docnum] = scores.get(docnum, 0) + idf * value * (k1 + 1) / (value + k1)
    return scores


def term_postings(searcher, term):
    if (term.fieldname, term.text) not in searcher.reader():
        return []
    matcher = searcher.postings(term.fieldname, term.text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight()))
        matcher.next()
    return found


@pytest.mark.parametrize("text", QUERIES)
def test_ranking_equals_a_one_posting_at_a_time_reference(edited_index, text):
    backend = edited_index.backend
    searcher = backend.searcher()
    node = parse(text)
    holding = {docnum for docnum, stored in searcher.reader().iter_docs()
               if holds(stored, node)}
    expected = sorted((-reference_scores(searcher, to_whoosh(node)).get(docnum, 0), docnum)
                      for docnum in holding)
    result = backend.search(node, 10)
    assert [hit.score for hit in result.hits] == pytest.approx([-s for s, _ in expected[:10]])
    assert [hit.stored["passage_id"] for hit in result.hits] == \
        [searcher.stored_fields(docnum)["passage_id"] for _, docnum in expected[:10]]
    assert result.total == len(holding)


def test_a_word_saturates_across_its_fields(edited_index):
    """True BM25F: a word found in the title and the text can score no more than the BM25
    bound, idf * (k1 + 1), however often it is repeated in them."""
    scorer = Scorer(edited_index.backend.searcher(), K1, B)
    word = Word([wq.Term("text", "株洲"), wq.Term("title", "株洲", boost=3.0),
                 wq.Term("section", "株洲", boost=1.2)])
    scores, matched = scorer.scores([word])
    count, passages = int(matched.sum()), scorer.passages
    bound = math.log(1 + (passages - count + 0.5) / (count + 0.5)) * (K1 + 1)
    assert 0.5 * bound < scores.max() <= bound


@pytest.mark.parametrize("filters", [
    Filters(city=["株洲", "长沙"]), Filters(province=["浙江"], year=["2022"]),
    Filters(source=["株洲日报"]), Filters(since="2022-02-01", until="2022-12-31"),
])
def test_filter_sets_read_from_postings_equal_whooshs(edited_index, filters):
    backend = edited_index.backend
    for query in filter_queries(filters):
        assert backend._matches(query) == set(backend.searcher().docs_for_query(query))


def test_the_edited_index_has_deletions(edited_index):
    """The fixture must exercise deleted postings, or the tests above prove less."""
    assert edited_index.backend.searcher().reader().has_deletions()


def test_a_word_is_found_however_jieba_cut_the_passage(engine):
    """市场竞争 is one word as typed, never a token of the seeds: its unit pairs find it."""
    written = {p["passage_id"]: p["text"] for p in engine.backend.passages()
               if "市场竞争" in p["text"]}
    assert written and not any("市场竞争" in {t.text for t in words(text)}
                               for text in written.values())
    found = {hit["passage_id"] for hit in engine.query("市场竞争", limit=1000)["hits"]}
    assert set(written) <= found


def test_function_words_do_not_match_through_their_pairs(engine):
    assert engine.query("什么是市场竞争")["total"] == engine.query("市场竞争")["total"]

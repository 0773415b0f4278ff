"""The numpy scorer must rank exactly as a one-posting-at-a-time reference of the same BM25F
(article term included), the passages that match must be exactly those that hold the query (a
plain-Python reference over the stored text), and filters must select exactly Whoosh's
matches, also with several
segments and deletions."""

import json
import math
from collections import defaultdict

import pytest
from whoosh import query as wq

from search.backends.whoosh import backend as whoosh_backend
from search.backends.whoosh.backend import ARTICLE, to_whoosh
from search.backends.whoosh.matching import filter_queries
from search.backends.whoosh.reader import Postings
from search.backends.whoosh.scoring import Phrase, Scorer, Word, scored_clauses
from search.engine import Engine
from search.indexer import index_paths
from search.query.filters import Filters
from search.query.parse import parse
from search.query.plan import K1, B
from search.text.analysis import units, words
from tests.conftest import SEEDS, _contains, holds

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


def reference_scores(backend, query) -> dict[int, float]:
    """The same BM25F, one posting at a time through Whoosh's public API, plus ARTICLE's
    weight times each word's BM25F over the whole article (``reference_article_scores``)."""
    searcher = backend.searcher()
    k1, b, size = K1, B, searcher.doc_count()
    scores: dict[int, float] = {}
    words: dict[str, list] = {}
    for clause in scored_clauses(query):
        if isinstance(clause, Word):
            words.setdefault(clause.text, []).extend(clause.subqueries)
        elif isinstance(clause, Phrase):  # as Whoosh scores one, where the text holds it
            holding = {docnum for docnum in searcher.reader().all_doc_ids()
                       if _contains(units(backend.stored(docnum)["text"]), list(clause.units))}
            for pair in clause.words:
                add_bm25(searcher, wq.Term("bigram", pair, boost=clause.boost), scores, holding)
        elif isinstance(clause, wq.Term):
            add_bm25(searcher, clause, scores)
        else:
            matcher = clause.matcher(searcher)
            while matcher.is_active():
                scores[matcher.id()] = scores.get(matcher.id(), 0) + matcher.score()
                matcher.next()
    article_of = {docnum: backend.stored(docnum)["article_id"]
                  for docnum in searcher.reader().all_doc_ids()}
    per_article: dict[str, float] = defaultdict(float)
    for terms in words.values():
        frequency: dict[int, float] = {}
        for term in terms:
            average = searcher.avg_field_length(term.fieldname)
            for docnum, tf in term_postings(searcher, term):
                length = searcher.doc_field_length(docnum, term.fieldname)
                frequency[docnum] = frequency.get(docnum, 0) + term.boost * tf / (
                    (1 - b) + b * length / average)
        holding = holders(searcher, terms)
        idf = math.log(1 + (size - len(holding) + 0.5) / (len(holding) + 0.5))
        for docnum, value in frequency.items():
            scores[docnum] = scores.get(docnum, 0) + idf * value * (k1 + 1) / (value + k1)
        for article, value in reference_article_scores(searcher, terms, article_of).items():
            per_article[article] += value
    for docnum, article in article_of.items():
        if per_article[article]:
            scores[docnum] = scores.get(docnum, 0) + ARTICLE.weight * per_article[article]
    return scores


def add_bm25(searcher, term, scores: dict[int, float], where: set[int] | None = None) -> None:
    """BM25 of a term in one field, times its boost (only ``where``, if given); its IDF
    counts the live passages that have it."""
    k1, b = K1, B
    average = searcher.avg_field_length(term.fieldname)
    postings, size = term_postings(searcher, term), searcher.doc_count()
    idf = math.log(1 + (size - len(postings) + 0.5) / (len(postings) + 0.5))
    for docnum, tf in postings:
        if where is None or docnum in where:
            length = searcher.doc_field_length(docnum, term.fieldname)
            scores[docnum] = scores.get(docnum, 0) + term.boost * idf * tf * (k1 + 1) / (
                tf + k1 * ((1 - b) + b * length / average))


def holders(searcher, terms) -> set[int]:
    """Passages that hold a word: a word field has it, or every one of its unit pairs is there."""
    found = {docnum for term in terms if term.fieldname != "bigram"
             for docnum, _ in term_postings(searcher, term)}
    pairs = [{docnum for docnum, _ in term_postings(searcher, term)}
             for term in terms if term.fieldname == "bigram"]
    return found | set.intersection(*pairs) if pairs else found


def reference_article_scores(searcher, terms, article_of: dict[int, str]) -> dict[str, float]:
    """One word's BM25F over whole articles: text and pairs summed over an article's passages,
    title and heading path counted once (the most of any passage)."""
    k1, b = ARTICLE.k1, ARTICLE.b
    fields = {term.fieldname for term in terms}
    lengths: dict[str, dict[str, float]] = {field: defaultdict(float) for field in fields}
    for docnum, article in article_of.items():
        for field in fields:
            length = searcher.doc_field_length(docnum, field) or 0  # None for an empty field
            if field in ("title", "section"):
                lengths[field][article] = max(lengths[field][article], length)
            else:
                lengths[field][article] += length
    articles = set(article_of.values())
    frequency: dict[str, float] = defaultdict(float)
    for term in terms:
        tf_of: dict[str, float] = defaultdict(float)
        for docnum, tf in term_postings(searcher, term):
            article = article_of[docnum]
            if term.fieldname in ("title", "section"):
                tf_of[article] = max(tf_of[article], tf)
            else:
                tf_of[article] += tf
        average = sum(lengths[term.fieldname][a] for a in articles) / len(articles)
        for article, tf in tf_of.items():
            length = lengths[term.fieldname][article]
            frequency[article] += term.boost * tf / ((1 - b) + b * length / average)
    holding = {article_of[docnum] for docnum in holders(searcher, terms)}
    idf = math.log(1 + (len(articles) - len(holding) + 0.5) / (len(holding) + 0.5))
    return {article: idf * value * (k1 + 1) / (value + k1)
            for article, value in frequency.items() if value}


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
    holding = {docnum for docnum in searcher.reader().all_doc_ids()
               if holds(backend.stored(docnum), node)}
    expected = sorted((-reference_scores(backend, to_whoosh(node)).get(docnum, 0), docnum)
                      for docnum in holding)
    result = backend.search(node, 10)
    assert [hit.score for hit in result.hits] == pytest.approx([-s for s, _ in expected[:10]])
    assert [hit.stored["passage_id"] for hit in result.hits] == \
        [backend.stored(docnum)["passage_id"] for _, docnum in expected[:10]]
    assert result.total == len(holding)


def test_a_word_saturates_across_its_fields(edited_index):
    """True BM25F: a word found in the title and the text can score no more than the BM25
    bound, idf * (k1 + 1), however often it is repeated in them."""
    backend = edited_index.backend
    scorer = Scorer(Postings(backend.searcher(), backend.stored_fields().texts), K1, B)
    word = Word([wq.Term("text", "株洲"), wq.Term("title", "株洲", boost=3.0),
                 wq.Term("section", "株洲", boost=1.2)])
    scores, matched = scorer.scores([word])
    count, passages = int(matched.sum()), scorer.reader.passages
    bound = math.log(1 + (passages - count + 0.5) / (count + 0.5)) * (K1 + 1)
    assert 0.5 * bound < scores.max() <= bound


@pytest.mark.parametrize("filters", [
    Filters(city=["株洲", "长沙"]), Filters(province=["浙江"], year=["2022"]),
    Filters(source=["株洲日报"]), Filters(since="2022-02-01", until="2022-12-31"),
])
def test_filter_sets_read_from_postings_equal_whooshs(edited_index, filters):
    backend = edited_index.backend
    for query in filter_queries(filters):
        assert backend.matching().matches(query) == set(backend.searcher().docs_for_query(query))


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


@pytest.mark.parametrize("text", QUERIES)
def test_the_article_term_reorders_articles_but_never_the_matches(edited_index, monkeypatch,
                                                                  text):
    """The article term is the same for every passage of an article: the matches, their
    count and the order of one article's passages are those of the passage score alone."""
    backend = edited_index.backend
    rankings = {}
    for article in (None, ARTICLE):
        monkeypatch.setattr(whoosh_backend, "ARTICLE", article)
        backend.close()  # the next search makes a scorer with this article term
        result = backend.search(parse(text), 1000)
        by_article = defaultdict(list)
        for hit in result.hits:
            by_article[hit.stored["article_id"]].append(hit.stored["passage_id"])
        rankings[article] = (result.total, dict(by_article))
    backend.close()
    assert rankings[None] == rankings[ARTICLE]


# Three articles of two passages each; 湿地 and 候鸟 are as common as each other. Article
# "spread" holds each word once, in different passages; "twice" holds 湿地 twice in one passage.
FILLER = ("这里的居民每天早上沿着河岸散步，看水面上的光影慢慢变化，孩子们在草地上追逐嬉戏，"
          "老人们坐在长椅上聊天。傍晚时分，街边的小店陆续亮起灯，空气里飘着饭菜的香味。")
SPREAD_RECORDS = [
    {"id": "twice", "title": "甲", "text": f"湿地里湿地。{FILLER}\n\n{FILLER}"},
    {"id": "other", "title": "乙", "text": f"候鸟里候鸟。{FILLER}\n\n{FILLER}"},
    {"id": "spread", "title": "丙", "text": f"湿地。{FILLER}\n\n候鸟。{FILLER}"},
]


@pytest.fixture(scope="module")
def spread_index(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("spread")
    (root / "records.jsonl").write_text("".join(
        json.dumps(record, ensure_ascii=False) + "\n" for record in SPREAD_RECORDS), "utf-8")
    index_paths(root / "index", [root / "records.jsonl"])
    return Engine(root / "index")


@pytest.mark.parametrize(("article", "best_article"), [(None, "twice"), (ARTICLE, "spread")])
def test_words_spread_over_an_articles_passages_add_up(spread_index, monkeypatch, article,
                                                        best_article):
    """By its best passage alone, the article with 湿地 twice in one passage ranks first; with
    the article term, the article that holds both query words (in two passages) does."""
    backend = spread_index.backend
    assert [len(backend.passages_of(record["id"])) for record in SPREAD_RECORDS] == [2, 2, 2]
    monkeypatch.setattr(whoosh_backend, "ARTICLE", article)
    backend.close()  # the next search makes a scorer with this article term
    try:
        hits = backend.search(parse("湿地 候鸟"), 3, per_article=1).hits
    finally:
        backend.close()
    assert hits[0].stored["article_id"].endswith(best_article)


def test_an_index_without_passages_scores_nothing(tmp_path):
    """An index with no segment has no article column: the article term is then empty."""
    backend = whoosh_backend.WhooshBackend.create(tmp_path / "index")
    try:
        result = backend.search(parse("湿地 候鸟"), 10, per_article=1)
    finally:
        backend.close()
    assert (result.total, result.hits) == (0, [])

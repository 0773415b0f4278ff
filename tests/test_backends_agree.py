"""One ranking for both backends (``query/bm25f.py``): on the same passages, the embedded index
and a real cluster of searchd nodes give the same total, the same top 10 in the same order and
the same scores (within 0.1%), with and without a per-article limit, on the seeds and on a
sample of cmrc2018 (questions over Wikipedia passages). Skips without searchd, and the
cmrc2018 part without ../shared."""

import contextlib
import json
from pathlib import Path

import pytest
import yaml

from search.engine import Engine
from tests.conftest import SHARED, both_backends, needs_searchd

DATA = Path(__file__).parent / "data"
SEED_QUERIES = sorted({row["query"] for name in ("golden_queries.yaml", "rewrite_queries.yaml")
                       for row in yaml.safe_load((DATA / name).read_text("utf-8"))}
                      | {"长沙", "湖南 OR 重庆", "企业 -湖南", "企业 AND 数字化", '"专精特新"',
                         "小巨人 的 企业", "企业 企业 数字化", '湖南 OR ("黑灯工厂" AND 企业)',
                         "5G", "什么是专精特新？", "小巨人", "株洲 企业", "技术创新 -株洲",
                         '"5G"', '"中"', "「UniIOS」", '"小巨"', '"巨人" 企业',
                         "株洲 NEAR/5 企业", "(株洲 OR 长沙) NEAR/6 企业", "长沙 NEAR/0 银行",
                         "企业 NOT (株洲 NEAR/4 企业)"})
CMRC = SHARED / "relevance" / "cmrc2018"
CMRC_PASSAGES, CMRC_QUERIES = 800, 120


def agree(first: Engine, second: Engine, text: str, **options) -> None:
    """The two engines answer ``text`` alike: total, the top 10 in order, scores within 0.1%."""
    ours, theirs = (engine.query(text, 10, exact=True, **options) for engine in (first, second))
    assert (ours["total"], ours["articles"]) == (theirs["total"], theirs["articles"]), text
    assert [hit["passage_id"] for hit in ours["hits"]] == \
        [hit["passage_id"] for hit in theirs["hits"]], text
    for mine, other in zip(ours["hits"], theirs["hits"], strict=True):
        assert mine["score"] == pytest.approx(other["score"], rel=0.001), text
        assert [found["article_id"] for found in mine["reprints"]] == \
            [found["article_id"] for found in other["reprints"]], text


@needs_searchd
def test_both_backends_rank_the_seeds_alike(seed_cluster, seed_index, seed_workspace):
    assert len(SEED_QUERIES) >= 60
    with contextlib.chdir(seed_workspace):
        embedded, clustered = Engine(seed_index), Engine(seed_cluster)
        try:
            for text in SEED_QUERIES:
                agree(embedded, clustered, text)
                agree(embedded, clustered, text, per_article=1)
        finally:
            embedded.close()
            clustered.close()


@needs_searchd
@pytest.mark.skipif(not CMRC.is_dir(), reason="needs ../shared/relevance/cmrc2018")
def test_both_backends_rank_a_cmrc2018_sample_alike(tmp_path):
    (tmp_path / "corpus").mkdir()
    with (CMRC / "corpus.jsonl").open(encoding="utf-8") as lines:
        sample = [next(lines) for _ in range(CMRC_PASSAGES)]
    (tmp_path / "corpus" / "cmrc.jsonl").write_text("".join(sample), "utf-8")
    held = {json.loads(line)["id"] for line in sample}
    queries = [query["query"] for line in (CMRC / "queries_dev.jsonl").open(encoding="utf-8")
               if set((query := json.loads(line))["relevant"]) & held][:CMRC_QUERIES]
    assert len(queries) == CMRC_QUERIES
    with both_backends(tmp_path, [Path("corpus")]) as (embedded, clustered):
        for text in queries:
            agree(embedded, clustered, text)


@needs_searchd
def test_both_backends_sort_by_date_alike(tmp_path):
    """Newest or oldest first, undated last, the best first on a day: the same hits in the same
    order on both backends, with and without a per-article limit."""
    from tests.test_sort import dated_records

    (tmp_path / "records.jsonl").write_text("".join(
        json.dumps(record, ensure_ascii=False) + "\n" for record in dated_records()), "utf-8")
    with both_backends(tmp_path, [Path("records.jsonl")]) as (embedded, clustered):
        for text in ("企业", "株洲 数字化", "湖南 OR 重庆", "小巨人", '"专精特新"'):
            for sort in ("newest", "oldest"):
                agree(embedded, clustered, text, sort=sort)
                agree(embedded, clustered, text, sort=sort, per_article=1)


@needs_searchd
def test_both_backends_group_reprints_alike(tmp_path):
    """The same stories on both backends: each hit's reprints, and one hit a story."""
    from tests.test_reprints import records, write

    (tmp_path / "news").mkdir()
    write(tmp_path / "news", list(records()))
    with both_backends(tmp_path, [Path("news")]) as (embedded, clustered):
        for text in ("智能化", "株洲 企业", "数字化 NEAR/5 转型"):
            agree(embedded, clustered, text)
            agree(embedded, clustered, text, one_per_story=True)
            agree(embedded, clustered, text, one_per_story=True, sort="oldest")
        assert any(hit["reprints"] for hit in clustered.query("智能化")["hits"])

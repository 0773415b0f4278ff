"""The numpy scorer of OR queries must rank exactly as Whoosh scores, and facets must count
exactly Whoosh's matches, also in an index with several segments and deletions."""


import pytest

from search.engine import Engine
from search.indexer import index_paths
from search.query import parse
from search.whoosh_backend import to_whoosh
from tests.conftest import SEEDS

QUERIES = ["长沙", "长沙银行 供应链金融", "湖南 OR 重庆", "企业 -湖南", "企业 AND 数字化",
           '"专精特新"', "小巨人 的 企业", "株洲", "不存在的词语zzz", "企业 企业 数字化",
           "中小企業 數字化轉型", '湖南 OR ("黑灯工厂" AND 企业)']


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


@pytest.mark.parametrize("text", QUERIES)
def test_ranking_is_whooshs_full_ranking(edited_index, text):
    backend = edited_index.backend
    searcher = backend.searcher()
    query = to_whoosh(parse(text))
    every = sorted(searcher.search(query, limit=None), key=lambda hit: (-hit.score, hit.docnum))
    result = backend.search(parse(text), 10)
    assert [hit.stored["passage_id"] for hit in result.hits] == \
        [hit["passage_id"] for hit in every[:10]]
    assert [hit.score for hit in result.hits] == pytest.approx([hit.score for hit in every[:10]])
    assert result.total == len(every)


@pytest.mark.parametrize("text", QUERIES)
def test_match_sets_read_from_postings_equal_whooshs(edited_index, text):
    backend = edited_index.backend
    query = to_whoosh(parse(text))
    assert backend._matches(query) == set(backend.searcher().docs_for_query(query))


def test_the_index_has_deletions_and_segments(edited_index):
    reader = edited_index.backend.searcher().reader()
    assert reader.has_deletions() and len(getattr(reader, "readers", [reader])) >= 1

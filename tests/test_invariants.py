"""The invariants (quotes exact, nothing lost, highlights true, ids stable, either script),
checked on the real seeds."""

import hashlib
import json
import shutil
from pathlib import Path

import opencc
import pytest
import yaml

from search.backends.whoosh.backend import WhooshBackend
from search.engine import Engine
from search.indexer import index_paths
from search.ingest.clean import clean, clean_text
from search.ingest.readers import read_file
from search.ingest.records import records_for
from search.ingest.segment import _demote_trailing_headings, segment
from search.query.parse import is_character, parse, positive_needles
from search.text.analysis import unit_spans, words
from tests.conftest import SEEDS, holds

QUERIES = ["长沙银行 供应链金融", "小巨人", '"黑灯工厂"', "智能制造 数字化转型", "专精特新 中小企业",
           "株洲 AND 硬质合金", "58家", "0.01度", "重庆小康动力", "工信部会同有关部门", "5G线缆",
           "金融輸血", "POF热收缩膜 -浙江"]


def test_quotes_are_exact(engine):
    """1. Cleaning the raw slice [char_start, char_end) gives back the passage text."""
    raws = {}
    count = 0
    for stored in engine.backend.passages():
        path = stored["path"]
        raw = raws.setdefault(path, Path(path).read_text(encoding="utf-8"))
        piece = raw[stored["char_start"]:stored["char_end"]]
        assert clean_text(piece, stored["format"]) == stored["text"], stored["passage_id"]
        count += 1
    assert count > 100


def test_nothing_is_lost(seed_articles):
    """2. An article's passages, in order, cover its cleaned body text exactly once."""
    for doc, articles in seed_articles.values():
        blocks = _demote_trailing_headings(clean(doc.raw, doc.format, doc.body_start))
        body = [b for b in blocks if b.kind != "heading"]
        if body and articles[0].title == body[0].text:  # a headline paragraph became the title
            body = body[1:]
        passages = sorted((p for a in articles for p in a.passages), key=lambda p: p.char_start)
        # a long paragraph is split into passages at sentence ends: compare without breaks
        assert _squeeze(p.text for p in passages) == _squeeze(b.text for b in body)
        for before, after in zip(passages, passages[1:], strict=False):
            assert before.char_end <= after.char_start


def _squeeze(texts) -> str:
    return "".join("".join(texts).split())


@pytest.mark.parametrize("query", QUERIES)
def test_highlights_are_true(engine, query):
    """3. Each highlight lies in the text and covers exactly the query's needles found there
    (touching ones merged into one span)."""
    needles = positive_needles(parse(query))
    result = engine.query(query, 10)
    assert result["hits"]
    for hit in result["hits"]:
        text = hit["text"]
        assert all(0 <= start < end <= len(text) for start, end in hit["matches"])
        shown = {i for start, end in hit["matches"] for i in range(start, end)}
        assert shown == _needle_positions(text, needles), (query, hit["passage_id"])


def _needle_positions(text: str, needles) -> set[int]:
    """The characters of every occurrence of a needle's units in a row; if there is none,
    of each single-character needle where it stands as a word (reference)."""
    spans = unit_spans(text)
    found = [unit for unit, _, _ in spans]
    positions = set()
    for needle in needles - {n for n in needles if is_character(n)}:
        for i in range(len(found) - len(needle) + 1):
            if tuple(found[i:i + len(needle)]) == needle:
                positions.update(k for _, s, e in spans[i:i + len(needle)] for k in range(s, e))
    if not positions:
        positions = {k for token in words(text) if (token.text,) in needles
                     and is_character((token.text,)) for k in range(token.start, token.end)}
    return positions


GOLDEN = [row["query"] for row in yaml.safe_load(
    (Path(__file__).parent / "data" / "golden_queries.yaml").read_text("utf-8"))]


@pytest.mark.parametrize("query", QUERIES + GOLDEN + ["供应链金融", "中", "什么是专精特新？"])
def test_counts_are_true(engine, query):
    """What is counted is what holds the query: every hit holds it and shows where, and the
    total is the number of passages that hold it (a plain-Python reference over them all)."""
    node = parse(query)
    result = engine.query(query, 1000)
    holding = [p for p in engine.backend.passages() if holds(p, node)]
    assert result["total"] == len(holding) == len(result["hits"])
    for hit in result["hits"]:
        assert holds(hit, node)
        assert hit["matches"] or hit["title_matches"] or hit["section_matches"], hit["passage_id"]


def test_a_shared_character_pair_is_not_a_match(engine):
    """供应链金融 is typed as one term: passages with only 金融 or 供应 in them rank nothing."""
    result = engine.query("供应链金融", 1000)
    assert result["total"] == 3
    assert all("供應鏈金融" in hit["text"] or "供应链金融" in hit["text"] for hit in result["hits"])


def test_highlights_land_on_the_original_script(engine):
    hit = engine.query("长沙银行 供应链金融", 1)["hits"][0]
    shown = [hit["text"][s:e] for s, e in hit["matches"]]
    assert "長沙銀行" in shown and "供應鏈金融" in shown


def _all_passages(index_dir: Path) -> dict:
    backend = WhooshBackend.open(index_dir)
    passages = {p["passage_id"]: p for p in backend.passages()}
    backend.close()
    return passages


def test_ids_are_stable_across_rebuilds(tmp_path, seed_index):
    """4a. Rebuilding from unchanged files gives the same passages under the same ids."""
    shutil.copytree(Path("seeds"), tmp_path / "seeds")
    index_paths(tmp_path / "index", [tmp_path / "seeds"], rebuild=True)
    assert _all_passages(tmp_path / "index") == _all_passages(seed_index)


def test_reindexing_one_file_touches_only_its_passages(tmp_path, monkeypatch):
    """4b. Re-indexing one changed file replaces that file's passages and nothing else."""
    shutil.copytree("seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    index_paths(Path("index"), [Path("seeds")], rebuild=True)
    before = _all_passages(Path("index"))
    changed = Path("seeds/002_50dce2328ed16d13.txt")
    changed.write_text(changed.read_text(encoding="utf-8").replace("嘉善县", "嘉兴市嘉善县"),
                       encoding="utf-8")
    index_paths(Path("index"), [changed])
    after = _all_passages(Path("index"))
    assert before.keys() == after.keys()
    for pid in before:
        if before[pid]["path"] != changed.as_posix():
            assert before[pid] == after[pid]
    assert any("嘉兴市嘉善县" in p["text"] for p in after.values())


@pytest.mark.parametrize("query", QUERIES)
def test_either_script_finds_the_same_passages(engine, query):
    """5. A query in either script finds the same passages."""
    traditional = opencc.OpenCC("s2t").convert(query)
    simplified = opencc.OpenCC("t2s").convert(query)
    ids = [[h["passage_id"] for h in engine.query(q, 10)["hits"]] for q in (traditional, simplified)]
    assert ids[0] == ids[1]
    assert ids[0]


def test_a_word_is_not_matched_by_its_first_two_characters(tmp_path):
    """无人机 matches the passage about drones, not one about 无人申请 (laws corpus, issue 12)."""
    (tmp_path / "laws.jsonl").write_text(
        '{"id": "a", "title": "民用航空法", "text": "无人机的飞行应当遵守空域管理的规定。"}\n'
        '{"id": "b", "title": "商标法", "text": "无人申请登记的，由主管部门处理。"}\n', "utf-8")
    index_paths(tmp_path / "index", [tmp_path / "laws.jsonl"])
    engine = Engine(tmp_path / "index")
    result = engine.query("无人机")
    engine.close()
    assert result["total"] == 1 and [hit["article_id"] for hit in result["hits"]] == ["a"]


def test_every_passage_reads_back_as_written(tmp_path, monkeypatch):
    """An article's fields are stored with its first passage only; every passage still reads
    back every field as the indexer wrote it, also when two files hold a record of one id."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SEEDS, "docs")
    for name, title in (("a.jsonl", "株洲晚报"), ("b.jsonl", "长沙晚报")):
        Path("docs", name).write_text(json.dumps({
            "id": "1", "title": title, "source": title, "date": "2024-05-01",
            "text": "\n\n".join(f"{title}第{n}段讲湖南的企业。" for n in range(30))},
            ensure_ascii=False), "utf-8")
    index_paths(Path("index"), [Path("docs")])
    written = {}
    for path in sorted(Path("docs").iterdir()):
        data = path.read_bytes()
        for doc in read_file(path, data=data, name=path.as_posix()):
            for article in segment(doc):
                for record in records_for(article, hashlib.sha256(data).hexdigest()[:16]):
                    written[(record.stored["path"], record.stored["passage_id"])] = record.stored
    backend = WhooshBackend.open(Path("index"))
    searcher = backend.searcher()  # last passage first: each article's fields looked up
    read = {(fields["path"], fields["passage_id"]): fields for fields in
            map(backend.stored, reversed(range(searcher.doc_count_all())))}
    assert list(backend.passages()) == [read[key] for key in reversed(read)]
    backend.close()
    assert read.keys() == written.keys()
    assert len({pid for _, pid in read if pid.startswith("1:")}) < len(
        [pid for _, pid in read if pid.startswith("1:")])  # the same ids in a.jsonl and b.jsonl
    for key, fields in written.items():
        assert read[key] == fields, key

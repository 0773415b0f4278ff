"""Queries the way people type them (rewrite.py): pinyin, other names, slips of the input
method; each said in the answer, none for what the index holds, none with --exact."""

import contextlib
import json
from pathlib import Path

import pytest
import yaml

from search.engine import Engine
from search.query.highlight import mark
from search.text.places import gazetteer, short_name
from search.text.sounds import Sounds, read_sounds, sound_key, typed_key, write_sounds

from .conftest import run_search

REWRITES = yaml.safe_load((Path(__file__).parent / "data" / "rewrite_queries.yaml")
                          .read_text("utf-8"))


@pytest.fixture(scope="module")
def embedded(seed_index, seed_workspace):
    with contextlib.chdir(seed_workspace):
        engine = Engine(seed_index)
        yield engine
        engine.close()


def said(answer: dict, to: str, why: str) -> bool:
    return any(to in rewrite["to"] and rewrite["why"] == why for rewrite in answer["rewrites"])


@pytest.mark.parametrize("row", REWRITES, ids=[row["query"] for row in REWRITES])
def test_a_query_finds_what_a_reader_means_and_says_how(embedded, row):
    answer = embedded.query(row["query"], 3)
    assert said(answer, row["to"], row["why"]), answer["rewrites"]
    assert row["passage"] in [hit["passage_id"] for hit in answer["hits"]]


def test_the_set_covers_each_kind_of_rewrite():
    assert {row["why"] for row in REWRITES} == {"pinyin", "also called", "sounds like"}
    assert len(REWRITES) >= 12


@pytest.mark.parametrize("query", ["株洲", "小巨人", "长沙银行", "POF", "UniIOS", "5G线缆",
                                   "专精特新", "china", "change"])
def test_what_the_index_holds_is_never_rewritten(embedded, query):
    assert embedded.query(query, 3)["rewrites"] == []


@pytest.mark.parametrize("query", ['"株州"', "小巨人 -株州", "小巨人 NOT 株州"])
def test_phrases_and_exclusions_are_never_rewritten(embedded, query):
    assert embedded.query(query, 3)["rewrites"] == []


def test_exact_searches_only_what_was_typed(embedded):
    assert embedded.query("株州", 3, exact=True)["total"] == 0
    answer = embedded.query("株州", 3)
    assert answer["total"] > 0 and answer["rewrites"] == [
        {"from": "株州", "to": ["株洲"], "why": "sounds like"}]


def test_highlights_cover_every_form_found(embedded):
    hits = embedded.query("工业和信息化部", 3)["hits"]
    assert any("[工信部]" in mark(hit["text"], hit["matches"]) for hit in hits)
    hits = embedded.query("zhuzhou", 1)["hits"]
    assert "[株洲]" in mark(hits[0]["text"], hits[0]["matches"])


def test_an_other_name_counts_less_than_the_name_typed(embedded):
    answer = embedded.query("株洲市", 5)
    assert said(answer, "株洲", "also called") and answer["total"] > 5
    assert all("株洲市" in hit["text"] for hit in answer["hits"])  # 株洲 alone ranks after


def test_the_cli_prints_the_rewrite_above_the_results(seed_workspace):
    shown = run_search("query", "株州", "小巨人", "--limit", "1", cwd=seed_workspace)
    assert shown.stdout.splitlines()[0].startswith("株州 → 株洲  (sounds like")
    exact = run_search("query", "株州", "--exact", cwd=seed_workspace)
    assert "→" not in exact.stdout and "no passages match 株州" in exact.stdout
    answer = json.loads(run_search("query", "zhuzhou", "--json", cwd=seed_workspace).stdout)
    assert answer["rewrites"] == [{"from": "zhuzhou", "to": ["株洲"], "why": "pinyin"}]


def test_other_names_on_the_cluster_too(engine):
    answer = engine.query("工业和信息化部", 3)
    assert said(answer, "工信部", "also called") and answer["total"] > 0


def test_typed_pinyin_keys():
    assert [typed_key(t) for t in ("zhuzhou", "Zhūzhōu", "zhu1zhou1", "lü", "xi'an", "5G")] \
        == ["zhuzhou", "zhuzhou", "zhuzhou", "lv", "xian", None]
    assert [sound_key(w) for w in ("株洲", "银行", "重庆", "长沙", "5G", "株")] \
        == ["zhuzhou", "yinhang", "chongqing", "changsha", None, "zhu"]


def test_sounds_written_and_read_back():
    text = write_sounds([("株洲", 9), ("株州", 1), ("POF", 4), ("银行", 3)], {})
    sounds = Sounds(text)
    assert [s.word for s in sounds.like("zhuzhou")] == ["株洲", "株州"]
    assert sounds.like("pof") == [] and sounds.like("yinhang")[0].passages == 3
    again = write_sounds([("株洲", 10)], {s.word: s for s in read_sounds(text)})
    assert again == "株洲\tzhu zhou\t10\n"
    assert text.splitlines()[0].startswith("银行")  # in the order of the keys
    unsorted = Sounds("".join(reversed(text.splitlines(keepends=True))))  # an older table
    assert [s.word for s in unsorted.like("zhuzhou")] == ["株洲", "株州"]


def test_pinyin_spelled_by_several_index_words():
    sounds = Sounds(write_sounds([("小", 9), ("晓", 2), ("巨人", 5), ("企业", 7), ("巨", 1)],
                                 {}))
    assert sounds.spelled("xiaojuren") == "小巨人"  # fewest words, each the most held
    assert sounds.spelled("xiaojurenqiye") == "小巨人企业"
    assert sounds.spelled("juren") is None  # one word: like() finds it
    assert sounds.spelled("xiaoxiaoxiaoxiaoxiao") is None  # more than MAX_SPELLED words


def test_one_syllable_off_for_longer_words():
    sounds = Sounds(write_sounds([("小巨人", 5), ("小巨头", 2), ("株洲", 3)], {}))
    assert [s.word for s in sounds.one_syllable_off("小巨任")] == ["小巨头"]  # 小巨人: like()
    assert [s.word for s in sounds.one_syllable_off("笑巨头")] == ["小巨人"]
    assert sounds.one_syllable_off("株周") == []  # two syllables: never one off


def test_the_index_records_its_words_pinyin(seed_index):
    generation = next(p for p in seed_index.iterdir() if p.name.startswith("g"))
    lines = (generation / "search-sounds.tsv").read_text("utf-8").splitlines()
    assert "株洲\tzhu zhou" in "\n".join(lines) and len(lines) > 1000


def test_short_names_of_places_agree_with_the_gazetteer():
    for place in gazetteer().places.values():
        assert short_name(place.full) == (place.name if place.name != place.full else None)
    assert short_name("开发区") is None

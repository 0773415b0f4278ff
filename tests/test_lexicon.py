"""The small jieba (lexicon.py): a jieba holding only the dictionary words of the texts it
was given cuts them exactly as rjieba's whole dictionary does."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.text import analysis
from search.text.analysis import fold
from search.text.lexicon import FILE, Lexicon, Segmenter, build

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").iterdir())


@pytest.fixture(scope="module")
def full():
    return analysis._full_jieba()


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.load()


def same_cuts(jieba, full, text):
    for how, options in (("cut", {}), ("cut", {"hmm": False}), ("cut_for_search", {}),
                         ("tokenize", {"mode": "search"})):
        assert getattr(jieba, how)(text, **options) == getattr(full, how)(text, **options), \
            (how, options, text)


def test_the_shipped_file_is_jiebas_dictionary():
    jieba = pytest.importorskip("jieba")
    assert build(Path(jieba.__file__).parent / "dict.txt") == FILE.read_bytes()


def seed_sentences():
    for path in SEEDS:
        text = fold(path.read_text(encoding="utf-8", errors="replace"))
        yield from (line for line in text.splitlines() if line.strip())


def test_every_seed_line_cut_as_by_the_whole_dictionary(full, lexicon):
    grown = Segmenter(lexicon, analysis._jieba_type())  # one jieba fed every line
    for line in seed_sentences():
        fresh = Segmenter(lexicon, analysis._jieba_type())
        fresh.add(line)
        grown.add(line)
        same_cuts(fresh.jieba, full, line)
        same_cuts(grown.jieba, full, line)


def test_a_text_seen_earlier_is_cut_the_same_after_others(full, lexicon):
    segmenter = Segmenter(lexicon, analysis._jieba_type())
    texts = ["合同违约", "违约责任", "长沙银行的供应链金融", "王沈是哪里人"]
    for text in texts:
        segmenter.add(text)
    for text in texts:
        same_cuts(segmenter.jieba, full, text)


CHARACTERS = "合同违约责任长沙银行供应链金融市场竞争喜迎国庆小巨人专精特新的了是在不一" \
             "上海市不动产株洲企业中国人民共和国5gabc，。 "


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CHARACTERS, max_size=30))
def test_any_text_cut_as_by_the_whole_dictionary(full, lexicon, text):
    segmenter = Segmenter(lexicon, analysis._jieba_type())
    segmenter.add(text)
    same_cuts(segmenter.jieba, full, text)


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    return result.stdout


def test_a_query_does_not_build_the_whole_dictionary():
    out = run_python(
        "import json\n"
        "from search.text import analysis\n"
        "runs = analysis.word_runs('黑灯工厂，长沙银行的供应链金融？')\n"
        "print(json.dumps([runs, analysis._full_jieba.cache_info().currsize]))\n")
    assert json.loads(out) == [[["黑灯", "工厂"], ["长沙", "银行", "的", "供应链", "金融"]], 0]


def test_long_texts_go_to_the_whole_dictionary():
    text = SEEDS[0].read_text(encoding="utf-8")[:analysis.SMALL_TEXTS + 1]
    out = run_python(
        "import json, sys\n"
        "from search.text import analysis\n"
        "words = [t.text for t in analysis.words(sys.argv[1])]\n"
        "print(json.dumps([words, analysis._full_jieba.cache_info().currsize]))\n"
        .replace("sys.argv[1]", repr(text)))
    words, built = json.loads(out)
    assert built == 1
    assert words == [token.text for token in analysis.words(text)]

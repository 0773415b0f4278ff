"""The real Chinese PDF, Word and EPUB files of ../shared/corpora/docs-dev read without an error,
with passages that quote back (skipped without ../shared; the files and their text are never
committed)."""

import re
from pathlib import Path

import pytest

from search.ingest.clean import clean_text
from search.ingest.readers import decode_file, read_file
from search.ingest.segment import segment
from tests.conftest import SHARED

DEV = SHARED / "corpora" / "docs-dev"
FILES = sorted(p for kind in ("pdf", "docx", "doc") for p in (DEV / kind).glob("*/*")) \
    if DEV.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/corpora/docs-dev is not there")


def passages_of(path: Path):
    warnings = []
    documents = read_file(path, warnings.append)
    found = [article for document in documents for article in segment(document)]
    return documents, found, warnings


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_dev_file_is_read_and_quotes_back(path):
    documents, found, _ = passages_of(path)
    assert found and all(article.passages for article in found)
    raw = decode_file(path, path.read_bytes(), str(path))[0].text
    assert raw == documents[0].raw  # derived again, the same
    for article in found:
        for passage in article.passages:
            assert clean_text(raw[passage.char_start:passage.char_end], article.format) \
                == passage.text


def texts(name: str) -> str:
    path = next(p for p in FILES if p.name == name)
    return "\n".join(p.text for article in passages_of(path)[1] for p in article.passages)


def test_compatibility_radicals_are_read_as_the_ideographs():
    text = texts("introduction.pdf")
    assert not re.search("[\u2e80-\u2fdf]", text) and "化学方程式" in text


def test_a_run_written_backwards_comes_out_in_reading_order():
    path = next(p for p in FILES if p.name == "test_4699.pdf")
    assert "资料来源：Wind、申万宏源研究" in read_file(path)[0].raw  # a bold line: a heading


def test_table_rows_read_across():
    assert "短期借款\t878\t727\t1,923\t4,449\t5,045\t4,588" in texts("test_4699.pdf")


def test_word_list_numbers_and_fast_saved_doc_files():
    name = "核电厂定期安全审查指南 第1部分：通用要求（征求意见稿）"
    assert "5.1.1 一般而言" in texts(name + ".docx")
    assert "FORMTEXT" not in texts(name + ".doc")
    fast_saved = "行标编制说明（核电厂定期安全审查 第12部分：设计）.doc"
    assert "本标准来源于国家能源局2021年下达" in texts(fast_saved)

"""Relevance on ../shared/relevance/cmrc2018 (skipped when ../shared is absent).

A floor, not the figure: the full figure comes from `python -m bench.relevance`.
"""

import pytest

from bench.relevance import evaluate
from tests.conftest import SHARED

CMRC = SHARED / "relevance" / "cmrc2018"


@pytest.mark.skipif(not (CMRC / "corpus.jsonl").exists(), reason="needs ../shared/relevance")
def test_cmrc2018_dev_sample_mrr_floor():
    result = evaluate(CMRC, CMRC / "queries_dev.jsonl", limit=300)
    assert result["queries"] == 300
    assert result["MRR@10"] >= 0.80, result
    assert result["Recall@100"] >= 0.97, result

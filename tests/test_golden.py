"""Golden queries on the seeds (tests/data/golden_queries.yaml)."""

from pathlib import Path

import pytest
import yaml

from search.query.highlight import mark

GOLDEN = yaml.safe_load((Path(__file__).parent / "data" / "golden_queries.yaml").read_text("utf-8"))


def test_the_table_covers_every_seed_and_enough_cases():
    assert len(GOLDEN) >= 25
    assert {row["seed"] for row in GOLDEN} == {"000", "001", "002", "003", "004"}


@pytest.mark.parametrize("row", GOLDEN, ids=[row["query"] for row in GOLDEN])
def test_golden_query(engine, row):
    hits = engine.query(row["query"], 3)["hits"]
    assert any(row["expect"] in hit["text"] for hit in hits), [h["text"][:40] for h in hits]
    assert any(Path(h["path"]).name.startswith(row["seed"]) for h in hits)
    if "marked" in row:
        assert row["marked"] in mark(hits[0]["text"], hits[0]["matches"])

"""Export with citations (`search query --format csv|ris`, ``/api/export``): every match up to the
limit as CSV rows a spreadsheet reads (UTF-8 with a BOM), and one RIS record an article that a
real RIS reader (rispy) parses; on both backends, from the CLI and the API."""

import csv
import io
from contextlib import chdir

import pytest
import rispy
from click.testing import CliRunner
from fastapi.testclient import TestClient

from search.cli import cli
from search.engine import Engine
from search.export import CSV_COLUMNS, as_csv, as_ris
from search.quote import citation
from search.web.app import create_app


def rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_rows_are_the_hits_with_their_citations(engine):
    hits = engine.search("小巨人 企业", 25, per_article=2)["hits"]
    found = rows(as_csv(hits))
    assert list(found[0]) == list(CSV_COLUMNS) and len(found) == len(hits)
    for row, hit in zip(found, hits, strict=True):
        assert row["passage_id"] == hit["passage_id"] and row["text"] == hit["text"]
        assert row["rank"] == str(hit["rank"]) and row["citation"] == citation(hit)
        assert row["cities"] == "、".join(hit["cities"])


def test_ris_is_one_record_an_article_that_rispy_reads(engine):
    hits = engine.search("企业", 30)["hits"]
    records = rispy.loads(as_ris(hits))
    articles = list(dict.fromkeys((hit["path"], hit["article_id"]) for hit in hits))
    assert len(records) == len(articles)
    for record, (path, article_id) in zip(records, articles, strict=True):
        own = [hit for hit in hits if (hit["path"], hit["article_id"]) == (path, article_id)]
        assert record["type_of_reference"] == "NEWS"
        assert record["title"] == (own[0]["title"] or article_id)
        assert record["notes"] == [f"{hit['passage_id']} ({hit['path']}:{hit['line_start']}"
                                   + (f"-{hit['line_end']}" if hit["line_end"] != hit["line_start"]
                                      else "") + ")" for hit in own]
        if own[0]["date"]:
            assert record["year"] == own[0]["date"][:4]
        if own[0]["source"]:
            assert record["secondary_title"] == own[0]["source"]


@pytest.mark.parametrize("fmt", ["csv", "ris"])
def test_the_cli_exports_every_match_up_to_the_limit(seed_index, in_workspace, fmt):
    result = CliRunner().invoke(cli, ["--index-dir", str(seed_index), "query", "企业",
                                      "--format", fmt, "--limit", "40"])
    assert result.exit_code == 0
    with Engine(seed_index) as engine:
        expected = engine.search("企业", 40)["hits"]
    if fmt == "csv":
        assert [row["passage_id"] for row in rows(result.output)] == \
            [hit["passage_id"] for hit in expected]
    else:
        assert rispy.loads(result.output) == rispy.loads(as_ris(expected))


def test_the_api_exports_with_the_querys_parameters(seed_workspace, seed_index):
    with chdir(seed_workspace), TestClient(create_app(seed_index)) as client:
        response = client.get("/api/export", params={"q": "企业", "city": "株洲",
                                                     "sort": "newest", "limit": 15})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        query = client.get("/api/query", params={"q": "企业", "city": "株洲", "sort": "newest"})
        first = [hit["passage_id"] for hit in query.json()["hits"]]
        assert [row["passage_id"] for row in rows(response.text)][:len(first)] == first
        ris = client.get("/api/export", params={"q": "企业", "format": "ris"})
        assert ris.status_code == 200 and rispy.loads(ris.text)
        page = client.get("/", params={"q": "企业"}).text
        assert 'data-export="csv"' in page and 'data-export="ris"' in page
        for params, status in (({"q": "企业", "format": "pdf"}, 422), ({"format": "csv"}, 422),
                               ({"q": "企业", "limit": 0}, 422)):
            assert client.get("/api/export", params=params).status_code == status

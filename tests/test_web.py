"""`search serve`: the search page, the article page and the JSON API over the real seeds
index, with an in-process client (FastAPI's TestClient); one test runs the real server."""

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import chdir
from html import unescape
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from search.engine import Engine
from search.indexer import index_paths
from search.query.filters import make_filters
from search.web.app import MAX_PAGE, MAX_QUERY, PAGE_SIZE, create_app

from .conftest import ROOT, free_port, run_search


@pytest.fixture(scope="module")
def client(seed_workspace, seed_index):
    with chdir(seed_workspace), TestClient(create_app(seed_index)) as client:
        yield client


@pytest.fixture(scope="module")
def engine(seed_workspace, seed_index):
    with chdir(seed_workspace):
        engine = Engine(seed_index)
        yield engine
        engine.close()


def page(client, path: str, status: int = 200, **params) -> str:
    response = client.get(path, params=params or None)  # (params={} drops the URL's own)
    assert response.status_code == status, response.text[:500]
    return response.text


def total_shown(html: str) -> int:
    return int(re.search(r'id="total">(\d+) passage', html).group(1))


def links(html: str, css_class: str) -> dict[str, str]:
    """Visible text -> href of the links with a class (or inside a list of that class)."""
    found = {}
    for href, text in re.findall(rf'<a class="{css_class}" href="([^"]+)"[^>]*>([^<]+)</a>', html):
        found[unescape(text).strip()] = unescape(href)
    return found


def facet_links(html: str, facet: str) -> dict[str, str]:
    block = re.search(rf'<ul class="facet" data-facet="{facet}">(.*?)</ul>', html, re.S).group(1)
    return {unescape(value): unescape(href) for href, value in
            re.findall(r'<a href="([^"]+)" data-value="([^"]+)">', block)}


def test_search_page_shows_ranked_highlighted_hits(client, engine):
    html = page(client, "/", q="小巨人")
    expected = engine.query("小巨人", PAGE_SIZE)
    assert total_shown(html) == expected["total"]
    assert 'value="小巨人"' in html  # the query stays in the box
    assert html.count('class="hit"') == PAGE_SIZE
    assert "<mark>小巨人</mark>" in html
    first = expected["hits"][0]
    assert first["passage_id"] in html and f'{first["path"]}:{first["line_start"]}' in html


def test_landing_page_says_what_is_indexed(client, engine):
    html = page(client, "/")
    stats = engine.stats()
    assert f"{stats['passages']} passages of {stats['articles']} articles" in html


def test_clicking_a_city_filters_like_the_cli_and_the_chip_removes_it(client, seed_workspace):
    html = page(client, "/", q="小巨人")
    href = facet_links(html, "city")["株洲"]
    filtered = page(client, href)
    cli = run_search("query", "小巨人", "--city", "株洲", "--json", cwd=seed_workspace)
    assert total_shown(filtered) == json.loads(cli.stdout)["total"]
    chips = links(filtered, "chip")
    assert list(chips) == ["city: 株洲 ✕"]
    assert total_shown(page(client, chips["city: 株洲 ✕"])) == total_shown(html)


def test_a_place_typed_in_any_script_filters_the_same(client):
    totals = [total_shown(page(client, "/", q="小巨人", city=name))
              for name in ("长沙", "長沙", "长沙市")]
    assert totals[0] and len(set(totals)) == 1


def test_timeline_bars_filter_to_their_month(client, engine):
    html = page(client, "/", q="企业")
    months = engine.query("企业", 1, facets=("month",))["facets"]["month"]
    assert months  # the seeds with dates
    bars = re.findall(r'<a href="([^"]+)"><title>(\d{4}-\d{2}): (\d+)</title>', html)
    assert {month: int(count) for _, month, count in bars if int(count)} == months
    href, month, count = next(bar for bar in bars if int(bar[2]))
    narrowed = page(client, unescape(href))
    assert total_shown(narrowed) == int(count)
    assert f"since: {month}" in unescape(narrowed) and f"until: {month}" in unescape(narrowed)


def test_pages_go_on_and_a_page_past_the_end_says_which_is_last(client, engine):
    total = engine.query("小巨人", 1)["total"]
    second = page(client, "/", q="小巨人", page=2)
    assert 'id="hit11"' in second and 'id="hit1"' not in second
    last = -(-total // PAGE_SIZE)
    past = page(client, "/", status=400, q="小巨人", page=last + 1)
    assert f"past the last page of this search ({last})" in past
    assert "page 0: give a page from 1" in page(client, "/", status=400, q="小巨人", page=0)


def test_per_article_switch_shows_one_passage_an_article(client):
    html = page(client, "/", q="企业", per_article=1)
    articles = re.findall(r'href="/articles/([^"?]+)\?', html)
    assert articles and len(articles) == len(set(articles))
    assert 'name="per_article" value="1" checked' in html


def test_the_sort_switch_orders_by_date_and_keeps_the_other_choices(client, engine):
    html = page(client, "/", q="企业", city="株洲")
    sorts = {name: unescape(href)
             for href, name in re.findall(r'<a href="([^"]+)" data-sort="(\w+)"', html)}
    assert set(sorts) == {"newest", "oldest"} and "<strong>relevance</strong>" in html
    assert "sort=newest" in sorts["newest"] and "city=" in sorts["newest"]
    shown = page(client, sorts["newest"])
    assert "<strong>newest</strong>" in shown and total_shown(shown) == total_shown(html)
    api = client.get("/api/query", params={"q": "企业", "sort": "oldest"}).json()
    assert [hit["passage_id"] for hit in api["hits"]] == \
        [hit["passage_id"] for hit in engine.query("企业", PAGE_SIZE, sort="oldest")["hits"]]


def test_every_state_is_a_url(client):
    html = page(client, "/", q="小巨人", city="株洲", page=2)
    nav = re.search(r'<nav class="pages">(.*?)</nav>', html, re.S).group(1)
    previous = unescape(re.search(r'href="([^"]+)">← previous', nav).group(1))
    assert "city=%E6%A0%AA%E6%B4%B2" in previous and "q=%E5%B0%8F%E5%B7%A8%E4%BA%BA" in previous
    assert total_shown(page(client, previous)) == total_shown(html)


def test_copy_quote_is_the_cli_markdown_quote(client, seed_workspace):
    html = page(client, "/", q="小巨人")
    passage_id = re.search(r'<span class="pid">([^<]+)</span>', html).group(1)
    shown = unescape(re.search(r'<pre id="quote1">(.*?)</pre>', html, re.S).group(1))
    cli = run_search("quote", passage_id, "--format", "markdown", cwd=seed_workspace)
    assert shown == cli.stdout.rstrip("\n")
    assert 'data-quote="quote1"' in html  # the button that copies it


def test_article_page_outlines_every_passage_and_marks_the_chosen(client, engine):
    hit = engine.query("小巨人", 1)["hits"][0]
    html = page(client, f"/articles/{hit['article_id']}", passage=hit["passage_id"])
    outline = engine.outline(hit["article_id"])
    assert html.count('class="passage') == len(outline)
    order = hit["passage_id"].rpartition(":")[2]
    assert f'class="passage chosen" id="p{order}"' in html
    assert f"lines {outline[0]['line_start']}-{outline[-1]['line_end']}" in html


def test_api_query_is_the_cli_json(client, seed_workspace):
    api = client.get("/api/query", params={"q": "小巨人", "city": "株洲"}).json()
    cli = json.loads(run_search("query", "小巨人", "--city", "株洲", "--json",
                                cwd=seed_workspace).stdout)
    assert {key: api[key] for key in cli} == cli
    assert (api["page"], api["pages"]) == (1, -(-cli["total"] // PAGE_SIZE))


def test_api_facets_quote_and_article(client, seed_workspace, engine):
    facets = client.get("/api/facets/city", params={"q": "小巨人"}).json()
    cli = run_search("facets", "city", "--query", "小巨人", "--json", cwd=seed_workspace)
    assert facets == json.loads(cli.stdout)
    passage_id = engine.query("小巨人", 1)["hits"][0]["passage_id"]
    quote = client.get(f"/api/quote/{passage_id}").json()
    cli = run_search("quote", passage_id, "--format", "json", cwd=seed_workspace)
    assert {key: quote[key] for key in json.loads(cli.stdout)} == json.loads(cli.stdout)
    article_id = passage_id.rpartition(":")[0]
    article = client.get(f"/api/articles/{article_id}").json()
    assert [p["passage_id"] for p in article["passages"]] == \
        [p["passage_id"] for p in engine.outline(article_id)]
    assert article["warning"] == ""


def test_api_is_described(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/query", "/api/facets/{field}", "/api/quote/{passage_id}",
            "/api/articles/{article_id}"} <= set(paths)


BAD_REQUESTS = [
    ("/api/facets/colour", {}, 404, "the facets are city, province"),
    ("/api/query", {"q": "株洲 a" * 2_500}, 422, f"1 to {MAX_QUERY} characters"),
    ("/api/query", {"q": "小巨人", "since": "2023-13"}, 422, "YYYY-MM-DD"),
    ("/api/query", {"q": "小巨人", "since": "2023-02-30"}, 400, "no such date"),
    ("/api/query", {"q": "小巨人", "since": "yesterday"}, 422, "YYYY-MM-DD"),
    ("/api/query", {"q": "小巨人", "page": "two"}, 422, "page"),
    ("/api/query", {"q": "小巨人", "page": MAX_PAGE + 1}, 422, "give a page from 1"),
    ("/api/query", {"q": "小巨人", "sort": "latest"}, 422, "give relevance, newest or oldest"),
    ("/api/query", {"q": "小巨人", "city": "亚特兰蒂斯"}, 400, "亚特兰蒂斯"),
    ("/api/query", {"q": "小巨人", "source": "人民日报海外版"}, 400, "no indexed article"),
    ("/api/query", {}, 422, "q: required; give a query"),
    ("/api/quote/seeds/000_afc4210ba7f2fd67:9999", {}, 404, "no passage"),
    ("/api/quote/..%2F..%2Fetc%2Fpasswd", {}, 404, "not a passage id"),
    ("/api/articles/no-such-article", {}, 404, "no article"),
    ("/api/quote/seeds/000_afc4210ba7f2fd67:1", {"context": -1}, 422, "context"),
]


@pytest.mark.parametrize("path, params, status, hint", BAD_REQUESTS)
def test_bad_requests_get_a_4xx_with_a_hint(client, path, params, status, hint):
    response = client.get(path, params=params)
    assert response.status_code == status
    assert hint in response.json()["error"]


@pytest.mark.parametrize("path, params", [
    ("/", {"q": "小巨人", "until": "2022-02-30"}), ("/", {"q": "小巨人", "page": "-3"}),
    ("/articles/nope", {}), ("/nowhere", {}), ("/", {"q": "x" * (MAX_QUERY + 1)})])
def test_bad_pages_get_a_4xx_page_with_a_hint(client, path, params):
    response = client.get(path, params=params)
    assert 400 <= response.status_code < 500
    assert "<html" in response.text and 'class="why"' in response.text


def test_no_route_writes(client):
    methods = {method for route in client.app.routes for method in getattr(route, "methods", ())}
    assert methods <= {"GET", "HEAD"}
    assert client.post("/api/query", params={"q": "小巨人"}).status_code == 405


HOSTILE = ('<script>alert(1)</script> 小巨人企业在株洲\n\n'
           '"><img src=x onerror=alert(1)> 小巨人的第二段\n')


def test_article_text_is_escaped(tmp_path):
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "hostile.txt").write_text(
        "<script>alert(1)</script>小巨人\n\n" + HOSTILE * 3, encoding="utf-8")
    index_paths(tmp_path / "index", [tmp_path / "news"], rebuild=True)
    with chdir(tmp_path), TestClient(create_app(tmp_path / "index")) as client:
        html = page(client, "/", q="小巨人")
        article_id = re.search(r'href="/articles/([^"?]+)\?', html).group(1)
        article = page(client, f"/articles/{article_id}")
        quote = client.get(f"/api/quote/{article_id}:1").json()
    for shown in (html, article):
        assert "<script>alert" not in shown and "<img src=x" not in shown
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
        assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "<script>alert(1)</script>" in quote["text"] + quote["title"]  # JSON: as written


def test_a_running_server_answers_from_the_latest_commit(tmp_path):
    (tmp_path / "news").mkdir()
    shutil.copy(ROOT / "seeds" / "000_afc4210ba7f2fd67.txt", tmp_path / "news")
    index_paths(tmp_path / "index", [tmp_path / "news"], rebuild=True)
    with chdir(tmp_path), TestClient(create_app(tmp_path / "index")) as client:
        before = client.get("/api/query", params={"q": "小巨人"}).json()["total"]
        shutil.copy(ROOT / "seeds" / "001_097ff2d78488caf1.txt", tmp_path / "news")
        index_paths(tmp_path / "index", [tmp_path / "news"])
        after = client.get("/api/query", params={"q": "小巨人"}).json()["total"]
        index_paths(tmp_path / "index", [tmp_path / "news"], rebuild=True)
        rebuilt = client.get("/api/query", params={"q": "小巨人"}).json()["total"]
    assert before < after == rebuilt


def test_search_serve_runs_a_server_and_warns_off_loopback(seed_workspace):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "search", "--index-dir", "index", "serve",
                               "--host", "0.0.0.0", "--port", str(port)], cwd=seed_workspace,
                              stderr=subprocess.PIPE, text=True,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    try:
        url = f"http://127.0.0.1:{port}/?q={quote('小巨人')}"
        for _ in range(100):
            try:
                html = urllib.request.urlopen(url, timeout=5).read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not answer")
        assert "<mark>小巨人</mark>" in html
    finally:
        server.terminate()
        stderr = server.communicate(timeout=10)[1]
    assert "anyone who can reach it can read the index" in stderr


def test_search_serve_on_a_missing_index_says_so(tmp_path):
    result = run_search("--index-dir", str(tmp_path / "none"), "serve", cwd=tmp_path)
    assert result.returncode == 1 and "no index in" in result.stderr
    assert "Traceback" not in result.stderr


def test_make_filters_agrees_with_the_page(engine, client):
    expected = engine.query("小巨人", 1, make_filters(province=["湖南"]))["total"]
    assert total_shown(page(client, "/", q="小巨人", province="湖南")) == expected


ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | \
    st.sampled_from(["小巨人", "株洲", "2022-02", "2022-02-30", "-1", "0", "1", "1e9", "",
                     "\"小巨人", "NOT", "(", "seeds/000_afc4210ba7f2fd67:1", "%00", "../.."])


def api_requests(openapi: dict):
    """Requests for every API route, with values for its path and query parameters drawn
    from ANY_TEXT (the route's own parameters, as its OpenAPI description lists them)."""
    routes = []
    for path, methods in openapi["paths"].items():
        names = [(p["name"], p["in"]) for p in methods["get"].get("parameters", [])]
        routes.append((path, names))
    return st.sampled_from(routes).flatmap(lambda route: st.tuples(
        st.just(route[0]),
        st.fixed_dictionaries({name: ANY_TEXT for name, _ in route[1]}),
        st.just({name for name, where in route[1] if where == "path"})))


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_no_request_the_api_describes_gets_a_500(client, data):
    path, values, in_path = data.draw(api_requests(client.get("/openapi.json").json()))
    for name in in_path:
        path = path.replace("{" + name + "}", quote(values.pop(name) or "x", safe=""))
    response = client.get(path, params={k: v for k, v in values.items() if v != ""})
    assert response.status_code < 500, (path, values, response.text[:300])
    assert "error" in response.json() or response.status_code == 200


def test_the_page_and_the_api_over_a_cluster(seed_cluster, seed_workspace, client):
    with chdir(seed_workspace), TestClient(create_app(seed_cluster)) as cluster:
        for params in ({"q": "小巨人", "city": "株洲"}, {"q": "黑灯工厂"}, {"q": "企业", "page": 2}):
            on_cluster = cluster.get("/api/query", params=params).json()
            embedded = client.get("/api/query", params=params).json()
            assert on_cluster["total"] == embedded["total"]
            assert on_cluster["facets"] == embedded["facets"]
            assert on_cluster["pages"] == embedded["pages"]
        html = page(cluster, "/", q="企业")
        assert total_shown(html) == client.get("/api/query", params={"q": "企业"}).json()["total"]
        months = cluster.get("/api/facets/month", params={"q": "企业"}).json()
        assert months == client.get("/api/facets/month", params={"q": "企业"}).json()


def test_the_page_says_what_the_query_also_searched_and_can_search_only_it(client):
    html = page(client, "/", q="株州 小巨人")
    assert "株州 → 株洲 (sounds like)" in unescape(html)
    exact = unescape(re.search(r'<a href="([^"]+)">search only what was typed</a>', html).group(1))
    assert "exact=1" in exact
    narrowed = page(client, exact)
    assert "→" not in re.search(r'id="total">.*?</p>', narrowed, re.S).group(0)
    assert total_shown(narrowed) < total_shown(html)
    api = client.get("/api/query", params={"q": "zhuzhou"}).json()
    assert api["rewrites"] == [{"from": "zhuzhou", "to": ["株洲"], "why": "pinyin"}]


def test_the_article_page_warns_when_its_source_changed(tmp_path):
    (tmp_path / "news").mkdir()
    source = tmp_path / "news" / "000.txt"
    shutil.copy(ROOT / "seeds" / "000_afc4210ba7f2fd67.txt", source)
    index_paths(tmp_path / "index", [tmp_path / "news"], rebuild=True)
    with chdir(tmp_path), TestClient(create_app(tmp_path / "index")) as client:
        article_id = client.get("/api/query", params={"q": "小巨人"}).json()["hits"][0][
            "article_id"]
        assert 'class="warning"' not in page(client, f"/articles/{article_id}")
        source.write_text(source.read_text("utf-8").replace("株洲", "湘潭"), "utf-8")
        html = page(client, f"/articles/{article_id}")
        assert 'class="warning"' in html and "index the file again" in html
        assert client.get(f"/api/articles/{article_id}").json()["warning"]


def test_a_large_index_answers_an_unknown_id_at_once(client, monkeypatch):
    import search.engine

    monkeypatch.setattr(search.engine, "HINT_PASSAGES", 10)  # the seeds: a "large" index
    answer = client.get("/api/quote/seeds/000_afc4210ba7f2fd67:9999").json()
    assert answer["error"].endswith("find one with `search query`")

"""The search page in a real browser: Debian's Chromium driven by Playwright, on a real
`search serve` over the seeds. Type a query, see highlights, click a city and compare the
count with `search query --city`, remove the chip, click a timeline bar, open an article,
copy a quote. ``SEARCH_SCREENSHOT=PATH`` also saves the page's picture there (the README's
is ``tests/data/search-page.png``)."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from .conftest import run_search, serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NO_CHROMIUM = ("chromium is not installed (apt-get install chromium fonts-noto-cjk; "
               ".ci/run does it)")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=NO_CHROMIUM)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


@pytest.fixture(scope="module")
def server(seed_workspace):
    with serving(seed_workspace) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def tab(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
    page = context.new_page()
    page.goto(server)
    yield page
    context.close()


def shown_total(tab) -> int:
    return int(re.match(r"\d+", tab.inner_text("#total")).group())


def cli_json(seed_workspace, *args) -> dict:
    return json.loads(run_search(*args, "--json", cwd=seed_workspace).stdout)


def test_type_a_query_click_a_city_and_remove_it(tab, seed_workspace, tmp_path):
    tab.fill("input[name=q]", "小巨人")
    tab.press("input[name=q]", "Enter")
    tab.wait_for_selector("#total")
    assert tab.locator(".hit mark").first.inner_text() == "小巨人"
    everything = shown_total(tab)
    assert everything == cli_json(seed_workspace, "query", "小巨人")["total"]
    tab.screenshot(path=str(tmp_path / "search-page.png"))
    if target := os.environ.get("SEARCH_SCREENSHOT"):
        shutil.copy(tmp_path / "search-page.png", target)

    tab.click('ul[data-facet="city"] a[data-value="株洲"]')
    tab.wait_for_selector("a.chip")
    assert shown_total(tab) == cli_json(seed_workspace, "query", "小巨人", "--city",
                                        "株洲")["total"]
    assert "city=" in tab.url and tab.input_value("input[name=q]") == "小巨人"

    tab.click("a.chip")
    tab.wait_for_selector("#total")
    assert tab.locator("a.chip").count() == 0
    assert shown_total(tab) == everything


def test_click_a_timeline_bar(tab, seed_workspace):
    tab.goto(tab.url + "?q=企业")
    months = cli_json(seed_workspace, "facets", "month", "--query", "企业")
    month, count = next(iter(months.items()))
    tab.click(f'svg.timeline rect[data-month="{month}"]')
    tab.wait_for_selector("a.chip")
    assert shown_total(tab) == count
    assert f"since={month}" in tab.url and f"until={month}" in tab.url


def test_open_an_article_and_copy_a_quote(tab, seed_workspace):
    tab.goto(tab.url + "?q=小巨人")
    passage_id = tab.inner_text("#hit1 .pid")
    tab.click("#hit1 h2 a")
    tab.wait_for_selector(".passage.chosen")
    assert tab.inner_text(".passage.chosen .pid").startswith(passage_id + " ")
    assert tab.locator(".passage.chosen").is_visible()  # scrolled to
    tab.click(".passage.chosen summary")
    tab.click(".passage.chosen button.copy")
    tab.wait_for_function("document.querySelector('.passage.chosen button.copy')"
                          ".textContent.startsWith('copied')")
    copied = tab.evaluate("navigator.clipboard.readText()")
    quote = run_search("quote", passage_id, "--format", "markdown", cwd=seed_workspace)
    assert copied == quote.stdout.rstrip("\n")

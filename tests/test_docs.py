"""The docs hold together: every relative link resolves (to a file, and to a heading when it
names one), the CLI reference is what ``--help`` says now, and the README stays short with the
two commands in it. Reads files only: no subprocess."""

import re
from functools import cache
from pathlib import Path

import pytest

from search.cli.reference import reference

ROOT = Path(__file__).parent.parent
DOCS = sorted([ROOT / "README.md", ROOT / "ARCHITECTURE.md", ROOT / "CHANGELOG.md",
               ROOT / "bench" / "README.md", *(ROOT / "docs").glob("*.md")])
TWO_COMMANDS = ("pip install -e . && search query 长沙银行 供应链金融",
                "pip install -e '.[test]' && ruff check . && pytest")
README_LINES = 220

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE = re.compile(r"(`+).+?\1", re.S)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def _prose(text: str) -> str:
    """The text without fenced code blocks and code spans, where brackets are not links."""
    return CODE.sub("", FENCE.sub("", text))


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: its text (links as their text, no markup), lowercased,
    punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts by its text
    text = re.sub(r"<[^>]+>", "", text).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    """Every heading anchor of a Markdown file, repeated headings numbered as GitHub does."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text("utf-8"))):
        base = anchor(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def links(path: Path) -> list[str]:
    """The relative links of a Markdown file (web and mail addresses left out)."""
    return [target for target in LINK.findall(_prose(path.read_text("utf-8")))
            if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.I)]


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def broken(path: Path, target: str) -> str | None:
    """Why ``target``, linked from ``path``, does not resolve (None when it does)."""
    name, _, fragment = target.partition("#")
    linked = (path.parent / name).resolve() if name else path
    if not linked.exists():
        return f"{_shown(linked)}: no such file"
    if fragment and linked.suffix == ".md" and fragment not in anchors(linked):
        return f"no heading #{fragment} in {_shown(linked)}"
    return None


@pytest.mark.parametrize("path", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    problems = [f"{target}: {why}" for target in links(path)
                if (why := broken(path, target)) is not None]
    assert not problems, f"{_shown(path)} links to what is not there:\n" + \
        "\n".join(problems)


def test_the_readme_links_every_docs_page():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(ROOT / "README.md")}
    pages = sorted((ROOT / "docs").glob("*.md"))
    assert pages, "no docs/*.md"
    assert not [page.name for page in pages if page.resolve() not in linked]


def test_anchors_follow_githubs_rules():
    assert anchor("Queries as people type them: pinyin, other names, slips") == \
        "queries-as-people-type-them-pinyin-other-names-slips"
    assert anchor("The search page: `search serve`") == "the-search-page-search-serve"
    assert anchor("[store/](src/store): Gimme my document") == "store-gimme-my-document"
    assert anchor("What `--exact` does") == "what---exact-does"


def test_a_broken_link_is_found(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Top\n\n[ok](#top) [gone](missing.md) [bad](#nowhere) "
                    "`[code](nothing.md)` [web](https://example.com)\n", "utf-8")
    assert links(page) == ["#top", "missing.md", "#nowhere"]
    assert broken(page, "#top") is None
    assert "no such file" in broken(page, "missing.md")
    assert "no heading #nowhere" in broken(page, "#nowhere")


def test_the_cli_reference_is_current():
    written = (ROOT / "docs" / "cli-reference.md").read_text("utf-8")
    assert written == reference(), ("docs/cli-reference.md is not what --help says now; "
                                    "regenerate it: python -m search.cli.reference > "
                                    "docs/cli-reference.md")


def test_the_cli_reference_has_every_command():
    text = reference()
    for command in ("search index", "search query", "search facets", "search quote",
                    "search show", "search verify", "search check", "search stats",
                    "search serve", "search cluster", "search cluster init",
                    "search cluster start", "search cluster stop", "search cluster status"):
        assert f"## `{command}`\n" in text, command


def test_the_readme_is_short_and_holds_the_two_commands():
    text = (ROOT / "README.md").read_text("utf-8")
    assert len(text.splitlines()) <= README_LINES
    for command in TWO_COMMANDS:
        assert command in text, command

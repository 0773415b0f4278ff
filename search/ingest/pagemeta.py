"""Page metadata: what a saved web page says about itself (title, date, author, source, URL).

What the page states in its markup comes first, then what its text states near the headline:

- title: a heading of the page that the page's own metadata names (``og:title``, or the
  start of ``<title>``: the title with its channel and site suffix left out), which also
  gives the title's span in the body; else ``og:title``; else the start of ``<title>``;
  else the page's only ``<h1>``; else the heading just above the main text. Never a line of
  links (``首页|新闻|体育``, ``邮箱 | 相册 | 助手``).
- date: a dateline within a few blocks after the headline (or around the start of the main
  text), then htmldate in its cautious mode (``extensive_search=False``: its default mode
  read copyright years as 1 January), then the date in the URL.
- author: ``<meta name=author>``, ``article:author``, or a ``作者：`` line near the headline.
- source: ``og:site_name``, else the site named at the end of ``<title>``.
- url: ``<link rel=canonical>``, ``og:url``, the address a browser's save recorded
  (``<!-- saved from url=… -->``, MHTML's ``Snapshot-Content-Location``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from .clean import Block

DATELINE_BLOCKS = 6  # blocks after the headline searched for its dateline
MAX_TITLE = 120  # characters: a longer "headline" is not one
MIN_TITLE = 4
_TITLE_SEPARATORS = re.compile(
    r"\s*(?:[_|｜]|::|\s[-–—:@]\s|(?<=[^\x00-\x7f])[-–—](?=[^\x00-\x7f]))\s*")
_LINK_BAR = re.compile(r"[|｜]|\s{2,}|\xa0")
_DATE = re.compile(
    r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])(?:[/_.-]|\d{0,12}[/_.]|$)")
_AUTHOR_LINE = re.compile(r"(?:作者|作\s*者|撰文|文)\s*[：:/／]\s*([^\s|｜,，。]{2,20})")
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)


@dataclass
class About:
    """What a page says about itself: metadata (title, date, author, source, url) and the
    index of the block that is its headline, if one is."""

    meta: dict = field(default_factory=dict)
    title_block: int | None = None


def about(text: str, blocks: list[Block], chosen: list[bool], url: str = "") -> About:
    """What the page (``text``, decoded; ``blocks`` and the main text ``chosen`` of them)
    says about itself; ``url``: an address the file itself recorded (MHTML)."""
    from .maintext import parse

    tree = parse(text)
    tags = _meta_tags(tree)
    page_title = _page_title(tree)
    found = About()
    title, found.title_block = _title(tags, page_title, tree, blocks, chosen)
    found.meta["title"] = title
    found.meta["url"] = tags.get("canonical") or tags.get("og:url") or url \
        or _saved_from(text)
    found.meta["source"] = tags.get("og:site_name") or _site_of(page_title, title)
    found.meta["author"] = tags.get("author") or tags.get("article:author") \
        or _author_line(blocks, found.title_block, chosen)
    found.meta["date"] = _dateline(blocks, found.title_block, chosen) \
        or _htmldate(tree, found.meta["url"]) or _url_date(found.meta["url"])
    found.meta = {key: value for key, value in found.meta.items() if value}
    return found


# ---------------------------------------------------------------- the page's markup


def _meta_tags(tree) -> dict[str, str]:
    """The page's ``<meta>`` names and properties (lowercased) with their content, and
    ``canonical`` for ``<link rel=canonical>``; the first of each kept."""
    tags: dict[str, str] = {}
    if tree is None:
        return tags
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        value = _squeeze(node.get("content") or "")
        if key and value and key not in tags:
            tags[key] = value
    for node in tree.iter("link"):
        if (node.get("rel") or "").lower() == "canonical" and node.get("href"):
            tags.setdefault("canonical", node.get("href").strip())
    return tags


def _page_title(tree) -> str:
    if tree is None:
        return ""
    node = tree.find(".//title")
    return _squeeze(node.text_content()) if node is not None else ""


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def _saved_from(text: str) -> str:
    """The address in a browser's ``<!-- saved from url=(0049)http://… -->`` mark."""
    found = _SAVED_FROM.search(text, 0, 4096)
    return found.group(1) if found and found.group(1).startswith("http") else ""


# ---------------------------------------------------------------- title


def _title(tags: dict[str, str], page_title: str, tree, blocks: list[Block],
           chosen: list[bool]) -> tuple[str, int | None]:
    """The headline (see the module docstring), and the index of its block if it has one."""
    named = [tags.get("og:title", ""), tags.get("twitter:title", ""), tags.get("title", ""),
             page_title]
    named = [_fold(name) for name in named if name]
    block = _named_heading(blocks, chosen, named)
    if block is not None:
        return blocks[block].text, block
    for candidate in (_without_suffix(tags.get("og:title", ""), page_title),
                      _headline_of(page_title), _only_h1(tree)):
        if _headline_like(candidate):
            return candidate, _block_of(blocks, candidate)
    block = _heading_above(blocks, chosen)
    return (blocks[block].text, block) if block is not None else ("", None)


def _named_heading(blocks: list[Block], chosen: list[bool], named: list[str]) -> int | None:
    """The block that the page's metadata names as its title: its text is a name, or the
    start of one (the ``<title>`` with its suffix); the longest such block, a main one or a
    heading first."""
    best, best_key = None, None
    for i, block in enumerate(blocks):
        text = _fold(block.text)
        if not (MIN_TITLE <= len(block.text) <= MAX_TITLE) or not _headline_like(block.text):
            continue
        if not any(name == text or name.startswith(text) and _at_separator(name, len(text))
                   for name in named):
            continue
        key = (len(text), chosen[i] or block.kind == "heading", -i)
        if best_key is None or key > best_key:
            best, best_key = i, key
    return best


def _at_separator(name: str, end: int) -> bool:
    """Whether a title's start of ``end`` characters ends where a suffix begins."""
    rest = name[end:]
    return not rest or _TITLE_SEPARATORS.match(rest) is not None or rest[0] in " (（【[-—_|"


def _without_suffix(title: str, page_title: str) -> str:
    """``og:title`` without the site or channel suffix the page's ``<title>`` has too."""
    if not title:
        return ""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1 and parts[-1] and parts[-1] in page_title and len(parts[0]) >= MIN_TITLE:
        return _headline_of(title)
    return title


def _headline_of(page_title: str) -> str:
    """The ``<title>`` without its channel and site suffix: its first part when that is a
    headline's length, else the whole title."""
    parts = [part for part in _TITLE_SEPARATORS.split(page_title) if part]
    if not parts:
        return ""
    return parts[0] if len(parts[0]) >= MIN_TITLE + 2 else page_title


def _only_h1(tree) -> str:
    if tree is None:
        return ""
    found = [_squeeze(node.text_content()) for node in tree.iter("h1")]
    found = [text for text in found if text]
    return found[0] if len(found) == 1 else ""


def _heading_above(blocks: list[Block], chosen: list[bool]) -> int | None:
    """The heading right above the main text (within three blocks), if there is one."""
    if True not in chosen:
        return None
    first = chosen.index(True)
    for i in range(first, max(first - 4, -1), -1):
        if blocks[i].kind == "heading" and _headline_like(blocks[i].text):
            return i
    return None


def _block_of(blocks: list[Block], title: str) -> int | None:
    """The block whose text is the title, if one is."""
    folded = _fold(title)
    return next((i for i, block in enumerate(blocks) if _fold(block.text) == folded), None)


def _headline_like(text: str) -> bool:
    """Short enough, and not a line of links (``首页|新闻|体育``, ``邮箱 | 相册 | 助手``)."""
    return MIN_TITLE <= len(text) <= MAX_TITLE and len(_LINK_BAR.findall(text)) < 2


def _fold(text: str) -> str:
    return " ".join(text.split()).lower()


def _site_of(page_title: str, title: str) -> str:
    """The site named at the end of ``<title>`` (``…_科技_腾讯网``), when the title has one."""
    parts = [part for part in _TITLE_SEPARATORS.split(page_title) if part]
    if len(parts) < 2 or _fold(parts[-1]) in _fold(title):
        return ""
    site = parts[-1]
    return site if 2 <= len(site) <= 20 else ""


# ---------------------------------------------------------------- date and author


def _near_headline(blocks: list[Block], title_block: int | None,
                   chosen: list[bool]) -> list[Block]:
    """The blocks where a dateline or byline stands: after the headline, else around the
    start of the main text."""
    if title_block is not None:
        return blocks[title_block + 1:title_block + 1 + DATELINE_BLOCKS]
    if True in chosen:
        first = chosen.index(True)
        return blocks[max(first - 3, 0):first + 3]
    return []


def _dateline(blocks: list[Block], title_block: int | None, chosen: list[bool]) -> str:
    """The first real date in the blocks near the headline, as YYYY-MM-DD."""
    for block in _near_headline(blocks, title_block, chosen):
        for found in _DATE.finditer(block.text[:200]):
            date = _iso(*found.groups())
            if date:
                return date
    return ""


def _author_line(blocks: list[Block], title_block: int | None, chosen: list[bool]) -> str:
    for block in _near_headline(blocks, title_block, chosen):
        if len(block.text) <= 80 and (found := _AUTHOR_LINE.search(block.text)):
            return found.group(1)
    return ""


def _iso(year: str, month: str, day: str) -> str:
    """YYYY-MM-DD for a date that exists and is not in the future, else ""."""
    try:
        date = datetime.date(int(year), int(month), int(day))
    except ValueError:
        return ""
    return date.isoformat() if date <= datetime.date.today() else ""


def _htmldate(tree, url: str) -> str:
    """htmldate's publication date of the page in its cautious mode, as YYYY-MM-DD."""
    if tree is None:
        return ""
    import htmldate

    try:
        found = htmldate.find_date(tree, url=url or None, extensive_search=False,
                                   original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # a date finder that fails on a page found no date in it
        return ""
    return found or ""


def _url_date(url: str) -> str:
    """The date in a URL such as ``/2023-12/01/`` or ``/20231201/``."""
    found = _URL_DATE.search(url or "")
    return _iso(*found.groups()) if found else ""

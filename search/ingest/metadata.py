"""Metadata: an article's source, authors, date and places, and each passage's places.

Front matter and JSONL fields win; otherwise the text is read for what it states:
a credit line (``（文章来源：株洲日报）``), a byline (``中央纪委国家监委网站 王雅婧 通讯员 陈文静``,
``株洲日报·掌上株洲记者/高晓燕``, ``本报记者 齐旭``, ``文：劉恩琛``), a dateline
(``本报讯 记者诸玲珍报道``) or a signature closing a brief (``（岳炎）``). What is not
stated stays empty: nothing is guessed.

Places: each passage gets the places it mentions plus its article's primary places: those in
the title and source, and the cities the article names at least twice (with their provinces),
so a filter by 株洲 finds every passage of an article about 株洲. A locality that stands for a
city (新界 for 香港) ties its own passage, but does not count as naming the city there.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..text.analysis import Token, fold, word_bounds, words
from ..text.places import Mention, Place, extract_article, summarize
from .segment import Article

_NAME = r"[\u4e00-\u9fff·]{2,4}"
_CREDIT = re.compile(r"[（(](?:文章|稿件)?[来來]源[：:]\s*([^）)]{2,30})[）)]")
_OUTLET = re.compile(
    r"^([\u4e00-\u9fff]{2,14}?(?:网站|日报|晚报|早报|时报|商报|新闻网|网|电视台|通讯社|日報|晚報|時報|"
    r"新聞網|網|電視台|通訊社))(?=[·・\s]|$)")
_REPORTER = re.compile(
    r"(?:记者|記者|通讯员|通訊員)\s*[/／:：]?\s*(" + _NAME + r"?)(?=报道|報道|\s|$|[，,：:）)])")
_PEN = re.compile(r"^(?:文|撰文|作者|文字)\s*[：:/／]\s*(" + _NAME + r")$")
_SIGNATURE = re.compile(r"[（(]([\u4e00-\u9fff]{2,3})[）)]$")
_NOT_NAMES = {"图片", "资料", "记者", "完", "本报", "通讯员"}
MIN_PRIMARY_MENTIONS = 2


@dataclass
class ArticlePlaces:
    """Places of one article: counts over all its text, and the primary ones."""

    counts: dict[str, Counter] = field(default_factory=dict)  # city/province/county -> counts
    primary: list[Place] = field(default_factory=list)
    passages: list[list[Mention]] = field(default_factory=list)  # per passage, in order


def source_and_authors(article: Article) -> tuple[str, list[str]]:
    """(source, authors) as the article's text states them."""
    source, authors = "", []
    head, tail = article.passages[:2], article.passages[-2:]
    for passage in tail:
        if credit := _CREDIT.search(passage.text):
            source = credit.group(1).strip()
    lines = [line.strip() for p in head for line in p.text.split("\n")][:4]
    lines += [line.strip() for p in tail for line in p.text.split("\n")][-2:]
    for line in dict.fromkeys(lines):
        if len(line) > 40 and not line.startswith(("本报讯", "本報訊")):
            continue
        if not source and (outlet := _OUTLET.match(line)):
            source = outlet.group(1)
            rest = line[outlet.end():].split()
            if rest and re.fullmatch(_NAME, rest[0]):
                authors.append(rest[0])
        authors += [m.group(1) for m in _REPORTER.finditer(line[:40])]
        if pen := _PEN.match(line):
            authors.append(pen.group(1))
    if tail and (signature := _SIGNATURE.search(tail[-1].text)):  # a brief signed （岳炎）
        authors.append(signature.group(1))
    authors = [a for a in dict.fromkeys(authors) if fold(a) not in _NOT_NAMES]
    return source, authors


def describe(article: Article) -> None:
    """Fill in ``article.meta`` source and author where front matter or JSONL did not."""
    source, authors = source_and_authors(article)
    if not article.meta.get("source") and source:
        article.meta["source"] = source
    if not article.meta.get("author") and authors:
        article.meta["author"] = ", ".join(authors)


def article_places(article: Article,
                   passages: list[tuple[str, list[Token]]]) -> ArticlePlaces:
    """Places of an article and of each passage (``passages``: each passage's folded text
    and words)."""
    extras = [article.title, article.meta.get("source", "")]
    texts = [(folded, *word_bounds(tokens)) for folded, tokens in passages]
    texts += [(fold(text), *word_bounds(words(text))) for text in extras]
    found = extract_article(texts)
    per_passage, title_and_source = found[: len(passages)], found[len(passages):]
    everything = [m for ms in found for m in ms]
    counts = summarize(everything)
    primary = [m.place for ms in title_and_source for m in ms]
    named = Counter(m.place for m in everything if m.place.level == "city" and not m.local)
    primary += [place for place, n in named.items() if n >= MIN_PRIMARY_MENTIONS]
    return ArticlePlaces(counts, list(dict.fromkeys(primary)), per_passage)


def passage_places(mentions: list[Mention], primary: list[Place]) -> dict[str, list[str]]:
    """The cities, provinces and counties a passage is tied to (its own and the article's)."""
    counts = summarize(mentions + [Mention(place, 0, 0) for place in primary])
    return {level: sorted(counts[level]) for level in ("city", "province", "county")}

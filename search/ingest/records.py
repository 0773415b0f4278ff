"""An article's passages as the records a backend stores (``seam.Record``): their stored
fields, the analysed tokens of each searchable field (``seam.TOKEN_FIELDS``), and the keys
filters and facets match. Every backend is handed these, so every backend sees the same
tokens.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from operator import itemgetter
from urllib.parse import urlsplit

from ..backends.seam import Record
from ..text.analysis import Token, bigrams, fold, folded_bigrams, folded_words, words
from ..text.stories import encoded, signature
from .metadata import article_places, describe, passage_places
from .segment import Article

_NOT_WORD = re.compile(r"[\W_]+")
_WAYBACK = re.compile(r"\s*https?://web\.archive\.org/web/[^/]+/(.+)", re.I)


def keys(stored: dict) -> dict:
    """What filters and facets match (``Record.keys``): the folded source, year, month and
    day, the tags and categories, and whether a reader set it aside (``aside``). The records
    add the passage's ``fingerprint`` as ``para``."""
    keys = {}
    if stored["source"]:
        keys["source_key"] = fold(stored["source"])
    if stored["date"]:
        keys["year"] = stored["date"][:4]
        keys["month"] = stored["date"][:7]
        keys["day"] = int(stored["date"].replace("-", ""))
    for name in ("tags", "categories"):
        if stored.get(name):
            keys[name] = list(stored[name])
    if stored.get("boilerplate"):
        keys["aside"] = "1"
    return keys


def fingerprint(scope: str, folded: str) -> str:
    """A passage's text with what it is published under: its words (``folded``, its text
    folded, with punctuation and spaces left out) and its ``scope`` (``publisher``). The same
    paragraph in many articles of one scope (a subscription plea, a copyright line) is
    boilerplate (``seam.REPEATED``)."""
    words_only = _NOT_WORD.sub("", folded)
    return hashlib.blake2b(f"{scope}\0{words_only}".encode(), digest_size=8).hexdigest()


def publisher(stored: dict) -> str:
    """Who published a passage, as far as its article says: the source, else the site of its
    URL (a Wayback Machine copy counts as the site it copied), else its folder.

    >>> publisher({"source": "", "path": "a/b.md",
    ...            "url": "https://web.archive.org/web/2021/https://www.hkcnews.com/x"})
    'hkcnews.com'
    """
    if stored["source"]:
        return fold(stored["source"])
    return site(stored.get("url", "")) or posixpath.dirname(stored["path"])


def site(url: str) -> str:
    """The host of a URL without ``www.``, a Wayback copy's original's; "" for none."""
    copied = _WAYBACK.match(url)
    if copied:
        return site(copied.group(1))
    if "://" not in url:
        return ""
    return (urlsplit(url.strip()).hostname or "").removeprefix("www.")


def records_for(article: Article, file_hash: str = "") -> list[Record]:
    """Backend records (stored fields and tokens) for an article's passages: its own, then
    those a reader set aside (``Article.boilerplate``: marked so, tied to no place).

    Each passage is folded once for its words, pairs and places; the title and each section
    are analysed once an article, not once a passage."""
    describe(article)
    passages = article.passages + article.boilerplate
    folded = [fold(passage.text) for passage in passages]
    passage_words = [folded_words(text) for text in folded]
    own = len(article.passages)
    places = article_places(article, list(zip(folded[:own], passage_words[:own], strict=True)))
    mentions = places.passages + [[] for _ in article.boilerplate]
    title_words = _term_positions(words(article.title))
    title_bigrams = bigrams(article.title)
    sections: dict[str, tuple[list, list[str]]] = {}  # section -> its words and pairs
    about = _article_fields(article, file_hash, encoded(signature("\n".join(folded[:own]))))
    scope = publisher({**about, "path": article.path})
    records = []
    for passage, text, text_words, found in zip(passages, folded, passage_words, mentions,
                                                strict=True):
        tied = passage_places(found, places.primary) if not passage.boilerplate \
            else {"city": [], "province": [], "county": []}
        if passage.section not in sections:
            sections[passage.section] = (_term_positions(words(passage.section)),
                                         title_bigrams + bigrams(passage.section))
        section_words, heading_bigrams = sections[passage.section]
        stored = {
            "passage_id": passage.passage_id, "article_id": article.article_id,
            "path": article.path, "order": passage.order, "section": passage.section,
            "text": passage.text, "char_start": passage.char_start,
            "char_end": passage.char_end, "line_start": passage.line_start,
            "line_end": passage.line_end, "cities": tied["city"],
            "provinces": tied["province"], "counties": tied["county"],
            "boilerplate": passage.boilerplate, **about,
        }
        tokens = {
            "text": _term_positions(text_words),
            "title": title_words,
            "section": section_words,
            "bigram": folded_bigrams(text),
            "heading_bigram": heading_bigrams,
        }
        records.append(Record(stored, tokens,
                              {**keys(stored), "para": fingerprint(scope, text)}))
    return records


def _article_fields(article: Article, file_hash: str, kept_signature: str) -> dict:
    """The stored fields every passage of an article shares."""
    meta = article.meta
    return {"title": article.title, "format": article.format,
            "content_hash": article.content_hash, "file_hash": file_hash,
            "source": meta.get("source", ""), "author": meta.get("author", ""),
            "date": meta.get("date", ""), "url": meta.get("url", ""),
            "tags": list(meta.get("tags") or []),
            "categories": list(meta.get("categories") or []),
            "signature": kept_signature}


def _term_positions(tokens: list[Token]) -> list[tuple[str, int]]:
    return list(map(_TERM_POSITION, tokens))


_TERM_POSITION = itemgetter(0, 1)  # a Token's (text, pos)

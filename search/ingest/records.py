"""An article's passages as the records a backend stores (``seam.Record``): their stored
fields, the analysed tokens of each searchable field (``seam.TOKEN_FIELDS``), and the keys
filters and facets match. Every backend is handed these, so every backend sees the same
tokens.
"""

from __future__ import annotations

from ..backends.seam import Record
from ..text.analysis import Token, bigrams, fold, folded_bigrams, folded_words, words
from ..text.stories import encoded, signature
from .metadata import article_places, describe, passage_places
from .segment import Article


def keys(stored: dict) -> dict:
    """What filters and facets match (``Record.keys``): the folded source, year, month and
    day."""
    keys = {}
    if stored["source"]:
        keys["source_key"] = fold(stored["source"])
    if stored["date"]:
        keys["year"] = stored["date"][:4]
        keys["month"] = stored["date"][:7]
        keys["day"] = int(stored["date"].replace("-", ""))
    return keys


def records_for(article: Article, file_hash: str = "") -> list[Record]:
    """Backend records (stored fields and tokens) for an article's passages.

    Each passage is folded once for its words, pairs and places; the title and each section
    are analysed once an article, not once a passage."""
    describe(article)
    folded = [fold(passage.text) for passage in article.passages]
    passage_words = [folded_words(text) for text in folded]
    places = article_places(article, list(zip(folded, passage_words, strict=True)))
    title_words = _term_positions(words(article.title))
    title_bigrams = bigrams(article.title)
    sections: dict[str, tuple[list, list[str]]] = {}  # section -> its words and pairs
    meta = article.meta
    records = []
    for passage, text, text_words, mentions in zip(article.passages, folded, passage_words,
                                                   places.passages, strict=True):
        tied = passage_places(mentions, places.primary)
        if passage.section not in sections:
            sections[passage.section] = (_term_positions(words(passage.section)),
                                         title_bigrams + bigrams(passage.section))
        section_words, heading_bigrams = sections[passage.section]
        stored = {
            "passage_id": passage.passage_id, "article_id": article.article_id,
            "path": article.path, "order": passage.order, "title": article.title,
            "section": passage.section, "text": passage.text,
            "char_start": passage.char_start, "char_end": passage.char_end,
            "line_start": passage.line_start, "line_end": passage.line_end,
            "format": article.format, "content_hash": article.content_hash,
            "file_hash": file_hash,
            "source": meta.get("source", ""), "author": meta.get("author", ""),
            "date": meta.get("date", ""), "url": meta.get("url", ""),
            "cities": tied["city"], "provinces": tied["province"], "counties": tied["county"],
        }
        tokens = {
            "text": _term_positions(text_words),
            "title": title_words,
            "section": section_words,
            "bigram": folded_bigrams(text),
            "heading_bigram": heading_bigrams,
        }
        records.append(Record(stored, tokens, keys(stored)))
    kept = encoded(signature("\n".join(folded)))  # the article's (text/stories.py)
    for record in records:
        record.stored["signature"] = kept
    return records


def _term_positions(tokens: list[Token]) -> list[tuple[str, int]]:
    return [(token.text, token.pos) for token in tokens]

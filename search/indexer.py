"""Indexing: files -> Documents -> Articles -> analysed passage records -> the backend.

One bad file never stops a run: its ReadError is reported and the run goes on.
Re-indexing a file replaces exactly that file's passages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import bigrams, words
from .backend import Record
from .errors import ReadError
from .metadata import article_places, describe, passage_places
from .readers import display_path, iter_files, read_file
from .segment import Article, segment
from .whoosh_backend import WhooshBackend

BATCH = 5000  # passages per commit


@dataclass
class IndexReport:
    """What an indexing run did."""

    files: int = 0
    articles: int = 0
    passages: int = 0
    errors: list[ReadError] = field(default_factory=list)
    seconds: float = 0.0


def records_for(article: Article) -> list[Record]:
    """Backend records (stored fields and tokens) for an article's passages."""
    describe(article)
    title_words = [(t.text, t.pos) for t in words(article.title)]
    passage_words = [words(passage.text) for passage in article.passages]
    places = article_places(article, passage_words)
    meta = article.meta
    records = []
    for passage, text_words, mentions in zip(article.passages, passage_words, places.passages,
                                             strict=True):
        tied = passage_places(mentions, places.primary)
        stored = {
            "passage_id": passage.passage_id, "article_id": article.article_id,
            "path": article.path, "order": passage.order, "title": article.title,
            "section": passage.section, "text": passage.text,
            "char_start": passage.char_start, "char_end": passage.char_end,
            "line_start": passage.line_start, "line_end": passage.line_end,
            "format": article.format, "content_hash": article.content_hash,
            "source": meta.get("source", ""), "author": meta.get("author", ""),
            "date": meta.get("date", ""), "url": meta.get("url", ""),
            "cities": tied["city"], "provinces": tied["province"], "counties": tied["county"],
        }
        tokens = {
            "text": [(t.text, t.pos) for t in text_words],
            "title": title_words,
            "section": [(t.text, t.pos) for t in words(passage.section)],
            "bigram": bigrams(passage.text),
        }
        records.append(Record(stored, tokens))
    return records


def index_paths(index_dir: Path, paths: list[Path], rebuild: bool = False,
                on_error: Callable[[ReadError], None] = lambda error: None) -> IndexReport:
    """Index the files under ``paths`` into ``index_dir``; each file's old passages are replaced."""
    started = time.perf_counter()
    if rebuild or not WhooshBackend.exists(index_dir):
        backend = WhooshBackend.create(index_dir)
    else:
        backend = WhooshBackend.open(index_dir)
    report = IndexReport()
    records: list[Record] = []
    done_paths: list[str] = []
    for path in iter_files(paths):
        def problem(error: ReadError) -> None:
            report.errors.append(error)
            on_error(error)

        try:
            documents = read_file(path, problem)
        except ReadError as error:
            problem(error)
            continue
        report.files += 1
        done_paths.append(display_path(path))
        for document in documents:
            for article in segment(document):
                report.articles += 1
                records.extend(records_for(article))
        if len(records) >= BATCH:
            report.passages += len(records)
            backend.write(records, done_paths)
            records, done_paths = [], []
    report.passages += len(records)
    backend.write(records, done_paths)
    backend.close()
    report.seconds = time.perf_counter() - started
    return report

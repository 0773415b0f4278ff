"""Coverage: is any text lost between a file and its passages? ``python -m bench.coverage
FILE_OR_DIR ... [--examples N]``.

Each input is read with the project's own readers and cut with ``segment``, as the indexer
does (no index is built). Printed per input:

- files read and files skipped (a ReadError: binary, empty, unknown encoding, ...), and the
  warnings the readers gave about files they still read (bad JSONL lines, bad bytes);
- documents: one per JSONL record, per text file (or per part of a very long one);
- articles, and articles with zero passages (their fraction in brackets);
- documents that produce no article at all;
- lost characters: non-whitespace characters of the cleaned body blocks (every block but
  headings, as the nothing-lost invariant counts them) that end up neither in
  a passage nor in the title of an article, and the documents that lose any;
- headlines: articles whose title was taken from a paragraph of their text;
- title-only characters: body characters kept only as the title of an article with zero
  passages, which the index never sees (it holds passages, and titles through them);

then, for each kind of loss, the ids of a few examples.
"""

from __future__ import annotations

import argparse
import bisect
from dataclasses import dataclass, field
from pathlib import Path

from search.errors import ReadError
from search.ingest.clean import Block, clean
from search.ingest.readers import Document, iter_files, read_file
from search.ingest.segment import Article, _demote_trailing_headings, segment


@dataclass
class Coverage:
    """What reading and segmenting one input kept and lost."""

    name: str
    files: int = 0
    skipped: list[ReadError] = field(default_factory=list)
    warnings: list[ReadError] = field(default_factory=list)
    documents: int = 0
    articles: int = 0
    empty_articles: list[str] = field(default_factory=list)  # article ids, zero passages
    no_article: list[str] = field(default_factory=list)  # document ids that gave no article
    lost_chars: int = 0
    losing: list[str] = field(default_factory=list)  # document ids that lose characters
    title_only_chars: int = 0
    headlines: list[str] = field(default_factory=list)  # article ids titled from their text

    @property
    def empty_fraction(self) -> float:
        return len(self.empty_articles) / self.articles if self.articles else 0.0


def body_blocks(doc: Document) -> list[Block]:
    """The cleaned blocks of a document that carry text: everything but headings."""
    blocks = _demote_trailing_headings(clean(doc.raw, doc.format, doc.body_start, doc.body_end))
    return [block for block in blocks if block.kind != "heading"]


def lost_chars(doc: Document, articles: list[Article]) -> tuple[int, int]:
    """(lost, title-only): non-whitespace characters of the body blocks in no passage span
    and no title, and those only in the title of an article with zero passages."""
    spans = sorted((p.char_start, p.char_end) for a in articles for p in a.passages)
    starts = [start for start, _ in spans]
    titles = {a.title: bool(a.passages) for a in headlines(doc, articles)}
    lost = title_only = 0
    for block in body_blocks(doc):
        if block.text in titles:  # a headline paragraph that became the title
            title_only += 0 if titles[block.text] else _nonspace(block.text)
            continue
        for ch, start in zip(block.text, block.starts, strict=True):
            i = bisect.bisect_right(starts, start) - 1
            if not ch.isspace() and (i < 0 or not spans[i][0] <= start < spans[i][1]):
                lost += 1
    return lost, title_only


def headlines(doc: Document, articles: list[Article]) -> list[Article]:
    """The articles whose title is a paragraph of their text (the document has no title)."""
    if doc.meta.get("title"):
        return []
    taken = {block.text for block in body_blocks(doc)}
    return [a for a in articles if a.title in taken]


def _nonspace(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def measure(path: Path) -> Coverage:
    """Read and segment every file under ``path``; count what is kept and lost."""
    report = Coverage(str(path))
    for file, refusal in iter_files([path]):
        try:
            if refusal is not None:
                raise refusal
            documents = read_file(file, report.warnings.append)
        except ReadError as error:
            report.skipped.append(error)
            continue
        report.files += 1
        for doc in documents:
            _count(report, doc)
    return report


def _count(report: Coverage, doc: Document) -> None:
    articles = segment(doc, report.warnings.append)
    where = doc.article_id if doc.line is None else f"{doc.path}:{doc.line} ({doc.article_id})"
    report.documents += 1
    report.articles += len(articles)
    report.empty_articles += [a.article_id for a in articles if not a.passages]
    if not articles:
        report.no_article.append(where)
    lost, title_only = lost_chars(doc, articles)
    report.title_only_chars += title_only
    report.headlines += [a.article_id for a in headlines(doc, articles)]
    if lost:
        report.lost_chars += lost
        report.losing.append(where)


HEADER = ("input", "files", "skipped", "warnings", "documents", "articles",
          "0-passage articles", "no article", "lost chars", "losing docs", "headlines",
          "title-only chars")


def table(reports: list[Coverage]) -> str:
    """A Markdown table, one row per input."""
    rows = [HEADER, tuple("---" if i == 0 else "---:" for i in range(len(HEADER)))]
    for r in reports:
        rows.append((r.name, str(r.files), str(len(r.skipped)), str(len(r.warnings)),
                     str(r.documents), str(r.articles),
                     f"{len(r.empty_articles)} ({r.empty_fraction:.2%})", str(len(r.no_article)),
                     str(r.lost_chars), str(len(r.losing)),
                     str(len(r.headlines)), str(r.title_only_chars)))
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def examples(report: Coverage, count: int) -> list[str]:
    """A few examples of each kind of loss, one line each."""
    lines = []
    for label, items in (("skipped", [str(e) for e in report.skipped]),
                         ("warning", [str(e) for e in report.warnings]),
                         ("0-passage article", report.empty_articles),
                         ("no article", report.no_article),
                         ("loses characters", report.losing),
                         ("headline", report.headlines)):
        for item in items[:count]:
            lines.append(f"{report.name}: {label}: {item}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.coverage", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", type=Path, metavar="FILE_OR_DIR")
    parser.add_argument("--examples", type=int, default=3, help="examples per kind of loss")
    args = parser.parse_args(argv)
    reports = [measure(path) for path in args.inputs]
    print(table(reports))
    lines = [line for report in reports for line in examples(report, args.examples)]
    if lines:
        print()
        print("\n".join(lines))


if __name__ == "__main__":
    main()

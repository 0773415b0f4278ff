"""Web pages: does the reader keep a saved page's article, leave out the rest, and read what
the page says about itself? ``python -m bench.web_pages [DIR] [--method M] [--compare]``.

DIR is ``../shared/corpora/web-pages-dev`` (its README.txt: real saved Chinese pages and their
ground truth, ``groundtruth.jsonl``). Each page is read as the indexer reads it
(``read_file`` then ``segment``; no index is built). Printed, for the method asked (how a
page's main text is chosen, ``maintext.METHODS``; the default is the reader's):

- **P** and **R** of the main text, over the pages whose main text was picked by hand
  (``hand_annotated_main_text``, ``hand_main_text``): P is the share of the indexed CJK
  6-grams that are main text, R the share of the main text's CJK 6-grams that are indexed.
  The indexed text of a page is its articles' passages (not those set aside as boilerplate)
  and their section headings (each once) joined in order, reduced to its CJK characters, as
  the ground truth is; 6-grams are counted with their repeats. The title is left out (the
  ground truth has none): it is measured on its own. ``micro`` pools the pages' 6-grams,
  ``macro`` averages the pages' own figures (a page that indexes nothing has P 0).
- **title**: pages whose title is the ground truth's (folded: case, width, spaces and
  punctuation aside), contains it (a ground truth that is a substring), or is its start and
  at least half as long (a ground truth with the site's suffix), over the pages that have a
  title in the ground truth; **date**: pages whose date is the ground truth's day, over those
  with a full date; **author**: pages whose author holds the ground truth's or is held in it.
- **markup**: pages with markup in a passage (set aside or not), its title or a section:
  a tag, an attribute (``src=``), an entity, a comment or a shortcode (``MARKUP``);
- **skipped**: pages read with a ReadError (an encoding Python has no codec for, ...).

``--compare`` prints a row for each method, and an oracle that takes, per page, the better
of trafilatura and readability (by F1 against the ground truth: a bound, not a reader);
``--json FILE`` writes the rows.
"""

from __future__ import annotations

import argparse
import json
import re
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from search.errors import ReadError
from search.ingest.metadata import describe
from search.ingest.readers import read_file
from search.ingest.segment import segment

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared/corpora/web-pages-dev"
MAIN_TEXT = ("hand_annotated_main_text", "hand_main_text")
N = 6
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MARKUP = re.compile(
    r"<[a-zA-Z/!?][^<>]{0,300}>|<!--|-->"  # a tag, a comment
    r"|\b(?:src|href|alt|style|class|onload|onclick|width|height)\s*=\s*[\"']"  # attributes
    r"|&(?:#\d{2,7}|#x[0-9a-fA-F]{2,6}|[a-zA-Z]{2,8});"  # an entity
    r"|\{\{[<%]|[%>]\}\}|\{%|%\}",  # a shortcode
)
_ISO = re.compile(r"((?:19|20)\d\d)\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")
_FOLD_OUT = re.compile(r"[\s\W_]+")


@dataclass
class Row:
    """One method's figures (see the module docstring)."""

    method: str
    pages: int = 0
    micro_p: float = 0.0
    micro_r: float = 0.0
    macro_p: float = 0.0
    macro_r: float = 0.0
    titles: str = ""
    dates: str = ""
    authors: str = ""
    markup_pages: int = 0
    skipped: int = 0
    seconds: float = 0.0
    markup_examples: list[str] = field(default_factory=list)
    per_page: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # hits, got, want


def grams(text: str) -> Counter:
    """The CJK 6-grams of a text (its CJK characters in a row), with their counts."""
    chars = "".join(_CJK.findall(text))
    return Counter(chars[i:i + N] for i in range(len(chars) - N + 1))


def fold(text: str) -> str:
    """Case, width, spaces and punctuation aside."""
    return _FOLD_OUT.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def title_matches(ours: str, truth: str) -> bool:
    ours, truth = fold(ours), fold(truth)
    return bool(ours) and (ours == truth or truth in ours
                           or (truth.startswith(ours) and 2 * len(ours) >= len(truth)))


def iso_date(text: str) -> str:
    found = _ISO.search(text or "")
    return "{:04d}-{:02d}-{:02d}".format(*map(int, found.groups())) if found else ""


def read_page(path: Path, method: str | None) -> tuple[list, list[ReadError]]:
    """The articles of a page as the indexer reads them, and the warnings."""
    warnings: list[ReadError] = []
    options = {} if method is None else {"page_method": method}
    docs = read_file(path, warnings.append, **options)
    articles = [a for doc in docs for a in segment(doc, warnings.append)]
    for article in articles:
        describe(article)  # what the text states fills what the page did not (as indexed)
    return articles, warnings


def indexed_text(articles) -> str:
    """What the index holds of a page's text: its articles' passages (not those set aside)
    in order, each new section heading once before the passages under it."""
    out, seen = [], set()
    for article in articles:
        for passage in article.passages:
            for heading in passage.section.split(" › ") if passage.section else []:
                if heading not in seen:
                    seen.add(heading)
                    out.append(heading)
            out.append(passage.text)
    return "\n".join(out)


def has_markup(articles) -> str:
    """The first text of the articles (a passage, set aside or not, a title, a section) that
    holds markup, or ""."""
    for article in articles:
        texts = [article.title] + [p.text for p in article.passages] \
            + [p.section for p in article.passages] \
            + [p.text for p in getattr(article, "boilerplate", [])]
        for text in texts:
            if found := MARKUP.search(text):
                return text[max(found.start() - 20, 0):found.end() + 20]
    return ""


def measure(root: Path, method: str | None) -> Row:
    """The figures of one method over the ground truth under ``root``."""
    records = [json.loads(line) for line in (root / "groundtruth.jsonl").open(encoding="utf-8")]
    by_page: dict[str, list[dict]] = {}
    for record in records:
        by_page.setdefault(record["id"], []).append(record)
    row = Row(method or "default")
    titles, dates, authors = [0, 0], [0, 0], [0, 0]
    started = time.perf_counter()
    for page, truths in sorted(by_page.items()):
        path = root / "pages" / page
        if path.suffix not in (".html", ".htm", ".txt"):
            continue  # feeds (.xml) are not read
        try:
            articles, _ = read_page(path, method)
        except ReadError:
            row.skipped += 1
            continue
        if example := has_markup(articles):
            row.markup_pages += 1
            row.markup_examples.append(f"{page}: {example!r}")
        first = articles[0] if articles else None
        for truth in truths:
            if truth["gt_type"] in MAIN_TEXT:
                indexed = grams(indexed_text(articles))
                main = grams(truth["text"])
                hits = sum((indexed & main).values())
                got, want = sum(indexed.values()), sum(main.values())
                row.per_page[page] = (hits, got, want)
            if truth.get("title"):
                titles[1] += 1
                titles[0] += bool(first) and title_matches(first.title, truth["title"])
            if iso_date(truth.get("date")):
                dates[1] += 1
                dates[0] += bool(first) and first.meta.get("date") == iso_date(truth["date"])
            if truth.get("author"):
                authors[1] += 1
                ours = fold(first.meta.get("author", "")) if first else ""
                want_author = fold(truth["author"])
                authors[0] += bool(ours) and (want_author in ours or ours in want_author)
    row.seconds = round(time.perf_counter() - started, 1)
    row.titles, row.dates, row.authors = (f"{a}/{b}" for a, b in (titles, dates, authors))
    return _precision_recall(row)


def _precision_recall(row: Row) -> Row:
    """The row's P and R, micro and macro, from its pages' counts."""
    counts = list(row.per_page.values())
    hits, got, want = (sum(column) for column in zip(*counts, strict=True)) if counts \
        else (0, 0, 0)
    row.pages = len(counts)
    row.micro_p = round(hits / got, 3) if got else 0.0
    row.micro_r = round(hits / want, 3) if want else 0.0
    if counts:
        row.macro_p = round(sum(h / g if g else 0.0 for h, g, _ in counts) / len(counts), 3)
        row.macro_r = round(sum(h / w if w else 0.0 for h, _, w in counts) / len(counts), 3)
    return row


def best_of(rows: list[Row], name: str) -> Row:
    """An oracle: per page, the row whose main text scores the higher F1 against the ground
    truth (what no reader can do, since it needs the ground truth: a bound to compare with)."""
    best = Row(name)
    for page in rows[0].per_page:
        best.per_page[page] = max((row.per_page[page] for row in rows),
                                  key=lambda c: 2 * c[0] / (c[1] + c[2]) if c[1] + c[2] else 0)
    return _precision_recall(best)


def render(rows: list[Row]) -> str:
    """A Markdown table of the rows."""
    lines = ["| method | pages | P micro | R micro | P macro | R macro | title | date | author "
             "| pages with markup | skipped | seconds |", "|" + " --- |" * 12]
    for row in rows:
        lines.append(f"| {row.method} | {row.pages} | {row.micro_p:.3f} | {row.micro_r:.3f} | "
                     f"{row.macro_p:.3f} | {row.macro_r:.3f} | {row.titles} | {row.dates} | "
                     f"{row.authors} | {row.markup_pages} | {row.skipped} | {row.seconds} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--method", help="how a page's main text is chosen (maintext.METHODS)")
    parser.add_argument("--compare", action="store_true", help="a row for each method")
    parser.add_argument("--json", type=Path, help="write the rows to this file")
    parser.add_argument("--examples", type=int, default=3, help="markup examples shown")
    args = parser.parse_args(argv)
    if args.compare:
        from search.ingest.maintext import METHODS
        methods = list(METHODS)
    else:
        methods = [args.method]
    rows = [measure(args.dir, method) for method in methods]
    if args.compare:
        by_name = {row.method: row for row in rows}
        rows.append(best_of([by_name["trafilatura"], by_name["readability"]],
                            "oracle: better of trafilatura, readability per page"))
    print(render(rows))
    for row in rows:
        for example in row.markup_examples[:args.examples]:
            print(f"markup ({row.method}): {example}")
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in rows], ensure_ascii=False,
                                        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

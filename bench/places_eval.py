"""Precision and recall of place extraction against labelled passages:
``python -m bench.places_eval [LABELS.tsv ...] [--corpora DIR] [--json]``.

A labels file (``bench/places_labels/*.tsv``) names passages of the shared corpora, never
their text: each row is a corpus file (relative to ``--corpora``, by default
``../shared/corpora`` beside the repository), a passage id and its raw span, a stratum
(``random`` or ``targeted``), and the cities, counties (districts) and provinces a reader
says the passage itself names, as short names separated by ``,`` (``-`` for none). A
locality counts for its district and city (旺角: 油尖旺, 香港), a county for its city, a city
for its province; a name that is no place there (天水圍's 天水, Texas's 德州) for nothing.

The files are read and segmented as the indexer does, and each labelled passage is compared
with the places extraction finds in its own text (``ArticlePlaces.passages``, without the
article's primary places). Printed: city and district (county) precision and recall per
labels file and stratum, micro-averaged over passages, and the passages that differ.
A passage whose span has moved (a reader changed) is matched to the passage of the same
article that overlaps it most, and counted as moved (``--update`` then brings the file up to
date).

``--sheet FILE.tsv`` prints the passages of a labels file with what extraction finds, for
labelling (the text goes to the terminal, never into the repository).

``--update FILE.tsv`` brings a labels file up to date after a reader changed: a row whose
passage id and span no longer exist is moved, labels kept, to the passage of the same article
whose text is exactly the cleaned text of the row's old raw span (as the reader cleans it now);
the rows it cannot move are listed (their old span now holds no text, or its text is now part
of a passage holding more or less, or another row already names that passage), with the
passages that hold their text, to be labelled again by reading.

``--draw CORPUS [--name NAME] [--count N] --exclude FILE.tsv`` prints passages drawn as the
labels files' were (``random.Random(28)`` over the passages the indexer makes of ``CORPUS``, a
file or folder under ``--corpora``, in its order; with ``--name``, only those whose folded
text holds the name), the first ``N`` of that order not already in the labels file: the
replacements for rows whose passage is gone.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from search.ingest.clean import clean
from search.ingest.metadata import article_places
from search.ingest.readers import Document, iter_files, read_file
from search.ingest.segment import Article, Passage, segment
from search.text.analysis import fold, folded_words
from search.text.places import summarize

HERE = Path(__file__).resolve().parent
LABELS = sorted((HERE / "places_labels").glob("*.tsv"))
CORPORA = HERE.parent.parent / "shared" / "corpora"
LEVELS = ("city", "county", "province")
SEED = 28  # the labels files' draws


@dataclass
class Label:
    """One labelled passage."""

    file: str
    passage_id: str
    start: int
    end: int
    stratum: str
    places: dict[str, set[str]]  # level -> short names


@dataclass
class Score:
    """Counts of one level over a set of passages."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, expected: set[str], found: set[str]) -> None:
        self.tp += len(expected & found)
        self.fp += len(found - expected)
        self.fn += len(expected - found)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Result:
    """Scores of one labels file, by stratum and level, and the passages that differ."""

    passages: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    scores: dict[tuple[str, str], Score] = field(default_factory=lambda: defaultdict(Score))
    moved: int = 0
    differ: list[tuple[str, dict, dict]] = field(default_factory=list)


def read_labels(path: Path) -> list[Label]:
    """The rows of a labels file."""
    labels = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        file, passage_id, span, stratum, *levels = line.split("\t")
        start, end = (int(x) for x in span.split("-"))
        places = {level: set() if value == "-" else set(value.split(","))
                  for level, value in zip(LEVELS, levels, strict=True)}
        labels.append(Label(file, passage_id, start, end, stratum, places))
    return labels


def articles(corpora: Path, file: str, wanted: set[str]) -> dict[str, Article]:
    """The articles of one corpus file whose ids are ``wanted``, by id."""
    return {article_id: article for article_id, (_, article)
            in _sources(corpora, file, wanted).items()}


def _sources(corpora: Path, file: str, wanted: set[str]) -> dict[str, tuple[Document, Article]]:
    """The articles of one corpus file whose ids are ``wanted``, each with its document."""
    found = {}
    for document in read_file(corpora / file, name=file):
        if document.article_id.split("#")[0] not in wanted and not any(
                w.startswith(document.article_id) for w in wanted):
            continue
        for article in segment(document):
            if article.article_id in wanted:
                found[article.article_id] = (document, article)
    return found


def found_places(article: Article) -> dict[str, dict[str, set[str]]]:
    """Each passage's own places (level -> names), by passage id."""
    folded = [fold(p.text) for p in article.passages]
    places = article_places(article, [(text, folded_words(text)) for text in folded])
    out = {}
    for passage, mentions in zip(article.passages, places.passages, strict=True):
        counts = summarize(mentions)
        out[passage.passage_id] = {level: set(counts[level]) for level in LEVELS}
    return out


def _passage(article: Article, label: Label) -> tuple[str, bool]:
    """The id of the labelled passage in ``article``, and whether its span moved."""
    for passage in article.passages:
        if passage.passage_id == label.passage_id and (
                passage.char_start, passage.char_end) == (label.start, label.end):
            return passage.passage_id, False
    best = max(article.passages, key=lambda p: min(p.char_end, label.end)
               - max(p.char_start, label.start))
    return best.passage_id, True


def evaluate(path: Path, corpora: Path) -> Result:
    """Score extraction on one labels file."""
    labels = read_labels(path)
    by_file = defaultdict(list)
    for label in labels:
        by_file[label.file].append(label)
    result = Result()
    for file, rows in by_file.items():
        wanted = {label.passage_id.rsplit(":", 1)[0] for label in rows}
        loaded = articles(corpora, file, wanted)
        for label in rows:
            article = loaded[label.passage_id.rsplit(":", 1)[0]]
            passage_id, moved = _passage(article, label)
            result.moved += moved
            found = found_places(article)[passage_id]
            result.passages[label.stratum] += 1
            for level in ("city", "county"):
                result.scores[(label.stratum, level)].add(label.places[level], found[level])
            if any(label.places[level] != found[level] for level in ("city", "county")):
                result.differ.append((label.passage_id, label.places, found))
    return result


def report(results: dict[str, Result]) -> dict:
    """The figures as plain data."""
    out = {}
    for name, result in results.items():
        rows = {}
        for (stratum, level), score in sorted(result.scores.items()):
            rows[f"{stratum} {level}"] = {
                "passages": result.passages[stratum], "precision": round(score.precision, 3),
                "recall": round(score.recall, 3), "tp": score.tp, "fp": score.fp,
                "fn": score.fn}
        out[name] = {"scores": rows, "moved": result.moved,
                     "differ": [{"passage": pid, "labelled": _plain(want), "found": _plain(got)}
                                for pid, want, got in result.differ]}
    return out


def _plain(places: dict[str, set[str]]) -> dict[str, list[str]]:
    return {level: sorted(places[level]) for level in ("city", "county")}


def show(figures: dict) -> str:
    """The figures as a Markdown table, then the passages that differ."""
    lines = ["| labels | stratum | level | passages | precision | recall | tp | fp | fn |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, data in figures.items():
        for key, row in data["scores"].items():
            stratum, level = key.split()
            lines.append(f"| {name} | {stratum} | {level} | {row['passages']} | "
                         f"{row['precision']:.3f} | {row['recall']:.3f} | {row['tp']} | "
                         f"{row['fp']} | {row['fn']} |")
    for name, data in figures.items():
        lines.append(f"\n{name}: {len(data['differ'])} passages differ, {data['moved']} moved")
        for row in data["differ"]:
            lines.append(f"  {row['passage']}: labelled {row['labelled']}, found {row['found']}")
    return "\n".join(lines)


def sheet(path: Path, corpora: Path) -> str:
    """The passages of a labels file with what extraction finds (for labelling)."""
    out = []
    labels = read_labels(path)
    by_file = defaultdict(list)
    for label in labels:
        by_file[label.file].append(label)
    for file, rows in by_file.items():
        loaded = articles(corpora, file, {label.passage_id.rsplit(":", 1)[0] for label in rows})
        for label in rows:
            article = loaded[label.passage_id.rsplit(":", 1)[0]]
            passage_id, _ = _passage(article, label)
            text = next(p.text for p in article.passages if p.passage_id == passage_id)
            found = found_places(article)[passage_id]
            out.append(f"## {label.passage_id}\t{label.start}-{label.end}\t"
                       + "\t".join(",".join(sorted(found[lv])) or "-" for lv in LEVELS)
                       + f"\n{text}\n")
    return "\n".join(out)


def update(path: Path, corpora: Path) -> tuple[int, list[str]]:
    """Move the rows of a labels file whose passage is gone to the passage that now holds
    exactly their text (see the module's docstring) and rewrite the file; return how many
    rows moved and a report of the rows left to label again by reading."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = {i: line.split("\t") for i, line in enumerate(lines)
            if line.strip() and not line.startswith("#")}
    by_file = defaultdict(list)
    for i, fields in rows.items():
        by_file[fields[0]].append(i)
    stale = {}  # row -> (its article, its old span's cleaned text)
    current = set()  # the passages rows still name
    for file, indexes in by_file.items():
        loaded = _sources(corpora, file, {rows[i][1].rsplit(":", 1)[0] for i in indexes})
        for i in indexes:
            passage_id, span = rows[i][1], rows[i][2]
            document, article = loaded[passage_id.rsplit(":", 1)[0]]
            if any(p.passage_id == passage_id and f"{p.char_start}-{p.char_end}" == span
                   for p in article.passages):
                current.add(passage_id)
                continue
            start, end = (int(x) for x in span.split("-"))
            text = "\n".join(b.text for b in clean(document.raw, document.format, start, end))
            stale[i] = (article, text)
    moved, report = 0, []
    for i, (article, text) in sorted(stale.items()):
        fields = rows[i]
        start, end = (int(x) for x in fields[2].split("-"))
        same = [p for p in article.passages if text and p.text == text]
        if len(same) > 1:  # the same text twice (a repeated line): the one at the span
            same = [p for p in same if p.char_start < end and start < p.char_end]
        if len(same) == 1 and same[0].passage_id not in current:
            current.add(same[0].passage_id)
            fields[1], fields[2] = same[0].passage_id, f"{same[0].char_start}-{same[0].char_end}"
            lines[i] = "\t".join(fields)
            moved += 1
            continue
        why = ("gone: its span now holds no text" if not text else
               f"taken: another row names {same[0].passage_id}" if len(same) == 1 else
               "changed: no passage is its text")
        report.append(f"{fields[1]}\t{start}-{end}\t{fields[3]}\t{why}")
        for passage, held, share in _holders(article.passages, text, start, end):
            report.append(f"  {passage.passage_id}\t{passage.char_start}-{passage.char_end}"
                          f"\tholds {held:.0%} of its text, which is {share:.0%} of it")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return moved, report


def _holders(passages: list[Passage], text: str, start: int,
             end: int) -> list[tuple[Passage, float, float]]:
    """The passages that overlap the raw span, with the share of ``text`` each holds and the
    share of the passage's text that is ``text``."""
    out = []
    for passage in passages:
        if passage.char_start >= end or start >= passage.char_end:
            continue
        matcher = difflib.SequenceMatcher(None, text, passage.text, autojunk=False)
        common = sum(block.size for block in matcher.get_matching_blocks())
        out.append((passage, common / len(text) if text else 0.0,
                    common / len(passage.text) if passage.text else 0.0))
    return out


def draw(corpora: Path, corpus: str, exclude: set[str], count: int = 1,
         name: str | None = None, seed: int = SEED) -> list[Passage]:
    """``count`` passages of ``corpus`` (a file or folder under ``corpora``) drawn as the
    labels files' were: ``random.Random(seed)`` orders all the passages the indexer makes of
    it (in the indexer's order; with ``name``, those whose folded text holds the folded name),
    and the first not in ``exclude`` (passage ids) are taken."""
    population = []
    for file, refusal in iter_files([corpora / corpus]):
        if refusal:
            continue
        shown = file.relative_to(corpora).as_posix()
        for document in read_file(file, on_error=lambda error: None, name=shown):
            for article in segment(document):
                population += [p for p in article.passages
                               if name is None or fold(name) in fold(p.text)]
    order = random.Random(seed).sample(population, len(population))
    return [p for p in order if p.passage_id not in exclude][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="*", type=Path, default=LABELS)
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sheet", type=Path, help="print a labels file's passages and stop")
    parser.add_argument("--update", type=Path, help="move a labels file's rows to the passages "
                        "that now hold exactly their text, list the others, and stop")
    parser.add_argument("--draw", metavar="CORPUS", help="print passages drawn from CORPUS "
                        "as the labels were (see --name, --count, --exclude) and stop")
    parser.add_argument("--name", help="--draw: only passages that name it")
    parser.add_argument("--count", type=int, default=1, help="--draw: how many")
    parser.add_argument("--exclude", type=Path, help="--draw: a labels file whose passages "
                        "are not drawn again")
    args = parser.parse_args()
    if args.sheet:
        print(sheet(args.sheet, args.corpora))
        return
    if args.update:
        moved, left = update(args.update, args.corpora)
        print(f"{args.update.name}: {moved} rows moved to their passage; "
              f"{sum(not line.startswith(' ') for line in left)} left to label by reading")
        print("\n".join(left))
        return
    if args.draw:
        exclude = ({label.passage_id for label in read_labels(args.exclude)}
                   if args.exclude else set())
        for passage in draw(args.corpora, args.draw, exclude, args.count, args.name):
            print(f"{passage.passage_id}\t{passage.char_start}-{passage.char_end}\t"
                  f"{passage.text}")
        return
    figures = report({path.stem: evaluate(path, args.corpora) for path in args.labels})
    print(json.dumps(figures, ensure_ascii=False, indent=1) if args.json else show(figures))


if __name__ == "__main__":
    main()

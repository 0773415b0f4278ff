"""CMS exports: does Markdown with front matter, inline HTML and shortcodes read cleanly?
``python -m bench.cms_exports [DIR]``.

DIR is ``../shared/corpora/hkcnews-dev`` (Hugo Markdown: YAML front matter, ``<figure>``
blocks, ``{{< video >}}`` shortcodes). Every ``.md`` file under it is read as the indexer
reads it (``read_file`` then ``segment``; no index is built). Printed:

- files, files skipped (a ReadError) and files read with a warning (lenient front matter);
- articles, passages, and passages set aside as boilerplate;
- **passages with markup**: a tag, an attribute, an entity, a comment or a shortcode in the
  text of a passage, its section or its article's title (``web_pages.MARKUP``);
- **titles repeated as sections**: passages whose section starts with their article's title
  (``# Title`` under a front matter title, read as a section: ``title › title``);
- articles with tags, and with categories, kept as lists in their metadata.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.web_pages import MARKUP, fold
from search.errors import ReadError
from search.ingest.readers import read_file
from search.ingest.segment import segment

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared/corpora/hkcnews-dev"


def measure(root: Path) -> dict:
    """The counts listed in the module docstring, over the ``.md`` files under ``root``."""
    counts = dict.fromkeys(("files", "skipped", "warned", "articles", "passages",
                            "boilerplate", "markup", "title_sections", "tagged",
                            "categorised"), 0)
    examples: list[str] = []
    started = time.perf_counter()
    for path in sorted(root.rglob("*.md")):
        if path.name.upper().startswith(("README", "UPSTREAM")):
            continue
        counts["files"] += 1
        warnings: list[ReadError] = []
        try:
            docs = read_file(path, warnings.append)
        except ReadError:
            counts["skipped"] += 1
            continue
        articles = [a for doc in docs for a in segment(doc, warnings.append)]
        counts["warned"] += any(w.reason == "malformed front matter" for w in warnings)
        for article in articles:
            counts["articles"] += 1
            counts["tagged"] += isinstance(article.meta.get("tags"), list)
            counts["categorised"] += isinstance(article.meta.get("categories"), list)
            passages = article.passages + getattr(article, "boilerplate", [])
            counts["passages"] += len(article.passages)
            counts["boilerplate"] += len(passages) - len(article.passages)
            for passage in passages:
                text = "\n".join((article.title, passage.section, passage.text))
                if found := MARKUP.search(text):
                    counts["markup"] += 1
                    examples.append(f"{path.name}: {text[max(found.start() - 20, 0):][:80]!r}")
                title = fold(article.title)
                if title and fold(passage.section.split(" › ")[0]) == title:
                    counts["title_sections"] += 1
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["examples"] = examples[:5]
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    counts = measure(args.dir)
    examples = counts.pop("examples")
    print(" | ".join(f"{name} {value}" for name, value in counts.items()))
    for example in examples:
        print("markup:", example)


if __name__ == "__main__":
    main()

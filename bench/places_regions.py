"""Places in Hong Kong news: ``python -m bench.places_regions PATH ... [--json]``.

Reads the files as the indexer does (readers, segment, ``records_for``: the same ``cities``
and ``counties`` an index stores for each passage, with its article's primary places) and
prints, for issue 28's checks:

- each locality: the passages naming it, and how many are tied to its district and to its
  city (旺角 -> 油尖旺, 香港);
- each name that is a mainland place only in some contexts: the passages naming it in the
  other sense, and how many are tied to the mainland place anyway (天水圍 -> 天水);
- the city facet of the whole set for those mainland places.

A passage names a locality where its folded text holds the name outside markup, and a
two-character name is a whole word of the jieba cut (大圍 is not named in 擴大圍封).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from search.ingest.readers import iter_files, read_file
from search.ingest.records import records_for
from search.ingest.segment import segment
from search.text.analysis import fold, folded_words, word_bounds
from search.text.place_senses import markup_spans

# (locality, district, city): the list
LOCALITIES = [
    ("旺角", "油尖旺", "香港"), ("油麻地", "油尖旺", "香港"), ("尖沙咀", "油尖旺", "香港"),
    ("銅鑼灣", "湾仔", "香港"), ("中環", "中西", "香港"), ("金鐘", "中西", "香港"),
    ("將軍澳", "西贡", "香港"), ("天水圍", "元朗", "香港"), ("馬鞍山", "沙田", "香港"),
    ("大圍", "沙田", "香港"), ("九龍", None, "香港"), ("新界", None, "香港"),
    ("港島", None, "香港"), ("氹仔", "嘉模堂", "澳门"), ("路環", "圣方济各堂", "澳门"),
]
# (name, mainland city, what the passage must hold to be in the other sense, what it must not)
MISREADINGS = [
    ("天水圍", "天水", "", "甘肅"),
    ("德州", "德州", "", "山東"),
    ("開封", "开封", "", "河南"),
    ("馬鞍山", "马鞍山", "", "安徽"),
]


def passages(paths: list[Path]) -> list[dict]:
    """Every passage's stored fields, as the indexer makes them."""
    out = []
    for path, refused in iter_files(paths):
        if refused:
            continue
        try:
            documents = read_file(path, name=str(path))
        except Exception:  # noqa: BLE001 - a file the indexer would skip
            continue
        for document in documents:
            for article in segment(document):
                out += [record.stored for record in records_for(article)]
    return out


def names(text: str, name: str) -> bool:
    """Whether ``text`` names ``name`` (either script) as a word outside markup."""
    folded, target = fold(text), fold(name)
    if target not in folded:
        return False
    spans = markup_spans(folded)
    starts, ends = word_bounds(folded_words(folded)) if len(target) < 3 else (None, None)
    for match in re.finditer(re.escape(target), folded):
        if any(s <= match.start() < e for s, e in spans):
            continue
        if starts is None or (match.start() in starts and match.end() in ends):
            return True
    return False


def measure(rows: list[dict]) -> dict:
    """The figures of the module docstring."""
    localities = {}
    for name, district, city in LOCALITIES:
        named = [r for r in rows if names(r["text"], name)]
        localities[name] = {
            "passages": len(named),
            "district": district and sum(district in r["counties"] for r in named),
            "city": sum(city in r["cities"] for r in named),
        }
    misread = {}
    for name, city, _, unless in MISREADINGS:
        other = [r for r in rows if names(r["text"], name) and fold(unless) not in fold(r["text"])]
        wrong = [r["passage_id"] for r in other if city in r["cities"]]
        misread[name] = {"passages": len(other), "tied_to_mainland": len(wrong),
                         "examples": wrong[:5]}
    facet = Counter(c for r in rows for c in r["cities"])
    return {"passages": len(rows), "localities": localities, "misreadings": misread,
            "city_facet": {city: facet[city] for _, city, _, _ in MISREADINGS}}


def _share(n: int, of: int) -> str:
    return f"{n} ({100 * n / of:.0f}%)" if of else str(n)


def show(figures: dict) -> str:
    """The figures as Markdown tables."""
    lines = [f"{figures['passages']} passages", "",
             "| locality | passages | tied to district | tied to city |",
             "| --- | ---: | ---: | ---: |"]
    for name, f in figures["localities"].items():
        district = "-" if f["district"] is None else _share(f["district"], f["passages"])
        lines.append(f"| {name} | {f['passages']} | {district} | "
                     f"{_share(f['city'], f['passages'])} |")
    lines += ["", "| name, other sense | passages | tied to the mainland city |",
              "| --- | ---: | ---: |"]
    for name, f in figures["misreadings"].items():
        lines.append(f"| {name} | {f['passages']} | {f['tied_to_mainland']} |")
    facet = "  ".join(f"{city} {n}" for city, n in figures["city_facet"].items())
    return "\n".join(lines + ["", f"city facet: {facet}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = measure(passages(args.paths))
    print(json.dumps(figures, ensure_ascii=False, indent=1) if args.json else show(figures))


if __name__ == "__main__":
    main()

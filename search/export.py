"""A query's hits taken away with their citations: CSV rows for a spreadsheet, RIS records for a
reference manager. Both front ends export through here (`search query --format csv|ris`,
``/api/export``).

>>> hit = {"rank": 1, "score": 3.2, "passage_id": "a:2", "article_id": "a", "title": "标题",
...        "section": "", "source": "株洲日报", "author": "", "date": "2022-02-08",
...        "cities": ["株洲"], "provinces": ["湖南"], "path": "a.txt", "line_start": 3,
...        "line_end": 4, "url": "", "text": "正文"}
>>> print(as_ris([hit]).rstrip())  # each record ends with "ER  - "
TY  - NEWS
TI  - 标题
T2  - 株洲日报
DA  - 2022/02/08/
PY  - 2022
KW  - 株洲
N1  - a:2 (a.txt:3-4)
ER  -
"""

from __future__ import annotations

import csv
import io

from .quote import citation, lines_of

CSV_COLUMNS = ("rank", "score", "passage_id", "article_id", "title", "section", "source",
               "author", "date", "cities", "provinces", "path", "line_start", "line_end", "url",
               "text", "citation")
BOM = "\ufeff"  # spreadsheet programs read a CSV as UTF-8 (Chinese) only after it
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "ris": "application/x-research-info-systems; charset=utf-8"}


def as_csv(hits: list[dict]) -> str:
    """The hits as CSV rows (``CSV_COLUMNS``, a header first), UTF-8 with a byte-order mark;
    places joined by 、."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        row = {**hit, "cities": "、".join(hit["cities"]),
               "provinces": "、".join(hit["provinces"]), "citation": citation(hit)}
        writer.writerow(row.get(name, "") for name in CSV_COLUMNS)
    return BOM + out.getvalue()


def as_ris(hits: list[dict]) -> str:
    """One RIS record (``TY  - NEWS`` … ``ER  - ``) per article of the hits, in the order of its
    best hit: title, source, author, date, URL, places as keywords, and each of its hits'
    passage id and ``path:lines`` as a note."""
    articles: dict[tuple[str, str], list[dict]] = {}
    for hit in hits:
        articles.setdefault((hit["path"], hit["article_id"]), []).append(hit)
    return "".join(_record(found) for found in articles.values())


EXPORTS = {"csv": as_csv, "ris": as_ris}


def _record(hits: list[dict]) -> str:
    first = hits[0]
    date = first["date"]
    tags = [("TY", "NEWS"), ("TI", first["title"] or first["article_id"]),
            ("T2", first["source"]), ("AU", first["author"]),
            ("DA", date.replace("-", "/") + "/" if date else ""), ("PY", date[:4]),
            ("UR", first.get("url", ""))]
    tags += [("KW", city) for city in dict.fromkeys(c for hit in hits for c in hit["cities"])]
    tags += [("N1", f"{hit['passage_id']} ({lines_of(hit)})") for hit in hits]
    lines = [f"{tag}  - {_one_line(value)}" for tag, value in tags if value]
    return "\n".join(lines) + "\nER  - \n"


def _one_line(value: str) -> str:
    return " ".join(str(value).split())

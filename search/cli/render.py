"""How answers look in a terminal: hits with their highlights, facets, the indexing summary,
counts with their nouns in the right number."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..query.filters import FACET_LABELS
from ..query.highlight import mark
from ..quote import lines_of
from .options import counted, set_aside

if TYPE_CHECKING:
    from ..indexer import IndexReport

HIGHLIGHT_STYLE = "bold black on yellow"
SHOWN_FACET_VALUES = 8
FACET_COLUMN = 24  # terminal cells: a longer value (a tag) pushes only its own count right


_COUNT_NOUNS = ("file", "line", "archive", "folder", "type", "encoding", "path")


def _reason(n: int, reason: str) -> str:
    """``1 empty file``, ``2 empty files``, ``2 too large``: a count with a skip reason."""
    plural = n != 1 and reason.rsplit(" ", 1)[-1] in _COUNT_NOUNS
    return f"{n} {reason}s" if plural else f"{n} {reason}"


def summary(report: IndexReport, index_dir: Path) -> str:
    """One line: what changed, what was skipped and why, how long it took, and what the index
    holds after the run (the counts of `search stats`)."""
    reasons = Counter(error.reason for error in report.skipped)
    why = ", ".join(_reason(n, reason) for reason, n in reasons.most_common())
    skipped = f"{len(report.skipped)} skipped" + (f" ({why})" if why else "")
    unreadable = f"{counted(len(report.unreadable), 'path')} could not be read"
    holds = report.holds
    tail = (f"the index holds {counted(holds['files'], 'file')}, "
            f"{counted(holds['articles'], 'article')}, {counted(holds['passages'], 'passage')}"
            + set_aside(holds)
            + (f"; {counted(len(report.warnings), 'warning')} above" if report.warnings else ""))
    if report.added or report.updated or report.resumed or report.removed:
        done = [f"{len(report.added)} added", f"{len(report.updated)} updated"]
        done += [f"{len(report.resumed)} resumed"] if report.resumed else []
        done += [f"{len(report.removed)} removed", f"{report.unchanged} unchanged", skipped]
        head = f"indexed into {index_dir}/ in {report.seconds:.2f} s"
    else:
        nothing_else = not (report.skipped or report.unreadable)
        done = [f"{report.unchanged} unchanged"] if report.unchanged or nothing_else else []
        done += [skipped] if report.skipped else []
        head = f"nothing to update in {index_dir}/"
    done += [unreadable] if report.unreadable else []
    return f"{head}: {', '.join(done)}; {tail}"


def print_result(result: dict, sort: str = "relevance") -> None:
    """Readable results: rank, title › section, path:lines and id, the highlighted passage
    (``sort``: the order they come in, for the line that counts them)."""
    console = Console(highlight=False)
    plain = not console.is_terminal  # piped: no colours, no wrapping, [brackets] for matches
    if plain:
        console = Console(highlight=False, soft_wrap=True, no_color=True)
    for rewrite in result.get("rewrites", []):  # what the query also searched, and why
        console.print(f"{rewrite['from']} → {' '.join(rewrite['to'])}  ({rewrite['why']}; "
                      "--exact searches only what was typed)", markup=False, style="dim")
    if not result["hits"]:
        console.print(result.get("why_empty") or f"no passages match {result['query']}",
                      markup=False)
        return
    console.print(_matched(result["total"], len(result["hits"]), sort), markup=False,
                  style="dim")
    for hit in result["hits"]:
        console.print()
        console.print(Text.assemble((f"{hit['rank']}. ", "bold"), _heading(hit, plain)))
        console.print(Text(f"   {lines_of(hit)}  ·  {hit['passage_id']}", style="dim"))
        about = [", ".join(hit["cities"] or hit["provinces"]), hit["source"], hit["date"],
                 "set aside as boilerplate" if hit.get("boilerplate") else ""]
        if any(about):
            console.print(Text("   " + "  ·  ".join(part for part in about if part), style="dim"))
        if hit.get("reprints"):
            console.print(Text("   " + reprinted(hit["reprints"]), style="dim"))
        if plain:
            console.print(Text(_indent(mark(hit["text"], hit["matches"]))))
        else:
            console.print(_marked(hit["text"], hit["matches"], "   "))
    shown = [(facet, counts) for facet, counts in result["facets"].items() if counts]
    if shown:
        console.print()
    for facet, counts in shown:
        values = list(counts.items())
        listed = "  ".join(f"{value} {count}" for value, count in values[:SHOWN_FACET_VALUES])
        more = f"  (+{len(values) - SHOWN_FACET_VALUES} more)" if len(values) > SHOWN_FACET_VALUES \
            else ""
        console.print(Text.assemble((f"{FACET_LABELS[facet]}: ", "bold"), listed + more))


def reprinted(reprints: list[dict]) -> str:
    """``also in 2 other articles: 株洲日报 2022-02-08, 人民网 2022-02-09``."""
    shown = [" ".join(part for part in (found["source"] or found["path"], found["date"]) if part)
             for found in reprints[:3]]
    more = f", +{len(reprints) - 3} more" if len(reprints) > 3 else ""
    return f"also in {counted(len(reprints), 'other article')}: " + ", ".join(shown) + more


def _heading(hit: dict, plain: bool) -> Text:
    """``title › section`` with the matched words marked (an untitled hit shows its file)."""
    parts = [(hit["title"], hit["title_matches"]) if hit["title"] else
             (Path(hit["path"]).stem, []), (hit["section"], hit["section_matches"])]
    out = Text(style="bold cyan")
    for text, matches in (part for part in parts if part[0]):
        if out:
            out.append(" › ")
        out.append(mark(text, matches) if plain else _marked(text, matches))
    return out


def _marked(text: str, matches: list[list[int]], indent: str = "") -> Text:
    """The text with matched spans styled, each line after ``indent``."""
    out, pos = Text(indent), 0
    for start, end in matches + [[len(text), len(text)]]:
        out.append(text[pos:start].replace("\n", "\n" + indent))
        out.append(text[start:end], style=HIGHLIGHT_STYLE)
        pos = end
    return out


def _matched(total: int, shown: int, sort: str = "relevance") -> str:
    """``47 passages match; the best 3:``, ``3 passages match:``, ``1 passage matches:``
    (by date: ``47 passages match; the newest 3:``, ``3 passages match, newest first:``)."""
    verb = "matches" if total == 1 else "match"
    first = "best" if sort == "relevance" else sort
    if shown == total:
        return f"{counted(total, 'passage')} {verb}" + ("" if sort == "relevance" or total < 2
                                                        else f", {sort} first") + ":"
    return f"{counted(total, 'passage')} {verb}; the {first} {shown}:"


def _indent(text: str) -> str:
    return "   " + text.replace("\n", "\n   ")


def facet_lines(counts: dict[str, int]) -> list[str]:
    """``株洲      59``: each value, padded to one column (in terminal cells: a Chinese
    character is two), and its count.

    >>> facet_lines({"株洲": 59, "Carrie Lam": 8})
    ['株洲            59', 'Carrie Lam       8']
    """
    width = min(max((cell_len(value) for value in counts), default=0), FACET_COLUMN)
    return [f"{value}{' ' * (width - cell_len(value))}  {count:>6}"
            for value, count in counts.items()]

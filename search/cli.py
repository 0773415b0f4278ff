"""Command line: ``search index``, ``search query``, ``search stats`` (thin over the engine)."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from .engine import Engine, make_filters
from .errors import SearchError
from .highlight import mark
from .indexer import index_paths
from .whoosh_backend import WhooshBackend

DEFAULT_SEEDS = Path("seeds")
HIGHLIGHT_STYLE = "bold black on yellow"
FACET_LABELS = {"city": "cities", "province": "provinces", "county": "counties",
                "source": "sources", "year": "years"}
SHOWN_FACET_VALUES = 8


def _note(message: str) -> None:
    """A line of progress or warning on stderr."""
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="SEARCH_INDEX_DIR", default=Path("index"), show_default=True,
              help="Where the index lives (or set SEARCH_INDEX_DIR).")
@click.pass_context
def cli(ctx: click.Context, index_dir: Path) -> None:
    """Chinese-aware full-text search over a folder of news articles.

    Example: search index seeds/ && search query 长沙银行 供应链金融
    """
    ctx.obj = index_dir


@cli.command("index")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--rebuild", is_flag=True, help="Start a new index instead of updating this one.")
@click.pass_obj
def index_command(index_dir: Path, paths: tuple[Path, ...], rebuild: bool) -> None:
    """Index files and folders (default: seeds/). Each file's passages are replaced.

    Example: search index seeds/ ~/notes/articles.jsonl
    """
    build_index(index_dir, list(paths) or [DEFAULT_SEEDS], rebuild)


def build_index(index_dir: Path, paths: list[Path], rebuild: bool) -> None:
    """Run an indexing pass and report it on stderr."""
    report = index_paths(index_dir, paths, rebuild,
                         on_error=lambda error: _note(f"warning: {error}"))
    _note(f"indexed {report.files} files, {report.articles} articles, {report.passages} passages "
          f"in {report.seconds:.2f} s into {index_dir}/"
          + _warnings(len(report.errors)))


def _warnings(count: int) -> str:
    return "" if not count else f" ({count} warning{'s' if count > 1 else ''} above)"


def _open_engine(index_dir: Path) -> Engine:
    """Open the index; an absent or empty one is built from ./seeds/ first when that exists."""
    needs_build = not WhooshBackend.exists(index_dir)
    if not needs_build:
        engine = Engine(index_dir)
        if engine.backend.doc_count() > 0 or not DEFAULT_SEEDS.is_dir():
            return engine
        engine.close()
    if DEFAULT_SEEDS.is_dir():
        _note(f"the index in {index_dir}/ is empty: indexing {DEFAULT_SEEDS}/ first")
        build_index(index_dir, [DEFAULT_SEEDS], rebuild=needs_build)
    return Engine(index_dir)


def filter_options(command):
    """Add --city/--province/--county/--source/--year/--since/--until; pass ``filters``."""
    options = [
        click.option("--city", multiple=True, help="Only passages tied to this city "
                     "(its counties included; any script: 長沙 = 长沙). Repeatable."),
        click.option("--province", multiple=True, help="Only passages tied to this province "
                     "(its cities included). Repeatable."),
        click.option("--county", multiple=True, help="Only passages tied to this county."),
        click.option("--source", multiple=True, help="Only articles from this source."),
        click.option("--year", multiple=True, help="Only articles dated in this year."),
        click.option("--since", help="Only articles dated on or after YYYY[-MM[-DD]]."),
        click.option("--until", help="Only articles dated on or before YYYY[-MM[-DD]]."),
    ]

    @functools.wraps(command)
    def wrapper(*args, city, province, county, source, year, since, until, **kwargs):
        filters = make_filters(city, province, county, source, year, since, until)
        return command(*args, filters=filters, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


@cli.command("query")
@click.argument("words", nargs=-1)
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many passages to show.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see README).")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help="Answer every query in FILE (one a line, or JSONL with qid and query); "
                   "prints one JSON result a line.")
@click.option("--per-article", type=click.IntRange(1), help="At most N passages per article.")
@filter_options
@click.pass_obj
def query_command(index_dir: Path, words: tuple[str, ...], limit: int, as_json: bool,
                  batch, per_article: int | None, filters) -> None:
    """Ranked passages for WORDS, best first, matched words highlighted.

    The words are one query: any may match, passages with more of them rank higher.
    "quoted phrases" must appear as written; AND, OR, NOT (capitals), -word and ( )
    combine them. Either script finds both.

    Filters narrow by place, source and date; facet counts over all matches come
    with every answer.

    Example: search query 小巨人 --city 株洲 --per-article 1
    """
    if not words and batch is None:
        raise click.UsageError(
            "give a query, e.g. `search query 长沙银行 供应链金融`, or --batch FILE")
    engine = _open_engine(index_dir)
    try:
        options = {"filters": filters, "per_article": per_article}
        if batch is not None:
            run_batch(engine, batch, limit, options)
        else:
            result = engine.query(" ".join(words), limit, **options)
            if as_json:
                click.echo(json.dumps(result, ensure_ascii=False))
            else:
                print_result(result)
    finally:
        engine.close()


def run_batch(engine: Engine, lines, limit: int, options: dict) -> None:
    """One JSON result a line for each query line (plain text, or JSON with qid and query)."""
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        qid, text = str(number), line
        if line.startswith("{"):
            try:
                record = json.loads(line)
                qid, text = str(record.get("qid", number)), str(record["query"])
            except (ValueError, KeyError, TypeError):
                click.echo(json.dumps({"qid": qid, "error": "not a JSON object with a 'query'"},
                                      ensure_ascii=False))
                continue
        result = engine.query(text, limit, **options)
        click.echo(json.dumps({"qid": qid, **result}, ensure_ascii=False))


def print_result(result: dict) -> None:
    """Readable results: rank, title › section, path:lines and id, the highlighted passage."""
    console = Console(highlight=False)
    plain = not console.is_terminal  # piped: no colours, no wrapping, [brackets] for matches
    if plain:
        console = Console(highlight=False, soft_wrap=True, no_color=True)
    if not result["hits"]:
        console.print(f"no passages match {result['query']}", markup=False)
        return
    console.print(f"{result['total']} passages match; the best {len(result['hits'])}:",
                  markup=False, style="dim")
    for hit in result["hits"]:
        heading = " › ".join(part for part in (hit["title"] or Path(hit["path"]).stem,
                                               hit["section"]) if part)
        lines = f"{hit['line_start']}" + (f"-{hit['line_end']}"
                                          if hit["line_end"] != hit["line_start"] else "")
        console.print()
        console.print(Text.assemble((f"{hit['rank']}. ", "bold"), (heading, "bold cyan")))
        console.print(Text(f"   {hit['path']}:{lines}  ·  {hit['passage_id']}", style="dim"))
        about = [", ".join(hit["cities"] or hit["provinces"]), hit["source"], hit["date"]]
        if any(about):
            console.print(Text("   " + "  ·  ".join(part for part in about if part), style="dim"))
        if plain:
            console.print(Text(_indent(mark(hit["text"], hit["matches"]))))
        else:
            console.print(_highlighted(hit["text"], hit["matches"]))
    shown = [(facet, counts) for facet, counts in result["facets"].items() if counts]
    if shown:
        console.print()
    for facet, counts in shown:
        values = list(counts.items())
        listed = "  ".join(f"{value} {count}" for value, count in values[:SHOWN_FACET_VALUES])
        more = f"  (+{len(values) - SHOWN_FACET_VALUES} more)" if len(values) > SHOWN_FACET_VALUES \
            else ""
        console.print(Text.assemble((f"{FACET_LABELS[facet]}: ", "bold"), listed + more))


def _indent(text: str) -> str:
    return "   " + text.replace("\n", "\n   ")


def _highlighted(text: str, matches: list[list[int]]) -> Text:
    """The passage, indented, with matched spans styled."""
    out, pos = Text(), 0
    for start, end in matches + [[len(text), len(text)]]:
        out.append(_indent(text[pos:start])[3:] if pos else _indent(text[pos:start]))
        out.append(text[start:end], style=HIGHLIGHT_STYLE)
        pos = end
    return out


@cli.command("facets")
@click.argument("field", type=click.Choice(list(FACET_LABELS)), default="city")
@click.option("--query", "-q", "text", help="Count only the passages matching this query.")
@click.option("--json", "as_json", is_flag=True, help="Print {value: count} as JSON.")
@filter_options
@click.pass_obj
def facets_command(index_dir: Path, field: str, text: str | None, as_json: bool,
                   filters) -> None:
    """Values of FIELD (city, province, county, source, year) with passage counts.

    Example: search facets city --query 小巨人
    """
    engine = _open_engine(index_dir)
    try:
        counts = engine.query(text, 1, filters, facets=(field,))["facets"][field]
    finally:
        engine.close()
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False))
        return
    if not counts:
        click.echo(f"no {FACET_LABELS[field]} among the matching passages")
    width = max((len(value) for value in counts), default=0)
    for value, count in counts.items():
        click.echo(f"{value}{'　' * (width - len(value))}  {count:>6}")


@cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stats_command(index_dir: Path, as_json: bool) -> None:
    """What is indexed: files, articles, passages.

    Example: search stats
    """
    engine = Engine(index_dir)
    try:
        stats = engine.stats()
    finally:
        engine.close()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False))
    else:
        click.echo(f"{stats['index']}: {stats['files']} files, {stats['articles']} articles, "
                   f"{stats['passages']} passages")


def main() -> None:
    """Console entry point: user errors become one line on stderr, never a traceback."""
    try:
        cli.main(standalone_mode=False, prog_name="search")
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except SearchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)
    except Exception as exc:  # a bug: still one line, with a way to see more
        if os.environ.get("SEARCH_DEBUG"):
            raise
        click.echo(f"internal error: {exc.__class__.__name__}: {exc} "
                   "(set SEARCH_DEBUG=1 for a traceback and please report it)", err=True)
        sys.exit(1)

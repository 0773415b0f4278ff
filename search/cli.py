"""Command line: ``search index``, ``search query``, ``search stats`` (thin over the engine)."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from .engine import Engine, make_filters
from .errors import SearchError
from .highlight import mark
from .indexer import MAX_FILE_MB, IndexReport, index_paths
from .indexer import Progress as IndexProgress
from .quote import as_json, as_markdown, as_text, raw_slice, source_raw
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
@click.option("--keep-missing", is_flag=True,
              help="Keep the passages of files that are no longer under PATHS.")
@click.option("--strict", is_flag=True, help="Exit 1 if any file had to be skipped.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--verbose", "-v", is_flag=True, help="Print what happened to every file.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=os.cpu_count() or 1,
              show_default="all cores", help="Processes that write a large input's postings.")
@click.option("--max-file-mb", type=click.FloatRange(min=0, min_open=True), default=MAX_FILE_MB,
              show_default=True, help="Skip bigger files (JSONL files are never skipped).")
@click.pass_obj
def index_command(index_dir: Path, paths: tuple[Path, ...], rebuild: bool, keep_missing: bool,
                  strict: bool, quiet: bool, verbose: bool, jobs: int,
                  max_file_mb: float) -> None:
    """Bring the index up to date with files and folders (default: seeds/): new and changed
    files are indexed, unchanged ones skipped, vanished ones removed. A progress bar shows on
    a terminal.

    Example: search index seeds/ ~/notes/articles.jsonl
    """
    verbosity = 0 if quiet else 2 if verbose else 1
    report = build_index(index_dir, list(paths) or [DEFAULT_SEEDS], rebuild, keep_missing,
                         verbosity, jobs=jobs, max_file_mb=max_file_mb)
    if strict and report.skipped:
        raise SearchError(f"{len(report.skipped)} files were skipped (--strict)")


def build_index(index_dir: Path, paths: list[Path], rebuild: bool,
                keep_missing: bool = False, verbosity: int = 1,
                **options) -> IndexReport:
    """Run an indexing pass (``options`` for ``index_paths``) and report it on stderr (0 quiet,
    1 warnings and summary, 2 every file); a progress bar shows when stderr is a terminal."""
    say = _note if verbosity else _ignore
    console = Console(stderr=True)
    bar = verbosity and console.is_terminal
    with Progress(TextColumn("indexing"), BarColumn(), TextColumn("{task.fields[files]}"),
                  TextColumn("{task.fields[passages]} passages"), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=console, transient=True, disable=not bar) as bar:
        task = bar.add_task("index", total=None, files="", passages=0)

        def progress(step: IndexProgress) -> None:
            bar.update(task, completed=step.bytes_done, total=step.bytes_total,
                       files=f"{step.files_done}/{step.files_total} files",
                       passages=step.passages)
            if verbosity > 1:
                bar.console.print(f"{step.outcome:9} {step.path}", markup=False, highlight=False)

        report = index_paths(index_dir, paths, rebuild, keep_missing,
                             on_error=lambda error: say(f"warning: {error}"), on_progress=progress,
                             **options)
    if verbosity > 1:
        for path in report.removed:
            say(f"removed   {path}")
    for note in report.notes:
        say(note)
    say(summary(report, index_dir))
    return report


def _ignore(_) -> None:
    return None


def summary(report: IndexReport, index_dir: Path) -> str:
    """One line: what changed, what was skipped and why, how long it took."""
    reasons = Counter(error.reason for error in report.skipped)
    why = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    return (f"indexed into {index_dir}/ in {report.seconds:.2f} s: {len(report.added)} added, "
            f"{len(report.updated)} updated, {len(report.removed)} removed, "
            f"{report.unchanged} unchanged, {len(report.skipped)} skipped"
            + (f" ({why})" if why else "")
            + f"; {report.articles} articles, {report.passages} passages"
            + (f"; {len(report.warnings)} warnings above" if report.warnings else ""))


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
@click.option("--quote", "as_quotes", is_flag=True,
              help="Print the hits as quotes with citations (Markdown block quotes).")
@filter_options
@click.pass_obj
def query_command(index_dir: Path, words: tuple[str, ...], limit: int, as_json: bool,
                  batch, per_article: int | None, as_quotes: bool, filters) -> None:
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
            if as_quotes:
                ids = [hit["passage_id"] for hit in result["hits"]]
                print_quotes(engine, ids, "markdown", context=0, raw=False)
            elif as_json:
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
        lines = f"{hit['line_start']}" + (f"-{hit['line_end']}"
                                          if hit["line_end"] != hit["line_start"] else "")
        console.print()
        console.print(Text.assemble((f"{hit['rank']}. ", "bold"), _heading(hit, plain)))
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


def _marked(text: str, matches: list[list[int]]) -> Text:
    """The text with matched spans styled."""
    out, pos = Text(), 0
    for start, end in matches:
        out.append(text[pos:start])
        out.append(text[start:end], style=HIGHLIGHT_STYLE)
        pos = end
    out.append(text[pos:])
    return out


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


@cli.command("quote")
@click.argument("passage_ids", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True, help="How to print the quote.")
@click.option("--context", type=click.IntRange(0), default=0,
              help="Add the N passages before and after, marked as context.")
@click.option("--raw", is_flag=True, help="Print the exact characters of the source file.")
@click.pass_obj
def quote_command(index_dir: Path, passage_ids: tuple[str, ...], fmt: str, context: int,
                  raw: bool) -> None:
    """Quote passages (cleaned for reading) with a citation: title, source, author, date,
    path:lines, URL. Several ids quote several passages, in order.

    Example: search quote seeds/003_87c9261d10d2c016:12 --format markdown
    """
    engine = _open_engine(index_dir)
    try:
        print_quotes(engine, list(passage_ids), fmt, context, raw)
    finally:
        engine.close()


def print_quotes(engine: Engine, passage_ids: list[str], fmt: str, context: int,
                 raw: bool) -> None:
    """Each passage as a quote; a source that changed since indexing gets a warning."""
    for n, passage_id in enumerate(passage_ids):
        stored = engine.passage(passage_id)
        source = source_raw(stored)
        if raw:
            if source.problem:
                raise SearchError(f"{passage_id}: {source.problem}; the recorded span may no "
                                  f"longer hold it: run `search index {stored['path']}`")
            click.echo(raw_slice(stored, source), nl=False)
            continue
        if source.problem:
            _note(f"warning: {source.problem}; this is the text as indexed: run "
                  f"`search index {stored['path']}` to update it")
        before, after = engine.context(stored, context)
        if fmt == "json":
            quote = as_json(stored, before + after)
            if source.problem:
                quote["warning"] = source.problem
            click.echo(json.dumps(quote, ensure_ascii=False))
            continue
        marked = {p["passage_id"] for p in before + after}
        render = as_markdown if fmt == "markdown" else as_text
        click.echo(("\n" if n else "") + render(before + [stored] + after, marked))


@cli.command("show")
@click.argument("article_id")
@click.pass_obj
def show_command(index_dir: Path, article_id: str) -> None:
    """An article's outline: title, metadata, sections and their passage ids.

    Example: search show seeds/003_87c9261d10d2c016
    """
    engine = _open_engine(index_dir)
    try:
        passages = engine.outline(article_id)
    finally:
        engine.close()
    first = passages[0]
    click.echo(f"《{first['title']}》" if first["title"] else article_id)
    about = [first.get(name) for name in ("source", "author", "date", "url")]
    about.append(f"{first['path']}, lines {first['line_start']}-{passages[-1]['line_end']}")
    click.echo("  ·  ".join(part for part in about if part))
    places = sorted({c for p in passages for c in p["cities"]})
    if places:
        click.echo("cities: " + ", ".join(places))
    section = None
    for passage in passages:
        if passage["section"] != section:
            section = passage["section"]
            click.echo(f"\n§ {section}" if section else "")
        opening = passage["text"].replace("\n", " ")
        opening = opening[:30] + ("…" if len(opening) > 30 else "")
        click.echo(f"  {passage['passage_id']}  {opening}")


@cli.command("verify")
@click.pass_obj
def verify_command(index_dir: Path) -> None:
    """Re-read every indexed source and check each passage still re-extracts exactly from its
    recorded span; list every mismatch. Exit 1 if there is any.

    Example: search verify
    """
    engine = Engine(index_dir)
    try:
        checked, problems = engine.verify()
    finally:
        engine.close()
    for problem in problems:
        click.echo(f"{problem.passage_id}  {problem.where}  {problem.problem}")
    if problems:
        files = len({problem.where.rsplit(":", 1)[0] for problem in problems})
        raise SearchError(f"{len(problems)} of {checked} passages in {files} files no longer "
                          "match their source; re-index them with `search index PATH`")
    click.echo(f"verified {checked} passages: each re-extracts exactly from its source")


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

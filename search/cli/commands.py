"""Command line: ``search index``, ``search query``, ``search stats`` (thin over the engine)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from ..backends import backend_type
from ..backends.seam import COMMIT_SECONDS, IN_FILE_BATCH, SORTS
from ..errors import IndexUnavailable, ReadError, SearchError, ignore
from ..ingest.readers import MAX_FILE_MB, UNREADABLE_PATH
from ..query.filters import FACET_LABELS
from .cluster import cluster_group
from .options import (
    DEFAULT_INDEX,
    IndexChoice,
    OneLineError,
    SearchGroup,
    WordsCommand,
    choose_index,
    counted,
    filter_options,
    index_dir_option,
    set_aside,
    usage_message,
)

if TYPE_CHECKING:
    from ..engine import Engine
    from ..indexer import IndexReport

# The engine, the indexer and rich are imported by the commands that use them: `search
# stats` needs none of them (0.35 s of imports).

DEFAULT_SEEDS = Path("seeds")
QUERY_FORMATS = ("text", "json", "markdown", "csv", "ris")
QUERY_EXAMPLE = "e.g. `search query 长沙银行 供应链金融`"


def _note(message: str) -> None:
    """A line of progress or warning on stderr."""
    click.echo(message, err=True)


@click.group(cls=SearchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="SEARCH_INDEX_DIR", default=DEFAULT_INDEX, show_default=True,
              help="Where the index lives (or set SEARCH_INDEX_DIR); also after the command.")
@click.option("--backend", envvar="SEARCH_BACKEND", metavar="sphinxql://HOST:PORT",
              help="Use the index in a cluster of searchd nodes instead (or set "
              "SEARCH_BACKEND); see `search cluster`.")
@click.pass_context
def cli(ctx: click.Context, index_dir: Path, backend: str | None) -> None:
    """Chinese-aware full-text search over a folder of news articles.

    Example: search index seeds/ && search query 长沙银行 供应链金融
    """
    given = ctx.get_parameter_source("index_dir") is not ParameterSource.DEFAULT
    typed = {name for name in ("index_dir", "backend")
             if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE}
    if typed == {"index_dir", "backend"}:
        raise click.UsageError("give --index-dir or --backend, not both")
    if "index_dir" in typed:  # typed beats the other's environment variable
        backend = None
    ctx.obj = choose_index(index_dir, given and (backend is None or "index_dir" in typed),
                           backend)


@cli.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
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
@click.option("--commit-every", type=click.IntRange(1), default=IN_FILE_BATCH,
              show_default=True, help="Passages per commit inside one JSONL file: a stopped "
              "run resumes after the last commit.")
@click.option("--commit-seconds", type=click.FloatRange(min=0, min_open=True),
              default=COMMIT_SECONDS, show_default=True,
              help="Inside one big file, commit at least this often too (seconds).")
@index_dir_option
@click.pass_obj
def index_command(choice: IndexChoice, paths: tuple[Path, ...], rebuild: bool,
                  keep_missing: bool, strict: bool, quiet: bool, verbose: bool, jobs: int,
                  max_file_mb: float, commit_every: int, commit_seconds: float) -> None:
    """Bring the index up to date with files and folders (default: seeds/, for the default
    index/ only): new and changed files are indexed, unchanged ones skipped, files gone from
    a folder removed. A path that cannot be read is an error (exit 1) and what the index
    holds from it stays. A progress bar shows on a terminal.

    Example: search index seeds/ ~/notes/articles.jsonl
    """
    if not paths and choice.named:
        raise click.UsageError(
            f"give the files and folders to index into {choice.path}/, e.g. "
            f"`search {choice.option}index seeds/`; only the default index/ indexes seeds/ "
            "when no path is given")
    verbosity = 0 if quiet else 2 if verbose else 1
    try:
        report = build_index(choice.path, list(paths) or [DEFAULT_SEEDS], rebuild,
                             keep_missing, verbosity, jobs=jobs, max_file_mb=max_file_mb,
                             in_file_batch=commit_every, commit_seconds=commit_seconds)
    except KeyboardInterrupt:
        kept = "the index is as before" if rebuild else "what was committed stays indexed"
        _note(f"interrupted: {kept}; run the same command again to go on")
        raise click.exceptions.Exit(130) from None
    if strict and report.skipped:
        raise SearchError(f"{counted(len(report.skipped), 'file')} skipped (--strict)")
    if report.unreadable:
        raise click.exceptions.Exit(1)


def build_index(index_dir: Path, paths: list[Path], rebuild: bool,
                keep_missing: bool = False, verbosity: int = 1,
                **options) -> IndexReport:
    """Run an indexing pass (``options`` for ``index_paths``) and report it on stderr (0 quiet,
    1 warnings and summary, 2 every file); a progress bar shows when stderr is a terminal.
    A path that cannot be read is an ``error:`` line even when quiet."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from ..indexer import Progress as IndexProgress
    from ..indexer import index_paths
    from .render import summary

    say = _note if verbosity else ignore
    console = Console(stderr=True)
    bar = verbosity and console.is_terminal
    with Progress(TextColumn("indexing"), BarColumn(), TextColumn("{task.fields[files]}"),
                  TextColumn("{task.fields[passages]} passages"), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=console, transient=True, disable=not bar) as bar:
        task = bar.add_task("index", total=None, files="", passages=0)

        def progress(step: IndexProgress) -> None:
            records = f", {step.records} records" if step.records else ""
            bar.update(task, completed=step.bytes_done, total=step.bytes_total,
                       files=f"{step.files_done}/{step.files_total} files{records}",
                       passages=step.passages)
            if verbosity > 1 and step.finished:
                bar.console.print(f"{step.outcome:9} {step.path}", markup=False, highlight=False)

        def problem(error: ReadError) -> None:
            if error.reason == UNREADABLE_PATH:
                _note(f"error: {error}")
            else:
                say(f"warning: {error}")

        report = index_paths(index_dir, paths, rebuild, keep_missing, on_error=problem,
                             on_progress=progress, **options)
    if verbosity > 1:
        for path in report.removed:
            say(f"removed   {path}")
    for note in report.notes:
        say(note)
    say(summary(report, index_dir))
    return report



def _open_engine(choice: IndexChoice, build: bool = True) -> Engine:
    """Open the index. A named index must exist. The default index/, when absent or empty, is
    built from ./seeds/ first if that exists (``build``)."""
    from ..engine import Engine

    exists = backend_type(choice.path).claimed(choice.path)
    if choice.named and not exists:
        raise IndexUnavailable(
            f"no index in {choice.path}/; check --index-dir (or SEARCH_INDEX_DIR), or build "
            f"one with `search {choice.option}index PATH`")
    if exists:
        engine = Engine(choice.path)
        if choice.named or not build or engine.backend.doc_count() > 0 \
                or not DEFAULT_SEEDS.is_dir():
            return engine
        engine.close()
    if build and DEFAULT_SEEDS.is_dir():
        _note(f"the index in {choice.path}/ is empty: indexing {DEFAULT_SEEDS}/ first")
        report = build_index(choice.path, [DEFAULT_SEEDS], rebuild=not exists)
        if report.unreadable:
            raise IndexUnavailable(f"could not index {DEFAULT_SEEDS}/")
    return Engine(choice.path)


@cli.command("query", cls=WordsCommand)
@click.argument("words", nargs=-1)
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many passages to show.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see docs/json.md).")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help="Answer every query in FILE (one a line, or JSONL with qid and query); "
                   "prints one JSON result a line.")
@click.option("--per-article", type=click.IntRange(1), help="At most N passages per article.")
@click.option("--one-per-story", is_flag=True, help="One hit for each story: its other "
              "articles (reprints, in either script) are listed with it, not shown again.")
@click.option("--quote", "as_quotes", is_flag=True,
              help="Print the hits as quotes with citations (Markdown block quotes).")
@click.option("--exact", is_flag=True,
              help="Search only what was typed: no pinyin, sound-alike or other names.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="Best first, or by date (newest or oldest first; the best first on a "
                   "day; undated passages last).")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="text",
              show_default=True, help="How to print the hits: json as --json, markdown as "
              "--quote, csv (rows with citations, for a spreadsheet) or ris (a record an "
              "article, for a reference manager).")
@filter_options
@index_dir_option
@click.pass_obj
def query_command(choice: IndexChoice, words: tuple[str, ...], limit: int, as_json: bool,
                  batch, per_article: int | None, one_per_story: bool, as_quotes: bool,
                  exact: bool, sort: str, fmt: str, filters) -> None:
    """Ranked passages for WORDS, best first, matched words highlighted.

    The words are one query: any may match, passages with more of them rank higher.
    "quoted phrases" must appear as written; AND, OR, NOT (capitals), -word and ( )
    combine them. Either script finds both.

    Filters narrow by place, source and date; facet counts over all matches come
    with every answer.

    Example: search query 小巨人 --city 株洲 --per-article 1
    """
    from .render import print_result

    fmt = "json" if as_json else "markdown" if as_quotes else fmt
    text = " ".join(words)
    if batch is None:
        _require_words(text)
    engine = _open_engine(choice)
    try:
        options = {"filters": filters, "per_article": per_article, "exact": exact,
                   "sort": sort, "one_per_story": one_per_story}
        if batch is not None:
            run_batch(engine, batch, limit, options)
        else:
            result = engine.search(text, limit, **options)
            warn_partial(result)
            if fmt == "markdown" and result["hits"]:
                ids = [hit["passage_id"] for hit in result["hits"]]
                print_quotes(engine, ids, "markdown", context=0, raw=False, choice=choice)
            elif fmt == "json":
                click.echo(json.dumps(result, ensure_ascii=False))
            elif fmt in ("csv", "ris"):
                from ..export import EXPORTS

                click.echo(EXPORTS[fmt](result["hits"]), nl=False)
            else:
                print_result(result, sort)
    finally:
        engine.close()


def _require_words(text: str) -> None:
    """A usage error for a query with nothing to find: no words, punctuation only, or only
    words to exclude."""
    from ..query.parse import parse

    if not text.strip():
        raise click.UsageError(f"give a query, {QUERY_EXAMPLE}, or --batch FILE")
    if parse(text) is None:
        raise click.UsageError(f"{text} has no word to find (punctuation and -excluded words "
                               f"find nothing by themselves); give words, {QUERY_EXAMPLE}")


def warn_partial(result: dict) -> None:
    """A line on stderr when part of the index did not answer (a cluster's shard)."""
    if result["partial"]:
        _note(f"warning: a partial answer, counts too: {'; '.join(result['missing'])}")


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
        result = engine.search(text, limit, **options)
        click.echo(json.dumps({"qid": qid, **result}, ensure_ascii=False))


@cli.command("facets")
@click.argument("field", type=click.Choice(list(FACET_LABELS)), default="city",
                metavar="[FIELD]")
@click.option("--query", "-q", "text", help="Count only the passages matching this query.")
@click.option("--json", "as_json", is_flag=True, help="Print {value: count} as JSON.")
@filter_options
@index_dir_option
@click.pass_obj
def facets_command(choice: IndexChoice, field: str, text: str | None, as_json: bool,
                   filters) -> None:
    """Values of FIELD (one of: city, province, county, source, year, month, tag, category)
    with passage counts.

    Example: search facets city --query 小巨人
    """
    if text is not None:
        _require_words(text)
    engine = _open_engine(choice)
    try:
        result = engine.facet(field, text, filters)
        warn_partial(result)
    finally:
        engine.close()
    counts = result["facets"][field]
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False))
        return
    if not counts:
        click.echo(result.get("why_empty") or f"no {FACET_LABELS[field]} among the matching "
                   "passages")
    from .render import facet_lines

    for line in facet_lines(counts):
        click.echo(line)


@cli.command("quote")
@click.argument("passage_ids", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True, help="How to print the quote.")
@click.option("--context", type=click.IntRange(0), default=0,
              help="Add the N passages before and after, marked as context.")
@click.option("--raw", is_flag=True, help="Print the exact characters of the source file.")
@index_dir_option
@click.pass_obj
def quote_command(choice: IndexChoice, passage_ids: tuple[str, ...], fmt: str, context: int,
                  raw: bool) -> None:
    """Quote passages (cleaned for reading) with a citation: title, source, author, date,
    path:lines, URL. Several ids quote several passages, in order.

    Example: search quote seeds/003_87c9261d10d2c016:12 --format markdown
    """
    engine = _open_engine(choice)
    try:
        print_quotes(engine, list(passage_ids), fmt, context, raw, choice)
    finally:
        engine.close()


def print_quotes(engine: Engine, passage_ids: list[str], fmt: str, context: int,
                 raw: bool, choice: IndexChoice) -> None:
    """Each passage as a quote; a source that changed since indexing gets a warning."""
    from ..quote import as_markdown, as_text, raw_slice, source_raw

    for n, passage_id in enumerate(passage_ids):
        if raw:
            stored = engine.passage(passage_id)
            source = source_raw(stored)
            if source.problem:
                raise SearchError(f"{passage_id}: {source.problem}; the recorded span may no "
                                  f"longer hold it: run `search {choice.option}index "
                                  f"{stored['path']}`")
            click.echo(raw_slice(stored, source), nl=False)
            continue
        if fmt == "json":
            quote = engine.quote(passage_id, context)
            _warn_changed(quote.get("warning", ""), quote["path"], choice)
            click.echo(json.dumps(quote, ensure_ascii=False))
            continue
        quotation = engine.quotation(passage_id, context)
        stored, before, after = quotation["passage"], quotation["before"], quotation["after"]
        _warn_changed(quotation["warning"], stored["path"], choice)
        if stored.get("boilerplate"):
            _note(f"note: {passage_id} is set aside as boilerplate (a page's navigation or a "
                  "paragraph repeated across its source)")
        marked = {p["passage_id"] for p in before + after}
        render = as_markdown if fmt == "markdown" else as_text
        click.echo(("\n" if n else "") + render(before + [stored] + after, marked))


def _warn_changed(problem: str, path: str, choice: IndexChoice) -> None:
    """A line on stderr when a quoted passage's source changed since it was indexed."""
    if problem:
        _note(f"warning: {problem}; this is the text as indexed: run "
              f"`search {choice.option}index {path}` to update it")


@cli.command("show")
@click.argument("article_id")
@index_dir_option
@click.pass_obj
def show_command(choice: IndexChoice, article_id: str) -> None:
    """An article's outline: title, metadata, sections and their passage ids.

    Example: search show seeds/003_87c9261d10d2c016
    """
    engine = _open_engine(choice)
    try:
        article = engine.article(article_id)
    finally:
        engine.close()
    click.echo(f"《{article['title']}》" if article["title"] else article_id)
    about = [article.get(name) for name in ("source", "author", "date", "url")]
    about.append(f"{article['path']}, lines {article['line_start']}-{article['line_end']}")
    click.echo("  ·  ".join(part for part in about if part))
    if article["cities"]:
        click.echo("cities: " + ", ".join(article["cities"]))
    if article["reprints"]:
        from .render import reprinted

        click.echo(reprinted(article["reprints"]))
    section = None
    for passage in article["passages"]:
        if passage["section"] != section:
            section = passage["section"]
            click.echo(f"\n§ {section}" if section else "")
        opening = passage["text"].replace("\n", " ")
        opening = opening[:30] + ("…" if len(opening) > 30 else "")
        aside = "  (set aside as boilerplate)" if passage.get("boilerplate") else ""
        click.echo(f"  {passage['passage_id']}  {opening}{aside}")


@cli.command("verify")
@index_dir_option
@click.pass_obj
def verify_command(choice: IndexChoice) -> None:
    """Re-read every indexed source and check each passage still re-extracts exactly from its
    recorded span; list every mismatch. Exit 1 if there is any.

    Example: search verify
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    engine = _open_engine(choice, build=False)
    console = Console(stderr=True)
    try:
        with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("passages"), TimeRemainingColumn(), console=console,
                      transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("verify", total=None)
            checked, problems = engine.verify(
                lambda done, total: bar.update(task, completed=done, total=total))
    finally:
        engine.close()
    for problem in problems:
        click.echo(f"{problem.passage_id}  {problem.where}  {problem.problem}")
    if problems:
        files = len({problem.where.rsplit(":", 1)[0] for problem in problems})
        verb = "no longer matches its" if len(problems) == 1 else "no longer match their"
        raise SearchError(f"{len(problems)} of {counted(checked, 'passage')} in "
                          f"{counted(files, 'file')} {verb} source; re-index them with "
                          f"`search {choice.option}index PATH`")
    click.echo(f"verified {counted(checked, 'passage')}: each re-extracts exactly from its "
               "source")


@cli.command("check")
@index_dir_option
@click.pass_obj
def check_command(choice: IndexChoice) -> None:
    """Read every file of the index and report damage (exit 1), changing nothing: files
    missing, cut short or altered since they were written, and files a failed run left.

    Example: search check
    """
    kind = backend_type(choice.path)
    if not kind.claimed(choice.path):
        raise IndexUnavailable(f"no index in {choice.path}/; check --index-dir (or "
                               "SEARCH_INDEX_DIR)")
    found = kind.check(choice.path, choice.option)
    for line in found.lines:
        click.echo(line)
    if found.failure:
        raise SearchError(found.failure)
    click.echo(found.whole)


@cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@index_dir_option
@click.pass_obj
def stats_command(choice: IndexChoice, as_json: bool) -> None:
    """What is indexed: files, articles, passages.

    Example: search stats
    """
    recorded = backend_type(choice.path).recorded_counts(choice.path)
    if recorded:  # as the last commit recorded them: no need to open the index
        stats = {"index": str(choice.path), **recorded}
    else:
        engine = _open_engine(choice, build=False)
        try:
            stats = engine.stats()
        finally:
            engine.close()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False))
    else:
        click.echo(f"{stats['index']}: {counted(stats['files'], 'file')}, "
                   f"{counted(stats['articles'], 'article')}, "
                   f"{counted(stats['passages'], 'passage')}" + set_aside(stats))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Where to listen; another host than this machine's lets others read the index.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@index_dir_option
@click.pass_obj
def serve_command(choice: IndexChoice, host: str, port: int, open_browser: bool) -> None:
    """A search page in the browser, with a JSON API beside it (read-only).

    Example: search serve --open   (then http://127.0.0.1:8000/?q=小巨人)
    """
    import uvicorn

    from ..web.app import create_app

    _open_engine(choice).close()  # the index must be there (the default one is built)
    app = create_app(choice.path)
    if host not in ("127.0.0.1", "localhost", "::1"):
        _note(f"warning: listening on {host}: anyone who can reach it can read the index")
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    _note(f"serving {choice.path} at {url} (Ctrl-C stops)")
    if open_browser:  # once the server listens
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, [url]).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    except SystemExit as error:  # uvicorn exits when it cannot bind
        raise SearchError(f"cannot listen on {host}:{port} (in use, or not this machine's); "
                          "choose another with --port") from error


cli.add_command(cluster_group)


def main() -> None:
    """Console entry point: user errors become one line on stderr, never a traceback."""
    try:
        code = cli.main(standalone_mode=False, prog_name="search")
    except OneLineError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.UsageError as exc:  # before a command is chosen: `search --bad`
        click.echo(f"error: {usage_message(exc)}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:  # Ctrl-C
        click.echo("interrupted", err=True)
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
    sys.exit(code if isinstance(code, int) else 0)  # a command's click.exceptions.Exit

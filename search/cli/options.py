"""How the command line is read: which index a command works on, which tokens of a query
are words (``-株洲`` is one), the filter options, and errors as one line."""

from __future__ import annotations

import functools
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import click

from ..errors import SearchError

DEFAULT_INDEX = Path("index")


@dataclass
class IndexChoice:
    """The index a command works on, whether the user named it, and how to name it on a
    command line (``--index-dir D ``, ``--backend URL `` or nothing: the default)."""

    path: Path  # the folder, or a cluster's address (``backends.sphinxql.sql.Address``)
    named: bool  # by --index-dir or SEARCH_INDEX_DIR (and not the default ./index/), or
    # by --backend or SEARCH_BACKEND
    option: str = ""


def choose_index(path: Path, given: bool, backend: str | None = None) -> IndexChoice:
    """The index a command works on: the cluster at ``backend`` when one is given (a usage
    error when it is no ``sphinxql://HOST:PORT``), else the folder ``path``."""
    if backend:
        from ..backends.sphinxql.sql import parse_address

        try:
            address = parse_address(backend)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--backend") from None
        return IndexChoice(address, True, f"--backend {address} ")
    named = given and os.path.abspath(path) != os.path.abspath(DEFAULT_INDEX)
    return IndexChoice(path, named, f"--index-dir {path} " if named else "")


def _index_dir_after_command(ctx: click.Context, _param, value: Path | None) -> None:
    if value is not None:
        ctx.obj = choose_index(value, given=True)


def index_dir_option(command):
    """``--index-dir`` after the command name too (``search query 株洲 --index-dir laws``)."""
    return click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path),
                        expose_value=False, callback=_index_dir_after_command,
                        help="Where the index lives (as before the command).")(command)


class SearchGroup(click.Group):
    """The command group: a SearchError or a usage error of a command becomes one line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SearchError as exc:
            raise OneLineError(str(exc), exc.exit_code) from None
        except click.UsageError as exc:
            raise OneLineError(usage_message(exc), exc.exit_code) from None


class OneLineError(click.ClickException):
    """An error shown as one line on stderr, ``error: …``, with its exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def usage_message(exc: click.UsageError) -> str:
    """A usage error in one line; click's own parse errors point to the command's help."""
    message = exc.format_message().strip().rstrip(".").replace("\n", " ")
    if type(exc) is click.UsageError or exc.ctx is None:
        return message
    return f"{message} (see `{exc.ctx.command_path} --help`)"


class WordsCommand(click.Command):
    """A command whose words may start with "-" (``search query 黑灯工厂 -株洲``): a token is
    an option only when it names one of the command's options (``-n 3``, ``-n3``,
    ``--limit=3``); every other token is a word, in the order typed."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, split_words(args, self._takes_value(ctx)))

    def _takes_value(self, ctx: click.Context) -> dict[str, bool]:
        """Each option name of this command, and whether it takes a value."""
        return {name: not (param.is_flag or param.count)
                for param in self.get_params(ctx) if isinstance(param, click.Option)
                for name in param.opts + param.secondary_opts}


def split_words(args: list[str], takes_value: dict[str, bool]) -> list[str]:
    """The options (with their values) first, then ``--`` and the words, so that click reads
    ``-株洲`` or ``-5G`` as a word. ``takes_value``: option name -> whether it takes a value.

    >>> split_words(["黑灯工厂", "-株洲", "-n", "3"], {"-n": True, "--limit": True})
    ['-n', '3', '--', '黑灯工厂', '-株洲']
    """
    options, words = [], []
    tokens = iter(args)
    for token in tokens:
        name = token.split("=", 1)[0]
        if token == "--":
            words.extend(tokens)
        elif token.startswith("--") or token in takes_value:
            options.append(token)
            if takes_value.get(name) and "=" not in token:
                options.extend(itertools.islice(tokens, 1))
        elif takes_value.get(token[:2]) and token[2:].isdigit():
            options.append(token)  # -n3
        else:
            words.append(token)
    return options + (["--", *words] if words else [])


def filter_options(command):
    """Add --city/--province/--county/--source/--year/--tag/--category/--since/--until and
    --include-boilerplate; pass ``filters``."""
    options = [
        click.option("--city", multiple=True, help="Only passages tied to this city "
                     "(its counties included; any script: 長沙 = 长沙). Repeatable."),
        click.option("--province", multiple=True, help="Only passages tied to this province "
                     "(its cities included). Repeatable."),
        click.option("--county", multiple=True, help="Only passages tied to this county."),
        click.option("--source", multiple=True, help="Only articles from this source."),
        click.option("--year", multiple=True, help="Only articles dated in this year."),
        click.option("--tag", multiple=True, help="Only articles with this tag (front matter)."),
        click.option("--category", multiple=True,
                     help="Only articles in this category (front matter)."),
        click.option("--include-boilerplate", is_flag=True,
                     help="Count and show passages set aside as boilerplate too (a page's "
                          "navigation, a footer repeated across a source)."),
        click.option("--since", help="Only articles dated on or after YYYY[-MM[-DD]]."),
        click.option("--until", help="Only articles dated on or before YYYY[-MM[-DD]]."),
    ]

    @functools.wraps(command)
    def wrapper(*args, city, province, county, source, year, tag, category,
                include_boilerplate, since, until, **kwargs):
        from ..query.filters import make_filters

        filters = make_filters(city, province, county, source, year, since, until, tag,
                               category, include_boilerplate)
        return command(*args, filters=filters, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def counted(n: int, noun: str) -> str:
    """``1 passage``, ``2 passages``, ``3 copies``: a count with its noun in the right number."""
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" \
        else f"{n} {noun}s"


def set_aside(counts: dict) -> str:
    """`` (4 more set aside as boilerplate: 3 copies of 1 paragraph repeated across a
    source)``, or "" when none is."""
    if not counts.get("set_aside"):
        return ""
    repeated = (f": {counted(counts['copies'], 'copy')} of "
                f"{counted(counts['repeated'], 'paragraph')} repeated across a source"
                if counts.get("repeated") else "")
    return f" ({counts['set_aside']} more set aside as boilerplate{repeated})"


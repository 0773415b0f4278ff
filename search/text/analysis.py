"""Analysis: text -> tokens, the same chain for passages and queries.

The chain is small filters composed:

1. ``fold``: NFKC width folding (５Ｇ -> 5g, ，-> ,), Traditional -> Simplified (長沙 -> 长沙)
   and lowercase, **character for character**, so an offset into the folded text is an
   offset into the original (highlights land on the original script).
2. ``words``: jieba segmentation (rjieba) of the folded text. Each word of the precise
   cut gets the next position; the shorter dictionary words inside it (search mode:
   供应 inside 供应链) are emitted at the *same* position. Punctuation and spaces are
   dropped and take no position. A phrase of precise words therefore matches
   consecutive positions, and a sub-word still matches as a term.
3. ``units``/``bigrams``: the folded text as units (one CJK character, or one run of
   ASCII letters and digits such as ``0.01`` or ``5g``) and their overlapping pairs at
   consecutive positions, the last unit also paired with the end mark ``$``. A phrase query
   on bigrams is a substring match that does not depend on how jieba happened to cut the
   words (重庆小康动力, 58家); a single unit is found by the pairs that start with it
   (``first_unit``), the end mark covering a unit at the very end. Two ASCII units are
   joined by ``_`` (``uniios_5g``), so every pair splits back into its units.

``ANALYZER_VERSION`` is recorded in the index; change it whenever tokens change.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import operator
import re
import sys
import threading
import unicodedata
from collections.abc import Iterator
from operator import itemgetter
from typing import NamedTuple

import opencc

from .lexicon import Lexicon, Segmenter

ANALYZER_VERSION = "words+bigrams/2"
_T2S = opencc.OpenCC("t2s")
_ASCII_UNIT = re.compile(r"[0-9a-z]+(?:\.[0-9]+)*")
_UNIT = re.compile(rf"{_ASCII_UNIT.pattern}|[^\W_]")
END = "$"  # paired with a text's last unit: no unit contains it
ASCII_JOIN = "_"  # between two ASCII units of a pair: no unit contains it


SMALL_TEXTS = 2_000  # characters: past this many, building the whole dictionary pays
_SMALL_LOCK = threading.Lock()  # the small jieba grows with each text: one text at a time


@functools.cache
def _jieba_type():
    """rjieba's ``Jieba``, without importing the ``rjieba`` package: its ``__init__`` builds
    the whole dictionary (0.12 s) for a default instance."""
    package = importlib.util.find_spec("rjieba")
    spec = importlib.machinery.PathFinder.find_spec("rjieba.rjieba",
                                                    package.submodule_search_locations)
    if "rjieba.rjieba" not in sys.modules:  # a PyO3 module is initialised once a process
        module = importlib.util.module_from_spec(spec)
        sys.modules["rjieba.rjieba"] = module
        spec.loader.exec_module(module)
    return sys.modules["rjieba.rjieba"].Jieba


@functools.cache
def _full_jieba():
    """jieba with its whole dictionary, built on first use."""
    return _jieba_type()()


@functools.cache
def _small_jieba() -> Segmenter:
    return Segmenter(Lexicon.load(), _jieba_type())


def _segment(how: str, text: str, **options):
    """rjieba's ``how`` (cut, cut_for_search, tokenize) of ``text``. The first SMALL_TEXTS
    characters a process segments go to a jieba holding only their dictionary words (see
    lexicon.py): a query pays milliseconds, not the whole dictionary's 0.12 s; the same cut."""
    if _full_jieba.cache_info().currsize == 0:
        with _SMALL_LOCK:
            small = _small_jieba()
            if small.characters + len(text) <= SMALL_TEXTS:
                small.add(text)
                return getattr(small.jieba, how)(text, **options)
    return getattr(_full_jieba(), how)(text, **options)


class Token(NamedTuple):
    """A term with its position and its character span in the (original) text."""

    text: str
    pos: int
    start: int
    end: int


class _WidthAndCase(dict):
    """str.translate table: NFKC and lowercase per character, where that keeps one character."""

    def __missing__(self, code: int) -> int:
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch).lower()
        self[code] = ord(folded) if len(folded) == 1 else code
        return self[code]


_WIDTH_AND_CASE = _WidthAndCase()


def fold(text: str) -> str:
    """Width-fold, convert to Simplified and lowercase ``text``, keeping its length.

    >>> fold("長沙銀行５Ｇ，ABC")
    '长沙银行5g,abc'
    """
    narrow = text.translate(_WIDTH_AND_CASE)
    simplified = _T2S.convert(narrow)
    if len(simplified) != len(narrow):  # a phrase rule changed the length: go char by char
        simplified = "".join(c if len(c := _T2S.convert(ch)) == 1 else ch for ch in narrow)
    return simplified


_ALNUM = re.compile(r"[^\W_]")  # one character that str.isalnum() accepts


@functools.lru_cache(maxsize=1 << 16)
def _is_word(token: str) -> bool:
    return _ALNUM.search(token) is not None


def words(text: str) -> list[Token]:
    """Word tokens of ``text`` (see the module docstring for positions).

    >>> [(t.text, t.pos) for t in words("供应链金融")]
    [('供应链', 0), ('供应', 0), ('金融', 1)]
    """
    return folded_words(fold(text))


def folded_words(folded: str) -> list[Token]:
    """``words`` of a text already folded (indexing folds a passage once for all its uses)."""
    tokens = _segment("tokenize", folded, mode="search")
    tokens.sort(key=itemgetter(2), reverse=True)  # by start, then longest first (stable)
    tokens.sort(key=itemgetter(1))
    out: list[Token] = []
    pos, main_end = -1, 0
    for word, start, end in tokens:
        if not _is_word(word):
            continue
        if start >= main_end:  # a word of the precise cut
            pos += 1
            main_end = end
        out.append(_new_token(Token, (word, pos, start, end)))
    return out


_new_token = tuple.__new__  # Token(*fields) without NamedTuple's __new__ in Python: a
# passage has hundreds of tokens


def word_bounds(tokens: list[Token]) -> tuple[set[int], set[int]]:
    """Start and end offsets of the precise-cut words (sub-words left out)."""
    starts, ends, last_pos = set(), set(), -1
    for _, pos, start, end in tokens:
        if pos != last_pos:  # the first token at a position is the precise word
            starts.add(start)
            ends.add(end)
            last_pos = pos
    return starts, ends


def query_words(text: str) -> list[str]:
    """The precise-cut words of a query string, punctuation dropped."""
    return [word for word in _segment("cut", fold(text)) if _is_word(word)]


def sub_words(word: str) -> list[str]:
    """A word, and the word without its first or last character when that is a dictionary
    word of two or more characters (jieba's search mode finds it): jieba glues a character
    onto a word by context, 喜迎国庆 is cut 喜 迎国庆 where a text says 国庆.

    >>> sub_words("迎国庆"), sub_words("市场竞争")
    (['迎国庆', '国庆'], ['市场竞争'])
    """
    inner = {word[1:], word[:-1]}
    glued = [part for part in _segment("cut_for_search", word) if len(part) > 1 and part in inner]
    return [word, *dict.fromkeys(glued)]


def word_runs(text: str, detach: frozenset[str] = frozenset()) -> list[list[str]]:
    """The precise-cut words of a query string in runs that punctuation and spaces separate.
    A one-character word of ``detach`` that jieba's guessing (its HMM) glued onto a name it
    did not know is cut off again: 王沈是 -> 王沈, 是.

    >>> word_runs("黑灯工厂，长沙银行的供应链金融？")
    [['黑灯', '工厂'], ['长沙', '银行', '的', '供应链', '金融']]
    >>> word_runs("王沈是哪里人", frozenset("是"))
    [['王沈', '是', '哪里', '人']]
    """
    folded = fold(text)
    runs: list[list[str]] = [[]]
    for word in _detached(folded, detach):
        if _is_word(word):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _detached(folded: str, detach: frozenset[str]) -> list[str]:
    """rjieba's cut, with the ``detach`` characters cut off the end of guessed words: words
    of three or more characters that are single characters without the guessing."""
    unguessed, pos = set(), 0
    for word in _segment("cut", folded, hmm=False):
        unguessed.add((pos, pos + len(word)))
        pos += len(word)
    out, pos = [], 0
    for word in _segment("cut", folded):
        start, pos = pos, pos + len(word)
        if len(word) > 2 and word[-1] in detach \
                and all((i, i + 1) in unguessed for i in range(start, pos)):
            out += [word[:-1], word[-1]]
        else:
            out.append(word)
    return out


def units(text: str) -> list[str]:
    """Each CJK character or run of ASCII letters and digits of the folded text.

    >>> units("5G線纜 iPhone")
    ['5g', '线', '缆', 'iphone']
    """
    return folded_units(fold(text))


def folded_units(folded: str) -> list[str]:
    """``units`` of a text already folded."""
    return _UNIT.findall(folded)


def unit_spans(text: str) -> list[tuple[str, int, int]]:
    """(unit, start, end) for each unit; offsets hold in the original text too."""
    return [(m.group(), m.start(), m.end()) for m in _UNIT.finditer(fold(text))]


_BETWEEN_UNITS = r"[\W_]*"  # characters of no unit, as between two units in a row
_ASCII_UNIT_CHARACTERS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz.")


def folded_unit_runs(folded: str, run: tuple[str, ...]) -> Iterator[list[tuple[int, int]]]:
    """The [start, end) of each unit of ``run`` wherever the folded text has those units in
    a row, as ``folded_units`` cuts it (across spaces and punctuation): what
    ``unit_spans`` would find, without making a tuple per unit of the text. A regular
    expression finds the units' characters; an ASCII unit found is checked to be a whole
    unit there (5 is no unit of 3.5 or 58); a CJK character always is one.

    >>> list(folded_unit_runs("长沙, 长 沙", ("长", "沙")))
    [[(0, 1), (1, 2)], [(4, 5), (6, 7)]]
    """
    for found in _run_pattern(run).finditer(folded):
        spans = [found.span(group) for group in range(1, len(run) + 1)]
        if all(not unit.isascii() or _is_unit_at(folded, *span)
               for unit, span in zip(run, spans, strict=True)):
            yield spans


@functools.lru_cache(maxsize=4096)
def _run_pattern(run: tuple[str, ...]) -> re.Pattern:
    """The first unit, then the others ahead of it with only no-unit characters between:
    each match starts at the next place the first unit's characters are."""
    first, *rest = (f"({re.escape(unit)})" for unit in run)
    ahead = "".join(_BETWEEN_UNITS + unit for unit in rest)
    return re.compile(f"{first}(?={ahead})" if rest else first)


def _is_unit_at(folded: str, start: int, end: int) -> bool:
    """Whether ``folded_units`` cuts a unit at exactly [start, end): cut again from the last
    character before ``start`` that no ASCII unit holds (where cutting starts afresh)."""
    begin = start
    while begin and folded[begin - 1] in _ASCII_UNIT_CHARACTERS:
        begin -= 1
    for found in _UNIT.finditer(folded, begin):
        if found.end() > start:
            return found.span() == (start, end)
    return False


def bigrams(text: str) -> list[str]:
    """Overlapping pairs of units, then the last unit with the end mark; the i-th pair has
    position i.

    >>> bigrams("58家 「小巨人」")
    ['58家', '家小', '小巨', '巨人', '人$']
    """
    return folded_bigrams(fold(text))


def folded_bigrams(folded: str) -> list[str]:
    """``bigrams`` of a text already folded."""
    found = _UNIT.findall(folded)
    return pairs(found + [END]) if found else []


def pairs(found: list[str] | tuple[str, ...]) -> list[str]:
    """Each unit joined with the next one (two ASCII units with ``_`` between them).

    >>> pairs(["uniios", "5g", "网"])
    ['uniios_5g', '5g网']
    """
    joined = list(map(operator.add, found[:-1], found[1:]))
    for i in [i for i, unit in enumerate(found[:-1]) if unit < "\x80"]:  # is_ascii, fast
        if is_ascii(found[i]) and is_ascii(found[i + 1]):
            joined[i] = found[i] + ASCII_JOIN + found[i + 1]
    return joined


def is_ascii(unit: str) -> bool:
    """A unit of ASCII letters and digits (not a CJK character, not the end mark)."""
    return unit[0] < "\x80" and unit != END


def first_unit(pair: str) -> str:
    """The first unit of a pair made by ``pairs``.

    >>> first_unit("0.01度"), first_unit("uniios_5g"), first_unit("人$")
    ('0.01', 'uniios', '人')
    """
    found = _ASCII_UNIT.match(pair)
    return found.group() if found else pair[0]

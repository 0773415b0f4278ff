"""Query parsing: what a person types -> a backend-neutral query tree.

Syntax (everything else is plain words):
- words separated by spaces; any of them may match, passages matching more rank higher
  (what a passage must hold to match, and what is highlighted: ``Words.needles``);
- ``"供应链金融"`` (also “…”, 「…」, 『…』): a phrase that must appear as written
  (spaces and punctuation inside are ignored, either script matches);
- ``AND``, ``OR``, ``NOT`` in capitals, ``-word`` to exclude, ``( … )`` to group;
- ``A NEAR/n B``: A and B at most n characters apart in one field, in either order
  (``NEAR`` alone: n = 10; it binds its two sides before AND and OR do: ``near.py``).

Punctuation of either width (？?！!：:，,) is never syntax: a trailing ``?`` is a
question mark, not a wildcard, and ``*``, ``~``, ``^`` are just characters.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from ..text.analysis import is_ascii, pairs, query_words, sub_words, units, word_runs

_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}
_LEXER = re.compile(r'(?P<quote>["“”「『])|(?P<open>\()|(?P<close>\))|(?P<word>[^\s"“”「『()]+)')
OPERATORS = {"AND", "OR", "NOT"}
_NEAR = re.compile(r"NEAR(?:/(\d{1,4}))?")
NEAR_DISTANCE = 10  # characters between the two sides of a NEAR without a number
# Function and question words: not scored or highlighted when a query has other words
# (cmrc2018 dev MRR@10 +0.003; a question's 的 and 是 no longer walk most of the index).
FUNCTION_WORDS = frozenset(
    "的 了 是 在 和 与 及 或 由 被 把 对 为 于 以 之 其 这 那 哪 哪些 哪个 哪里 什么 谁 多少 几 "
    "吗 呢 吧 啊 怎么 怎样 如何 为什么 有 也 都 就 而 并 将 从 到 向 个 中 一".split())
ONE_CHARACTER_FUNCTION_WORDS = frozenset(word for word in FUNCTION_WORDS if len(word) == 1)
MAX_TERM_WORDS = 2  # a typed run of at most this many words is one term, found as written
Needle = tuple[str, ...]  # units (analysis.units) a passage must hold in a row


@dataclass(frozen=True)
class Words:
    """A run of typed words: ``terms`` are its analysed words, ``text`` what was typed;
    ``weight`` scales what they add to a passage's score (another name of what was typed
    counts less: rewrite.py)."""

    text: str
    terms: tuple[str, ...]
    weight: float = 1.0

    @property
    def content_terms(self) -> tuple[str, ...]:
        """The terms but function words, unless that leaves none."""
        return tuple(t for t in self.terms if t not in FUNCTION_WORDS) or self.terms

    @property
    def joins(self) -> tuple[str, ...]:
        """The unit pairs across two consecutive content terms (链金 in 供应链 金融)."""
        content = set(self.content_terms)
        return tuple(dict.fromkeys(
            pairs([units(a)[-1], units(b)[0]])[0] for a, b in itertools.pairwise(self.terms)
            if a in content and b in content))

    @functools.cached_property
    def needles(self) -> tuple[Needle, ...]:
        """What a passage must hold (any one of them, folded) to match these words.

        A run of typed words between punctuation marks, of at most ``MAX_TERM_WORDS`` words
        and no function word, is one term, found as written: 供应链金融, 高质量发展, 58家.
        A longer run, or one with a function word (a question, a sentence, a headline),
        stands for each of its content words, and each without a character jieba glued on
        (``sub_words``: 喜迎国庆 is cut 喜 迎国庆, and 国庆 counts). A single CJK character
        counts where it stands as a word (``is_character``); anything longer wherever it is
        written.
        """
        found: list[Needle] = []
        for run in word_runs(self.text, ONE_CHARACTER_FUNCTION_WORDS):
            content = [word for word in run if word not in FUNCTION_WORDS]
            if len(content) == len(run) <= MAX_TERM_WORDS:
                found.append(tuple(units("".join(run))))
            else:
                found += [tuple(units(part)) for word in content for part in sub_words(word)]
        found = [needle for needle in found if needle] or [
            tuple(units(term)) for term in self.terms]
        return tuple(dict.fromkeys(found))


def is_character(needle: Needle) -> bool:
    """A single CJK character: it counts where it stands as a word (a jieba token of the
    text, title or heading), since as a mere character it is in nearly every passage."""
    return len(needle) == 1 and not is_ascii(needle[0])


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase; ``units`` are its folded characters and ASCII runs; ``weight`` as
    ``Words.weight``."""

    text: str
    units: tuple[str, ...]
    weight: float = 1.0

    @property
    def needles(self) -> tuple[Needle, ...]:
        return (self.units,)


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class Near:
    """Both sides held, somewhere at most ``distance`` characters apart (``near.py``)."""

    left: object
    right: object
    distance: int = NEAR_DISTANCE


Node = Words | Phrase | And | Or | Not | Near


def lex(text: str) -> list[tuple[str, str]]:
    """Split a query into (kind, value) tokens: phrase, open, close, op, neg, word."""
    tokens: list[tuple[str, str]] = []
    balanced = text.count("(") == text.count(")")
    pos = 0
    while (match := _LEXER.search(text, pos)) is not None:
        pos = match.end()
        kind = match.lastgroup
        if kind == "quote":
            closer = _QUOTES[match.group()]
            end = text.find(closer, pos)
            end = len(text) if end < 0 else end
            tokens.append(("phrase", text[pos:end]))
            pos = end + 1
        elif kind in ("open", "close"):
            if balanced:
                tokens.append((kind, match.group()))
        elif match.group() in OPERATORS:
            tokens.append(("op", match.group()))
        elif near := _NEAR.fullmatch(match.group()):
            tokens.append(("near", near.group(1) or str(NEAR_DISTANCE)))
        elif match.group().startswith("-") and len(match.group()) > 1 and _has_word(match.group()):
            tokens.append(("neg", ""))
            tokens.append(("word", match.group()[1:]))
        else:
            tokens.append(("word", match.group()))
    return tokens


def _has_word(text: str) -> bool:
    return bool(query_words(text))


class _Parser:
    """Recursive descent over lexed tokens; never fails, odd operators become words."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.i = tokens, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        self.i += 1
        return self.tokens[self.i - 1]

    def parse_or(self) -> Node | None:
        parts = [self.parse_seq()]
        while self.peek() == ("op", "OR"):
            self.take()
            parts.append(self.parse_seq())
        return _combine(Or, [p for p in parts if p is not None])

    def parse_seq(self) -> Node | None:
        """Items side by side: any positive may match, every negative must not."""
        positives, negatives = [], []
        while (token := self.peek()) is not None and token != ("op", "OR") and token[0] != "close":
            item = self.parse_and()
            if isinstance(item, Not):
                negatives.append(item)
            elif item is not None:
                positives.append(item)
        if not positives:
            return None  # a query of exclusions only matches nothing sensible
        return _combine(And, [_combine(Or, positives)] + negatives)

    def parse_and(self) -> Node | None:
        left = self.parse_near()
        while self.peek() == ("op", "AND") and self.i + 1 < len(self.tokens):
            self.take()
            right = self.parse_near()
            left = _combine(And, [n for n in (left, right) if n is not None])
        return left

    def parse_near(self) -> Node | None:
        """``A NEAR/n B``: two sides that are no NOT; a NEAR without two such sides is
        AND, or nothing."""
        left = self.parse_unary()
        while (token := self.peek()) is not None and token[0] == "near" \
                and self.i + 1 < len(self.tokens):
            self.take()
            right = self.parse_unary()
            sides = [n for n in (left, right) if n is not None]
            if len(sides) == 2 and not any(isinstance(side, Not) for side in sides):
                left = Near(left, right, int(token[1]))
            else:
                left = _combine(And, sides)
        return left

    def parse_unary(self) -> Node | None:
        kind, value = self.take()
        if (kind == "op" and value == "NOT") or kind == "neg":
            if self.peek() is None:
                return None
            child = self.parse_unary()
            return Not(child) if child is not None else None
        if kind == "open":
            inner = self.parse_or()
            if self.peek() is not None and self.peek()[0] == "close":
                self.take()
            return inner
        if kind == "close":
            return None
        if kind == "phrase":
            found = tuple(units(value))
            return Phrase(value, found) if found else None
        if kind in ("op", "near"):  # AND/OR/NEAR with nothing on one side: ignore it
            return None
        terms = tuple(query_words(value))
        return Words(value, terms) if terms else None


def _combine(cls, children: list) -> Node | None:
    if not children:
        return None
    return children[0] if len(children) == 1 else cls(tuple(children))


def parse(text: str) -> Node | None:
    """Parse a typed query; None when nothing searchable is left (only punctuation)."""
    parser = _Parser(lex(text))
    parts = []
    while parser.peek() is not None:
        if parser.peek()[0] == "close":  # a stray ")" closes nothing
            parser.take()
            continue
        parts.append(parser.parse_or())
    return _combine(Or, [part for part in parts if part is not None])


def positive_needles(node: Node | None) -> set[Needle]:
    """The needles of every word and phrase a passage may match by (nothing under NOT):
    what is highlighted."""
    found: set[Needle] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Words | Phrase):
            found.update(item.needles)
        elif isinstance(item, And | Or):
            stack.extend(item.children)
        elif isinstance(item, Near):
            stack.extend((item.left, item.right))
    return found

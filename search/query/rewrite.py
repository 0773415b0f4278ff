"""Rewrites: a query met halfway, and told how.

Before searching, each typed word (not a quoted phrase, nothing under NOT) may also search:

- **what it sounds like, typed in pinyin** (``pinyin``): a word of Latin letters that is the
  pinyin of words of the index (``zhuzhou``, ``Zhūzhōu``, ``zhu1zhou1``) also searches the
  most frequent of them (株洲), unless the index has the Latin word itself;
- **what it sounds like, for a slip of the input method** (``sounds like``): a Chinese word
  of two or more characters that no passage holds as a word (株州, 银航) also searches the
  most frequent index word with the same pinyin (株洲, 银行), or, failing that, one syllable
  off; a word the index holds is never rewritten;
- **its other names** (``also called``): a name of the curated table ``data/short_names.tsv``
  (工信部 and 工业和信息化部), or a place's official name (株洲市 also searches 株洲), also
  searches the other forms, at ``OTHER_NAME_WEIGHT``.

The pinyin of the index's words is worked out when the index is written (``text/sounds.py``,
from the backend's vocabulary; pypinyin), so any word of any corpus can be found so. Each rewrite
is reported (``{"from", "to", "why"}``, the answer's ``rewrites``); ``--exact`` asks for none.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

from ..text.analysis import fold, query_words, units
from ..text.sounds import Sounds, sound_key, typed_key
from .parse import And, Near, Node, Or, Phrase, Words

PINYIN, SOUNDS_LIKE, ALSO_CALLED = "pinyin", "sounds like", "also called"
OTHER_NAME_WEIGHT = 0.5  # an other name's terms count this much of the typed name's
SLIP_MIN_PASSAGES = 2  # a word held by one passage is as likely a slip as the word typed
_CJK_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ffff]{2,}")


@functools.cache
def other_names() -> dict[str, tuple[str, ...]]:
    """Each name of ``data/short_names.tsv`` (folded) -> the other names of its entity."""
    groups: dict[str, list[str]] = {}
    text = (resources.files("search") / "data" / "short_names.tsv").read_text("utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            short, full = line.split("\t")[:2]
            group = groups.setdefault(fold(full), [fold(full)])
            group.append(fold(short))
    names: dict[str, tuple[str, ...]] = {}
    for group in groups.values():
        for name in group:
            names[name] = tuple(other for other in dict.fromkeys(group) if other != name)
    return names


class Vocabulary(Protocol):
    """What the rewriter asks of the index, only when a word may be rewritten."""

    def frequency(self, word: str) -> int:
        """Passages holding ``word`` as a word of their text."""

    def sounds(self) -> Sounds | None:
        """The index's words by their pinyin; None when it keeps none."""

    def holds(self, text: str) -> int:
        """Passages holding ``text`` as written."""


@dataclass
class Rewriter:
    """Rewrites a parsed query with what the index knows (``vocabulary``)."""

    vocabulary: Vocabulary

    def __post_init__(self):
        self.rewrites: list[dict] = []

    def rewrite(self, node: Node) -> Node:
        if isinstance(node, Words):
            return self._words(node)
        if isinstance(node, And):
            return And(tuple(self.rewrite(child) for child in node.children))
        if isinstance(node, Near):
            return Near(self.rewrite(node.left), self.rewrite(node.right), node.distance)
        if isinstance(node, Or):
            joined = self._spaced_pinyin(node.children)
            return Or(tuple(self.rewrite(child) for child in node.children) + joined)
        return node  # a phrase is as written; nothing under NOT is rewritten (Not, Phrase)

    def _spaced_pinyin(self, children: tuple) -> tuple[Words, ...]:
        """Index words whose pinyin is typed as syllables apart (``zhu zhou``, ``chang sha
        yin hang``): runs of two to four Latin words side by side, read as one."""
        keys = [typed_key(child.text) if isinstance(child, Words) else None
                for child in children]
        found: list[Words] = []
        for start in range(len(children)):
            for end in range(min(len(children), start + 4), start + 1, -1):
                run = keys[start:end]
                if None in run:
                    continue
                typed = " ".join(child.text for child in children[start:end])
                for word in self._pinyin("".join(run), "".join(run)):
                    found.append(Words(word, tuple(query_words(word))))
                    self._report(typed, word, PINYIN)
        return tuple(dict.fromkeys(found))

    def _words(self, node: Words) -> Node:
        """The typed words, or them and what they also search (``_as_name``)."""
        alternatives: list[Node] = []
        typed = fold(node.text.strip())
        for fixed, why, weight in self._other_forms(typed, node):
            words = _as_name(Words(fixed, tuple(query_words(fixed)), weight))
            if words not in alternatives and (not isinstance(words, Words) or words.terms):
                alternatives.append(words)
                self._report(node.text, fixed, why)
        return Or((_as_name(node), *alternatives)) if alternatives else node

    def _other_forms(self, typed: str, node: Words) -> list[tuple[str, str, float]]:
        """(text, why, weight) of what the typed words also search: only for a term found
        as written (a word or two between spaces: 株州, 长沙银航) or a name of the table
        (工业和信息化部), within which a name or a slip is replaced. A longer run (a
        question, a headline) is left as it is: its rare words are names and question words
        far more often than slips (on cmrc2018's questions 哪一年 was read as 十一年, 几层 as
        基层), and another name of a word in it found fewer of the passages news-titles asks
        for."""
        latin = typed_key(typed)
        if latin is None and typed not in other_names() \
                and node.needles != (tuple(units(typed)),):
            return []
        found = [(typed.replace(name, other), ALSO_CALLED, OTHER_NAME_WEIGHT)
                 for name in self._names_in(typed) for other in other_names()[name]]
        if latin is not None:  # one word of Latin letters (Zhūzhōu: no unit run of them)
            return found + [(word, PINYIN, 1.0) for word in self._pinyin(typed, latin)]
        found += [(short, ALSO_CALLED, OTHER_NAME_WEIGHT) for short in _place_short(typed)]
        for term in node.terms:
            if (fix := self._slip(term)) is not None:
                found.append((typed.replace(term, fix), SOUNDS_LIKE, 1.0))
        return found

    def _pinyin(self, typed: str, key: str) -> list[str]:
        """The index word a pinyin word reads as (the most held of that sound), or else the
        run of index words it reads as, when the index holds that run as written."""
        if len(key) < 4 or self.vocabulary.frequency(typed):  # an English word or code of the index
            return []
        sounds = self.vocabulary.sounds()
        if sounds is None:
            return []
        if found := [s for s in sounds.like(key) if len(s.word) > 1]:
            return [found[0].word]
        spelled = sounds.spelled(key)
        return [spelled] if spelled and self.vocabulary.holds(spelled) else []

    @staticmethod
    def _names_in(typed: str) -> list[str]:
        names = other_names()
        if typed in names:
            return [typed]
        return [name for name in names if len(name) >= 3 and not name.isascii()
                and name in typed]

    def _slip(self, term: str) -> str | None:
        """The index word a Chinese word not in the index was probably meant as (its pinyin
        is worked out only then: pypinyin takes 0.3 s to load)."""
        if not _CJK_WORD.fullmatch(term) or self.vocabulary.frequency(term):
            return None
        sounds = self.vocabulary.sounds()
        if sounds is None:
            return None
        same = [s for s in sounds.like(sound_key(term)) if s.word != term]
        found = [s for s in same or sounds.one_syllable_off(term)
                 if s.passages >= SLIP_MIN_PASSAGES]
        return found[0].word if found else None

    def _report(self, typed: str, to: str, why: str) -> None:
        for rewrite in self.rewrites:
            if rewrite["from"] == typed and rewrite["why"] == why:
                rewrite["to"].append(to)
                return
        self.rewrites.append({"from": typed, "to": [to], "why": why})


def _as_name(node: Words) -> Node:
    """A name of the table of several words is found as written, like a quoted phrase
    (工业和信息化部, not any of 工业, 信息化, 部)."""
    typed = fold(node.text.strip())
    if typed in other_names() and len(node.terms) > 1:
        return Phrase(node.text, tuple(units(typed)), node.weight)
    return node


def _place_short(typed: str) -> list[str]:
    """A place's short name, when ``typed`` is its official name (株洲市 -> 株洲)."""
    from ..text.places import short_name

    found = short_name(typed)
    return [found] if found and found != typed else []

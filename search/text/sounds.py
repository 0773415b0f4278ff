"""How the index's words sound: their toneless pinyin (pypinyin's dictionaries), a typed Latin
word as a pinyin key, and the table of an index's words by sound that the query rewrites
read (``query/rewrite.py``). The table is written with a commit (``write_sounds``) as lines
``word TAB syllables TAB passages``, in the order of the syllables' key.

>>> sound_key("株洲"), typed_key("Zhūzhōu"), typed_key("zhu1zhou1")
('zhuzhou', 'zhuzhou', 'zhuzhou')
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .analysis import fold

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ffff]+")
MAX_SPELLED = 4  # index words a typed pinyin word may be read as, in a row (xiaojuren: 小 巨人)
_LATIN_WORD = re.compile(r"[a-zü]+(?:[1-5]?[a-zü]+)*[1-5]?")
_TONE_NUMBER = re.compile(r"(?<=[a-zü])[1-5]")
_SPOKEN = re.compile(r"^[^\t\n]*\t([^\t\n]*)\t", re.MULTILINE)  # a table line's syllables


@dataclass(frozen=True)
class Sound:
    """A word of the index with its pinyin syllables and how many passages hold it."""

    word: str
    syllables: tuple[str, ...]
    passages: int

    @property
    def key(self) -> str:
        return "".join(self.syllables)


def syllables(word: str) -> tuple[str, ...] | None:
    """The toneless pinyin syllables of a Chinese word (株洲 -> zhu zhou, 银行 -> yin hang; ü
    as v), or None for a word that is not Chinese characters. pypinyin's
    dictionaries, read as its ``lazy_pinyin`` reads them for a word (the longest phrase of
    its phrase dictionary from each character on, else the character's first reading), 20
    times faster: an index's vocabulary is read at each build."""
    if not _CJK_RUN.fullmatch(word):
        return None
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    readings: list[str] = []
    i = 0
    while i < len(word):
        for j in range(min(len(word), i + _LONGEST_PHRASE), i + 1, -1):
            if (phrase := PHRASES_DICT.get(word[i:j])) is not None:
                readings += [options[0] for options in phrase]
                i = j
                break
        else:
            if (options := PINYIN_DICT.get(ord(word[i]))) is None:
                return None
            readings.append(options.split(",")[0])
            i += 1
    return tuple(_toneless(reading) for reading in readings)


_LONGEST_PHRASE = 6  # characters: longer phrases of pypinyin's dictionary are rare


@functools.cache
def _toneless(reading: str) -> str:
    """zhū -> zhu, lǜ -> lv."""
    plain = unicodedata.normalize("NFD", reading).replace("\u0308", "v").replace("uv", "v")
    return "".join(c for c in plain if not unicodedata.combining(c))


def sound_key(word: str) -> str | None:
    """A Chinese word's pinyin as one key (株洲 -> zhuzhou), as a typed word's (``typed_key``)."""
    found = syllables(word)
    return "".join(found) if found else None


def typed_key(text: str) -> str | None:
    """A typed Latin word as a pinyin key (tone marks and tone numbers dropped, ü as v), or
    None when it is no word of Latin letters."""
    plain = "".join(c for c in unicodedata.normalize("NFD", fold(text))
                    if not unicodedata.combining(c) or c == "\u0308")
    plain = unicodedata.normalize("NFC", plain).replace("'", "")
    if not _LATIN_WORD.fullmatch(plain):
        return None
    return _TONE_NUMBER.sub("", plain).replace("ü", "v")


class Sounds:
    """The index's words by their pinyin (``sound_key``), most held first, from the text of
    a table ``write_sounds`` wrote, in the order of their keys. Only the keys are read at
    once; a key's lines are made into ``Sound`` objects as a query asks for them (news:
    90,000 words; every one made at once took 0.5 s of the first query with a word the
    index lacks)."""

    def __init__(self, text: str):
        self._lines = text.splitlines()
        spoken = _SPOKEN.findall(text)
        if len(spoken) != len(self._lines):  # (a line without its fields: none is written so)
            spoken = [line.split("\t", 2)[1] for line in self._lines]
        self._keys = [found.replace(" ", "") for found in spoken]
        if any(map(operator.gt, self._keys, self._keys[1:])):  # a table written unsorted
            pairs = sorted(zip(self._keys, self._lines, strict=True))
            self._keys, self._lines = [key for key, _ in pairs], [line for _, line in pairs]
        self._sounds: dict[str, list[Sound]] = {}  # key -> like(key), made once
        self._one_off: dict[int, dict[tuple, list[Sound]]] = {}  # one_syllable_off()

    def like(self, key: str) -> list[Sound]:
        """The index's words of the pinyin ``key``, most held first."""
        if key not in self._sounds:
            start = bisect.bisect_left(self._keys, key)
            if start == len(self._keys) or self._keys[start] != key:
                return []
            end = bisect.bisect_right(self._keys, key, start)
            found = read_sounds("\n".join(self._lines[start:end]))
            self._sounds[key] = sorted(found, key=lambda s: (-s.passages, s.word))
        return self._sounds[key]

    def spelled(self, key: str) -> str | None:
        """A run of two to ``MAX_SPELLED`` index words whose pinyin, one after the other, is
        ``key`` (xiaojuren: 小 巨人, where the index holds no word 小巨人): the fewest words,
        then the most held, each the most held of its sound."""
        best: list[tuple[int, int, list[str]] | None] = [None] * (len(key) + 1)
        best[0] = (0, 0, [])
        for start in range(len(key)):
            if best[start] is None or best[start][0] == MAX_SPELLED:
                continue
            count, rarest, words = best[start]
            for end in range(start + 1, len(key) + 1):
                if sounds := self.like(key[start:end]):
                    held = min(-rarest, sounds[0].passages) if words else sounds[0].passages
                    found = (count + 1, -held, [*words, sounds[0].word])
                    if best[end] is None or found[:2] < best[end][:2]:
                        best[end] = found
        found = best[len(key)]
        return "".join(found[2]) if found and found[0] >= 2 else None

    def one_syllable_off(self, word: str) -> list[Sound]:
        """Words of as many syllables as ``word`` (three or more) that differ from it in one,
        most held first (looked through only when no word sounds the same)."""
        typed = syllables(word)
        if typed is None or len(typed) < 3:  # two syllables, one off: too many words
            return []
        by_blanked = self._by_blanked(len(typed))
        found = [sound for key in _blanked(typed) for sound in by_blanked.get(key, [])
                 if sound.word != word
                 and sum(a != b for a, b in zip(typed, sound.syllables, strict=True)) == 1]
        return sorted(found, key=lambda s: (-s.passages, s.word))

    def _by_blanked(self, count: int) -> dict[tuple, list[Sound]]:
        """The words of ``count`` syllables by each of their ``_blanked`` keys, made on first
        use (words of 3 syllables on news 5,000: 42 ms once, then ~20 µs a word); looking
        through every word took 27 ms a query."""
        if count not in self._one_off:
            self._one_off[count] = by_key = {}
            for sound in read_sounds("\n".join(line for line in self._lines
                                               if line.count(" ") == count - 1)):
                for blanked in _blanked(sound.syllables):
                    by_key.setdefault(blanked, []).append(sound)
        return self._one_off[count]


def _blanked(found: tuple[str, ...]) -> list[tuple]:
    """The syllables with each one in turn left out, with its place: two words one
    syllable apart share the key of that syllable."""
    return [(place, found[:place] + found[place + 1:]) for place in range(len(found))]


def write_sounds(vocabulary: Iterable[tuple[str, int]], known: dict[str, Sound]) -> str:
    """The sounds of an index's words as lines ``word TAB syllables TAB passages`` (its
    words of Chinese characters, single characters included; ``known`` words' pinyin is
    not worked out again)."""
    rows = []
    for word, passages in vocabulary:
        found = known[word].syllables if word in known else syllables(word)
        if found:
            rows.append(("".join(found), -passages, word, " ".join(found)))
    return "".join(f"{word}\t{spoken}\t{-held}\n" for _, held, word, spoken in sorted(rows))


def read_sounds(text: str) -> list[Sound]:
    """The sounds of a table ``write_sounds`` wrote."""
    found = []
    for line in text.splitlines():
        word, spoken, passages = line.split("\t")
        found.append(Sound(word, tuple(spoken.split(" ")), int(passages)))
    return found

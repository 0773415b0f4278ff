"""jieba's dictionary one first character at a time, so a short text is segmented without
building the whole dictionary.

rjieba builds its dictionary of 349,045 words when it is imported (0.12 s): most of a
query's time, to segment a few words. jieba's cut depends on the dictionary only through
the words that occur in the text (the graph of possible words is made of them; their
frequencies and the total frequency score each path), so a jieba holding just those words,
with the same total, cuts the text exactly as the whole one. ``Segmenter`` is that jieba:
it grows with every text it is given, and each text it has seen it cuts as the full
dictionary does (a word of a later text that occurs in an earlier one was in the earlier
one's words already).

``data/jieba_dict.bin`` holds the dictionary (jieba 0.42.1's ``dict.txt``, the one rjieba
embeds) in buckets by first character, each compressed on its own::

    b"jieba-dict 1\\n"  total frequency (u64)  buckets (u32)
    the buckets' first characters (UTF-32-LE)  bucket offsets (u32, one more than buckets)
    the buckets: zlib("word freq\\n..."), words in the dictionary's order

``python -m search.text.lexicon DICT.TXT`` writes it again from a ``dict.txt``.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from pathlib import Path

FILE = Path(__file__).parent.parent / "data" / "jieba_dict.bin"
MAGIC = b"jieba-dict 1\n"
# Holds the rest of the total frequency; no text holds it (private-use characters).
_FILLER = "\ue000\ue001\ue002"


class Lexicon:
    """The dictionary file, read one bucket at a time."""

    def __init__(self, data: bytes):
        if not data.startswith(MAGIC):
            raise ValueError("not a jieba dictionary file")
        at = len(MAGIC)
        self.total, count = struct.unpack_from("<QI", data, at)
        at += 12
        self._firsts = data[at:at + 4 * count].decode("utf-32-le")
        at += 4 * count
        self._offsets = array("I")
        self._offsets.frombytes(data[at:at + 4 * (count + 1)])
        if sys.byteorder != "little":
            self._offsets.byteswap()
        self._data = data[at + 4 * (count + 1):]
        self._buckets: dict[str, tuple[dict[str, int], int]] = {}

    @classmethod
    def load(cls, path: Path = FILE) -> Lexicon:
        return cls(path.read_bytes())

    def bucket(self, first: str) -> tuple[dict[str, int], int]:
        """The words that start with ``first`` with their frequencies, and the longest's
        length."""
        if first not in self._buckets:
            i = self._firsts.find(first)
            words: dict[str, int] = {}
            if i >= 0:
                block = zlib.decompress(self._data[self._offsets[i]:self._offsets[i + 1]])
                for line in block.decode("utf-8").split("\n"):
                    word, freq = line.rsplit(" ", 1)
                    words[word] = int(freq)
            self._buckets[first] = (words, max(map(len, words), default=0))
        return self._buckets[first]

    def words_in(self, text: str) -> dict[str, int]:
        """The dictionary's words that occur in ``text``, with their frequencies: the
        stretches of the text from each character on, up to its bucket's longest word,
        looked up (not every word of the bucket looked for: a passage's 150 characters have
        buckets of 100,000 words)."""
        found: dict[str, int] = {}
        for start, first in enumerate(text):
            words, longest = self.bucket(first)
            for end in range(start + 1, min(len(text), start + longest) + 1):
                if (frequency := words.get(text[start:end])) is not None:
                    found[text[start:end]] = frequency
        return found


class Segmenter:
    """An rjieba ``Jieba`` holding the dictionary words of the texts it was given (``add``),
    with the dictionary's total frequency: it cuts those texts as the full dictionary does."""

    def __init__(self, lexicon: Lexicon, jieba_type):
        self._lexicon = lexicon
        self.jieba = jieba_type.empty()
        self._held: dict[str, int] = {}
        self.characters = 0  # of the texts added

    def add(self, text: str) -> None:
        new = {word: freq for word, freq in self._lexicon.words_in(text).items()
               if word not in self._held}
        for word, freq in new.items():
            self.jieba.add_word(word, freq, None)
        self._held.update(new)
        if new or not self.characters:
            rest = self._lexicon.total - sum(self._held.values())
            self.jieba.add_word(_FILLER, max(rest, 1), None)  # replaces its last frequency
        self.characters += len(text)


def build(dict_txt: Path) -> bytes:
    """The dictionary file's bytes from a jieba ``dict.txt`` (word, frequency, tag per line;
    a word listed twice keeps its last frequency, and both count in the total, as in jieba)."""
    words: dict[str, int] = {}
    total = 0
    for line in dict_txt.read_text(encoding="utf-8").splitlines():
        word, freq = line.split(" ")[:2]
        words[word] = int(freq)
        total += int(freq)
    buckets: dict[str, list[str]] = {}
    for word, freq in words.items():
        buckets.setdefault(word[0], []).append(f"{word} {freq}")
    firsts = sorted(buckets)
    blocks = [zlib.compress("\n".join(buckets[first]).encode("utf-8"), 9) for first in firsts]
    offsets = array("I", [0])
    for block in blocks:
        offsets.append(offsets[-1] + len(block))
    if sys.byteorder != "little":
        offsets.byteswap()
    return b"".join([MAGIC, struct.pack("<QI", total, len(firsts)),
                     "".join(firsts).encode("utf-32-le"), offsets.tobytes(), *blocks])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m search.text.lexicon DICT.TXT "
                 "(writes search/data/jieba_dict.bin)")
    FILE.write_bytes(build(Path(sys.argv[1])))

"""Highlighting: where a passage's text shows the query's words, as [start, end) offsets.

Matching is done on units of the folded text (see ``text/analysis.py``), so 長沙 in a
Traditional passage lights up for 长沙, ５Ｇ for 5g, and a phrase still lights up when
the passage has a space or a quote mark inside it. Because folding keeps every
character in place, offsets into the folded text are offsets into the original text.
"""

from __future__ import annotations

from ..text.analysis import fold, folded_unit_runs, folded_words
from .parse import Needle, is_character


def highlight(text: str, needles: set[Needle]) -> list[list[int]]:
    """Merged [start, end) spans in ``text`` of the needles a passage matches by
    (``parse.positive_needles``), so every hit shows why: units in a row, or a single CJK
    character where it stands as a word, and then only where nothing longer is found."""
    folded = fold(text)
    marked: list[tuple[int, int]] = []
    for needle in needles - {needle for needle in needles if is_character(needle)}:
        for spans in folded_unit_runs(folded, needle):
            marked.extend(_runs(spans))
    characters = {needle[0] for needle in needles if is_character(needle)}
    if not marked and characters:
        marked = [(token.start, token.end) for token in folded_words(folded)
                  if token.text in characters]
    return _merge(marked)


def _runs(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One occurrence's unit spans as runs of touching characters (a quote mark splits them)."""
    runs: list[list[int]] = []
    for start, end in spans:
        if runs and runs[-1][1] == start:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    return [(start, end) for start, end in runs]


def _merge(spans: list[tuple[int, int]]) -> list[list[int]]:
    """Overlapping and touching spans become one: [专精特新], not [专精][特新]."""
    merged: list[list[int]] = []
    for start, end in sorted(set(spans)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def mark(text: str, spans: list[list[int]], left: str = "[", right: str = "]") -> str:
    """The text with each span wrapped in markers: ``[巨人]``."""
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], left, text[start:end], right]
        pos = end
    out.append(text[pos:])
    return "".join(out)


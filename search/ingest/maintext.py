"""Main text: which blocks of a saved web page are its article, and which are boilerplate.

Two maintained extractors judge the page: trafilatura (``favor_precision``, given a parsed
lxml tree of the decoded text, never bytes) and readability-lxml. Neither says where its text
came from, so the link back is the text (``align``): an extractor's output is cut into pieces
(its lines), the long pieces are found in order in our blocks' text (whitespace left out),
the short ones between the long ones around them, and a block is chosen when at least half
of its characters were found.

``combined`` (the default): the blocks both chose are the core; a block only one chose joins
them when it lies between the first and the last core block (a subheading, caption or quote
one of them missed); outside that span it is boilerplate (a sidebar, related links, comments).
When the two share no block, the one that chose more text wins, and when both chose nothing,
trafilatura's default (recall) mode decides. ``bench/web_pages.py --compare`` measures each
method on hand-annotated pages.

The libraries are imported here only, and this module only when a whole page is read.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from .clean import Block

METHODS = ("combined", "trafilatura", "readability", "trafilatura-recall", "union",
           "everything")
ANCHOR = 16  # characters (whitespace left out): a piece this long is placed on its own
CHUNK = 12  # a long piece not found whole is looked for in chunks of this size
MIN_SHARE = 0.5  # of a block's characters found in an extractor's output: it chose the block
_SPACE = re.compile(r"\s+")
_PIECE_BREAK = re.compile(r"\n| \| ")  # trafilatura's lines and table cells
_LIST_MARK = re.compile(r"^\s*- ")  # trafilatura marks list items so
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


def judge(text: str, blocks: list[Block], method: str = "combined") -> list[bool]:
    """For each block of a page (``text``: the decoded page), whether it is the article's."""
    if method == "everything":
        return [True] * len(blocks)
    texts = [block.text for block in blocks]
    chosen: dict[str, list[bool]] = {}

    def by(name: str) -> list[bool]:
        if name not in chosen:
            chosen[name] = align(texts, pieces(EXTRACTORS[name](text)))
        return chosen[name]

    if method == "trafilatura":
        return by("precision")
    if method == "trafilatura-recall":
        return by("recall")
    if method == "readability":
        return by("readability")
    if method == "union":
        return [a or b for a, b in zip(by("precision"), by("readability"), strict=True)]
    return combine(texts, by("precision"), by("readability"), lambda: by("recall"))


def combine(texts: list[str], first: list[bool], second: list[bool],
            fallback: Callable[[], list[bool]]) -> list[bool]:
    """The ``combined`` choice of two extractors' choices (see the module docstring)."""
    core = [a and b for a, b in zip(first, second, strict=True)]
    agreed = [i for i, both in enumerate(core) if both]
    if not agreed:
        options = [first, second] if any(first) or any(second) else [fallback()]
        return max(options, key=lambda choice: _size(texts, choice))
    low, high = agreed[0], agreed[-1]
    return [both or ((a or b) and low <= i <= high)
            for i, (both, a, b) in enumerate(zip(core, first, second, strict=True))]


def _size(texts: list[str], choice: list[bool]) -> int:
    return sum(len(text) for text, chosen in zip(texts, choice, strict=True) if chosen)


# ---------------------------------------------------------------- the link back: the text


def pieces(extracted: str) -> list[str]:
    """An extractor's output as pieces to find in the blocks: its lines (and table cells),
    list marks and whitespace left out."""
    found = (_SPACE.sub("", _LIST_MARK.sub("", line)) for line in _PIECE_BREAK.split(extracted))
    return [piece for piece in found if piece]


def align(texts: list[str], found: list[str]) -> list[bool]:
    """Which of the blocks (their texts, in order) the pieces of an extractor's output came
    from: long pieces are found in order (a piece not found whole, chunk by chunk), short
    ones between the long pieces before and after them (the last place there, or the first
    after the last long piece), and a block is chosen when ``MIN_SHARE`` of its characters
    were found."""
    normal = [_SPACE.sub("", text) for text in texts]
    starts = [0]
    for text in normal:
        starts.append(starts[-1] + len(text))
    ours = "".join(normal)
    covered = bytearray(len(ours))
    anchors = _place_long(ours, found, covered)
    _place_short(ours, found, anchors, covered)
    return [bool(text) and sum(covered[start:start + len(text)]) >= MIN_SHARE * len(text)
            for text, start in zip(normal, starts, strict=False)]


def _place_long(ours: str, found: list[str], covered: bytearray) -> list[tuple[int, int, int]]:
    """Mark where each long piece is, in order; return (piece number, start, end) of each
    placed."""
    anchors, cursor = [], 0
    for number, piece in enumerate(found):
        if len(piece) < ANCHOR:
            continue
        at = ours.find(piece, cursor)
        if at >= 0:
            span = (at, at + len(piece))
            covered[span[0]:span[1]] = b"\x01" * len(piece)
        else:
            span = _place_chunks(ours, piece, cursor, covered)
        if span is not None:
            anchors.append((number, *span))
            cursor = span[1]
    return anchors


def _place_chunks(ours: str, piece: str, cursor: int,
                  covered: bytearray) -> tuple[int, int] | None:
    """A long piece found in parts (an extractor changed a few characters of it): mark its
    chunks found after ``cursor``, each near the one before; return the span they cover."""
    first = last = None
    for i in range(0, len(piece) - CHUNK + 1, CHUNK):
        chunk = piece[i:i + CHUNK]
        at = ours.find(chunk, cursor) if first is None else \
            ours.find(chunk, cursor, cursor + 4 * len(piece) + 200)
        if at >= 0:
            covered[at:at + CHUNK] = b"\x01" * CHUNK
            cursor = last = at + CHUNK
            first = at if first is None else first
    return None if first is None else (first, last)


def _place_short(ours: str, found: list[str], anchors: list[tuple[int, int, int]],
                 covered: bytearray) -> None:
    """Mark each short piece between the long pieces placed around it."""
    numbers = [number for number, _, _ in anchors]
    for number, piece in enumerate(found):
        if len(piece) >= ANCHOR:
            continue
        i = bisect.bisect_left(numbers, number)
        low = anchors[i - 1][2] if i > 0 else 0
        if i < len(anchors):
            at = ours.rfind(piece, low, anchors[i][1])
        else:
            at = ours.find(piece, low)
        if at >= 0:
            covered[at:at + len(piece)] = b"\x01" * len(piece)


# ---------------------------------------------------------------- the extractors


def parse(text: str):
    """The decoded page as an lxml tree (an XML declaration left out: lxml refuses one in
    a str); None when there is nothing to parse."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        return lxml.html.fromstring(_XML_DECLARATION.sub("", text, count=1))
    except (ParserError, ValueError):
        return None


def _trafilatura(text: str, favor_precision: bool) -> str:
    """trafilatura's main text of the page (``favor_precision``, or its default mode)."""
    import trafilatura

    tree = parse(text)
    if tree is None:
        return ""
    try:
        return trafilatura.extract(tree, favor_precision=favor_precision,
                                   include_comments=True) or ""
    except Exception:  # an extractor that fails on a page chose nothing of it
        return ""


def _readability(text: str) -> str:
    """readability-lxml's main text of the page: the text of its summary, a piece a node."""
    from readability import Document

    try:  # given the text (it parses it as UTF-8): it keeps more of the article than a tree
        summary = Document(_XML_DECLARATION.sub("", text, count=1)).summary(html_partial=True)
    except Exception:  # an extractor that fails on a page chose nothing of it
        return ""
    found = parse(summary) if summary.strip() else None
    return "" if found is None else "\n".join(found.itertext())


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "precision": lambda text: _trafilatura(text, True),
    "recall": lambda text: _trafilatura(text, False),
    "readability": _readability,
}

"""Segmentation: a Document's cleaned Blocks -> Articles -> sections -> Passages.

- The title is the ``title`` of the JSONL record or front matter whenever it has that key,
  even empty; else a leading headline, taken only on the evidence ``_take_title`` lists.
- Headings set the section path (Markdown levels nest; consecutive headings of one
  level are one heading printed on two lines).
- A heading directly followed by a ``本报讯`` dateline starts a brief: a story of its
  own that lasts until the next heading, after which the page's main story goes on.
- Passages are paragraphs: long ones split at sentence ends, short ones merged with
  the next paragraph of the same section. A passage's text is its pieces joined by
  newlines, and its raw span covers them exactly.
- A web page's blocks its extractors left out (``Document.set_aside``: navigation,
  sidebars, footers) become passages of their own marked ``boilerplate``, in
  ``Article.boilerplate``: never merged with the article's text, numbered after its
  passages (so the article's passage ids do not depend on them).
- A headline the reader found in the body (``Document.title_span``), or a heading that
  repeats the title of the front matter or record (Markdown's ``# Title``), is the title,
  not a section: its span is kept in ``Article.title_span``.
- Nothing is dropped in silence: every body block ends up in a passage, and a story left
  without passages (no text, or a headline over ``本报讯`` briefs only, or a page whose
  extractors found no article) is not returned but reported to ``on_warning``, so every
  Article returned has passages.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..backends.seam import FIRST_ORDER, passage_id
from ..errors import ReadError, ignore
from .clean import Block, clean, ends_clause, has_sentence_end, sentence_bounds
from .readers import Document, digest

MIN_PASSAGE = 60  # characters; shorter paragraphs are merged with the next one
MAX_PASSAGE = 320  # characters; longer paragraphs are split at sentence ends
MAX_HEADLINE = 80  # characters; a longer paragraph is never a headline
_DATELINE = re.compile(r"^(本报讯|本報訊)")
_WORDS_ONLY = re.compile(r"[\W_]+")


@dataclass
class Passage:
    """One searchable, quotable unit of an article."""

    passage_id: str
    article_id: str
    order: int  # 1-based position in the article
    section: str  # heading path joined by " › "
    text: str  # cleaned text
    char_start: int  # raw span [char_start, char_end)
    char_end: int
    line_start: int  # 1-based, inclusive
    line_end: int
    boilerplate: bool = False  # set aside: a web page's navigation, sidebar, footer, ...


@dataclass
class Article:
    """One story: its metadata and passages."""

    article_id: str
    path: str
    format: str
    title: str
    meta: dict
    content_hash: str
    passages: list[Passage] = field(default_factory=list)
    boilerplate: list[Passage] = field(default_factory=list)  # set aside, numbered after
    title_span: tuple[int, int] | None = None  # raw span of the title when the text holds it


@dataclass
class _Story:
    """An article while its blocks are being collected."""

    article_id: str
    title: str
    sections: list[tuple[str, list[Block]]] = field(default_factory=list)  # (section, blocks)

    def add(self, section: str, block: Block, fresh: bool = False) -> None:
        """Add a block under ``section``; ``fresh``: a heading stands before it, so it starts
        a section of its own even when the heading repeats the last one (a passage's raw span
        must not hold a heading)."""
        if fresh or not self.sections or self.sections[-1][0] != section:
            self.sections.append((section, []))
        self.sections[-1][1].append(block)



def segment(doc: Document, on_warning: Callable[[ReadError], None] = ignore) -> list[Article]:
    """Split a Document into its Articles, each with at least one Passage; a story that has
    none is not returned and ``on_warning`` is told which and why (see ``_empty_story``)."""
    blocks = clean(doc.raw, doc.format, doc.body_start, doc.body_end)
    blocks = _demote_trailing_headings(_set_aside(blocks, doc.set_aside))
    title, title_span, blocks = _take_title(doc, blocks)
    stories = _split_stories(doc.article_id, title, blocks)
    content_hash = _digest(doc.raw)
    line_of = _line_finder(doc)
    articles = []
    for story in stories:
        article = Article(story.article_id, doc.path, doc.format, story.title, dict(doc.meta),
                          content_hash, title_span=title_span if story.title == title else None)
        groups = [(section, pieces) for section, section_blocks in story.sections
                  for pieces in _group(section_blocks, title_span)]
        for boilerplate in (False, True):  # the article's passages, then those set aside
            kept = article.boilerplate if boilerplate else article.passages
            for section, pieces in groups:
                if pieces[0].boilerplate != boilerplate:
                    continue
                order = len(article.passages) + len(article.boilerplate) + FIRST_ORDER
                start, end = pieces[0].char_start, pieces[-1].char_end
                kept.append(Passage(
                    passage_id(story.article_id, order), story.article_id, order, section,
                    "\n".join(piece.text for piece in pieces), start, end,
                    line_of(start), line_of(end - 1), boilerplate,
                ))
        if article.passages:
            articles.append(article)
        elif story.title or len(stories) == 1:  # else it held nothing: a brief took it all
            on_warning(_empty_story(doc, story, len(stories) - 1, len(article.boilerplate)))
    return articles


def _set_aside(blocks: list[Block], spans: list[tuple[int, int]]) -> list[Block]:
    """The blocks, those whose raw span is one of ``spans`` marked boilerplate."""
    if not spans:
        return blocks
    spans = set(spans)
    return [replace(block, boilerplate=True) if (block.char_start, block.char_end) in spans
            else block for block in blocks]


def _empty_story(doc: Document, story: _Story, briefs: int, set_aside: int = 0) -> ReadError:
    """The warning for a story without passages: no text at all, a title and no text, a
    headline over ``本报讯`` briefs only (each of them indexed as an article of its own), or
    a web page whose extractors found no article (its text all set aside)."""
    where = doc.path if doc.line is None else f"{doc.path}:{doc.line}"
    what = "" if doc.line is None else f"record {doc.article_id} "
    if set_aside:
        return ReadError(where, f"{what}is a web page without an article (a list, a home "
                         f"page?): its {set_aside} passages are all boilerplate",
                         "nothing of it is indexed as text", "no article in page")
    if briefs:
        return ReadError(where, f"the headline 《{story.title}》 stands over {briefs} 本报讯 "
                         "stories only", "they are indexed as articles of their own, the "
                         "headline is not", "headline without text")
    if story.title:
        return ReadError(where, f"{what}has a title (《{story.title}》) but no text",
                         "nothing of it is indexed", "no text")
    return ReadError(where, f"{what}has no text", "nothing of it is indexed", "no text")


def _demote_trailing_headings(blocks: list[Block]) -> list[Block]:
    """A heading with no text after it heads nothing: it is text (a one-line record)."""
    out, text_follows = [], False
    for block in reversed(blocks):
        if block.kind == "heading" and not text_follows and not block.boilerplate:
            block = Block("body", block.text, block.starts, block.ends)
        text_follows = text_follows or (block.kind != "heading" and not block.boilerplate)
        out.append(block)
    return out[::-1]


def _take_title(doc: Document,
                blocks: list[Block]) -> tuple[str, tuple[int, int] | None, list[Block]]:
    """The article's title, its raw span when it is a block of the text, and the blocks
    without that block.

    - A ``title`` key (JSONL record, front matter, a web page's metadata) is the title, even
      empty: then no text is ever taken as the title, but the block the reader found to be
      the headline (``Document.title_span``), or a leading heading that repeats the title
      (Markdown's ``# Title`` under front matter), is the title's span and not text.
    - Else a leading Markdown or HTML heading (``#``, ``<h1>``) is the title: the writer
      marked it, and text follows it (a heading with nothing after it is text).
    - Else a leading paragraph of plain or spaced text, or a short line cleaning took for a
      heading, is the title only on this evidence: it is at most MAX_HEADLINE characters,
      has no sentence end (。！？!? or an ASCII full stop, not 0.01: ``has_sentence_end``),
      does not end in a clause mark (，：；、), body text follows it (so it is never the
      only block), and it is at most half as long as the longest paragraph after it.
    - Never a block followed by a ``本报讯`` dateline: that heads a brief of its own.
    """
    if "title" in doc.meta:
        title = doc.meta["title"]
        i = _title_block(doc, blocks, title)
        if i is None:
            return title, None, blocks
        return title, (blocks[i].char_start, blocks[i].char_end), blocks[:i] + blocks[i + 1:]
    if not blocks or (len(blocks) > 1 and _DATELINE.match(blocks[1].text)):
        return "", None, blocks
    first, rest = blocks[0], blocks[1:]
    span = (first.char_start, first.char_end)
    if first.kind == "heading" and first.level:
        return first.text, span, rest
    inferred = first.kind == "heading" or (first.kind == "body"
                                           and doc.format in ("spaced", "plain"))
    if inferred and _looks_like_headline(first.text, rest):
        return first.text, span, rest
    return "", None, blocks


def _title_block(doc: Document, blocks: list[Block], title: str) -> int | None:
    """The block that is the title: the one at ``Document.title_span``, or a first heading
    whose text is the title's (``_same_text``)."""
    if doc.title_span is not None:
        return next((i for i, block in enumerate(blocks)
                     if (block.char_start, block.char_end) == doc.title_span), None)
    first = next((i for i, block in enumerate(blocks) if not block.boilerplate), None)
    if first is not None and blocks[first].kind == "heading" and title \
            and _same_text(blocks[first].text, title):
        return first
    return None


def _same_text(a: str, b: str) -> bool:
    """The same words: case, spaces and punctuation (Markdown's ``**`` too) aside."""
    return _WORDS_ONLY.sub("", a).lower() == _WORDS_ONLY.sub("", b).lower()


def _looks_like_headline(text: str, rest: list[Block]) -> bool:
    """The evidence ``_take_title`` asks of a headline that no markup marks as one."""
    longest = max((len(block.text) for block in rest if block.kind != "heading"), default=0)
    return len(text) <= MAX_HEADLINE and 2 * len(text) <= longest \
        and not has_sentence_end(text) and not ends_clause(text)


def _split_stories(article_id: str, title: str, blocks: list[Block]) -> list[_Story]:
    """Walk the blocks, tracking the heading path and cutting out ``本报讯`` briefs."""
    main = _Story(article_id, title)
    stories, story = [main], main
    path: list[tuple[int, str]] = []  # (level, heading) from outermost to innermost
    previous: Block | None = None
    fresh = False  # a heading was read since the last block added
    for i, block in enumerate(blocks):
        if block.boilerplate:  # set aside: text of its own, under the section it stands in
            story.add(" › ".join(text for _, text in path), block, fresh)
            fresh = False
        elif block.kind == "heading":
            fresh = True
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            if previous and previous.kind == "heading" and previous.level == block.level \
                    and not previous.boilerplate:
                path[-1] = (block.level, f"{path[-1][1]} {block.text}")
            else:
                path = [entry for entry in path if _depth(entry[0]) < _depth(block.level)]
                path.append((block.level, block.text))
            if following is not None and following.kind != "heading" \
                    and _DATELINE.match(following.text):
                story = _Story(f"{article_id}@{len(stories) + 1}", path[-1][1])
                stories.append(story)
                path = []
            elif story is not main:
                story = main
        else:
            story.add(" › ".join(text for _, text in path), block, fresh or block.after_break)
            fresh = False
        previous = block
    return stories


def _depth(level: int) -> int:
    """Nesting depth of a heading level; unleveled headings (0) nest innermost."""
    return level or 99


def _group(blocks: list[Block], gap: tuple[int, int] | None = None) -> list[list[Block]]:
    """Passages of one section: split long blocks, merge short ones forward.

    Pieces of one split block are never merged again, so a passage only joins
    whole blocks with newlines; a block set aside is never merged with one that is not, nor
    two blocks around ``gap`` (the span of the title taken out of the text), so a passage's
    raw span holds its own blocks only.
    """
    groups: list[list[Block]] = []
    size = 0
    for block in blocks:
        for n, piece in enumerate(_split_long(block)):
            if groups and n == 0 and size < MIN_PASSAGE and size + len(piece.text) <= MAX_PASSAGE \
                    and groups[-1][-1].boilerplate == piece.boilerplate \
                    and not (gap and groups[-1][-1].char_end <= gap[0] < piece.char_start):
                groups[-1].append(piece)
                size += len(piece.text) + 1
            else:
                groups.append([piece])
                size = len(piece.text)
    return groups


def _split_long(block: Block) -> list[Block]:
    """Split a block longer than MAX_PASSAGE at sentence ends into pieces of similar size."""
    if len(block.text) <= MAX_PASSAGE:
        return [block]
    count = -(-len(block.text) // MAX_PASSAGE)  # pieces needed
    target = len(block.text) / count
    cuts, last = [], 0
    for bound in sentence_bounds(block.text):
        if bound - last >= target and len(block.text) - bound >= MIN_PASSAGE:
            cuts.append(bound)
            last = bound
    pieces, start = [], 0
    for cut in cuts + [len(block.text)]:
        pieces.append(_sub_block(block, start, cut))
        start = cut
    return pieces


def _sub_block(block: Block, i: int, j: int) -> Block:
    """block.text[i:j] as a Block, with leading/trailing spaces trimmed."""
    while i < j and block.text[i].isspace():
        i += 1
    while j > i and block.text[j - 1].isspace():
        j -= 1
    return Block(block.kind, block.text[i:j], block.starts[i:j], block.ends[i:j], block.level,
                 block.boilerplate)


def _line_finder(doc: Document):
    """A function from a raw offset to its 1-based line number in the file (in a PDF, its
    page: the derived text's lines are not the file's)."""
    if doc.line is not None:
        return lambda offset: doc.line
    newlines = _newlines(doc.raw, "\f" if doc.format == "pdf" else "\n")
    return lambda offset: bisect.bisect_left(newlines, offset) + 1


# The parts of a long file share its raw text: these are worked out once for all of them.
@functools.lru_cache(maxsize=2)
def _digest(raw: str) -> str:
    return digest(raw.encode("utf-8"))


@functools.lru_cache(maxsize=2)
def _newlines(raw: str, mark: str = "\n") -> list[int]:
    return [match.start() for match in re.finditer(mark, raw)]

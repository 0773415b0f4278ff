"""Markup: which characters of an HTML or Markdown text are text, and where paragraphs break.

``tokens(raw, start, end)`` reads raw[start:end] the way a browser's tokenizer does and
yields what the cleaner needs, in order, as raw positions:

=========  ==============================================================================
text       raw[start:end] is text as written (newlines included)
chars      raw[start:end] is an entity (``&amp;``, ``&#20013;``, ``&amp;nbsp;``): ``value``
           is what it stands for
break      a block-level tag (``<p>``, ``</div>``, ``<br>``, ``<h2>``, ``<figcaption>``…):
           the paragraph ends here; ``value`` is (kind, level) of the paragraph that starts
           (``("heading", 2)`` after ``<h2>``, ``("caption", 0)`` after ``<figcaption>``)
caption    an image's alt text: ``value`` is the raw span of the attribute's value
link       a Markdown autolink ``<https://…>``: its address, raw[start + 1:end - 1], is text
=========  ==============================================================================

Everything else yields nothing: tags and their attributes (a ``>`` inside a quoted value does
not end the tag), markup escaped into the text (``&lt;p&gt;``, as a page that shows its own
source has it), comments, ``<script>``/``<style>`` and the other elements whose content is
never text on the page (``<title>`` is the page's metadata), doctypes, ``<?xml?>``, CDATA
marks, and template shortcodes (``{{< … >}}``, ``{{% … %}}``, ``{% … %}``, ``{{ … }}``). A tag
left open at the end of the text runs to its end, as in a browser. Every decision depends
only on the text from the token on, so reading a slice that starts and ends between tokens
gives the same tokens (quotes re-extract exactly).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

# inside a tag: anything but >, and quoted values (which may hold >) after an =. A quoted
# value that holds the start of a tag must be followed by what follows a value (a space, / or
# >): else its quote was left open, and it ends at the tag's own > (browsers read on into the
# next tag, and then show that tag's attributes as text)
_QUOTED = "|".join(
    rf"""=\s*{q}(?:data:[^{q}]*|[^{q}<]*(?:<(?![a-zA-Z/!?])[^{q}<]*)*){q}|=\s*{q}[^{q}]*{q}(?=[\s/>])"""
    for q in "\"'")
_ATTRS = rf"""(?>[^>"'=]+|{_QUOTED}|[="'])*+"""
_SCRIPT = "script|style"  # their content runs to their end tag, or to the end of the text
_HIDDEN = "title|noscript|template|svg|math|iframe|object|select|xmp"  # to their end tag
_SHORTCODE = (r"\{\{[<%].{0,2000}?[>%]\}\}|\{%.{0,2000}?%\}|\{\{.{0,2000}?\}\}"
              r"|\{\{[<%]?|[>%]?\}\}|\{%|%\}")  # and a delimiter left open
_LT, _GT = r"&(?:amp;)*lt;", r"&(?:amp;)*gt;"
# markup escaped into text (a page that shows its own source, a CMS that escaped it twice)
_ESCAPED = (rf"{_LT}(?:!--.{{0,2000}}?--{_GT}"
            rf"|/?(?P<ename>[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]{{0,1000}}?)?/?{_GT})")
ENTITY = r"&(?:amp;)*(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[a-zA-Z][a-zA-Z0-9]*;?)"
_TOKEN = re.compile(
    r"(?P<comment><!--.*?(?:--!?>|\Z))"
    rf"|(?P<script><(?P<sname>{_SCRIPT})\b{_ATTRS}(?:>.*?(?:</(?P=sname)\s*>|\Z)|\Z))"
    rf"|(?P<hidden><(?P<hname>{_HIDDEN})\b{_ATTRS}>.*?</(?P=hname)\s*>)"
    r"|(?P<cdata><!\[CDATA\[|\]\]>)"
    rf"|(?P<shortcode>{_SHORTCODE})"
    r"|(?P<link><(?:https?|ftp|mailto):[^\s<>]*>)"
    rf"|(?P<tag></?(?P<name>[a-zA-Z][^\s/>]*){_ATTRS}(?:>|\Z))"
    r"|(?P<bogus><[!?/][^<>]*(?:>|(?=<)|\Z))"
    rf"|(?P<escaped>{_ESCAPED})"
    rf"|(?P<entity>{ENTITY})",
    re.DOTALL | re.IGNORECASE,
)
_ENTITY = re.compile(ENTITY)
_ALT = re.compile(r"""[\s"'/]alt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_FILE_NAME = re.compile(r"^\S*\.(jpe?g|png|gif|webp|bmp|svg)$|^\S*://", re.IGNORECASE)
BLOCK_TAGS = frozenset("""
    address article aside blockquote body br caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 header hgroup hr
    html legend li main menu nav ol option p pre section summary table tbody td tfoot th thead
    tr ul
""".split())


@dataclass(frozen=True)
class Token:
    """One thing read from the text: its kind (see the module docstring), raw span, value."""

    kind: str
    start: int
    end: int
    value: object = None


def tokens(raw: str, start: int, end: int, markdown: bool = False) -> Iterator[Token]:
    """The text, entities, paragraph breaks and captions of raw[start:end]; with
    ``markdown``, autolinks are text too (in HTML they are tags)."""
    pos = start
    for match in _TOKEN.finditer(raw, start, end):
        if match.start() > pos:
            yield Token("text", pos, match.start())
        pos = match.end()
        found = _token(match, markdown)
        if found is not None:
            yield found
    if pos < end:
        yield Token("text", pos, end)


def _token(match: re.Match, markdown: bool) -> Token | None:
    """What one markup match yields, if anything."""
    start, end = match.span()
    if match.group("entity"):
        value = decode_entity(match.group())
        return Token("chars", start, end, value) if value != match.group() else \
            Token("text", start, end)
    if match.group("link"):
        return Token("link", start, end) if markdown else None
    name = (match.group("name") or match.group("ename") or "").lower()
    if not name:
        return None
    closing = match.group().startswith(("</", "&lt;/")) or "lt;/" in match.group()[:12]
    if name == "img" and match.group("name"):
        return _caption(match)
    if name in BLOCK_TAGS:
        opening = not closing
        if opening and name[0] == "h" and name[1:].isdigit():
            return Token("break", start, end, ("heading", int(name[1:])))
        return Token("break", start, end, ("caption" if opening and name == "figcaption"
                                           else None, 0))
    return None


def _caption(match: re.Match) -> Token | None:
    """An image's alt text as a caption, unless it is empty or a file name or address."""
    alt = _ALT.search(match.group())
    if alt is None:
        return None
    group = next(n for n in (1, 2, 3) if alt.group(n) is not None)
    value = alt.group(group).strip()
    if not value or _FILE_NAME.match(value):
        return None
    offset = match.start()
    return Token("caption", match.start(), match.end(),
                 (offset + alt.start(group), offset + alt.end(group)))


def decode_entity(entity: str) -> str:
    """What an entity stands for; ``&amp;nbsp;`` (escaped twice by a CMS) as ``&nbsp;`` does.
    An unknown name (``&T``) comes back as written."""
    text = html.unescape(entity)
    while text != entity and text.startswith("&") and _ENTITY.fullmatch(text):
        entity, text = text, html.unescape(text)
    return text

"""Proximity: ``A NEAR/n B`` holds where A and B stand at most n characters apart in one field
of a passage (its text, its title or its heading path), in either order.

No index here keeps positions, so a query with NEAR is answered in two steps, the same on every
backend (``Engine.query``): the backend finds the passages of the query with each NEAR read as
AND (``loosened``: every passage that can hold it, and more), and each of them is then checked
here on its stored fields (``holds``: the whole query, as the backends match it), so the total
and the facets count exactly the passages where the words really stand that close.

>>> from .parse import parse
>>> near = parse("株洲 NEAR/5 企业")
>>> holds({"text": "株洲的中小企业", "title": "", "section": ""}, near)
True
>>> holds({"text": "株洲市委书记说，我们的中小企业", "title": "", "section": ""}, near)
False
"""

from __future__ import annotations

from ..text.analysis import units, words
from .bm25f import joined
from .highlight import highlight
from .parse import And, Near, Needle, Node, Not, Or, Phrase, Words, is_character, positive_needles

FIELDS = ("text", "title", "section")  # where a passage holds what a query asks


def has_near(node: Node | None) -> bool:
    """Whether a query asks for words near each other anywhere in it."""
    if isinstance(node, Near):
        return True
    if isinstance(node, And | Or):
        return any(has_near(child) for child in node.children)
    return isinstance(node, Not) and has_near(node.child)


def loosened(node: Node) -> Node | None:
    """The query with each NEAR read as AND: every passage that holds ``node`` holds this.
    Under NOT a NEAR cannot be loosened so (NOT A AND B would leave out passages that hold
    A and B apart): it asks nothing there (None), and ``holds`` decides."""
    if isinstance(node, Near):
        return And((loosened(node.left), loosened(node.right)))
    if isinstance(node, And | Or):
        children = [loosened(child) for child in node.children]
        if isinstance(node, Or) and None in children:
            return None
        kept = tuple(child for child in children if child is not None)
        return (kept[0] if len(kept) == 1 else type(node)(kept)) if kept else None
    if isinstance(node, Not):
        return None if has_near(node.child) else node
    return node


def holds(stored: dict, node: Node) -> bool:
    """Whether a passage (its stored ``text``, ``title`` and ``section``) holds a query as
    the backends match one: a word or phrase by its needles in one of the fields (a single
    CJK character where it stands as a word, anything else as units in a row), AND, OR and
    NOT as given, NEAR where both sides stand close enough in one field."""
    if isinstance(node, Words | Phrase):
        return any(_holds_needle(stored[name], needle) for needle in node.needles
                   for name in FIELDS)
    if isinstance(node, Near):
        return holds(stored, node.left) and holds(stored, node.right) and any(
            _close(stored[name], node) for name in FIELDS)
    if isinstance(node, And):
        return all(holds(stored, child) for child in node.children)
    if isinstance(node, Or):
        return any(holds(stored, child) for child in node.children)
    if isinstance(node, Not):
        return not holds(stored, node.child)
    raise TypeError(f"unknown query node {node!r}")


def _holds_needle(text: str, needle: Needle) -> bool:
    if is_character(needle):
        return needle[0] in {token.text for token in words(text)}
    return joined(needle) in joined(units(text))


def _close(text: str, near: Near) -> bool:
    """Whether ``text`` has an occurrence of each side at most ``near.distance`` characters
    apart (overlapping ones count)."""
    lefts = highlight(text, positive_needles(near.left))
    rights = highlight(text, positive_needles(near.right)) if lefts else []
    return any(max(b_start - a_end, a_start - b_end) <= near.distance
               for a_start, a_end in lefts for b_start, b_end in rights)

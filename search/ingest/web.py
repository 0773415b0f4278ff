"""Web pages: a saved page as a Document whose boilerplate blocks are set aside, with what
the page says about itself in its metadata.

The page is decoded once (``readers.decode_file``), cut into our own blocks (``clean``, so
every character keeps its span), judged by the extractors (``maintext.judge``) and read for
its metadata (``pagemeta.about``). The Document records the spans of the blocks set aside
(``Document.set_aside``) and of the headline block (``Document.title_span``); ``segment``
turns the first into passages marked boilerplate and leaves the second out of the text.
Front matter, when a page has some, wins over what the page says.
"""

from __future__ import annotations

from dataclasses import replace

from . import maintext, pagemeta
from .clean import clean
from .readers import Document


def read_page(doc: Document, url: str = "", method: str = "combined") -> Document:
    """``doc`` (a whole page, format html) with its metadata, set-aside blocks and headline
    span filled in; ``url``: an address the file recorded (MHTML); ``method``: how its main
    text is chosen (``maintext.METHODS``)."""
    body = doc.raw[doc.body_start:doc.body_end]
    blocks = clean(doc.raw, "html", doc.body_start, doc.body_end)
    chosen = maintext.judge(body, blocks, method)
    found = pagemeta.about(body, blocks, chosen, url or doc.meta.get("url", ""))
    meta = {"title": "", **found.meta, **doc.meta}  # a title key, even empty: never a nav bar
    title_span = None
    if "title" not in doc.meta and found.title_block is not None:
        block = blocks[found.title_block]
        title_span = (block.char_start, block.char_end)
    set_aside = [(block.char_start, block.char_end)
                 for block, main in zip(blocks, chosen, strict=True) if not main]
    return replace(doc, meta=meta, set_aside=set_aside, title_span=title_span)

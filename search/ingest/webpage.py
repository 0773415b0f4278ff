"""Saved web pages: which file is one, what charset it declares, and the page inside an
MHTML single-file save.

Nothing here needs a library beyond the standard one: a text or JSONL file never pays for
web-page reading (``maintext.py`` and ``pagemeta.py`` import lxml and the extractors, and
only for a whole page).
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from dataclasses import dataclass

PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
MHTML_SUFFIXES = (".mhtml", ".mht")
# <meta charset=…>, <meta http-equiv=Content-Type content="text/html; charset=…">, and an
# XML declaration's encoding: only meta tags (an archive.org copy puts <script charset=utf-8>
# before the page's own <meta charset=gb2312>)
_DECLARED = re.compile(
    rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([-\w.:]+)|\A\s*<\?xml\b[^>]*?encoding\s*="
    rb"\s*[\"']([-\w.:]+)", re.IGNORECASE)
DECLARED_WITHIN = 65536  # bytes: a page's head is searched this far for its charset
_SAME_AS = {  # a declared charset -> the codec that reads every page that declares it
    "gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
    "cp936": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "gb18030",
    "big5": "big5hkscs", "cp950": "big5hkscs", "x-x-big5": "big5hkscs",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
}
_WHOLE_PAGE = re.compile(r"<(html|head|body)\b|<!doctype\s+html", re.IGNORECASE)


def declared_charset(data: bytes) -> str | None:
    """The codec for the charset a page declares in its head (``<meta charset>``, the XML
    declaration), as browsers read it (gb2312 and gbk as gb18030, big5 as big5hkscs,
    latin-1 as cp1252); None when it declares none or one Python does not know."""
    found = _DECLARED.search(data, 0, DECLARED_WITHIN)
    if found is None:
        return None
    name = (found.group(1) or found.group(2)).decode("ascii").lower()
    name = _SAME_AS.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _SAME_AS.get(codec, codec)


def is_whole_page(text: str, suffix: str) -> bool:
    """A saved page (an ``.html`` file with ``<html>``, ``<head>`` or ``<body>``, or any text
    that is one), as opposed to a fragment of HTML (a CMS export's ``<p>`` paragraphs)."""
    head = text[:4096] if suffix not in PAGE_SUFFIXES + MHTML_SUFFIXES else text
    return _WHOLE_PAGE.search(head) is not None


@dataclass
class Unpacked:
    """The page inside an MHTML file: its bytes, the charset its part declares, its address."""

    data: bytes
    charset: str | None
    url: str


def unpack_mhtml(data: bytes) -> Unpacked | None:
    """The first ``text/html`` part of an MHTML (``.mht``) save, its transfer encoding
    (quoted-printable, base64) undone; None when the file holds none."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    url = message.get("Snapshot-Content-Location", "")
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if not payload:
                continue
            charset = part.get_content_charset()
            try:
                charset = charset and codecs.lookup(_SAME_AS.get(charset, charset)).name
            except LookupError:
                charset = None
            return Unpacked(payload, charset and _SAME_AS.get(charset, charset),
                            url or part.get("Content-Location", ""))
    return None

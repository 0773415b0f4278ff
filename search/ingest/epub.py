"""EPUB (.epub): a zip of XHTML chapters, read with the standard library, as a derived text
in the ``html`` layout: the chapters' XHTML one after the other in spine (reading) order, so
the project's HTML reading cleans them and their ``<h1>``…``<h6>`` become the heading path.

A chapter without a heading of its own is headed by its title in the table of contents (the
EPUB 3 navigation document, else the EPUB 2 NCX), written as an ``<h1>`` before it. Title,
author (``dc:creator``) and date come from the package document. A book whose chapters are
encrypted (DRM) is a ReadError; obfuscated fonts do not matter.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from html import escape
from urllib.parse import unquote
from xml.etree import ElementTree

from ..errors import ReadError
from .documents import Derived, iso_date, safe_line

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
XHTML = "{http://www.w3.org/1999/xhtml}"
ENC = "{http://www.w3.org/2001/04/xmlenc#}"
MAX_CHAPTER = 50_000_000  # bytes: a chapter that unzips to more is not text
_HEADING = re.compile(r"<h[1-6][\s>]", re.IGNORECASE)
_FIRST_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]", re.IGNORECASE | re.DOTALL)
_FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding",
                     "http://ns.adobe.com/pdf/enc#RC")


def read_epub(data: bytes, shown: str) -> Derived:
    """The derived text of an .epub file's bytes; a ReadError when it cannot be read."""
    hint = "check that it opens in an e-book reader; convert it with Calibre if it does"
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        rootfile = _rootfile(book)
        package = ElementTree.fromstring(book.read(rootfile))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, EOFError) as exc:
        raise ReadError(shown, f"is not a whole EPUB ({exc})", hint, "broken document") \
            from None
    base = posixpath.dirname(rootfile)
    manifest = {item.get("id", ""): item for item in package.iter(f"{OPF}item")}
    spine = [manifest[ref.get("idref", "")] for ref in package.iter(f"{OPF}itemref")
             if ref.get("idref", "") in manifest and ref.get("linear", "yes") != "no"]
    paths = [_join(base, item.get("href", "")) for item in spine]
    encrypted = _encrypted(book) & set(paths)
    if encrypted:
        raise ReadError(shown, f"is DRM-protected ({len(encrypted)} chapters encrypted)",
                        "index a copy without DRM", "encrypted")
    titles = _toc_titles(book, package, manifest, base)
    from .readers import decode_detected  # here: readers imports this module's registry

    chapters = []
    for path in paths:
        try:
            info = book.getinfo(path)
            if info.file_size > MAX_CHAPTER:
                continue
            text = decode_detected(book.read(path), f"{shown}:{path}").text
        except (KeyError, ReadError, zipfile.BadZipFile, OSError, EOFError):
            continue  # a missing or unreadable chapter: the others are read
        if not _HEADING.search(text) and titles.get(path):
            text = f"<h1>{escape(titles[path])}</h1>\n" + text
        chapters.append(text.rstrip() + "\n")
    if not chapters:
        raise ReadError(shown, "has no chapters that can be read", hint, "broken document")
    text = "\n".join(chapters)
    meta = _meta(package)
    first = _FIRST_HEADING.search(chapters[0])
    if first and re.sub(r"<[^>]*>|\s", "", first.group(1)) == re.sub(r"\s", "",
                                                                   meta.get("title", "x")):
        del meta["title"]  # the book's first heading: ``segment`` takes it as the title
    return Derived(text, "html", len(text), meta)


def _rootfile(book: zipfile.ZipFile) -> str:
    container = ElementTree.fromstring(book.read("META-INF/container.xml"))
    found = container.find(f".//{CONTAINER}rootfile")
    if found is None or not found.get("full-path"):
        raise KeyError("no rootfile in META-INF/container.xml")
    return found.get("full-path")


def _join(base: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(base, unquote(href.split("#")[0])))


def _encrypted(book: zipfile.ZipFile) -> set[str]:
    """The files META-INF/encryption.xml says are encrypted (font obfuscation aside)."""
    try:
        root = ElementTree.fromstring(book.read("META-INF/encryption.xml"))
    except (KeyError, ElementTree.ParseError):
        return set()
    out = set()
    for data in root.iter(f"{ENC}EncryptedData"):
        method = data.find(f"{ENC}EncryptionMethod")
        if method is not None and method.get("Algorithm") in _FONT_OBFUSCATION:
            continue
        ref = data.find(f".//{ENC}CipherReference")
        if ref is not None:
            out.add(posixpath.normpath(unquote(ref.get("URI", ""))))
    return out


def _toc_titles(book: zipfile.ZipFile, package, manifest: dict, base: str) -> dict[str, str]:
    """The first title the table of contents gives each chapter file."""
    titles: dict[str, str] = {}
    nav = next((item for item in manifest.values()
                if "nav" in (item.get("properties") or "").split()), None)
    ncx_id = (package.find(f"{OPF}spine").get("toc") if package.find(f"{OPF}spine") is not None
              else None)
    try:
        if nav is not None:
            path = _join(base, nav.get("href", ""))
            root = ElementTree.fromstring(book.read(path))
            for link in root.iter(f"{XHTML}a"):
                target = _join(posixpath.dirname(path), link.get("href", ""))
                titles.setdefault(target, "".join(link.itertext()).strip())
        elif ncx_id in manifest:
            path = _join(base, manifest[ncx_id].get("href", ""))
            root = ElementTree.fromstring(book.read(path))
            for point in root.iter(f"{NCX}navPoint"):
                label = point.find(f"{NCX}navLabel/{NCX}text")
                content = point.find(f"{NCX}content")
                if label is not None and content is not None:
                    target = _join(posixpath.dirname(path), content.get("src", ""))
                    titles.setdefault(target, (label.text or "").strip())
    except (KeyError, ElementTree.ParseError):
        pass
    return {path: safe_line(title) for path, title in titles.items() if title}


def _meta(package) -> dict:
    meta: dict[str, str] = {}
    for key, tag in (("title", "title"), ("author", "creator")):
        found = package.find(f".//{DC}{tag}")
        if found is not None and (found.text or "").strip():
            meta[key] = safe_line(found.text).strip()
    found = package.find(f".//{DC}date")
    if found is not None and iso_date(found.text or ""):
        meta["date"] = iso_date(found.text or "")
    return meta

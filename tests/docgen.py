"""Test documents made from known text: PDFs (reportlab, with the Adobe CID font STSong-Light,
which readers map through its standard CMap), Word files (python-docx) and EPUBs (zipfile),
so that what a reader must give back is known exactly.

The text is a seed article's: ``seed_article()`` reads seeds/004 (its headline, and its ``##``
sections with their paragraphs).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "004_e6ed1c0b8024ab86.txt"
FONT = "STSong-Light"


@dataclass
class Article:
    title: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)  # (heading, paragraphs)

    @property
    def paragraphs(self) -> list[str]:
        return [para for _, paras in self.sections for para in paras]


def seed_article(sections: int = 3) -> Article:
    """The headline and the first ``sections`` sections of seeds/004 (the first has no
    heading; the byline is left out)."""
    blocks = [b.strip() for b in SEED.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    article = Article(blocks[0].removeprefix("## ").strip())
    heading, paras = "", []
    for block in blocks[2:]:
        if block.startswith("## "):
            article.sections.append((heading, paras))
            heading, paras = block[3:].strip(), []
            if len(article.sections) == sections:
                return article
        elif not block.startswith("本报讯"):
            if paras and not re.search(r"[。！？”…]$", paras[-1]):
                paras[-1] += block  # a paragraph the seed's page break cut (重庆小 / 康动力)
            else:
                paras.append(block)
    article.sections.append((heading, paras))
    return article


# ---------------------------------------------------------------- PDF


def _wrap(text: str, width: float, size: float, indent: float = 0.0) -> list[str]:
    """Lines of at most ``width`` points; a run of ASCII letters and digits is never cut."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    limit = width - indent
    for token in re.findall(r"[A-Za-z0-9.%]+|.", text):
        if line and stringWidth(line + token, FONT, size) > limit:
            lines.append(line)
            line, limit = "", width
            token = token.lstrip()
        line += token
    if line:
        lines.append(line)
    return lines


@dataclass
class PdfStyle:
    columns: int = 1
    size: float = 10.5
    leading: float = 1.5  # line pitch, in sizes
    running_head: str = "中国电子报　专精特新专刊"
    page_number: str = "- {n} -"  # "" for none
    fake_bold_title: bool = True
    title_info: bool = False  # put the title in the document information
    pages: int = 0  # when > 0, repeat the article until this many pages


def make_pdf(path: Path, article: Article, style: PdfStyle | None = None) -> Path:
    """A PDF of ``article``: a fake-bold headline (each glyph drawn twice, half a point
    apart), larger section headings, paragraphs hard-wrapped with a two-character indent, a
    running head and a page number on every page, in ``style.columns`` columns."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    style = style or PdfStyle()
    width, height = A4
    margin, gutter = 60.0, 24.0
    col_width = (width - 2 * margin - gutter * (style.columns - 1)) / style.columns
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    if style.title_info:
        pdf.setTitle(article.title)
    state = {"page": 1, "col": 0, "y": height - margin - 30}

    def furniture() -> None:
        pdf.setFont(FONT, 9)
        pdf.drawString(margin, height - margin + 6, style.running_head)
        if style.page_number:
            text = style.page_number.format(n=state["page"])
            pdf.drawCentredString(width / 2, margin - 30, text)

    def new_column() -> None:
        state["col"] += 1
        if state["col"] == style.columns:
            pdf.showPage()
            state["page"] += 1
            state["col"] = 0
            furniture()
        state["y"] = height - margin - 30

    def x() -> float:
        return margin + state["col"] * (col_width + gutter)

    def room(points: float) -> None:
        if state["y"] - points < margin:
            new_column()

    furniture()
    rounds = 0
    while True:
        rounds += 1
        size = 16.0
        pdf.setFont(FONT, size)
        for line in _wrap(article.title, col_width, size):
            room(size * 1.6)
            if style.fake_bold_title:
                cursor = x()
                for ch in line:  # fake bold: every glyph twice
                    pdf.drawString(cursor, state["y"], ch)
                    pdf.drawString(cursor + 0.5, state["y"], ch)
                    cursor += pdfmetrics.stringWidth(ch, FONT, size)
            else:
                pdf.drawString(x(), state["y"], line)
            state["y"] -= size * 1.6
        state["y"] -= style.size
        for heading, paras in article.sections:
            if heading:
                size = style.size * 1.35
                room(size * 3)
                state["y"] -= size * 0.6
                pdf.setFont(FONT, size)
                for line in _wrap(heading, col_width, size):
                    pdf.drawString(x(), state["y"], line)
                    state["y"] -= size * 1.6
            pdf.setFont(FONT, style.size)
            for para in paras:
                lines = _wrap(para, col_width, style.size, indent=2 * style.size)
                for n, line in enumerate(lines):
                    room(style.size * style.leading)
                    pdf.setFont(FONT, style.size)
                    pdf.drawString(x() + (2 * style.size if n == 0 else 0), state["y"], line)
                    state["y"] -= style.size * style.leading
        if not style.pages or state["page"] >= style.pages:
            break
        room(10_000)  # the next copy starts on a new column
    pdf.showPage()
    pdf.save()
    return path


def make_scan(path: Path, text_first: str = "") -> Path:
    """A PDF with a page that holds only a drawing: no text layer (after a page of
    ``text_first`` when given)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), invariant=1)
    if text_first:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        pdf.setFont(FONT, 12)
        pdf.drawString(72, 720, text_first)
        pdf.showPage()
    pdf.rect(100, 100, 300, 400, fill=1)
    pdf.showPage()
    pdf.save()
    return path


def make_encrypted_pdf(path: Path, article: Article) -> Path:
    """A PDF that needs the password ``secret`` to open."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    encrypt = pdfencrypt.StandardEncryption("secret", canPrint=0)
    pdf = canvas.Canvas(str(path), encrypt=encrypt)
    pdf.setFont(FONT, 12)
    pdf.drawString(72, 720, article.title)
    pdf.showPage()
    pdf.save()
    return path


# ---------------------------------------------------------------- Word


def make_docx(path: Path, article: Article, table: list[list[str]] | None = None,
              footnote: str = "", comment: str = "", header: str = "") -> Path:
    """A Word file of ``article``: the headline in the Title style, sections as Heading 1,
    a table after the first section, a comment on the first paragraph, a header and a footer
    on every page; a footnote is added to the XML (python-docx writes none)."""
    import datetime

    import docx

    document = docx.Document()
    document.core_properties.title = article.title
    document.core_properties.created = datetime.datetime(2023, 9, 1, 8, 0)
    document.add_paragraph(article.title, style="Title")
    first = None
    for n, (heading, paras) in enumerate(article.sections):
        if heading:
            document.add_heading(heading, level=1)
        for para in paras:
            paragraph = document.add_paragraph(para)
            first = first or paragraph
        if n == 0 and table:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for row, cells in zip(grid.rows, table, strict=True):
                for cell, text in zip(row.cells, cells, strict=True):
                    cell.text = text
    if comment and first is not None:
        document.add_comment(first.runs, text=comment, author="校对")
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
        section.footer.paragraphs[0].text = header + " 页脚"
    document.save(str(path))
    if footnote:
        _add_footnote(path, footnote)
    return path


_FOOTNOTES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
              'main"><w:footnote w:id="1"><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
              '</w:footnote></w:footnotes>')


def _add_footnote(path: Path, text: str) -> None:
    """Add a footnotes part holding ``text``, referenced from the first body paragraph."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    body = parts["word/document.xml"].decode("utf-8")
    body = body.replace("</w:p>", '<w:r><w:footnoteReference w:id="1"/></w:r></w:p>', 1)
    parts["word/document.xml"] = body.encode("utf-8")
    parts["word/footnotes.xml"] = _FOOTNOTES.format(text=escape(text)).encode("utf-8")
    rels = parts["word/_rels/document.xml.rels"].decode("utf-8").replace(
        "</Relationships>", '<Relationship Id="rIdFn1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
    parts["word/_rels/document.xml.rels"] = rels.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


# ---------------------------------------------------------------- EPUB

_CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:'
              'opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" '
              'media-type="application/oebps-package+xml"/></rootfiles></container>')


def make_epub(path: Path, article: Article, date: str = "2023-09-01") -> Path:
    """An EPUB 3 of ``article``: a chapter per section, in a spine whose order differs from
    the manifest's, each chapter titled by an ``<h1>`` (the first by the headline)."""
    chapters = []
    for n, (heading, paras) in enumerate(article.sections, 1):
        body = "".join(f"<p>{escape(para)}</p>\n" for para in paras)
        title = heading or article.title
        chapters.append((f"ch{n}.xhtml", title,
                         '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3'
                         f'.org/1999/xhtml"><head><title>{escape(title)}</title></head><body>'
                         f"<h1>{escape(title)}</h1>\n{body}</body></html>\n"))
    manifest = "".join(f'<item id="c{n}" href="{name}" media-type="application/xhtml+xml"/>'
                       for n, (name, _, _) in reversed(list(enumerate(chapters, 1))))
    spine = "".join(f'<itemref idref="c{n}"/>' for n in range(1, len(chapters) + 1))
    opf = ('<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" '
           'version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/'
           f'elements/1.1/"><dc:identifier id="id">test</dc:identifier><dc:title>'
           f"{escape(article.title)}</dc:title><dc:creator>齐旭</dc:creator><dc:date>{date}"
           f"</dc:date><dc:language>zh</dc:language></metadata><manifest>{manifest}</manifest>"
           f"<spine>{spine}</spine></package>")
    with zipfile.ZipFile(path, "w") as epub:
        epub.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        epub.writestr("META-INF/container.xml", _CONTAINER)
        epub.writestr("OEBPS/content.opf", opf)
        for name, _, xhtml in chapters:
            epub.writestr(f"OEBPS/{name}", xhtml)
    return path

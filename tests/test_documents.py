"""PDF, Word and EPUB files: made from a seed's known text (tests/docgen.py), read back with
every body character in a passage, no running head or page number among them, paragraphs
whole, titles right, and quotes that re-extract from the text the reader derives again."""

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.errors import ReadError
from search.ingest import doc as word97
from search.ingest.clean import clean_text
from search.ingest.documents import SET_ASIDE, derive
from search.ingest.layout import split_document
from search.ingest.readers import decode_file, read_file
from search.ingest.segment import segment
from tests.docgen import (
    PdfStyle,
    make_docx,
    make_encrypted_pdf,
    make_epub,
    make_pdf,
    make_scan,
    seed_article,
)

ARTICLE = seed_article(3)
HEADINGS = [heading for heading, _ in ARTICLE.sections if heading]
TABLE = [["指标", "数值"], ["规上工业增加值", "6.9%"]]
STYLES = {
    "one column": PdfStyle(),
    "two columns, wide spacing": PdfStyle(columns=2, leading=2.2, page_number="第 {n} 页",
                                          title_info=True),
}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """A folder of documents made from the seed's text."""
    folder = tmp_path_factory.mktemp("documents")
    for n, style in enumerate(STYLES.values()):
        make_pdf(folder / f"report{n}.pdf", ARTICLE, style)
    make_docx(folder / "draft.docx", ARTICLE, table=TABLE, footnote="数据来自山东省统计局。",
              comment="请核对数字。", header="中国电子报")
    make_epub(folder / "book.epub", ARTICLE)
    return folder


def articles(path: Path):
    documents = read_file(path)
    return documents, [article for document in documents for article in segment(document)]


def body(passages) -> str:
    return "".join(passage.text.replace("\n", "") for passage in passages)


def assert_quotes_exact(documents, found) -> None:
    """Each passage cleans back from its raw span, in the text the reader derives again."""
    derived = decode_file(Path(documents[0].path), Path(documents[0].path).read_bytes(),
                          documents[0].path)[0].text
    assert derived == documents[0].raw
    for article in found:
        for passage in article.passages:
            piece = derived[passage.char_start:passage.char_end]
            assert clean_text(piece, article.format) == passage.text, passage.passage_id


# ---------------------------------------------------------------- PDF


@pytest.mark.parametrize("n,style", list(enumerate(STYLES)), ids=list(STYLES))
def test_pdf_made_from_known_text_comes_back_whole(made, n, style):
    documents, found = articles(made / f"report{n}.pdf")
    assert [article.title for article in found] == [ARTICLE.title]  # the fake-bold headline
    passages = found[0].passages
    assert body(passages) == "".join(ARTICLE.paragraphs)  # every body character, nothing else
    for paragraph in ARTICLE.paragraphs:  # paragraphs whole, across columns and pages
        assert any(paragraph in passage.text for passage in passages), paragraph[:20]
    assert [p.section for p in passages if p.section] and \
        {p.section for p in passages} == {"", *HEADINGS}
    pages = documents[0].raw.count("\f") - SET_ASIDE.count("\f") + 1
    assert pages >= 2
    assert documents[0].notes == [f"{documents[0].path}: {pages} pages read; set aside "
                                  f"{pages} page numbers, {pages} running heads (`python -m "
                                  f"search.ingest.documents {documents[0].path}` shows them)"]
    assert passages[-1].line_end == pages  # a PDF passage's lines are its pages
    assert_quotes_exact(documents, found)


def test_pdf_running_heads_are_set_aside_not_lost(made):
    documents, found = articles(made / "report1.pdf")
    raw = documents[0].raw
    aside = raw[raw.index(SET_ASIDE) + len(SET_ASIDE):].splitlines()
    assert aside.count(STYLES["two columns, wide spacing"].running_head) >= 2
    assert "第 2 页" in aside
    assert not any("中国电子报" in p.text or "第 2 页" in p.text for p in found[0].passages)


def test_pdf_pages_are_reported_as_they_are_read(made):
    seen = []
    read_file(made / "report0.pdf", on_page=lambda done, total: seen.append((done, total)))
    assert seen == [(n, len(seen)) for n in range(1, len(seen) + 1)] and len(seen) >= 2


@pytest.mark.parametrize("make,problem,reason", [
    (lambda path: make_scan(path), "has no text layer (1 page of images: a scan?); OCR it first",
     "no text layer"),
    (lambda path: make_encrypted_pdf(path, ARTICLE), "is encrypted: it needs a password to "
     "open; save a copy without the password", "encrypted"),
    (lambda path: path.write_bytes(b"%PDF-1.4\nnot really"), "cannot be read as a PDF",
     "broken PDF"),
], ids=["scan", "encrypted", "broken"])
def test_a_pdf_that_cannot_be_read_is_one_line_that_says_what_to_do(tmp_path, make, problem,
                                                                   reason):
    path = tmp_path / "x.pdf"
    make(path)
    with pytest.raises(ReadError) as error:
        read_file(path)
    assert problem in str(error.value) and error.value.reason == reason
    assert "\n" not in str(error.value)


def test_a_page_without_text_is_named_and_the_others_read(tmp_path):
    path = make_scan(tmp_path / "mixed.pdf", text_first=ARTICLE.paragraphs[0][:30])
    warnings = []
    documents = read_file(path, warnings.append)
    assert [str(w) for w in warnings] == [f"{path}: 1 page without text (page 2): scanned?; "
                                          "OCR them to index their text; the other pages are "
                                          "indexed"]
    assert ARTICLE.paragraphs[0][:30] in documents[0].raw


# ---------------------------------------------------------------- Word and EPUB


def test_docx_headings_tables_notes_and_set_aside(made):
    documents, found = articles(made / "draft.docx")
    assert [article.title for article in found] == [ARTICLE.title]  # the Title style
    passages = found[0].passages
    sections = [p.section for p in passages]
    assert set(sections) == {"", *HEADINGS, "脚注", "批注"}
    assert any("指标\t数值\n规上工业增加值\t6.9%" in p.text for p in passages)  # row by row
    assert [p.text for p in passages if p.section == "脚注"] == ["数据来自山东省统计局。"]
    assert [p.text for p in passages if p.section == "批注"] == ["请核对数字。"]
    for paragraph in ARTICLE.paragraphs:
        assert any(paragraph in p.text for p in passages), paragraph[:20]
    assert not any("中国电子报" in p.text for p in passages)  # header and footer set aside
    assert "set aside 1 footer line, 1 header line" in documents[0].notes[0]
    assert_quotes_exact(documents, found)


def test_epub_chapters_in_spine_order_titled_by_their_headings(made):
    documents, found = articles(made / "book.epub")
    article = found[0]
    assert article.title == ARTICLE.title and documents[0].format == "html"
    assert article.meta["author"] == "齐旭" and article.meta["date"] == "2023-09-01"
    assert body(article.passages) == "".join(ARTICLE.paragraphs)  # the manifest is reversed
    assert [p.section for p in article.passages if p.section][0] == HEADINGS[0]
    assert_quotes_exact(documents, found)


def test_doc_text_marks_become_the_layout():
    text = ("前言\r\x13 FORMTEXT \x14正文\x15一段\x0b第二行\r甲\x07乙\x07\x07"
            "图\x01后\r")
    assert word97._paragraphs(text) == ["前言", "正文一段\n第二行", "甲\t乙", "图后"]


# ---------------------------------------------------------------- the layout


@pytest.mark.parametrize("raw,kinds,texts", [
    ("# 标题\n\n正文一行，\n接着一行。", ["heading", None], ["标题", "正文一行，接着一行。"]),
    ("\\# 不是标题\n\n甲\t乙", [None, "body"], ["# 不是标题", "甲\t乙"]),
    ("数字化也成了重庆小\n\f\n康动力有限公司。", [None], ["数字化也成了重庆小康动力有限公司。"]),
    ("第一段完了。\n\f\n第二段。", [None, None], ["第一段完了。", "第二段。"]),
    ("⽤⼀般⽅法。", [None], ["用一般方法。"]),
    ("培培育育「「小小巨巨人人」」\n\n正文。", [None, None], ["培育「小巨人」", "正文。"]),
], ids=["heading", "escape and row", "page break mid-sentence", "page break after a sentence",
        "compatibility ideographs", "fake bold"])
def test_document_layout(raw, kinds, texts):
    paras = split_document(raw, 0, len(raw))
    assert [para.kind for para in paras] == kinds
    assert clean_text(raw, "pdf").split("\n") == texts


# ---------------------------------------------------------------- the CLI


def test_index_quote_and_verify_documents(made, tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    shutil.copytree(made, folder)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["--index-dir", "idx", "index", "docs"])
    assert result.exit_code == 0, result.output
    assert "docs/report0.pdf: 2 pages read; set aside 2 page numbers, 2 running heads" in \
        result.output and "4 added" in result.output
    result = runner.invoke(cli, ["--index-dir", "idx", "verify"])
    assert result.exit_code == 0 and "each re-extracts exactly" in result.output
    result = runner.invoke(cli, ["--index-dir", "idx", "query", "重庆小康动力", "--json"])
    hit = next(h for h in __import__("json").loads(result.output)["hits"]
               if h["path"] == "docs/report1.pdf")
    quote = runner.invoke(cli, ["--index-dir", "idx", "quote", hit["passage_id"]])
    assert re.search(r"docs/report1\.pdf:p\.\d", quote.output)  # cited by page
    raw = runner.invoke(cli, ["--index-dir", "idx", "quote", hit["passage_id"], "--raw"])
    assert clean_text(raw.output.rstrip("\n"), "pdf") == hit["text"]
    (folder / "book.epub").write_bytes((folder / "draft.docx").read_bytes())  # changed
    result = runner.invoke(cli, ["--index-dir", "idx", "verify"])
    assert result.exit_code == 1 and "docs/book.epub" in result.output


def test_derive_refuses_an_empty_document(tmp_path):
    with pytest.raises(ReadError, match="is empty"):
        derive(tmp_path / "x.docx", b"", "x.docx")

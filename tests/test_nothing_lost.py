"""Nothing lost, counts true: what issue 12 saw, end to end, and the invariants that would have
caught it, as properties over generated records and files (JSONL with the title absent, empty
or given; .txt and .md files; one or several paragraphs; ASCII or full-width punctuation;
Simplified, Traditional and Latin words; bad bytes)."""

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.coverage import measure
from search.engine import Engine
from search.indexer import index_paths
from search.ingest.clean import clean_text
from search.ingest.readers import read_file
from search.ingest.segment import segment
from tests.conftest import SEEDS, run_search

# ---------------------------------------------------------------- what the issue saw

ISSUE_RECORD = {"id": "a", "title": "",
                "text": "本文讨论了长沙银行供应链金融的发展现状,并提出了三条对策."}
BAD_BYTES = "桂林漓江山水甲天下。".encode() + b"\xff\xfe\xfd" + "阳朔西街夜景。".encode()


def counts(output: str) -> tuple[int, int]:
    """(articles, passages) as a summary or ``search stats`` states them."""
    found = re.search(r"(\d+) articles?, (\d+) passages?", output)
    return int(found.group(1)), int(found.group(2))


def test_an_untitled_record_with_ascii_punctuation_is_indexed_and_found(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps(ISSUE_RECORD, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    indexed = run_search("index", "a.jsonl", cwd=tmp_path)
    assert indexed.returncode == 0, indexed.stderr
    assert counts(indexed.stderr) == counts(run_search("stats", cwd=tmp_path).stdout) == (1, 1)
    found = run_search("query", "供应链金融", cwd=tmp_path)
    assert "本文讨论了长沙银行[供应链金融]的发展现状,并提出了三条对策." in found.stdout
    shown = run_search("show", "a", cwd=tmp_path)
    assert shown.returncode == 0 and "a:1" in shown.stdout


def test_a_file_with_a_few_bad_bytes_is_indexed_quoted_and_verified(tmp_path):
    (tmp_path / "x.txt").write_bytes(BAD_BYTES)
    indexed = run_search("index", "x.txt", cwd=tmp_path)
    assert indexed.returncode == 0, indexed.stderr
    assert ("warning: x.txt: 3 bytes are not valid UTF-8; replaced by U+FFFD (first at byte "
            "30, line 1)") in indexed.stderr
    assert counts(indexed.stderr) == counts(run_search("stats", cwd=tmp_path).stdout) == (1, 1)
    found = run_search("query", "阳朔", "--json", cwd=tmp_path)
    [hit] = json.loads(found.stdout)["hits"]
    assert hit["text"] == "桂林漓江山水甲天下。\ufffd\ufffd\ufffd阳朔西街夜景。"
    quoted = run_search("quote", hit["passage_id"], cwd=tmp_path)
    assert quoted.returncode == 0 and quoted.stderr == ""
    assert quoted.stdout.startswith(hit["text"])
    raw = run_search("quote", hit["passage_id"], "--raw", cwd=tmp_path)
    assert (raw.returncode, raw.stdout.strip(), raw.stderr) == (0, hit["text"], "")
    verified = run_search("verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert re.search(r"verified 1 passages?", verified.stdout)


def test_coverage_of_the_seeds_and_of_what_the_issue_saw(tmp_path):
    seeds = measure(SEEDS)
    assert (seeds.documents, seeds.articles, seeds.lost_chars) == (5, 7, 0)
    assert not seeds.empty_articles and not seeds.no_article
    (tmp_path / "a.jsonl").write_text(
        json.dumps(ISSUE_RECORD, ensure_ascii=False) + "\n"
        + json.dumps({"id": "b", "title": "空", "text": ""}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    (tmp_path / "x.txt").write_bytes(BAD_BYTES)
    issue = measure(tmp_path)
    assert (issue.files, issue.documents, issue.articles, issue.lost_chars) == (2, 3, 2, 0)
    assert issue.no_article == [f"{issue.warnings[0].path} (b)"]
    assert [w.reason for w in issue.warnings] == ["no text", "bad bytes"]


# ---------------------------------------------------------------- generated input

SIMPLIFIED = ["长沙银行", "供应链金融", "株洲", "硬质合金", "数字化转型", "中小企业", "湖南",
              "产业链", "发放贷款", "智能制造"]
TRADITIONAL = ["長沙銀行", "供應鏈金融", "數字化轉型", "中小企業", "產業鏈", "發放貸款"]
LATIN = ["iaas", "Python", "5G", "ABC", "POF", "CPU"]
NUMBERS = ["58家", "0.01度", "39.25亿元", "6.9%"]
WORDS = st.sampled_from(SIMPLIFIED + TRADITIONAL + LATIN + NUMBERS)
STEMS, BRANCHES = "甲乙丙丁戊己庚辛壬癸", "子丑寅卯辰巳午未申酉"  # in no word above
FULL_WIDTH = {"clause": "，", "ends": "。！？", "join": ""}
ASCII = {"clause": ",", "ends": ".!?", "join": " "}
BAD = "〓"  # where a bad byte goes: written as 0xFF, read back as U+FFFD


def phrase(words: list[str]) -> str:
    """Words run together as Chinese is written, Latin words set off by spaces."""
    return "".join(f" {word} " if word.isascii() else word for word in words).strip()


@st.composite
def sentences(draw, marks: dict) -> str:
    clauses = draw(st.lists(st.lists(WORDS, min_size=1, max_size=4).map(phrase),
                            min_size=1, max_size=3))
    return marks["clause"].join(clauses) + draw(st.sampled_from(marks["ends"]))


@dataclass
class Story:
    """One generated article: how it is stored, and the text it holds."""

    layout: str  # jsonl | txt | spaced | md
    title: str | None  # the title key: None when absent
    headline: str | None  # a first paragraph without a sentence end
    paragraphs: list[str]  # each ends a sentence; BAD marks a bad byte
    probes: tuple[str, str]  # a Latin and a Chinese word that only this story holds

    def body(self) -> str:
        return "\n\n".join(self.paragraphs).replace(BAD, "\ufffd")


@st.composite
def stories(draw, number: int) -> Story:
    marks = draw(st.sampled_from([FULL_WIDTH, ASCII]))
    paragraphs = draw(st.lists(st.lists(sentences(marks), min_size=1, max_size=3).map(
        marks["join"].join), min_size=1, max_size=4))
    probes = (f"qz{chr(97 + number)}x", STEMS[number % 10] + BRANCHES[number // 10])
    which = draw(st.integers(0, len(paragraphs) - 1))
    paragraphs[which] = f"{probes[0]} {probes[1]}{marks['clause']}{paragraphs[which]}"
    for i in draw(st.sets(st.integers(0, len(paragraphs) - 1), max_size=2)):
        paragraphs[i] += "这是一个测试段落。" + BAD  # enough good characters around a bad byte
    layout = draw(st.sampled_from(["jsonl", "txt", "spaced", "md"]))
    title = None  # plain text has no title key; records and front matter may have one
    if layout in ("jsonl", "md"):
        title = draw(st.sampled_from([None, "", phrase(draw(st.lists(WORDS, min_size=1,
                                                                     max_size=3)))]))
    headline = draw(st.none() | st.lists(WORDS, min_size=1, max_size=5, unique=True).map(
        lambda words: phrase(words) + "综述"))  # 综述: never undoubled, never a sentence end
    return Story(layout, title, headline, paragraphs, probes)


def write(folder: Path, corpus: list[Story]) -> dict[str, Story]:
    """Write the stories: JSONL records into one file, the others a file each. Returns each
    story by the name a hit shows for it: the record id, or the file name."""
    by_name, records = {}, []
    for n, story in enumerate(corpus):
        blocks = ([story.headline] if story.headline else []) + story.paragraphs
        if story.layout == "jsonl":
            record = {"id": f"r{n}", "text": "\n".join(blocks)}
            if story.title is not None:
                record["title"] = story.title
            records.append(json.dumps(record, ensure_ascii=False))
            by_name[f"r{n}"] = story
            continue
        if story.layout == "md":
            front = "" if story.title is None else f"---\ntitle: '{story.title}'\n---\n"
            heading = [f"# {story.headline}"] if story.headline else []
            text = front + "\n\n".join(heading + story.paragraphs)
        else:
            text = ("\u3000\u3000" if story.layout == "spaced" else "\n\n").join(blocks)
        name = f"s{n}.md" if story.layout == "md" else f"s{n}.txt"
        (folder / name).write_bytes(text.encode().replace(BAD.encode(), b"\xff"))
        by_name[name] = story
    if records:
        (folder / "records.jsonl").write_bytes(
            "\n".join(records).encode().replace(BAD.encode(), b"\xff"))
    return by_name


def squeeze(text: str) -> str:
    return "".join(text.split())


CORPORA = st.integers(1, 6).flatmap(
    lambda size: st.tuples(*[stories(n) for n in range(size)]).map(list))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CORPORA)
def test_every_body_character_ends_up_in_exactly_one_passage(corpus):
    with tempfile.TemporaryDirectory() as folder:
        by_name = write(Path(folder), corpus)
        for path in sorted(Path(folder).iterdir()):
            warnings = []
            for doc in read_file(path, warnings.append):
                story = by_name[doc.article_id if path.suffix == ".jsonl" else path.name]
                [article] = segment(doc, warnings.append)
                _check_article(doc, article, story)
            assert all(w.reason == "bad bytes" for w in warnings), warnings


def _check_article(doc, article, story: Story) -> None:
    """The title is the title key, else the headline or nothing; the passages hold the body,
    each character once, in order, and each re-extracts from its span."""
    passages = article.passages
    if story.title is not None:
        assert article.title == story.title
    else:
        assert article.title in ("", story.headline)
    body = story.body()
    heads = {p.section.split(" › ")[0] for p in passages}
    if story.headline and article.title != story.headline and story.headline not in heads:
        body = story.headline + body  # neither title nor heading: it is text
    assert squeeze("".join(p.text for p in passages)) == squeeze(body)
    for before, after in zip(passages, passages[1:], strict=False):
        assert before.char_end <= after.char_start
    for p in passages:
        assert clean_text(doc.raw[p.char_start:p.char_end], doc.format) == p.text
    for probe in story.probes:
        assert sum(probe in p.text for p in passages) == 1


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(CORPORA)
def test_every_story_is_found_by_its_own_words_and_the_counts_are_true(corpus):
    with tempfile.TemporaryDirectory() as folder:
        files, index = Path(folder) / "corpus", Path(folder) / "index"
        files.mkdir()
        by_name = write(files, corpus)
        report = index_paths(index, [files], jobs=1)
        engine = Engine(index)
        try:
            stats = engine.stats()
            assert (report.articles, report.passages) == (stats["articles"], stats["passages"])
            assert report.articles == len(corpus) and report.files == stats["files"]
            assert not report.skipped
            for name, story in by_name.items():
                for probe in story.probes:
                    hits = engine.query(probe, 10)["hits"]
                    shown = {h["article_id"] if h["path"].endswith(".jsonl")
                             else Path(h["path"]).name for h in hits}
                    assert shown == {name}, (probe, shown)
        finally:
            engine.close()

"""FastSegmentWriter writes the same index as Whoosh's own SegmentWriter, posting for posting
(read through Whoosh's matchers: the postings are in another format, ``postings_format``)."""

import json
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.query import Term
from whoosh.writing import SegmentWriter

from search import indexer
from search.backends.whoosh import parallel
from search.backends.whoosh.backend import WhooshBackend, make_schema
from search.backends.whoosh.codec import CompactCodec
from search.backends.whoosh.merge import SMALL_SEGMENTS, merge_segments, merge_small_segments
from search.backends.whoosh.parallel import ParallelWriter, WriterPool
from search.backends.whoosh.postings import (
    SAME_POSITION,
    FastSegmentWriter,
    decode_tokens,
    encode_tokens,
)
from search.backends.whoosh.stored import document
from search.indexer import index_paths
from search.ingest.readers import read_file
from search.ingest.records import records_for
from search.ingest.segment import segment
from search.query.parse import parse

COPIES = 3  # each seed passage added three times: common terms then span several blocks


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    """Whoosh documents of every seed passage, ``COPIES`` times under distinct ids."""
    base = [document(record) for path in sorted(Path("seeds").iterdir())
            for doc in read_file(path) for article in segment(doc)
            for record in records_for(article)]
    return [{**doc, "passage_id": f"{doc['passage_id']}~{copy}"}
            for copy in range(COPIES) for doc in base]


def build(folder: Path, writer_class, batches: list[list[dict]], delete: str = "",
          optimize: bool = False):
    """An index written by ``writer_class``, one commit per batch; then, if asked, one
    more commit that deletes ``delete``'s passages and merges all segments into one."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    for batch in batches:
        writer = writer_class(ix)
        for doc in batch:
            writer.add_document(**doc)
        writer.commit(merge=False)
    if delete or optimize:
        writer = writer_class(ix)
        if delete:
            writer.delete_by_term("path", delete)
        writer.commit(optimize=optimize)
    return ix


def assert_same_index(expected, actual) -> None:
    """Same terms, term statistics, postings (ids, weights, values), stored fields and
    field lengths; a list is one block to Whoosh's matcher, with the term's statistics."""
    with expected.reader() as want, actual.reader() as got:
        terms = list(want.all_terms())
        assert list(got.all_terms()) == terms
        for field, text in terms:
            want_info, got_info = want.term_info(field, text), got.term_info(field, text)
            assert ((want_info.weight(), want_info.doc_frequency(), want_info.min_length(),
                     want_info.max_length(), want_info.max_weight(), want_info.min_id(),
                     want_info.max_id())
                    == (got_info.weight(), got_info.doc_frequency(), got_info.min_length(),
                        got_info.max_length(), got_info.max_weight(), got_info.min_id(),
                        got_info.max_id())), (field, text)
            assert postings_of(got, field, text) == postings_of(want, field, text), (field, text)
            assert set(block_statistics(got, field, text)) <= {
                (got_info.min_length(), got_info.max_length(), got_info.max_weight())}
        assert got.doc_count_all() == want.doc_count_all()
        for docnum in range(want.doc_count_all()):
            assert got.stored_fields(docnum) == want.stored_fields(docnum)
            for field in ("text", "title", "section", "bigram"):
                assert (got.doc_field_length(docnum, field)
                        == want.doc_field_length(docnum, field))


def postings_of(reader, field: str, text: str) -> list[tuple]:
    """Every posting of a term (docnum, weight, value), deleted ones included."""
    return [posting[:3] for posting in matched(reader, field, text)]


def block_statistics(reader, field: str, text: str) -> list[tuple]:
    """The statistics of each posting's block (min and max length, max weight)."""
    return [posting[3:] for posting in matched(reader, field, text)]


def matched(reader, field: str, text: str) -> list[tuple]:
    """Every posting of a term with the statistics of its block, deleted ones included."""
    found = []
    for segment_reader, offset in zip(getattr(reader, "readers", [reader]),
                                      getattr(reader, "doc_offsets", [0]), strict=True):
        if (field, text) not in segment_reader:
            continue
        matcher = segment_reader.postings(field, text)
        while matcher.is_active():
            found.append((matcher.id() + offset, matcher.weight(), matcher.value(),
                          matcher.block_min_length(), matcher.block_max_length(),
                          matcher.block_max_weight()))
            matcher.next()
    return found


def test_one_segment_is_written_as_whoosh_writes_it(documents, tmp_path):
    expected = build(tmp_path / "whoosh", SegmentWriter, [documents])
    actual = build(tmp_path / "fast", FastSegmentWriter, [documents])
    assert_same_index(expected, actual)
    with actual.reader() as reader:  # the fixture does reach past one block per term
        assert max(reader.doc_frequency(*term) for term in reader.all_terms()) > 2 * 128


def test_whooshs_own_writer_with_the_codec_writes_the_same_index(documents, tmp_path):
    """A term at a time (``CompactFieldWriter.finish_term``), as Whoosh's ``SegmentWriter``
    writes through a codec, gives the postings ``FastSegmentWriter`` gives many at once."""
    expected = build(tmp_path / "whoosh", SegmentWriter, [documents])
    actual = build(tmp_path / "compact", compact_writer, [documents])
    assert_same_index(expected, actual)
    with actual.reader() as reader:
        assert type(reader.codec()) is CompactCodec


def compact_writer(ix) -> SegmentWriter:
    return SegmentWriter(ix, codec=CompactCodec())


def test_segments_merged_with_deletions_are_written_as_whoosh_writes_them(documents, tmp_path):
    half = len(documents) // 2
    batches = [documents[:half], documents[half:]]
    deleted = documents[0]["path"]
    expected = build(tmp_path / "whoosh", SegmentWriter, batches, deleted, optimize=True)
    actual = build(tmp_path / "fast", FastSegmentWriter, batches, deleted, optimize=True)
    assert_same_index(expected, actual)
    with actual.reader() as reader:
        assert reader.doc_count_all() < len(documents)  # the deleted passages were dropped


def merge_all(writer, segments: list) -> list:
    return [merge_segments(writer, segments)]


def test_segments_merged_a_term_at_a_time_are_those_whoosh_merges(documents, tmp_path):
    """``merge.merge_segments`` of three segments, one with deletions, gives the segment
    Whoosh's own merge gives, posting for posting."""
    third = len(documents) // 3
    batches = [documents[:third], documents[third:2 * third], documents[2 * third:]]
    deleted = documents[0]["path"]
    expected = build(tmp_path / "whoosh", SegmentWriter, batches, deleted, optimize=True)
    actual = build(tmp_path / "fast", FastSegmentWriter, batches)
    writer = FastSegmentWriter(actual)
    writer.delete_by_term("path", deleted)
    writer.commit(mergetype=merge_all)
    assert segment_count(actual) == 1
    assert_same_index(expected, actual)


def test_a_merge_keeps_each_fields_total_length(documents, tmp_path):
    """The lengths BM25 averages over: the segments' exact totals, not the sums of each
    passage's length as stored (a byte, rounded), which Whoosh's merge adds up."""
    half = len(documents) // 2
    ix = build(tmp_path / "fast", FastSegmentWriter, [documents[:half], documents[half:]])
    with ix.reader() as reader:
        before = {field: reader.field_length(field) for field in ("text", "title", "bigram")}
    writer = FastSegmentWriter(ix)
    writer.commit(mergetype=merge_all)
    with ix.reader() as reader:
        assert segment_count(ix) == 1
        assert {field: reader.field_length(field) for field in before} == before


@pytest.mark.parametrize("tokens", [
    [],
    [("长沙", 0), ("银行", 1)],
    [("中华", 0), ("中华人民共和国", 0), ("人民", 1), ("中华", 2)],  # search-mode repeats
])
def test_decode_tokens_inverts_encode_tokens(tokens):
    assert decode_tokens(encode_tokens(tokens)) == tokens


def test_same_position_is_a_marker_not_a_term():
    encoded = encode_tokens([("中华", 0), ("中华人民共和国", 0)])
    assert encoded == f"中华 {SAME_POSITION}中华人民共和国"


def segment_count(ix) -> int:
    with ix.reader() as reader:
        return len(getattr(reader, "readers", [reader]))


def test_a_writer_past_its_postings_limit_goes_on_in_a_new_segment(documents, tmp_path):
    expected = build(tmp_path / "whoosh", SegmentWriter, [documents])
    (tmp_path / "fast").mkdir()
    actual = whoosh_index.create_in(str(tmp_path / "fast"), make_schema())
    writer = FastSegmentWriter(actual, max_postings=5000)
    for doc in documents:
        writer.add_document(**doc)
    writer.commit()
    assert segment_count(actual) > 2
    assert_same_postings(expected, actual)


def test_writer_processes_return_all_their_segments(documents, tmp_path):
    expected = build(tmp_path / "whoosh", SegmentWriter, [documents])
    (tmp_path / "parallel").mkdir()
    actual = whoosh_index.create_in(str(tmp_path / "parallel"), make_schema())
    writers = WriterPool(actual.storage, actual.indexname, 2, {"max_postings": 5000})
    try:
        writer = ParallelWriter(actual, writers)
        for doc in documents:
            writer.add_document(**doc)
        writer.commit()
    finally:
        writers.stop()
    assert segment_count(actual) > 2
    assert_same_hits(expected, actual)


def test_writer_processes_analyse_and_outlast_a_commit(documents, tmp_path):
    """Articles handed over unanalysed (``add_analysed``) are analysed by the writer
    processes into the same passages; the processes write their segments at each commit
    and go on, the same processes, into the next."""
    expected = build(tmp_path / "whoosh", SegmentWriter, [documents[: len(documents) // COPIES]])
    (tmp_path / "parallel").mkdir()
    actual = whoosh_index.create_in(str(tmp_path / "parallel"), make_schema())
    articles = [article for path in sorted(Path("seeds").iterdir())
                for doc in read_file(path) for article in segment(doc)]
    writers = WriterPool(actual.storage, actual.indexname, 2, {"max_postings": 5000})
    try:
        pids = []
        for half in (articles[::2], articles[1::2]):
            writer = ParallelWriter(actual.refresh(), writers)
            for article in half:
                writer.add_analysed(records_for, (article,))
            writer.commit()
            pids.append([task.pid for task in writers.tasks])
    finally:
        writers.stop()
    assert pids[0] == pids[1] and all(pids[0])
    assert not writers.tasks
    assert_same_hits(expected, actual)


def test_a_job_holds_a_few_big_articles_not_a_hundred(tmp_path, monkeypatch):
    """Articles go to the writer processes in jobs of ``JOB_PASSAGES`` passages (the article
    that reaches it included) when that comes before Whoosh's 100 articles: the job queue
    then holds seconds of work, and a commit waits for no more."""
    monkeypatch.setattr(parallel, "JOB_PASSAGES", 25)
    index = whoosh_index.create_in(str(tmp_path), make_schema())
    articles = [article for path in sorted(Path("seeds").iterdir())
                for doc in read_file(path) for article in segment(doc)]
    writers = WriterPool(index.storage, index.indexname, 2, {"max_postings": 5000})
    jobs = []
    try:
        writer = ParallelWriter(index.refresh(), writers)
        enqueue = writer._enqueue
        writer._enqueue = lambda: (jobs.append(len(writer.docbuffer)), enqueue())
        for article in articles:
            writer.add_analysed(records_for, (article,), 10)  # ten passages, say, each
        writer.commit()
    finally:
        writers.stop()
    assert len(articles) > 3 and jobs == [3] * (len(articles) // 3) + [len(articles) % 3] * (
        len(articles) % 3 > 0)
    with index.refresh().searcher() as searcher:
        assert searcher.doc_count() == sum(len(records_for(article)) for article in articles)


def assert_same_hits(expected, actual) -> None:
    with expected.searcher() as want, actual.searcher() as got:
        assert got.doc_count() == want.doc_count()
        for field, text in [("text", "银行"), ("bigram", "长沙"), ("cities", "株洲")]:
            query = Term(field, text)
            assert (sorted(hit["passage"] for hit in got.search(query, limit=None))
                    == sorted(hit["passage"] for hit in want.search(query, limit=None)))


def assert_same_postings(expected, actual) -> None:
    """Same postings (ids, weights, values) and stored fields, however split in segments."""
    with expected.reader() as want, actual.reader() as got:
        terms = list(want.all_terms())
        assert list(got.all_terms()) == terms
        for field, text in terms:
            assert postings_of(got, field, text) == postings_of(want, field, text)
        for docnum in range(want.doc_count_all()):
            assert got.stored_fields(docnum) == want.stored_fields(docnum)


@pytest.mark.parametrize("segments", [3, 4])
def test_small_segments_are_merged_once_there_are_a_few(documents, tmp_path, segments):
    """Fewer than ``SMALL_SEGMENTS`` small segments stay as they are (a run's last commit,
    often empty, does not merge what the run just wrote); that many become one."""
    size = len(documents) // segments
    batches = [documents[n * size:(n + 1) * size] for n in range(segments)]
    ix = build(tmp_path / "fast", FastSegmentWriter, batches)
    FastSegmentWriter(ix).commit(mergetype=merge_small_segments)
    assert segment_count(ix) == (1 if segments >= SMALL_SEGMENTS else segments)
    with ix.reader() as reader:
        assert reader.doc_count() == size * segments


def test_a_run_that_leaves_many_segments_merges_them(tmp_path):
    """A big file committed every 100 passages leaves more than ``MAX_SEGMENTS`` segments
    before its last commit, which merges them into one: the same passages as a run that
    commits once, in at most two segments (the merged one and the last commit's)."""
    write_big_file(tmp_path / "big.jsonl")
    index_paths(tmp_path / "once", [tmp_path / "big.jsonl"], jobs=1)
    index_paths(tmp_path / "batched", [tmp_path / "big.jsonl"], jobs=1, in_file_batch=100)
    assert_same_run(tmp_path / "once", tmp_path / "batched", 2)


def test_writer_processes_last_a_run_and_merge_half_of_its_segments(tmp_path, monkeypatch):
    """Two writer processes for a run of 12 commits, the same two at every commit; the
    last commit merges its many segments in two halves at once, one in a writer process:
    the same passages as a run that commits once, in at most four segments (two merged,
    and the last commit's, one a process)."""
    started = []
    monkeypatch.setattr(indexer, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(WriterPool, "start", counting(WriterPool.start, started))
    write_big_file(tmp_path / "big.jsonl")
    index_paths(tmp_path / "once", [tmp_path / "big.jsonl"], jobs=1)
    index_paths(tmp_path / "batched", [tmp_path / "big.jsonl"], jobs=2, in_file_batch=100)
    assert len(started) == 1  # (a pool's start does nothing while its processes run)
    assert_same_run(tmp_path / "once", tmp_path / "batched", 4)


def counting(method, calls: list):
    """``method``, appending its arguments to ``calls`` each time it starts processes."""
    def counted(pool, *args):
        if not pool.tasks:
            calls.append(args)
        return method(pool, *args)
    return counted


def write_big_file(path: Path) -> None:
    """A JSONL file of 1,200 records of the seeds' paragraphs."""
    paragraphs = [p for seed in sorted(Path("seeds").glob("*.txt"))
                  for p in seed.read_text(encoding="utf-8").split("\n") if len(p) > 30]
    with open(path, "w", encoding="utf-8") as out:
        for n in range(1200):
            text = f"第{n}号记录。" + paragraphs[n % len(paragraphs)]
            out.write(json.dumps({"id": f"r{n}", "text": text}, ensure_ascii=False) + "\n")


def assert_same_run(at_once: Path, batched_at: Path, most_segments: int) -> None:
    """The index committed in batches holds what the one committed once does, in at most
    ``most_segments`` segments."""
    once, batched = WhooshBackend.open(at_once), WhooshBackend.open(batched_at)
    assert len(batched.ix._segments()) <= most_segments
    assert ({fields["passage_id"]: fields for fields in batched.passages()}
            == {fields["passage_id"]: fields for fields in once.passages()})
    assert batched.counts() == once.counts()
    for words in ["第1199号记录", "株洲", "小巨人"]:
        assert (batched.search(parse(words), 10).total
                == once.search(parse(words), 10).total > 0)
    once.close(), batched.close()


def test_a_schema_pickled_before_the_backends_moved_still_loads():
    """Whoosh pickles the schema, with its classes' module, into every table of contents:
    indexes written before ``search/backends/`` name ``search.whoosh_backend``."""
    import pickle

    from search.backends.whoosh.backend import Counted, PreTokenized

    old = pickle.dumps(make_schema(), protocol=0).replace(
        b"search.backends.whoosh.backend", b"search.whoosh_backend")
    assert b"search.whoosh_backend" in old
    schema = pickle.loads(old)
    assert isinstance(schema["text"].format, Counted)
    assert isinstance(schema["text"].analyzer, PreTokenized)

"""Source identity: paths recorded against the folder that holds the index, shown relative to
where the user stands; nothing removed that the user did not remove."""

import doctest
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import search.ingest.sources
from search.cli import cli
from search.engine import Engine
from search.ingest.sources import Sources
from tests.conftest import ROOT, SEEDS, run_search

HOLDS = "the index holds 5 files, 7 articles, 145 passages"
KEPT = "check the path; nothing indexed from it is removed"


def invoke(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """``ux/seeds`` indexed into ``ux/index`` from ``ux``; ``elsewhere`` is an unrelated folder.
    The test starts in ``ux``."""
    shutil.copytree(ROOT / "seeds", tmp_path / "ux" / "seeds")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "ux")
    assert invoke("index", "seeds").exit_code == 0
    return tmp_path.resolve()


def stats(index_dir: Path) -> dict:
    engine = Engine(index_dir)
    try:
        return {**engine.stats(), "ids": sorted(engine.backend.passage_ids())}
    finally:
        engine.close()


def test_the_doctest_of_sources_runs():
    assert doctest.testmod(search.ingest.sources).failed == 0


@pytest.mark.parametrize("index_dir, path, stored", [
    ("/data/news/index", "/data/news/seeds/a.txt", "seeds/a.txt"),
    ("/data/news/index/", "/data/news/seeds", "seeds"),
    ("/data/news/index", "/data/news", "."),
    ("/data/news/index", "/data/news/../other/b.txt", "/data/other/b.txt"),
    ("/data/news/index", "/data/news-2/c.txt", "/data/news-2/c.txt"),
    ("/data/news/index", "/data/news/seeds/x.jsonl.gz", "seeds/x.jsonl.gz"),
])
def test_recorded_paths(index_dir, path, stored):
    sources = Sources(Path(index_dir))
    assert sources.stored(Path(path)) == stored
    assert sources.file(stored) == Path(os.path.normpath(path))


@pytest.mark.parametrize("stored, folders, within", [
    ("seeds/a.txt", ["seeds"], True),
    ("seeds/a.txt", ["."], True),
    ("seeds-2/a.txt", ["seeds"], False),
    ("/elsewhere/b.txt", ["."], False),  # ROOT holds what is recorded relative to it only
    ("/elsewhere/b.txt", ["/elsewhere"], True),
])
def test_which_recorded_paths_a_folder_holds(stored, folders, within):
    assert Sources(Path("/data/news/index")).within(stored, folders) is within


def test_indexing_the_project_folder_keeps_sources_outside_it(tmp_path, monkeypatch):
    (tmp_path / "project").mkdir()
    (tmp_path / "elsewhere").mkdir()
    for seed, folder in zip(sorted(SEEDS.glob("*.txt"))[:2], ("project", "elsewhere"), strict=True):
        shutil.copy(seed, tmp_path / folder)
    monkeypatch.chdir(tmp_path / "project")
    invoke("index", str(tmp_path / "elsewhere"))
    result = invoke("index", ".")
    assert result.exit_code == 0 and ", 0 removed," in result.output
    assert "2 files" in invoke("stats").output


@pytest.mark.parametrize("cwd, index_dir, path", [
    ("", "ux/index", "ux/seeds/a.txt"),
    ("ux", "index", "seeds/a.txt"),
    ("ux/seeds", "../index", "a.txt"),
    ("elsewhere", "../ux/index", "../ux/seeds/a.txt"),
    ("link", "index", "seeds/a.txt"),  # link -> ux: a linked folder on the way is resolved
])
def test_a_file_is_recorded_the_same_from_any_folder(tmp_path, monkeypatch, cwd, index_dir,
                                                     path):
    (tmp_path / "ux" / "seeds").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "ux")
    monkeypatch.chdir(tmp_path / cwd)
    assert Sources(Path(index_dir)).stored(Path(path)) == "seeds/a.txt"


def test_a_linked_file_is_recorded_as_itself(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "target.txt").write_text("株洲", encoding="utf-8")
    (tmp_path / "seeds" / "linked.txt").symlink_to(tmp_path / "target.txt")
    assert Sources(tmp_path / "index").stored(tmp_path / "seeds/linked.txt") == "seeds/linked.txt"


@pytest.mark.parametrize("cwd, shown", [
    ("ux", "seeds/a.txt"),
    ("", "ux/seeds/a.txt"),
    ("ux/seeds", "a.txt"),
    ("elsewhere", "{tmp}/ux/seeds/a.txt"),  # outside the working directory: absolute
])
def test_shown_paths_are_relative_to_where_the_user_stands(tmp_path, monkeypatch, cwd, shown):
    (tmp_path / "ux" / "seeds").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    sources = Sources(tmp_path / "ux" / "index")
    monkeypatch.chdir(tmp_path / cwd)
    assert sources.shown("seeds/a.txt") == shown.format(tmp=tmp_path.resolve().as_posix())


def test_the_same_files_named_from_anywhere_are_not_indexed_twice(project, monkeypatch):
    before = stats(project / "ux" / "index")
    assert before["passages"] == 145 and before["ids"][0].startswith("seeds/000_")
    for cwd, args in [
        (project, ["--index-dir", "ux/index", "index", "ux/seeds"]),
        (project / "elsewhere", ["index", str(project / "ux" / "seeds"),
                                 "--index-dir", str(project / "ux" / "index")]),
        (project / "ux" / "seeds", ["--index-dir", "../index", "index", "."]),
    ]:
        monkeypatch.chdir(cwd)
        result = invoke(*args)
        index_dir = args[args.index("--index-dir") + 1]
        assert (result.exit_code, result.output) == (
            0, f"nothing to update in {index_dir}/: 5 unchanged; {HOLDS}\n")
    assert stats(project / "ux" / "index") == before


def test_a_file_changed_and_indexed_from_another_folder_is_updated(project, monkeypatch):
    changed = project / "ux" / "seeds" / "002_50dce2328ed16d13.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\n株洲新增一段话。\n", "utf-8")
    monkeypatch.chdir(project)
    result = invoke("--index-dir", "ux/index", "index", "ux/seeds", "-v")
    assert "updated   ux/seeds/002_50dce2328ed16d13.txt" in result.output
    holds = stats(project / "ux" / "index")
    assert (holds["files"], holds["articles"]) == (5, 7)
    assert result.output.endswith(f"the index holds 5 files, 7 articles, "
                                  f"{holds['passages']} passages\n")


@pytest.mark.parametrize("cwd, shown", [
    ("ux", "seeds/003_87c9261d10d2c016.txt"),
    ("", "ux/seeds/003_87c9261d10d2c016.txt"),
    ("elsewhere", "{tmp}/ux/seeds/003_87c9261d10d2c016.txt"),
])
def test_verify_quote_and_show_work_from_any_folder(project, monkeypatch, cwd, shown):
    shown = shown.format(tmp=project.as_posix())
    monkeypatch.chdir(project / cwd)
    index = ["--index-dir", str(project / "ux" / "index")]
    verified = invoke(*index, "verify")
    assert (verified.exit_code, verified.output) == (
        0, "verified 145 passages: each re-extracts exactly from its source\n")
    quote = json.loads(invoke(*index, "quote", "seeds/003_87c9261d10d2c016:12",
                              "--format", "json").output)
    assert quote["path"] == shown and quote["citation"].endswith(f"，{shown}:25，" + quote["url"])
    raw = invoke(*index, "quote", "seeds/003_87c9261d10d2c016:12", "--raw")
    assert raw.exit_code == 0 and "黑灯工厂" in raw.output
    hit = json.loads(invoke(*index, "query", '"黑灯工厂"', "--json").output)["hits"][0]
    assert (hit["path"], hit["passage_id"]) == (shown, "seeds/003_87c9261d10d2c016:12")
    outline = invoke(*index, "show", "seeds/003_87c9261d10d2c016").output.splitlines()
    assert outline[1].endswith(f"  ·  {shown}, lines 8-39")


def test_a_source_that_changed_is_named_as_shown_from_another_folder(project, monkeypatch):
    changed = project / "ux" / "seeds" / "003_87c9261d10d2c016.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("黑灯工厂", "无人工厂"), "utf-8")
    monkeypatch.chdir(project)
    result = invoke("--index-dir", "ux/index", "verify")
    assert result.exit_code == 1
    assert "seeds/003_87c9261d10d2c016:12  ux/seeds/003_87c9261d10d2c016.txt:25  its recorded " \
        "span no longer gives back its text\n" in result.output
    assert result.output.endswith("error: 1 of 145 passages in 1 file no longer matches its "
                                  "source; re-index them with `search --index-dir ux/index index "
                                  "PATH`\n")


def test_a_missing_folder_keeps_its_files_and_exits_1(project):
    shutil.move("seeds", "../moved")
    result = invoke("index")
    assert (result.exit_code, result.output) == (
        1, f"error: seeds: no such file or folder; {KEPT}\n"
           f"nothing to update in index/: 1 path could not be read; {HOLDS}\n")
    assert stats(Path("index"))["passages"] == 145


def test_the_other_paths_are_still_indexed(project):
    Path("more").mkdir()
    Path("more/new.txt").write_text("株洲的硬质合金产业。", encoding="utf-8")
    result = invoke("index", "missing", "more", "also-missing.txt")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:2] == [f"error: missing: no such file or folder; {KEPT}",
                         f"error: also-missing.txt: no such file or folder; {KEPT}"]
    assert lines[2].endswith(": 1 added, 0 updated, 0 removed, 0 unchanged, 0 skipped, 2 paths "
                             "could not be read; the index holds 6 files, 8 articles, "
                             "146 passages")
    assert stats(Path("index"))["files"] == 6


def test_a_file_gone_from_a_folder_that_is_read_is_removed(project):
    Path("seeds/000_afc4210ba7f2fd67.txt").unlink()
    result = invoke("index", "-v")
    assert result.exit_code == 0
    assert "removed   seeds/000_afc4210ba7f2fd67.txt" in result.output.splitlines()
    assert stats(Path("index"))["files"] == 4


def test_a_rebuild_with_a_missing_path_is_refused(project):
    result = invoke("index", "--rebuild", "seeds", "missing")
    assert (result.exit_code, result.output) == (
        1, f"error: missing: no such file or folder; {KEPT}\n"
           "error: not rebuilding index/: 1 of the paths cannot be read; the index is unchanged\n")
    assert stats(Path("index"))["passages"] == 145


def test_no_index_is_made_where_there_is_nothing_to_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("index")
    assert (result.exit_code, result.output) == (
        1, f"error: seeds: no such file or folder; {KEPT}\nnothing to update in index/: 1 path "
           "could not be read; the index holds 0 files, 0 articles, 0 passages\n")
    assert not Path("index").exists()


def test_the_index_folder_is_never_indexed(project):
    result = invoke("index", ".")
    assert (result.exit_code, result.output) == (
        0, f"nothing to update in index/: 5 unchanged; {HOLDS}\n")


def test_a_named_index_without_paths_asks_for_them(project):
    """`cd / && SEARCH_INDEX_DIR=D search index` used to empty D: seeds/ is not in /."""
    index = str(project / "ux" / "index")
    done = run_search("index", cwd="/", env={"SEARCH_INDEX_DIR": index})
    assert (done.returncode, done.stderr) == (
        2, f"error: give the files and folders to index into {index}/, e.g. `search --index-dir "
           f"{index} index seeds/`; only the default index/ indexes seeds/ when no path is given\n")
    assert stats(Path("index"))["passages"] == 145
    result = invoke("--index-dir", "laws", "index")  # from a folder that has seeds/
    assert result.exit_code == 2 and "give the files and folders to index into laws/" in \
        result.output
    assert not Path("laws").exists()
    same = invoke("--index-dir", "../ux/index", "index")  # the default index, named
    assert (same.exit_code, same.output) == (0, f"nothing to update in ../ux/index/: 5 "
                                                f"unchanged; {HOLDS}\n")


@pytest.mark.parametrize("command", [
    ["query", "株洲"], ["facets"], ["quote", "seeds/003_87c9261d10d2c016:12"],
    ["show", "seeds/003_87c9261d10d2c016"], ["stats"], ["verify"]])
@pytest.mark.parametrize("how", ["option", "option after", "environment"])
def test_a_named_index_that_does_not_exist_is_an_error(project, command, how):
    """From a folder that has seeds/: a typo in --index-dir is not a new seeds index."""
    args = {"option": ["--index-dir", "indx", *command], "option after": [*command,
            "--index-dir", "indx"], "environment": command}[how]
    env = {"SEARCH_INDEX_DIR": "indx"} if how == "environment" else None
    result = CliRunner().invoke(cli, args, env=env)
    assert (result.exit_code, result.output) == (
        1, "error: no index in indx/; check --index-dir (or SEARCH_INDEX_DIR), or build one "
           "with `search --index-dir indx index PATH`\n")
    assert not Path("indx").exists()


def test_the_default_index_is_still_built_from_seeds_on_first_use(project):
    shutil.rmtree("index")
    result = invoke("query", '"黑灯工厂"', "-n", "1")
    assert result.exit_code == 0
    assert result.output.startswith("the index in index/ is empty: indexing seeds/ first\n"
                                    "indexed into index/ in ")
    assert f"; {HOLDS}\n1 passage matches:\n" in result.output

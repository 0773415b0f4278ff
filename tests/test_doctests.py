"""The examples in the modules' docstrings run (Whoosh's stale doctest is the
counter-example)."""

import doctest
import importlib

import pytest

MODULES = ["search.query.bm25f", "search.query.near", "search.text.sounds", "search.text.analysis", "search.export", "search.text.stories",
           "search.cli.options", "search.ingest.sources"]


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_of_a_module_run(name):
    found = doctest.testmod(importlib.import_module(name))
    assert found.failed == 0 and found.attempted > 0

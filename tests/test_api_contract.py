"""The API's description can be trusted: a real contract tester (schemathesis, every check) runs
against `search serve` on the seeds, generating requests from /openapi.json and checking that
every answer is one the description gives (status, headers, body), that schema-valid requests
are not refused but for what the schema cannot say (tests/schemathesis.toml) and that no
method it does not describe gets anything but a 405 with ``Allow``."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import serving

CONFIG = Path(__file__).parent / "schemathesis.toml"
EXAMPLES = 40  # requests generated for each operation and phase


@pytest.mark.skipif(shutil.which("schemathesis") is None and not Path(sys.executable).with_name(
    "schemathesis").exists(), reason="schemathesis is not installed (pip install -e '.[test]')")
def test_the_api_answers_as_it_is_described(seed_workspace):
    with serving(seed_workspace, "/openapi.json") as url:
        tester = Path(sys.executable).with_name("schemathesis")
        done = subprocess.run([str(tester) if tester.exists() else "schemathesis",
                               "--config-file", str(CONFIG), "run", url, "--checks", "all",
                               "--max-examples", str(EXAMPLES), "--seed", "1"],
                              capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]

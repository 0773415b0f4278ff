"""The API's description can be trusted: a real contract tester (schemathesis, every check) runs
against `search serve` on the seeds, generating requests from /openapi.json and checking that
every answer is one the description gives (status, headers, body), that schema-valid requests
are not refused but for what the schema cannot say (tests/schemathesis.toml) and that no
method it does not describe gets anything but a 405 with ``Allow``."""

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_web import free_port

CONFIG = Path(__file__).parent / "schemathesis.toml"
EXAMPLES = 40  # requests generated for each operation and phase


@pytest.mark.skipif(shutil.which("schemathesis") is None and not Path(sys.executable).with_name(
    "schemathesis").exists(), reason="schemathesis is not installed (pip install -e '.[test]')")
def test_the_api_answers_as_it_is_described(seed_workspace):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "search", "--index-dir", "index", "serve",
                               "--port", str(port)], cwd=seed_workspace,
                              stderr=subprocess.DEVNULL,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}/openapi.json"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        tester = Path(sys.executable).with_name("schemathesis")
        done = subprocess.run([str(tester) if tester.exists() else "schemathesis",
                               "--config-file", str(CONFIG), "run", url, "--checks", "all",
                               "--max-examples", str(EXAMPLES), "--seed", "1"],
                              capture_output=True, text=True, timeout=600)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert done.returncode == 0, done.stdout[-3000:]

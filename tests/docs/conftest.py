"""The documentation site, built once for these tests: ``mkdocs build --strict`` into a
temporary folder, served on 127.0.0.1 for the browser test. One notebook, ``01_quickstart``,
is executed through the build's own mkdocs-jupyter path (``SYNAPSE_NB_DOCS_EXECUTE_ONLY``,
against a fresh embedded demo server at ``QUICKSTART_SCALE``, nothing cached) so a test can
check that its page holds the outputs; the others are rendered without being run (CI runs
every notebook under nbval already, and running them all again here would take minutes)."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 600
EXECUTED = "01_quickstart"
#: the demo server's scale in the executed notebook (small: it starts in seconds)
QUICKSTART_SCALE = 200


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason="mkdocs is the [docs] extra")
    site = tmp_path_factory.mktemp("site")
    # no configured backend: the notebook must fall back to the embedded demo server
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("SYNAPSE_HOST", "SYNAPSE_ACCESS_TOKEN", "SYNAPSE_API_TOKEN",
                                   "SYNAPSE_TENANT", "SYNAPSE_PLUGIN_RUN", "SYNAPSE_AGENT_TOKEN"))}
    env |= {"PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1",
            "SYNAPSE_NB_DOCS_EXECUTE": "true", "SYNAPSE_NB_DOCS_EXECUTE_ONLY": EXECUTED,
            "SYNAPSE_NB_DOCS_CACHE": "false", "SYNAPSE_NB_DEMO_SCALE": str(QUICKSTART_SCALE)}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                           str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    warnings = [line for line in proc.stderr.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert proc.returncode == 0, "\n".join(warnings) or proc.stderr[-5000:]
    site.with_name(f"{site.name}.log").write_text(proc.stderr, encoding="utf-8")
    return site


def build_log(site: Path) -> str:
    """What ``mkdocs build`` said while building ``site`` (which notebooks it executed)."""
    return site.with_name(f"{site.name}.log").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served by a plain static server on a free loopback port."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass

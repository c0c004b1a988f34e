"""Fixtures for the real-browser tests: Chromium, a headless JupyterLab, the demo server.

All are session-scoped (one JupyterLab, one Chromium, one server for every browser test)
and always torn down, also when a test fails. Each test gets a fresh page (``lab_page``)
whose full-page screenshot (under ``tmp_path``) and page errors are reported when it fails.

Without ``/usr/bin/chromium`` (or ``SNB_CHROMIUM``) the tests are skipped with the reason,
except under CI (``CI`` set), where that is a failure: ``./dev.sh test`` installs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from .chromium import chromium_path, launch_chromium, new_page
from .lab import JupyterLab

REPO = Path(__file__).resolve().parents[2]
# Environment names the notebooks read the server from (not secrets in a file/screenshot).
ENV_BASE_URL = "SNB_BROWSER_TEST_BASE_URL"
ENV_TOKEN = "SNB_BROWSER_TEST_ACCESS_TOKEN"
ENV_OTHER_TOKEN = "SNB_BROWSER_TEST_OTHER_TOKEN"
DEMO_SCALE = 400  # 200 tasks in project 1: enough pages, seeded in about a second


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = chromium_path()
    if path is None:
        where = os.environ.get("SNB_CHROMIUM") or "/usr/bin/chromium"
        reason = (f"Chromium is not installed ({where} missing): "
                  "install it with `apt-get install chromium` (./dev.sh test does)")
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; under CI the browser tests must run")
        pytest.skip(reason)
    return path


# Package scope, not session: while Playwright's sync API is open, the main thread has a
# running event loop, and every later test calling asyncio.run() would fail.
@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (extra [browser])")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def chromium(playwright_driver: Any, chromium_executable: str) -> Iterator[Any]:
    browser = launch_chromium(playwright_driver, chromium_executable)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The reference server with demo data, on 127.0.0.1, in a thread of this process."""
    try:
        from synapse_nb.server import Settings
        from synapse_nb.server.testing import serve_in_thread
    except ImportError as err:  # the server package is being written in parallel
        pytest.fail(f"the reference server is not importable yet: {err}")
    tmp = tmp_path_factory.mktemp("synapse-server")
    settings = Settings(db_path=tmp / "synapse.db", data_dir=tmp / "data", demo=True,
                        scale=DEMO_SCALE)
    with serve_in_thread(settings) as server:
        yield server


@pytest.fixture(scope="session")
def notebook_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("notebooks")


@pytest.fixture(scope="session")
def jupyter_lab(notebook_root: Path, tmp_path_factory: pytest.TempPathFactory,
                chromium_executable: str) -> Iterator[JupyterLab]:
    """JupyterLab on a free port with no server connection details (harness checks)."""
    lab = JupyterLab.start(root=notebook_root, workdir=tmp_path_factory.mktemp("lab"))
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="session")
def served_lab(demo_server: Any, tmp_path_factory: pytest.TempPathFactory,
               chromium_executable: str) -> Iterator[JupyterLab]:
    """JupyterLab whose kernels find the demo server in their environment."""
    env = {ENV_BASE_URL: demo_server.base_url, ENV_TOKEN: demo_server.access_token,
           ENV_OTHER_TOKEN: demo_server.other_access_token}
    root = tmp_path_factory.mktemp("served-notebooks")
    lab = JupyterLab.start(root=root, workdir=tmp_path_factory.mktemp("served-lab"), env=env)
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def screenshot_dir() -> Path:
    """Where the README screenshots go (``SNB_SCREENSHOT_DIR`` overrides)."""
    path = Path(os.environ.get("SNB_SCREENSHOT_DIR") or REPO / "docs" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def lab_page(chromium: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh page (context closed afterwards); on failure a full-page screenshot and the
    page's errors are written to ``tmp_path`` and named in the report."""
    context, page, watch = new_page(chromium)
    page.snb_watch = watch  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        if request.node.stash.get(_FAILED, False):
            shot = tmp_path / "failure.png"
            try:
                page.screenshot(path=str(shot), full_page=True, timeout=10_000)
                print(f"\nbrowser test failed: screenshot at {shot}")
            except Exception as err:  # the page may be gone; the report still says why
                print(f"\nbrowser test failed; no screenshot ({type(err).__name__})")
            print(f"page errors: {watch.page_errors[-5:]}\nconsole errors: "
                  f"{watch.console_errors[-5:]}\noff-loopback requests: {watch.offsite[-5:]}")
        context.close()

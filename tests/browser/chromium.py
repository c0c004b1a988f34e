"""Debian's Chromium driven by Playwright, kept on loopback, plus JupyterLab page helpers.

Playwright's own browser download is not reachable here, so the tests launch the system
``/usr/bin/chromium``. The browser cannot reach anything but loopback: every host name but
localhost resolves to nothing, and every non-loopback request goes to a dead proxy on
127.0.0.1:9 (Chromium never proxies loopback). Such requests are still recorded
(``PageWatch.offsite``) so a test can assert there were none. (No ``page.route`` filter:
its handler runs in the test's thread, so every request would stall while the test waits
on something else, e.g. polling JupyterLab's API.) JavaScript dialogs (``alert`` from an
injected ``onerror``) are recorded and dismissed (``PageWatch.dialogs``).

Example:
    >>> # browser = launch_chromium(playwright, chromium_path())
    >>> # context, page, watch = new_page(browser)
    >>> # open_notebook(page, lab, "demo.ipynb"); run_all_cells(page)
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "PageWatch", "chromium_path", "launch_chromium",
           "new_page", "open_notebook", "run_all_cells", "screenshot"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # Stay on loopback: no host name but localhost resolves, and anything not on loopback
    # goes to a proxy on a closed port (loopback itself is never proxied).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
    "--disable-dev-shm-usage", "--no-first-run", "--disable-default-apps",
    "--disable-extensions", "--metrics-recording-only", "--mute-audio",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}
# Tall enough that the whole browser with its detail pane fits: the notebook scrolls inside
# its own panel, so an element screenshot is clipped to what the viewport shows.
VIEWPORT = {"width": 1400, "height": 2400}

# Timeouts (milliseconds) for each kind of wait; every wait in these tests has one.
NAV_TIMEOUT_MS = 60_000
KERNEL_TIMEOUT_MS = 60_000
RENDER_TIMEOUT_MS = 60_000
ACTION_TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    """The Chromium binary to drive, or None: ``SNB_CHROMIUM`` if set (and nothing else
    then), else ``/usr/bin/chromium``, else ``chromium`` on PATH."""
    override = os.environ.get("SNB_CHROMIUM")
    for candidate in ([override] if override else [CHROMIUM, shutil.which("chromium")]):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class PageWatch:
    """What a page did that a test wants to assert on afterwards."""

    dialogs: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def launch_chromium(playwright: Any, executable: str) -> Any:
    """Launch headless Chromium from ``executable`` with the flags this machine needs."""
    return playwright.chromium.launch(executable_path=executable, headless=True,
                                      args=CHROMIUM_ARGS, timeout=NAV_TIMEOUT_MS)


def new_page(browser: Any) -> tuple[Any, Any, PageWatch]:
    """A fresh context and page; returns ``(context, page, watch)``."""
    watch = PageWatch()
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1,
                                  service_workers="block")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAV_TIMEOUT_MS)

    page = context.new_page()

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_request(request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.hostname not in LOOPBACK_HOSTS:
            watch.offsite.append(request.url)

    page.on("dialog", on_dialog)
    page.on("request", on_request)
    page.on("pageerror", lambda err: watch.page_errors.append(str(err)))
    page.on("console", lambda msg: watch.console_errors.append(msg.text)
            if msg.type == "error" else None)
    return context, page, watch


def open_notebook(page: Any, lab: Any, notebook: str) -> None:
    """Open a notebook in JupyterLab; wait until its cells show and its kernel is ready."""
    page.goto(lab.url_for(notebook), wait_until="domcontentloaded", timeout=NAV_TIMEOUT_MS)
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(state="visible",
                                                               timeout=NAV_TIMEOUT_MS)
    panels = page.locator(".jp-NotebookPanel").count()
    assert panels == 1, f"{panels} notebooks open; the workspace should hold only {notebook}"
    lab.wait_kernel_connected(notebook, timeout=KERNEL_TIMEOUT_MS / 1000)


def run_all_cells(page: Any, timeout_ms: int = RENDER_TIMEOUT_MS) -> None:
    """Run every cell as a user would: command mode, select all cells, Ctrl+Enter (run
    them, no new cell appended); then wait until each shows an execution count."""
    page.locator(".jp-NotebookPanel .jp-Cell .jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("ControlOrMeta+Enter")
    # Every cell gets an execution count once it has run ("[1]:" etc.); "[*]:" while queued.
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll(
                '.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=timeout_ms)


def screenshot(page: Any, locator: Any, path: str) -> None:
    """Screenshot one element once the page has painted it at rest.

    Scrolled into view first, then two animation frames: shot straight after a click, the
    <select>s of the filter bar sometimes came out blank (not yet repainted)."""
    locator.scroll_into_view_if_needed(timeout=ACTION_TIMEOUT_MS)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    locator.screenshot(path=path, animations="disabled", caret="hide", timeout=ACTION_TIMEOUT_MS)

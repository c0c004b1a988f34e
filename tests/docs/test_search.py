"""A reader in a real browser (Debian's Chromium) opens the built site, types "tasks_frame"
in the search box and lands on its reference entry."""

from __future__ import annotations

import os
import time
from typing import Any, Iterator

import pytest

from tests.browser.chromium import chromium_path, launch_chromium, new_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        reason = "Chromium is not installed (/usr/bin/chromium): ./dev.sh chromium installs it"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; under CI the browser tests must run")
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is the [browser] extra")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright, path)
        try:
            yield browser
        finally:
            browser.close()


def test_searching_tasks_frame_lands_on_its_reference_entry(chromium: Any, site_url: str) -> None:
    timeout_error = pytest.importorskip("playwright.sync_api").TimeoutError
    context, page, watch = new_page(chromium)
    try:
        page.goto(site_url, wait_until="load")
        page.locator("label.md-search__icon, .md-search__input").first.click()
        # Material's search worker builds its index after the page loads, and a query typed
        # before it is ready is not run again once it is. So type as a reader would who sees
        # no results yet: clear the box and type again, for at most a minute.
        box = page.locator("input.md-search__input")
        meta = page.locator(".md-search-result__meta")
        deadline = time.monotonic() + 60
        while True:
            box.fill("")
            box.press_sequentially("tasks_frame")
            try:
                page.wait_for_function(
                    "() => /matching/i.test(document.querySelector('.md-search-result__meta').textContent)",
                    timeout=5_000)
                break
            except timeout_error:
                assert time.monotonic() < deadline, f"no search results: {meta.inner_text()!r}"
        hit = page.locator('.md-search-result__item > a[href*="/reference/frames/tasks_frame/"]').first
        hit.wait_for(state="visible")
        hit.click()
        page.wait_for_url("**/reference/frames/tasks_frame/**")
        entry = page.locator('[id="synapse_nb.tasks_frame"]')
        entry.wait_for(state="visible")
        assert entry.inner_text().strip().startswith("tasks_frame")
        assert entry.bounding_box()["y"] < page.viewport_size["height"]  # on screen, not below
        assert "client: SynapseClient" in page.locator("article").inner_text()  # its signature
        assert watch.offsite == [] and watch.page_errors == []
    finally:
        context.close()

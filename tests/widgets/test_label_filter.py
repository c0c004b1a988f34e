"""The label filter as a frame filter: ``tasks_frame(client, label=...)``, kept client-side
(the server has no label filter), and the same rows as the browsers' label filter."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from synapse_nb.client import AsyncSynapseClient, SynapseClient
from synapse_nb.frames import assignments_frame, tasks_frame, tasks_frame_async
from synapse_nb.frames.labels import CLIENT_SIDE_NOTE
from synapse_nb.widgets import TaskBrowser


def _server_tasks_with(server, label: str) -> set[int]:
    """Ids of project-1 tasks with an object labelled ``label``, read with plain httpx."""
    headers = {"Synapse-Access-Token": f"Token {server.access_token}"}
    url, params, ids = f"{server.base_url}/sdk/tasks/", {"project": 1, "page_size": 1000}, set()
    while url:
        body = httpx.get(url, params=params, headers=headers, timeout=30, trust_env=False).json()
        ids |= {t["id"] for t in body["results"]
                if any(a.get("label") == label for a in (t.get("data") or {}).get("annotations") or [])}
        url, params = body.get("next"), None
    return ids


def test_tasks_frame_label_is_applied_on_the_client_and_says_so(live_server):
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as client:
        cars = tasks_frame(client, project=1, label="car", progress=False)
        both = tasks_frame(client, project=1, label=["car", "truck"], progress=False)
        everything = tasks_frame(client, project=1, progress=False)
        browser = TaskBrowser(everything)
        browser.set_filter("label", "car")
        assert set(browser.filtered.index) == set(cars.index)
        with pytest.raises(ValueError, match="'data' column"):
            tasks_frame(client, project=1, label="car", fields="id,status", progress=False)
        some = assignments_frame(client, project=1, label="car", progress=False)
    expected = _server_tasks_with(live_server, "car")
    assert set(cars.index) == expected and 0 < len(expected) < len(everything)
    assert CLIENT_SIDE_NOTE in cars.attrs["label_filter"]
    assert set(cars.index) < set(both.index) and "label_filter" not in everything.attrs
    assert len(some) > 0


def test_the_async_client_gets_the_same_rows(live_server):
    async def run():
        async with AsyncSynapseClient(live_server.base_url,
                                      access_token=live_server.access_token) as client:
            return await tasks_frame_async(client, project=1, label="car", progress=False)
    frame = asyncio.run(run())
    assert set(frame.index) == _server_tasks_with(live_server, "car")


def test_labels_module_examples_run():
    import doctest

    from synapse_nb.frames import labels

    result = doctest.testmod(labels)
    assert result.failed == 0 and result.attempted > 0

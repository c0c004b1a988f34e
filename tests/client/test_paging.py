"""paginate() and list_all=True: page 1 once, concurrent pages in order, dedupe, fallbacks."""

from __future__ import annotations

import asyncio
import threading
import time
from urllib.parse import parse_qs

import httpx
import pytest

from synapse_nb.client import AsyncSynapseClient, SynapseClient
from synapse_nb.client.pagination import PagePlan

from .conftest import Driver


class FakeList:
    """A DRF list endpoint over ``rows``; knobs for the awkward servers."""

    def __init__(self, n=95, *, cap=None, with_count=True, shift_at_page=None, delay=0.0, grow_by=0,
                 shrink_to=None):
        self.shrink_to = shrink_to
        self.rows = [{"id": i} for i in range(1, n + 1)]
        self.cap, self.with_count, self.shift_at_page = cap, with_count, shift_at_page
        self.delay, self.grow_by = delay, grow_by
        self.requests: list[dict] = []
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()

    def _enter(self, request):
        q = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        with self.lock:
            self.requests.append(q)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return q, self.delay * ((7 * int(q.get("page", 1))) % 3) / 2  # out-of-order completion

    def __call__(self, request: httpx.Request) -> httpx.Response:
        q, wait = self._enter(request)
        time.sleep(wait)
        return self.respond(q)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        q, wait = self._enter(request)
        await asyncio.sleep(wait)
        return self.respond(q)

    def respond(self, q: dict) -> httpx.Response:
        try:
            page, size = int(q.get("page", 1)), int(q.get("page_size", 100))
            if self.cap:
                size = min(size, self.cap)
            rows = self.rows
            if self.shift_at_page and page >= self.shift_at_page:
                rows = [{"id": 0}] + rows  # a row inserted at the front: everything moves down one
            if self.shrink_to is not None and page > 1:
                rows = rows[:self.shrink_to]
                if (page - 1) * size >= len(rows):
                    return httpx.Response(404, json={"detail": "Invalid page."})
            if self.grow_by and page > 1:
                rows = rows + [{"id": 10_000 + i} for i in range(self.grow_by)]
            chunk = rows[(page - 1) * size: page * size]
            more = page * size < len(rows)
            body = {"next": f"http://127.0.0.1:9/sdk/tasks/?page={page + 1}&page_size={size}" if more else None,
                    "previous": None, "results": chunk}
            if self.with_count:
                body["count"] = len(self.rows)
            return httpx.Response(200, json=body)
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.fixture(params=["sync", "async"])
def fake_api(request, tmp_path):
    made = []

    def make(fake, **kw):
        handler = getattr(fake, "handle_async", fake) if request.param == "async" else fake
        d = Driver(request.param, {"base_url": "http://127.0.0.1:9", "access_token": "syn_x",
                                   "cache_dir": tmp_path, "transport": httpx.MockTransport(handler), **kw})
        made.append(d)
        return d
    yield make
    for d in made:
        d.close()


def test_page_one_fetched_once_all_rows_in_order(fake_api):
    fake = FakeList(95, delay=0.01)
    api = fake_api(fake, max_concurrency=4)
    rows, count = api.list_tasks({"project": 1}, list_all=True, page_size=10)
    assert count == 95 and [r["id"] for r in rows] == list(range(1, 96))
    pages = [int(q["page"]) for q in fake.requests]
    assert sorted(pages) == list(range(1, 11)) and pages.count(1) == 1
    assert all(q["page_size"] == "10" and q["project"] == "1" for q in fake.requests)
    assert 1 < fake.max_in_flight <= 4


def test_duplicates_dropped_when_rows_shift(fake_api):
    fake = FakeList(50, shift_at_page=2)
    api = fake_api(fake)
    pages = api.client.paginate("sdk/tasks/", page_size=10)
    rows = [r for page in api.collect(pages) for r in page]
    ids = [r["id"] for r in rows]
    # a row inserted at the front after page 1: id 10 comes again on page 2 and is dropped;
    # the last page then still has ``next`` (51 rows now), which is followed
    assert ids == list(range(1, 51))
    assert pages.report.duplicates_dropped == 1
    assert pages.report.pages == 6 and pages.report.count == 50


def test_no_count_follows_next(fake_api):
    fake = FakeList(25, with_count=False)
    api = fake_api(fake)
    rows, count = api.list_tasks(list_all=True, page_size=10)
    assert count is None and [r["id"] for r in rows] == list(range(1, 26))
    assert [int(q["page"]) for q in fake.requests] == [1, 2, 3]


def test_server_clamped_page_size(fake_api):
    fake = FakeList(95, cap=20)
    api = fake_api(fake)
    rows, count = api.list_tasks(list_all=True, page_size=1000)
    assert [r["id"] for r in rows] == list(range(1, 96))
    assert sorted(int(q["page"]) for q in fake.requests) == [1, 2, 3, 4, 5]


def test_rows_added_during_walk_are_followed(fake_api):
    fake = FakeList(30, grow_by=5)
    api = fake_api(fake)
    pages = api.client.paginate("sdk/tasks/", page_size=10)
    rows = [r for page in api.collect(pages) for r in page]
    assert len(rows) == 35 and pages.report.count_drift == 5


def test_rows_deleted_during_walk_end_early(fake_api):
    fake = FakeList(50, shrink_to=25)
    api = fake_api(fake)
    pages = api.client.paginate("sdk/tasks/", page_size=10)
    rows = [r for page in api.collect(pages) for r in page]
    assert [r["id"] for r in rows] == list(range(1, 26)) and pages.report.count_drift == -25


def test_first_page_404_is_an_error(fake_api):
    from synapse_nb.client import NotFoundError
    api = fake_api(lambda request: httpx.Response(404, json={"detail": "Not found."}))
    with pytest.raises(NotFoundError):
        api.list_tasks(list_all=True)


def test_list_all_false_is_first_page_as_is(fake_api):
    fake = FakeList(30)
    api = fake_api(fake)
    page = api.list_tasks({"page": 2, "page_size": 10})
    assert [r["id"] for r in page["results"]] == list(range(11, 21)) and len(fake.requests) == 1


def test_sync_early_stop_does_not_fetch_everything(tmp_path):
    fake = FakeList(1000)
    with SynapseClient("http://127.0.0.1:9", transport=httpx.MockTransport(fake), max_concurrency=2) as c:
        for _ in zip(range(2), c.paginate("sdk/tasks/", page_size=10)):
            pass
    assert len(fake.requests) <= 5


def test_plan_rejects_bad_page_size():
    with pytest.raises(ValueError, match="page_size"):
        PagePlan({}, page_size=0)


# -- against the live server -------------------------------------------------------------

def test_paginate_live_matches_sequential_walk(api, live_server):
    pages = api.client.paginate("sdk/tasks/", {"project": 1}, page_size=97)
    got = [r["id"] for page in api.collect(pages) for r in page]
    seq = []
    with httpx.Client(headers={"Synapse-Access-Token": "Token " + live_server.access_token}) as h:
        url = live_server.base_url + "/sdk/tasks/?project=1&page_size=97"
        while url:
            body = h.get(url).json()
            seq += [r["id"] for r in body["results"]]
            url = body["next"]
    assert got == seq and pages.count == len(seq)
    assert pages.report.rows == len(seq) and pages.report.duplicates_dropped == 0


def test_async_paginate_inside_running_loop(live_server, tmp_path):
    async def main():
        async with AsyncSynapseClient(live_server.base_url, access_token=live_server.access_token,
                                      cache_dir=tmp_path) as c:
            pages = await c.paginate("sdk/tasks/", {"project": 3}, page_size=50)
            n = pages.count
            rows = [r async for page in pages for r in page]
            records, count = await c.list_tasks({"project": 3}, list_all=True)
            again = [r async for r in records]
            return n, rows, count, again
    n, rows, count, again = asyncio.run(main())
    assert n == count == len(rows) == len(again) > 0
    assert [r["id"] for r in rows] == [r["id"] for r in again]

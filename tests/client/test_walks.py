"""Walks prove they advanced before they ask again (issue 20): a server that repeats its
``next`` cursor, or links an empty page to a next one, ends the walk with
``PaginationStalledError`` instead of an endless loop. Sync and async, v1 and v2, the
frames' walkers and member names.

The hostile server is the live reference server behind ``tests/hostile.py``'s
``RepeatingCursor`` (the shared hostile-server fixture); MockTransport serves the
sequences the reference server cannot be made to send (a signed page link, an empty page
with a next, a list that fits one page but still points at itself).
"""

from __future__ import annotations

import asyncio
import pickle
from itertools import islice
from typing import Any

import httpx
import pytest

from synapse_nb.client import AsyncSynapseClient, ClientError, SynapseClient
from synapse_nb.client.errors import PaginationStalledError
from tests.hostile import HostileTransport, RepeatingCursor

#: more rows than any of these lists has: reaching it means the walk never ended
GUARD = 20_000

pytestmark = pytest.mark.timeout(120)  # before the fix these walks never end


@pytest.fixture
def repeating(live_server):
    """``make(drop_count=False, api="v1")``: a sync client whose list pages all repeat the
    first ``next`` link / ``next_cursor`` of their path."""
    made: list[Any] = []

    def make(drop_count: bool = False, api: str = "v1") -> SynapseClient:
        transport = HostileTransport(RepeatingCursor(drop_count=drop_count))
        client = SynapseClient(live_server.base_url, access_token=live_server.access_token,
                               api=api, transport=transport)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def _stalled(err: pytest.ExceptionInfo[PaginationStalledError], resource: str) -> None:
    assert isinstance(err.value, ClientError) and err.value.status_code is None
    assert err.value.resource == resource and err.value.cursor
    assert resource in str(err.value) and "does not advance" in str(err.value)


def test_v2_list_all_stops_on_a_repeated_cursor(repeating):
    client = repeating(api="v2")
    with pytest.raises(PaginationStalledError) as err:
        list(islice(client.v2.tasks.list(project=1, per_page=50, list_all=True), GUARD))
    _stalled(err, "v2/tasks/")
    assert "cursor=" in err.value.cursor and err.value.pages == 2 and err.value.rows == 100


def test_v2_list_all_stops_on_a_repeated_cursor_async(live_server):
    async def walk() -> list[Any]:
        transport = HostileTransport(RepeatingCursor())
        async with AsyncSynapseClient(live_server.base_url, access_token=live_server.access_token,
                                      transport=transport) as c:
            out = []
            async for task in c.v2.assignments.list(per_page=40, list_all=True):
                out.append(task)
                if len(out) > GUARD:
                    break
            return out

    with pytest.raises(PaginationStalledError) as err:
        asyncio.run(walk())
    _stalled(err, "v2/assignments/")


@pytest.mark.parametrize("drop_count", [True, False], ids=["no-count", "with-count"])
def test_v1_walk_stops_on_a_repeated_next_link(repeating, drop_count):
    client = repeating(drop_count=drop_count)
    records, _ = client.list_tasks({"project": 1}, list_all=True, page_size=50)
    with pytest.raises(PaginationStalledError) as err:
        list(islice(records, GUARD))
    _stalled(err, "sdk/tasks/")
    assert "page=2" in err.value.cursor


def test_v1_walk_stops_on_a_repeated_next_link_async(live_server):
    async def walk() -> Any:
        transport = HostileTransport(RepeatingCursor(drop_count=True))
        async with AsyncSynapseClient(live_server.base_url, access_token=live_server.access_token,
                                      transport=transport) as c:
            records, _ = await c.list_tasks({"project": 1}, list_all=True, page_size=50)
            return [r async for r in records]

    with pytest.raises(PaginationStalledError) as err:
        asyncio.run(walk())
    _stalled(err, "sdk/tasks/")


def test_v2_frame_walkers_stop_on_a_repeated_cursor(repeating):
    """The frames on v2 walk through the client's run_flow seam, partitions in threads."""
    from synapse_nb.frames import assignments_frame, tasks_frame

    client = repeating(api="v2")
    with pytest.raises(PaginationStalledError) as err:
        tasks_frame(client, project=1, page_size=50)
    _stalled(err, "v2/tasks/")
    with pytest.raises(PaginationStalledError):
        assignments_frame(client, page_size=50)


def test_v2_frame_walkers_stop_on_a_repeated_cursor_async(live_server):
    from synapse_nb.frames import tasks_frame_async

    async def read() -> Any:
        transport = HostileTransport(RepeatingCursor())
        async with AsyncSynapseClient(live_server.base_url, access_token=live_server.access_token,
                                      api="v2", transport=transport) as c:
            return await tasks_frame_async(c, project=1, page_size=50)

    with pytest.raises(PaginationStalledError) as err:
        asyncio.run(read())
    _stalled(err, "v2/tasks/")


# ---- what the reference server cannot be made to send --------------------------------
def _envelope(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"data": items, "meta": {"pagination": {"next_cursor": next_cursor,
                                                   "previous_cursor": None}}}


def _mock(handler: Any, asynchronous: bool = False) -> Any:
    cls = AsyncSynapseClient if asynchronous else SynapseClient
    return cls("http://backend.test", access_token="syn_secret", tenant="acme",
               transport=httpx.MockTransport(handler), max_retries=0)


def test_member_names_stop_on_a_page_that_points_at_itself():
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        # one page of members, whose next is the very page asked for
        return httpx.Response(200, json=_envelope(
            [{"id": 1, "user_id": 1, "name": "Alice"}], "http://backend.test/v2/members/?cursor=c1"))

    with pytest.raises(PaginationStalledError) as err:
        _mock(handler).v2.members.names()
    _stalled(err, "v2/members/")
    assert len(requests) == 2  # page 1, then the cursor once: never a third time


def test_an_empty_page_with_a_next_link_ends_the_walk_signature_masked():
    def handler(request: httpx.Request) -> httpx.Response:
        if "cursor" not in request.url.params:
            return httpx.Response(200, json=_envelope(
                [{"id": 1}], "http://backend.test/v2/tasks/?cursor=c1&sig=s3cr3tsig"))
        n = int(request.url.params["cursor"][1:])
        return httpx.Response(200, json=_envelope(
            [], f"http://backend.test/v2/tasks/?cursor=c{n + 1}&sig=s3cr3tsig"))

    with pytest.raises(PaginationStalledError) as err:
        list(islice(_mock(handler).v2.tasks.list(list_all=True), GUARD))
    assert err.value.empty and "empty page" in str(err.value)
    assert "s3cr3tsig" not in str(err.value) and "sig=***" in str(err.value)
    assert "s3cr3tsig" not in repr(err.value.args) and "s3cr3tsig" not in err.value.cursor
    again = pickle.loads(pickle.dumps(err.value))  # crosses process pools (Dask, Ray) intact
    assert type(again) is PaginationStalledError and str(again) == str(err.value)


def test_v1_empty_page_with_next_and_async_repeat():
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", 1))
        rows = [{"id": page}] if page < 3 else []
        return httpx.Response(200, json={"next": f"http://backend.test/sdk/tasks/?page={page + 1}",
                                         "results": rows})

    records, _ = _mock(handler).list_tasks(list_all=True)
    with pytest.raises(PaginationStalledError) as err:
        list(records)
    assert err.value.empty and err.value.rows == 2 and "sdk/tasks/" in str(err.value)

    def repeat(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"next": "http://backend.test/sdk/tasks/?page=2",
                                         "results": [{"id": 1}, {"id": 2}]})

    async def walk() -> Any:
        async with _mock(repeat, asynchronous=True) as c:
            records, _ = await c.list_tasks(list_all=True)
            return [r async for r in records]

    with pytest.raises(PaginationStalledError):
        asyncio.run(walk())


def test_an_honest_walk_is_unchanged(live_server):
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        v2 = [t["id"] for t in c.v2.tasks.list(project=1, per_page=50, list_all=True)]
        v1 = [t["id"] for t in c.list_tasks({"project": 1}, list_all=True, page_size=50)[0]]
        names = c.v2.members.names()
    assert names[2] == "Bob"
    assert v2 == v1 and len(v1) > 100


def test_v1_walk_stops_on_next_links_that_cycle():
    """page 2 -> page 3 -> page 2: no link repeats the one before it, one repeats an earlier
    one (a check of the last link alone would walk this cycle forever)."""
    asked: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", 1))
        asked.append(page)
        after = page + 1 if page < 3 else 2
        return httpx.Response(200, json={"next": f"http://backend.test/sdk/tasks/?page={after}",
                                         "results": [{"id": page}]})

    records, _ = _mock(handler).list_tasks(list_all=True)
    with pytest.raises(PaginationStalledError) as err:
        list(islice(records, GUARD))
    _stalled(err, "sdk/tasks/")
    assert asked == [1, 2, 3] and not err.value.empty and err.value.rows == 3
    assert err.value.cursor.endswith("page=2")


@pytest.mark.parametrize("spelling", ["bare", "other-url"])
def test_v2_walk_stops_on_a_cursor_cycle_whatever_its_link_spelling(spelling):
    """A -> B -> A, where the second A comes as a bare cursor or in a URL with other
    parameters: the v2 walk knows pages by their cursor, not by the link's text."""
    asked: list[str | None] = []
    again = "c1" if spelling == "bare" else "http://backend.test/v2/tasks/?per_page=9&cursor=c1"

    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        asked.append(cursor)
        after = {None: "http://backend.test/v2/tasks/?cursor=c1",
                 "c1": "http://backend.test/v2/tasks/?cursor=c2", "c2": again}[cursor]
        return httpx.Response(200, json=_envelope([{"id": len(asked)}], after))

    with pytest.raises(PaginationStalledError) as err:
        list(islice(_mock(handler).v2.tasks.list(list_all=True), GUARD))
    _stalled(err, "v2/tasks/")
    assert asked == [None, "c1", "c2"] and err.value.pages == 3 and err.value.rows == 3

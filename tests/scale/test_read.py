"""A partition read takes one slot of the job's budget for all its pages, not one per page
(each acquire of a Dask or Ray budget is a round trip to the scheduler or an actor), and
stops with ``PaginationStalledError`` on a hostile server whose pages do not advance."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import httpx
import pytest

from synapse_nb.client import PaginationStalledError, SynapseClient
from synapse_nb.scale.job import prepare_job
from synapse_nb.scale.read import read_partition
from synapse_nb.scale.spec import ClientSpec
from tests.hostile import EndlessPages, RepeatingCursor, Tampering


class CountingBudget:
    """A budget that counts its acquires and the requests made while a slot is held."""

    def __init__(self) -> None:
        self.acquires = 0
        self.held = False
        self._lock = threading.Lock()

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._lock:
            self.acquires += 1
            self.held = True
        try:
            yield
        finally:
            self.held = False


def test_one_budget_slot_per_partition_held_for_every_page(client: SynapseClient,
                                                           monkeypatch: Any) -> None:
    job = prepare_job(client, "tasks", {"project": 1}, partition_rows=100, page_size=25)
    part = job.partitions[0]
    assert part.last_page is not None and part.last_page - part.first_page + 1 == 4
    budget = CountingBudget()
    sent: list[bool] = []
    real = type(job.spec).make_client

    def make_client(spec: Any) -> Any:  # every request of the partition checks the slot
        c = real(spec)
        send = c._send

        def checked(call: Any) -> Any:
            sent.append(budget.held)
            return send(call)
        c._send = checked
        return c

    monkeypatch.setattr(type(job.spec), "make_client", make_client)
    table = read_partition(job.spec, part, budget)
    assert table.num_rows == 100
    assert budget.acquires == 1
    assert len(sent) == 4 and all(sent)  # four pages, each sent while the slot was held


def _hostile_partition_reads(monkeypatch: Any, hostile_client: Callable[..., Any],
                             *tamperings: Any) -> None:
    """Partition reads in this test go through a client whose answers ``tamperings`` rewrite."""
    monkeypatch.setattr(ClientSpec, "make_client", lambda spec: hostile_client(*tamperings))


def test_a_partition_read_stops_on_a_repeated_next_link(client: SynapseClient, monkeypatch: Any,
                                                         hostile_client: Callable[..., Any]) -> None:
    job = prepare_job(client, "tasks", {"project": 1}, partition_rows=100, page_size=25)
    cursor = RepeatingCursor()
    _hostile_partition_reads(monkeypatch, hostile_client, cursor)
    with pytest.raises(PaginationStalledError) as info:
        read_partition(job.spec, job.partitions[0])
    assert not info.value.empty and info.value.pages == 2 and info.value.rows == 50
    assert "does not advance" in str(info.value)


def test_an_open_partition_stops_on_empty_pages_that_keep_a_next(
        client: SynapseClient, monkeypatch: Any, hostile_client: Callable[..., Any]) -> None:
    job = prepare_job(client, "tasks", {"project": 1}, partition_rows=100, page_size=25)
    last = job.partitions[-1]
    assert last.open_ended
    endless = EndlessPages(limit=50)
    _hostile_partition_reads(monkeypatch, hostile_client, endless)
    with pytest.raises(PaginationStalledError) as info:
        read_partition(job.spec, last)
    assert info.value.empty and endless.pages == 1  # stopped at the first empty page
    assert info.value.rows == job.count - (last.first_page - 1) * last.page_size


class CyclingLinks(Tampering):
    """A v1 list whose next links cycle: page 3 (and every later page) links back to page 2
    with the very link page 1 gave."""

    def __init__(self) -> None:
        self.to_page_2: str | None = None

    def json(self, request: httpx.Request, body: Any) -> Any:
        page = int(request.url.params.get("page", "1"))
        if isinstance(body, dict) and body.get("next"):
            if page == 1:
                self.to_page_2 = body["next"]
            elif page >= 3 and self.to_page_2:
                body["next"] = self.to_page_2
        return body


def test_a_partition_read_stops_on_next_links_that_cycle(
        client: SynapseClient, monkeypatch: Any, hostile_client: Callable[..., Any]) -> None:
    """Page 1 links to 2, 2 to 3, 3 back to 2: each link differs from the one before it, and
    the third repeats the first (a check of the last link alone reads on)."""
    job = prepare_job(client, "tasks", {"project": 1}, partition_rows=100, page_size=25)
    part = job.partitions[0]
    assert part.first_page == 1 and part.last_page == 4
    _hostile_partition_reads(monkeypatch, hostile_client, CyclingLinks())
    with pytest.raises(PaginationStalledError) as info:
        read_partition(job.spec, part)
    assert not info.value.empty and info.value.pages == 3 and info.value.rows == 75
    assert "page=2" in info.value.cursor

"""The page pump: order kept, errors raised on the consumer side, early stop closes the pages."""

from __future__ import annotations

import asyncio
import threading

import pytest

from synapse_nb.frames.pump import apump_pages, pump_pages


def test_order_kept_and_bounded_queue_applies_backpressure():
    produced = []

    def pages():
        for i in range(50):
            produced.append(i)
            yield [i]
    out = []
    for page in pump_pages(pages(), maxsize=3):
        if page == [0]:
            threading.Event().wait(0.2)  # consumer slow: producer may run ahead by the bound only
            assert len(produced) <= 3 + 2
        out.append(page[0])
    assert out == list(range(50))


def test_producer_error_is_raised_to_the_consumer():
    def pages():
        yield [1]
        raise ConnectionError("lost")
    got = []
    with pytest.raises(ConnectionError, match="lost"):
        for page in pump_pages(pages()):
            got.append(page)
    assert got == [[1]]


def test_early_stop_closes_the_pages_iterator():
    closed = threading.Event()

    def pages():
        try:
            for i in range(10_000):
                yield [i]
        finally:
            closed.set()
    gen = pump_pages(pages(), maxsize=2)
    assert next(gen) == [0]
    gen.close()
    assert closed.wait(2)


def test_async_pump_order_and_error():
    async def pages():
        for i in range(20):
            await asyncio.sleep(0)
            yield [i]
        raise ValueError("bad page")

    async def run():
        out = []
        with pytest.raises(ValueError, match="bad page"):
            async for page in apump_pages(pages(), maxsize=2):
                out.append(page[0])
        return out
    assert asyncio.run(run()) == list(range(20))


def test_gc_stays_on_during_a_frame_fetch_unless_opted_in(monkeypatch):
    import gc

    from synapse_nb.frames import pause_gc_during_fetches, tasks_frame
    from synapse_nb.frames.pump import paused_gc

    from .fakes import FakeClient, make_task

    seen = []

    class Spy(FakeClient):
        def paginate(self, path, params=None, **kw):
            seen.append(gc.isenabled())
            return super().paginate(path, params, **kw)

    monkeypatch.delenv("SYNAPSE_NB_PAUSE_GC", raising=False)
    assert gc.isenabled()
    tasks_frame(Spy([make_task(1)]))  # no process-wide side effect by default
    assert seen == [True] and gc.isenabled()
    with pause_gc_during_fetches():  # opted in, for this block only
        tasks_frame(Spy([make_task(1)]))
    assert seen == [True, False] and gc.isenabled()
    tasks_frame(Spy([make_task(1)]))
    monkeypatch.setenv("SYNAPSE_NB_PAUSE_GC", "1")  # or for the whole process
    tasks_frame(Spy([make_task(1)]))
    assert seen == [True, False, True, False] and gc.isenabled()
    with paused_gc():  # nested pauses: the outer one resumes
        with paused_gc():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:  # a collector the user turned off stays off
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

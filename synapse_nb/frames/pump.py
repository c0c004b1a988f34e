"""Keep the client's request pipeline full while pages are converted.

The client's ``Pages`` refills its window of ``concurrency`` in-flight requests only when
its consumer asks for the next page. Converting a batch of pages takes tens of
milliseconds; done in the same loop, it lets the window drain and the fetch stalls (a
100k-task frame took 1.7x the bare fetch). So the pages are pulled by a separate
producer (a thread for the sync client, a task for the async one) into a bounded queue,
and the consumer converts from the queue: requests keep flowing during conversion, and the
queue bound keeps memory at a few pages of dicts when conversion is the slower side.

Example:
    >>> list(pump_pages(iter([[1], [2, 3]])))
    [[1], [2, 3]]
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import os
import queue
import threading
from contextlib import contextmanager
from typing import Any, AsyncIterator, Iterable, Iterator

__all__ = ["pump_pages", "apump_pages", "paused_gc", "pause_gc_during_fetches", "collect_young",
           "QUEUE_PAGES"]

# Pages waiting for conversion at most (about 2.5 conversion batches of 100-row pages).
QUEUE_PAGES = 100

_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def pump_pages(pages: Iterable[Any], maxsize: int = QUEUE_PAGES) -> Iterator[Any]:
    """Iterate ``pages`` in a producer thread; yield them here, in order.

    An error in the producer is raised here; stopping early (closing this generator) stops
    the producer and closes the pages iterator (so the client cancels what is in flight).
    """
    q: queue.Queue[Any] = queue.Queue(maxsize)
    stop = threading.Event()

    def produce() -> None:
        it = iter(pages)
        try:
            for page in it:
                while not stop.is_set():
                    try:
                        q.put(page, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            q.put(_END)
        except BaseException as err:  # handed to the consumer, raised there
            q.put(_Failed(err))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="synapse-nb-frames-pages", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                pass
            thread.join(0.05)


async def apump_pages(pages: Any, maxsize: int = QUEUE_PAGES) -> AsyncIterator[Any]:
    """Async twin: ``async for`` over ``pages`` in a task, pages yielded here in order."""
    q: asyncio.Queue[Any] = asyncio.Queue(maxsize)

    async def produce() -> None:
        try:
            async for page in pages:
                await q.put(page)
            await q.put(_END)
        except asyncio.CancelledError:
            raise
        except BaseException as err:
            await q.put(_Failed(err))

    task = asyncio.ensure_future(produce())
    try:
        while True:
            item = await q.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass


_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = False
#: fetches in this context (thread, asyncio task) may pause the collector; off by default
_GC_PAUSE: contextvars.ContextVar[bool] = contextvars.ContextVar("synapse_nb_gc_pause", default=False)


@contextmanager
def pause_gc_during_fetches(enabled: bool = True) -> Iterator[None]:
    """Opt in, for the fetches inside this block, to pausing Python's cyclic garbage collector.

    Off by default: the collector is process-wide, and a library should not switch it off
    under the rest of a kernel. Inside this block (or with ``SYNAPSE_NB_PAUSE_GC=1`` in the
    environment) whole-frame fetches pause it while they run and resume it after: on a
    100k-task frame that saved ~1.8 s of CPU, a third of the fetch's CPU, because pages of
    decoded JSON waiting for conversion are traversed again and again by young collections.
    Other threads' code runs without a collector meanwhile, hence opt-in.

    >>> from synapse_nb.frames.pump import paused_gc
    >>> with pause_gc_during_fetches():
    ...     with paused_gc():
    ...         gc.isenabled()
    False
    >>> with paused_gc():  # not opted in: the collector stays on
    ...     gc.isenabled()
    True
    """
    token = _GC_PAUSE.set(enabled)
    try:
        yield
    finally:
        _GC_PAUSE.reset(token)


def _gc_pause_wanted() -> bool:
    return _GC_PAUSE.get() or os.environ.get("SYNAPSE_NB_PAUSE_GC", "") in ("1", "true", "yes")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the length of a whole-frame fetch, when the
    caller opted in (:func:`pause_gc_during_fetches`); a no-op otherwise.

    Reference counting still frees every page as soon as it is converted, and
    :func:`collect_young` (called after each converted batch) frees the young cycles the
    HTTP stack leaves per response, so memory stays bounded. Nested and concurrent fetches
    share one pause (the last to finish resumes the collector, and only if it was on). Not
    used by ``iter_frames``, whose caller's code runs between frames.
    """
    global _gc_holders, _gc_was_enabled
    if not _gc_pause_wanted():
        yield
        return
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                gc.enable()


def collect_young() -> None:
    """During :func:`paused_gc`, collect the young generations (cheap: only objects made
    since the last call), e.g. per-response reference cycles; a no-op otherwise."""
    if _gc_holders > 0 and _gc_was_enabled:
        gc.collect(1)

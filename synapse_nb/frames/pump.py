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
import queue
import threading
from typing import Any, AsyncIterator, Iterable, Iterator

__all__ = ["pump_pages", "apump_pages", "QUEUE_PAGES"]

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

"""The client's :class:`~synapse_nb.client.limiter.Limiter` driven with locks and waits.

:class:`ThreadGate` (threads of :class:`~synapse_nb.client.SynapseClient`) and
:class:`AsyncGate` (tasks of :class:`~synapse_nb.client.AsyncSynapseClient`) hold no
policy: each asks the limiter, waits as it says (for a release, or for a ``Retry-After``
pause to pass), and reports the answer. A request holds its slot from sending to the
end of its body, so latency is what the backend took to answer in full.

>>> gate = ThreadGate(Limiter(initial=2))
>>> with gate.slot() as answer:
...     answer.status = 200
>>> gate.limiter.stats.answers
1
"""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import AsyncIterator, Callable, Iterator

import httpx

from .limiter import Limiter, Ticket
from .retry import _parse_retry_after

__all__ = ["Answer", "ThreadGate", "AsyncGate"]


def _to_wake(limiter: Limiter) -> int:
    """Waiters to wake after a release: as many as there are free slots now (the freed one,
    plus one when the limit grew), at least one. ``notify_all`` woke every waiter on every
    answer: with a read's pool threads queued at a limit of a few, each answer woke a dozen
    threads to find the one slot taken, each taking the GIL and a context switch."""
    return max(1, limiter.slots - limiter.in_flight)


@dataclass
class Answer:
    """What the holder of a slot fills in: the status (None: no answer), Retry-After, and
    whether its duration is a latency sample (not for a download: it grows with the file)."""

    status: int | None = None
    retry_after: float | None = None
    timed: bool = True

    def record(self, response: httpx.Response) -> None:
        """Take the status and ``Retry-After`` of the response."""
        self.status = response.status_code
        self.retry_after = _parse_retry_after(response.headers.get("Retry-After"))


class ThreadGate:
    """A :class:`Limiter` shared by threads."""

    def __init__(self, limiter: Limiter, clock: Callable[[], float] = time.monotonic) -> None:
        self.limiter = limiter
        self._clock = clock
        self._cv = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[Answer]:
        with self._cv:
            while True:
                got = self.limiter.try_acquire(self._clock())
                if isinstance(got, Ticket):
                    break
                self._cv.wait(timeout=got)
        answer = Answer()
        try:
            yield answer
        finally:
            with self._cv:
                self.limiter.release(got, self._clock(), status=answer.status,
                                     retry_after=answer.retry_after, timed=answer.timed)
                self._cv.notify(_to_wake(self.limiter))


class AsyncGate:
    """A :class:`Limiter` shared by the tasks of one event loop (a new loop gets its own
    condition: asyncio primitives belong to the loop they first ran on)."""

    def __init__(self, limiter: Limiter, clock: Callable[[], float] = time.monotonic) -> None:
        self.limiter = limiter
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cv: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        loop = asyncio.get_running_loop()
        if self._cv is None or self._loop is not loop:
            self._loop, self._cv = loop, asyncio.Condition()
        return self._cv

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Answer]:
        cv = self._condition()
        async with cv:
            while True:
                got = self.limiter.try_acquire(self._clock())
                if isinstance(got, Ticket):
                    break
                if got is None:
                    await cv.wait()
                else:
                    try:
                        await asyncio.wait_for(cv.wait(), got)
                    except TimeoutError:
                        pass
        answer = Answer()
        try:
            yield answer
        finally:
            async with cv:
                self.limiter.release(got, self._clock(), status=answer.status,
                                     retry_after=answer.retry_after, timed=answer.timed)
                cv.notify(_to_wake(self.limiter))

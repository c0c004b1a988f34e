"""The client's concurrency limiter (AIMD), sans-I/O on a fake clock, and its two gates.

A small discrete-event model of a backend of limited capacity (the reference server's
rate-limit profile: ``capacity`` served at once, ``queue_limit`` waiting, then 429 with
Retry-After) checks the whole loop: after the first back-off nothing is refused, and the
throughput is within 10% of the best fixed concurrency.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import threading
import time

import pytest

from synapse_nb.client.gate import AsyncGate, ThreadGate
from synapse_nb.client.limiter import Limiter, Ticket


def _round_trip(lim: Limiter, now: float, latency: float, status: int = 200) -> float:
    """Fill every slot, answer them all after ``latency``; returns the new clock."""
    tickets = []
    while isinstance(t := lim.try_acquire(now), Ticket):
        tickets.append(t)
    for t in tickets:
        lim.release(t, now + latency, status=status)
    return now + latency


def test_additive_increase_one_per_round_trip_up_to_the_maximum():
    lim = Limiter(initial=4, maximum=7)
    now = 0.0
    limits = []
    for _ in range(6):
        now = _round_trip(lim, now, 0.02)
        limits.append(lim.limit)
    assert limits == [5.0, 6.0, 7.0, 7.0, 7.0, 7.0]
    assert lim.stats.increases == 3 and lim.stats.max_in_flight == 7


def test_no_increase_while_the_limit_is_not_used():
    lim = Limiter(initial=4, maximum=16)
    now = 0.0
    for _ in range(20):  # one request at a time: the limit is never reached
        t = lim.try_acquire(now)
        assert isinstance(t, Ticket)
        now += 0.01
        lim.release(t, now, status=200)
    assert lim.limit == 4.0


@pytest.mark.parametrize("status", [429, 503])
def test_a_refusal_halves_the_limit_once_per_round_trip(status):
    lim = Limiter(initial=8, maximum=16)
    tickets = [lim.try_acquire(0.0) for _ in range(8)]
    for t in tickets[6:]:  # the 7th and 8th at once were refused: one cut, not two
        lim.release(t, 0.001, status=status)
    for t in tickets[:6]:
        lim.release(t, 0.05, status=200)
    assert lim.limit == 4.0
    assert lim.stats.refused == 2 and lim.stats.cuts_on_refusal == 1
    again = [lim.try_acquire(0.06) for _ in range(4)]  # sent after the cut
    lim.release(again[3], 0.061, status=status)  # its refusal cuts again
    for t in again[:3]:
        lim.release(t, 0.1, status=200)
    assert lim.limit == 2.0 and lim.stats.refused_after_backoff == 1


def test_retry_after_pauses_every_new_request_of_the_client():
    lim = Limiter(initial=4)
    a, b, c = lim.try_acquire(0.0), lim.try_acquire(0.0), lim.try_acquire(0.0)
    lim.release(c, 0.5, status=429, retry_after=2.0)
    lim.release(a, 0.6, status=200)
    lim.release(b, 0.6, status=200)
    assert lim.try_acquire(1.0) == pytest.approx(1.5)  # paused until 2.5
    assert lim.try_acquire(2.4) == pytest.approx(0.1)
    assert isinstance(lim.try_acquire(2.5), Ticket)


def test_a_refusal_at_a_low_count_sets_the_ceiling_there():
    lim = Limiter(initial=4, maximum=16)
    tickets = [lim.try_acquire(0.0) for _ in range(4)]
    for t in tickets[1:]:  # a backend that serves one at a time and queues none
        lim.release(t, 0.001, status=429)  # refusals come back at once
    lim.release(tickets[0], 0.02, status=200)
    assert lim.limit == 1.0  # 2 at once were refused: 1, not the halved 2


def test_rising_latency_cuts_before_anything_is_refused():
    lim = Limiter(initial=4, maximum=32)
    now = 0.0
    for _ in range(4):  # 4 -> 8 at the backend's own speed
        now = _round_trip(lim, now, 0.02)
    assert lim.limit == 8.0
    now = _round_trip(lim, now, 0.05)  # one slow round trip: not yet a queue (+1)
    assert lim.limit == 9.0 and lim.stats.cuts_on_latency == 0
    now = _round_trip(lim, now, 0.05)  # two in a row, 2.5 x the baseline: a queue
    # what it serves without a queue, and at most halved in one cut
    assert lim.limit == max(math.ceil(9 * 0.02 / 0.05), 9 / 2)
    assert lim.stats.cuts_on_latency == 1 and lim.stats.refused == 0


def test_a_refusal_sets_a_ceiling_until_it_is_forgotten():
    lim = Limiter(initial=4, maximum=16, ceiling_memory=10.0)
    tickets = [lim.try_acquire(0.0) for _ in range(4)]
    lim.release(tickets[3], 0.001, status=429)  # the 4th at once was one too many
    for t in tickets[:3]:
        lim.release(t, 0.02, status=200)
    assert lim.limit == 2.0
    now = 0.02
    for _ in range(10):
        now = _round_trip(lim, now, 0.02)
    assert lim.limit == 3.0  # grows back to one below the refused count, no further
    assert lim.stats.refused_after_backoff == 0
    now = 10.1
    for _ in range(3):
        now = _round_trip(lim, now, 0.02)
    assert lim.limit == 6.0  # forgotten after ceiling_memory: probing again


def test_fixed_limit_does_not_adapt_but_honours_retry_after():
    lim = Limiter(initial=2, maximum=6, adaptive=False)
    assert lim.limit == 6.0
    tickets = [lim.try_acquire(0.0) for _ in range(6)]
    for t in tickets:
        lim.release(t, 0.1, status=429, retry_after=1.0)
    assert lim.limit == 6.0 and lim.try_acquire(0.5) == pytest.approx(0.6)


def test_bad_settings_say_what_to_fix():
    with pytest.raises(ValueError, match="maximum must be a positive integer"):
        Limiter(maximum=0)
    with pytest.raises(ValueError, match="minimum .* is above maximum"):
        Limiter(minimum=8, maximum=4)
    with pytest.raises(ValueError, match="decrease must be a factor"):
        Limiter(decrease=1.5)


# -- the whole loop against a model of a backend of limited capacity --------------------

def _simulate(lim: Limiter, *, requests: int, capacity: int, queue_limit: int,
              service: float, retry_after: float) -> dict[str, float]:
    """Event-driven: the client keeps as many requests in flight as the limiter allows;
    the backend serves ``capacity`` at once (``service`` s each), queues ``queue_limit``
    more, refuses the rest at once with Retry-After. Refused requests are sent again."""
    now, seq = 0.0, 0
    events: list[tuple[float, int, str, Ticket | None]] = []
    todo, done, busy = requests, 0, 0
    waiting: list[Ticket] = []
    refused_at: list[float] = []
    wake = 0.0
    while done < requests:
        while todo:  # send what the limiter allows
            got = lim.try_acquire(now)
            if not isinstance(got, Ticket):
                if got is not None:
                    wake = now + got
                break
            todo -= 1
            if busy < capacity:
                busy += 1
                seq += 1
                heapq.heappush(events, (now + service, seq, "done", got))
            elif len(waiting) < queue_limit:
                waiting.append(got)
            else:
                lim.release(got, now, status=429, retry_after=retry_after)
                refused_at.append(now)
                todo += 1
        if events and (not todo or wake <= now or events[0][0] <= wake):
            now, _, _, ticket = heapq.heappop(events)
            assert ticket is not None
            lim.release(ticket, now, status=200)
            done += 1
            if waiting:
                seq += 1
                heapq.heappush(events, (now + service, seq, "done", waiting.pop(0)))
            else:
                busy -= 1
        else:
            now = max(now, wake)
    return {"seconds": now, "refused": len(refused_at)}


@pytest.mark.parametrize(("capacity", "queue_limit"), [(4, 4), (2, 1), (8, 2), (1, 0)])
def test_model_backend_no_refusal_after_the_first_backoff_and_near_best_fixed(capacity, queue_limit):
    profile = {"requests": 1500, "capacity": capacity, "queue_limit": queue_limit,
               "service": 0.02, "retry_after": 1.0}
    fixed = {c: _simulate(Limiter(maximum=c, adaptive=False), **profile) for c in range(1, 17)}
    best = min(r["seconds"] for r in fixed.values() if r["refused"] == 0)
    lim = Limiter(maximum=16)
    adaptive = _simulate(lim, **profile)
    assert lim.stats.refused_after_backoff == 0
    assert adaptive["refused"] == lim.stats.refused <= 4  # one round trip at most
    # the one Retry-After pause (1 s) is paid once per client: compare the rest
    paused = 1.0 if lim.stats.refused else 0.0
    assert adaptive["seconds"] - paused <= best * 1.10, (adaptive, best, lim)


# -- the gates: threads and tasks share one limiter -------------------------------------

def test_thread_gate_never_exceeds_the_limit_and_learns_from_answers():
    gate = ThreadGate(Limiter(initial=3, maximum=3))
    inside, peak, lock = 0, 0, threading.Lock()

    def work() -> None:
        nonlocal inside, peak
        for _ in range(10):
            with gate.slot() as answer:
                with lock:
                    inside += 1
                    peak = max(peak, inside)
                time.sleep(0.002)
                with lock:
                    inside -= 1
                answer.status = 200

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 3 and gate.limiter.stats.answers == 80 and gate.limiter.in_flight == 0


class _CountingCondition(threading.Condition):
    """A Condition that counts the waits that returned (a waiter woken, or timed out)."""

    wakeups = 0

    def wait(self, timeout: float | None = None) -> bool:
        woke = super().wait(timeout)
        self.wakeups += 1
        return woke


def test_thread_gate_wakes_one_waiter_per_freed_slot_not_every_waiter():
    """Twelve threads queued at a limit of two: a release wakes as many waiters as there are
    free slots (notify_all woke all eleven waiting, each to find the slot taken: about
    ten wakeups per answer), and none is lost: every request gets through."""
    gate = ThreadGate(Limiter(initial=2, maximum=2))
    gate._cv = cv = _CountingCondition()
    inside, peak, lock = 0, 0, threading.Lock()

    def work() -> None:
        nonlocal inside, peak
        for _ in range(10):
            with gate.slot() as answer:
                with lock:
                    inside += 1
                    peak = max(peak, inside)
                time.sleep(0.001)
                with lock:
                    inside -= 1
                answer.status = 200

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a waiter was never woken"
    answers = gate.limiter.stats.answers
    assert peak == 2 and answers == 120 and gate.limiter.in_flight == 0
    assert cv.wakeups <= 2 * answers, f"{cv.wakeups} wakeups for {answers} answers"


def test_async_gate_wakes_one_waiter_per_freed_slot_not_every_waiter():
    gate = AsyncGate(Limiter(initial=2, maximum=2))
    wakeups = 0

    async def main() -> None:
        nonlocal wakeups
        cv = gate._condition()
        wait = cv.wait

        async def counted() -> bool:
            nonlocal wakeups
            woke = await wait()
            wakeups += 1
            return woke
        cv.wait = counted  # type: ignore[method-assign]

        async def one() -> None:
            async with gate.slot() as answer:
                await asyncio.sleep(0.001)
                answer.status = 200

        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(120))), 30)

    asyncio.run(main())
    answers = gate.limiter.stats.answers
    assert answers == 120
    assert wakeups <= 2 * answers, f"{wakeups} wakeups for {answers} answers"


def test_thread_gate_waits_out_a_retry_after_pause():
    clock = [0.0]
    gate = ThreadGate(Limiter(initial=2), clock=lambda: clock[0])
    with gate.slot() as answer:
        answer.status, answer.retry_after = 429, 0.05
    gate._clock = time.monotonic  # real time from here: the pause ends 0.05 s after 0.0
    gate.limiter.paused_until = time.monotonic() + 0.05
    start = time.monotonic()
    with gate.slot() as answer:
        answer.status = 200
    assert time.monotonic() - start >= 0.04


def test_async_gate_bounds_tasks_and_works_on_a_new_event_loop():
    gate = AsyncGate(Limiter(initial=2, maximum=2))

    async def main() -> int:
        inside = peak = 0

        async def one() -> None:
            nonlocal inside, peak
            async with gate.slot() as answer:
                inside += 1
                peak = max(peak, inside)
                await asyncio.sleep(0.002)
                inside -= 1
                answer.status = 200

        await asyncio.gather(*(one() for _ in range(12)))
        return peak

    assert asyncio.run(main()) == 2
    assert asyncio.run(main()) == 2  # a second loop: a new condition, not a crash
    assert gate.limiter.stats.answers == 24


def test_a_refused_probe_past_the_ceiling_doubles_how_long_it_holds():
    lim = Limiter(initial=4, maximum=16, ceiling_memory=10.0)

    def refuse_fourth(now: float) -> float:
        tickets = []
        while isinstance(t := lim.try_acquire(now), Ticket):
            tickets.append(t)
        assert len(tickets) >= 4
        for t in tickets[3:]:  # the backend serves 3 at once: the rest are refused at once
            lim.release(t, now + 0.001, status=429)
        for t in tickets[:3]:
            lim.release(t, now + 0.02, status=200)
        return now + 0.02

    now = refuse_fourth(0.0)
    while now < 10.5:  # the ceiling (3) holds for 10 s, then the limit probes past it
        now = _round_trip(lim, now, 0.02)
    assert lim.limit >= 4
    now = refuse_fourth(now)  # the probe is refused: the next ceiling holds 20 s
    start = now
    while now < start + 19:
        now = _round_trip(lim, now, 0.02)
        assert lim.limit <= 3
    assert lim.stats.cuts_on_refusal == 2

"""How many requests a client keeps in flight: AIMD on the backend's own signals (no I/O).

One :class:`Limiter` per client is the budget that every walk, download and call of that
client shares (v1 and v2 pages, frames, downloads), so that two walks at once ask no more of
the backend than one. Its limit moves with what the backend answers, as TCP's window does:

- **additive increase**: a round trip of successful answers while the limit was in use
  raises it by one, up to ``maximum`` (the client's ``max_concurrency``);
- **multiplicative decrease on refusal**: a 429 or 503 halves it, once per round trip
  (answers to requests sent before the last cut do not cut again), and a ``Retry-After``
  pauses every new request of the client until it has passed, not only the refused
  request's own retry. The in-flight count the refused request was sent at becomes a
  ceiling for ``ceiling_memory`` seconds: a backend that refused N at once refuses N again,
  and latency cannot tell when it queues from the first request on;
- **decrease on rising latency**: per round trip (a window of as many answers as the
  limit), the mean latency is compared with the baseline, the lowest mean of the recent
  past; two round trips in a row above ``latency_tolerance`` x baseline say the backend
  is queueing: the limit goes to ``limit x baseline / mean`` (by Little's law the
  concurrency it serves without a queue; at least half), before any request is refused.

It starts at ``initial`` (4: what a browser opens per host, which no production backend
throttles) and finds the backend's capacity from there. ``adaptive=False`` keeps the
limit fixed at ``maximum`` (for measurements, and backends that want exactly N).

Sans-I/O: callers pass the clock. :meth:`Limiter.try_acquire` answers a :class:`Ticket`
(send now), a number of seconds (paused by ``Retry-After``) or None (full: wait for a
release); :meth:`Limiter.release` takes the answer's status. ``ThreadGate`` and
``AsyncGate`` in :mod:`synapse_nb.client.gate` drive it with locks and waits.

>>> lim = Limiter(initial=3, maximum=8)
>>> tickets = [lim.try_acquire(0.0) for _ in range(3)]
>>> lim.try_acquire(0.0) is None                      # full
True
>>> for t in tickets:
...     lim.release(t, 0.1, status=200)
>>> lim.limit                                          # a round trip at the limit: +1
4.0
>>> tickets = [lim.try_acquire(0.2) for _ in range(4)]
>>> lim.release(tickets[3], 0.25, status=429, retry_after=2.0)   # the 4th: one too many
>>> lim.limit, round(lim.try_acquire(1.0), 3)         # halved; paused 1.25 s more
(2.0, 1.25)
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field

__all__ = ["Limiter", "LimiterStats", "Ticket", "DEFAULT_INITIAL_CONCURRENCY", "REFUSALS"]

#: requests in flight a client starts with before the backend's answers move the limit
DEFAULT_INITIAL_CONCURRENCY = 4
#: answers that say "too many": the limit is cut
REFUSALS = frozenset({429, 503})


@dataclass(frozen=True)
class Ticket:
    """A slot taken: when its request was sent, under which cut (see :class:`Limiter`), and
    how many requests were in flight with it."""

    sent: float
    epoch: int
    in_flight: int


@dataclass
class LimiterStats:
    """What the limiter saw: answers, refusals, cuts, the largest in-flight count."""

    answers: int = 0
    refused: int = 0
    #: refusals of requests sent after the first cut on a refusal (0 is the goal)
    refused_after_backoff: int = 0
    cuts_on_refusal: int = 0
    cuts_on_latency: int = 0
    increases: int = 0
    max_in_flight: int = 0


@dataclass
class Limiter:
    """AIMD concurrency limit (see the module docstring)."""

    initial: int = DEFAULT_INITIAL_CONCURRENCY
    maximum: int = 16
    minimum: int = 1
    adaptive: bool = True
    #: factor on a 429 / 503
    decrease: float = 0.5
    #: mean latency of a round trip above this times the baseline: the backend queues
    latency_tolerance: float = 2.0
    #: round trips the baseline (lowest mean latency of one) is remembered for
    baseline_memory: int = 50
    #: seconds the limit stays below the in-flight count of a refusal before it probes
    #: past it (doubled each time the probe is refused)
    ceiling_memory: float = 60.0
    stats: LimiterStats = field(default_factory=LimiterStats)

    def __post_init__(self) -> None:
        for name in ("initial", "maximum", "minimum"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer of requests in flight, "
                                 f"got {value!r}")
        if self.minimum > self.maximum:
            raise ValueError(f"minimum ({self.minimum}) is above maximum ({self.maximum})")
        if not 0 < self.decrease < 1:
            raise ValueError(f"decrease must be a factor in (0, 1), got {self.decrease!r}")
        if self.latency_tolerance <= 1:
            raise ValueError(f"latency_tolerance must be above 1, got {self.latency_tolerance!r}")
        start = self.initial if self.adaptive else self.maximum
        self.limit = float(min(max(start, self.minimum), self.maximum))
        self.in_flight = 0
        self.paused_until = 0.0
        self.epoch = 0
        self._backoff_epoch: int | None = None  # epoch after the first cut on a refusal
        self._window: list[float] = []
        self._used = False  # the limit was reached during this window
        self._means: deque[float] = deque(maxlen=self.baseline_memory)
        self._last_mean: float | None = None
        self._ceiling: tuple[int, float] | None = None  # (limit, until when)
        self._hold = self.ceiling_memory  # doubles each time a probe past it is refused
        self._probed = False  # a ceiling was forgotten: the next refusal answers the probe

    @property
    def slots(self) -> int:
        """Requests that may be in flight now."""
        return max(self.minimum, int(self.limit + 1e-9))  # 2.9999999 after a cut is 3

    def try_acquire(self, now: float) -> Ticket | float | None:
        """A :class:`Ticket` (send now), seconds to wait (a ``Retry-After`` pause), or
        None (every slot is taken: wait for a :meth:`release`)."""
        if now < self.paused_until:
            return self.paused_until - now
        if self.in_flight >= self.slots:
            self._used = True
            return None
        self.in_flight += 1
        if self.in_flight >= self.slots:
            self._used = True
        self.stats.max_in_flight = max(self.stats.max_in_flight, self.in_flight)
        return Ticket(now, self.epoch, self.in_flight)

    def release(self, ticket: Ticket, now: float, *, status: int | None,
                retry_after: float | None = None, timed: bool = True) -> None:
        """The request of ``ticket`` ended at ``now`` with ``status`` (None: no answer).

        ``timed=False``: its duration says nothing about load (a download's time grows with
        the file), so only a refusal counts.
        """
        at_answer = self.in_flight
        self.in_flight = max(0, self.in_flight - 1)
        if status in REFUSALS:
            # how many were too many: a refusal is quick, so the count when it comes back is
            # what the backend saw (the count at sending misses requests that overtook it;
            # the lowest over a refused burst is the backend's own limit)
            self._refused(ticket, now, retry_after, at_answer)
            return
        if status is None or status >= 500:
            return  # no answer, or a failure that says nothing about load
        self.stats.answers += 1
        if not self.adaptive or not timed:
            return
        self._window.append(now - ticket.sent)
        if len(self._window) < max(self.slots, 3):
            return
        # the mean, not the median: by Little's law limit x baseline / mean is the
        # concurrency the backend serves without a queue. A queue is two round trips in a
        # row above the tolerance (one slow window on a busy machine is not a queue); the
        # baseline is the lowest mean of the recent past.
        mean = statistics.fmean(self._window)
        self._window.clear()
        last, self._last_mean = self._last_mean, mean
        baseline = min(self._means, default=mean)
        self._means.append(mean)
        high = self.latency_tolerance * baseline
        if mean > high and last is not None and last > high and ticket.epoch == self.epoch:
            # back to the concurrency served without a queue (rounded up: less than one
            # request waiting keeps every worker busy)
            both = (mean + last) / 2
            self._cut(max(self.decrease, math.ceil(self.limit * baseline / both) / self.limit))
            self.stats.cuts_on_latency += 1
        elif self._used and self.limit < self._top(now):
            self.limit = min(float(self._top(now)), self.limit + 1)
            self.stats.increases += 1
        self._used = False

    def _top(self, now: float) -> int:
        """The highest the limit may grow to now."""
        if self._ceiling is not None:
            if now < self._ceiling[1]:
                return min(self.maximum, self._ceiling[0])
            self._ceiling, self._probed = None, True
        return self.maximum

    def _refused(self, ticket: Ticket, now: float, retry_after: float | None,
                 too_many: int) -> None:
        self.stats.refused += 1
        if self._backoff_epoch is not None and ticket.epoch >= self._backoff_epoch:
            self.stats.refused_after_backoff += 1
        if retry_after is not None and retry_after > 0:
            self.paused_until = max(self.paused_until, now + retry_after)
        if not self.adaptive:
            return
        if ticket.epoch == self.epoch:  # once per round trip
            self._cut(self.decrease)
            self.stats.cuts_on_refusal += 1
            if self._backoff_epoch is None:
                self._backoff_epoch = self.epoch
            if self._probed:  # the backend still refuses there: probe half as often
                self._hold, self._probed = self._hold * 2, False
        # every refusal, of this round trip or an earlier one, says how many were too many
        below = max(self.minimum, too_many - 1)
        if self._ceiling is not None and now < self._ceiling[1]:
            below = min(below, self._ceiling[0])
        self._ceiling = (below, now + self._hold)
        self.limit = min(self.limit, float(below))

    def _cut(self, factor: float) -> None:
        self.limit = max(float(self.minimum), self.limit * factor)
        self.epoch += 1
        self._window.clear()
        self._used = False

    def __repr__(self) -> str:
        mode = "adaptive" if self.adaptive else "fixed"
        return (f"Limiter({mode}, limit={self.limit:.1f}, in_flight={self.in_flight}, "
                f"maximum={self.maximum})")

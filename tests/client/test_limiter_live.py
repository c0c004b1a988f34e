"""The adaptive limit against the reference server's rate-limit profile, over loopback.

The server serves ``capacity=2`` requests at once (30 ms each), lets one more wait, and
answers 429 with ``Retry-After: 1`` beyond: concurrency 2 and 3 get the most throughput, 4
and more are refused. A client starts at 4 in flight, so its first round trip is refused
once; after that back-off nothing is refused, whatever walks run at once, and a walk is
within 10% of the best fixed concurrency.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from synapse_nb.client import AsyncSynapseClient, SynapseClient

# timing against a real server: marked slow, so the full 3.12 run has it and the fast
# suite on 3.11 and 3.13 (run right after it, on a busier machine) does not
pytestmark = pytest.mark.slow

PROFILE = {"capacity": 2, "queue_limit": 1, "latency_ms": 30, "retry_after": 1}
PAGE_SIZE = 5  # 200 tasks: 40 pages, about 0.6 s a walk at the profile's best


def _walk(client: SynapseClient) -> float:
    start = time.perf_counter()
    rows = [r for page in client.paginate("sdk/tasks/", page_size=PAGE_SIZE) for r in page]
    assert len(rows) == 200
    return time.perf_counter() - start


def _refused(server) -> int:
    stats = getattr(server.app.state, "rate_limit", None)
    return stats.refused if stats else 0


def test_sync_walks_no_refusal_after_the_first_backoff_and_near_best_fixed(make_server):
    server = make_server(scale=200, **PROFILE)
    fixed: dict[int, float] = {}
    for c, runs in ((2, 1), (3, 2)):  # the plateau of this profile (1 is slower, 4 refused)
        with SynapseClient(server.base_url, access_token=server.access_token,
                           max_concurrency=c, adaptive_concurrency=False) as client:
            fixed[c] = min(_walk(client) for _ in range(runs))
    assert _refused(server) == 0
    best = min(fixed.values())
    with SynapseClient(server.base_url, access_token=server.access_token) as client:
        _walk(client)  # learns: its first round trip at 4 is refused once, then 1 s pause
        lim = client.limiter
        assert lim.stats.refused >= 1 and lim.stats.cuts_on_refusal == 1
        refused = _refused(server)
        adaptive = min(_walk(client) for _ in range(2))
        # two walks at once share the one budget: still nothing refused
        threads = [threading.Thread(target=_walk, args=(client,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert _refused(server) == refused
        assert lim.stats.refused_after_backoff == 0 and lim.stats.max_in_flight <= 4
    assert adaptive <= best * 1.10, (adaptive, fixed, lim.stats)


def test_async_walks_share_one_budget_no_refusal_after_the_first_backoff(make_server):
    server = make_server(scale=200, **PROFILE)

    async def main() -> None:
        async with AsyncSynapseClient(server.base_url, access_token=server.access_token) as client:
            async def walk() -> int:
                return sum([len(page) async for page in client.paginate("sdk/tasks/",
                                                                        page_size=PAGE_SIZE)])

            assert await walk() == 200
            refused = _refused(server)
            assert refused >= 1 and client.limiter.stats.cuts_on_refusal == 1
            assert await asyncio.gather(walk(), walk(), walk()) == [200, 200, 200]
            assert _refused(server) == refused
            assert client.limiter.stats.refused_after_backoff == 0

    asyncio.run(main())

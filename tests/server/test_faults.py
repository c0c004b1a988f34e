"""Fault injection switched while the server runs: latency, 429 with Retry-After, 503."""

from __future__ import annotations

import time

from server_helpers import sdk_client


def test_faults_switch_on_and_off_at_run_time(make_server):
    server = make_server(scale=20)
    with sdk_client(server) as client:
        assert client.get("sdk/tasks/").status_code == 200
        server.settings.rate_429, server.settings.retry_after = 1.0, 3
        r = client.get("sdk/tasks/")
        assert r.status_code == 429 and r.headers["Retry-After"] == "3" and r.json()["detail"]
        server.settings.rate_429, server.settings.rate_503 = 0.0, 1.0
        r = client.get("tasks/1/")
        assert r.status_code == 503 and r.json()["detail"]
        server.settings.rate_503 = 0.0
        assert client.get("tasks/1/").status_code == 200


def test_fault_rates_are_fractions_and_reproducible_with_a_seed(make_server):
    server = make_server(scale=20, fault_seed=1, rate_429=0.3, rate_503=0.2)

    def statuses() -> list[int]:
        with sdk_client(server) as client:
            return [client.get("tasks/1/").status_code for _ in range(200)]

    first = statuses()
    assert 30 < first.count(429) < 90 and 15 < first.count(503) < 70
    assert first.count(200) == 200 - first.count(429) - first.count(503)
    server.settings.fault_seed = 2
    statuses()
    server.settings.fault_seed = 1          # a changed seed restarts its sequence
    assert statuses() == first


def test_latency_is_added_per_request(make_server):
    server = make_server(scale=20)
    with sdk_client(server) as client:
        client.get("tasks/1/")
        start = time.perf_counter()
        client.get("tasks/1/")
        fast = time.perf_counter() - start
        server.settings.latency_ms = 150
        start = time.perf_counter()
        client.get("tasks/1/")
        slow = time.perf_counter() - start
    assert slow >= 0.15 and slow > fast

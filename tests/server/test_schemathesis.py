"""Schemathesis over the server's own OpenAPI: whatever it sends, never a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from synapse_nb.server import Settings, create_app
from synapse_nb.server.demo import DEMO_ACCESS_TOKEN
from synapse_nb.server.testing import start_server


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    handle = start_server(Settings(db_path=root / "s.db", data_dir=root / "data", demo=True,
                                   scale=100, max_upload_bytes=100_000))
    yield handle
    handle.stop()


# The schema of a fresh app (no database is opened until its lifespan runs). Loaded here,
# not through schemathesis.pytest.from_fixture, which breaks on pytest 9 (node._nodeid).
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, fuzz_server):
    response = case.call(base_url=fuzz_server.base_url,
                         headers={"Synapse-Access-Token": f"Token {DEMO_ACCESS_TOKEN}"},
                         timeout=30)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json"):
        response.json()  # every JSON answer parses (pre-serialised bodies included)

"""Auth (contract section 1) and tenant isolation."""

from __future__ import annotations

import httpx
import pytest
from server_helpers import sdk_client

from synapse_nb.server.demo import AGENT_TOKEN, DEMO_ACCESS_TOKEN, OTHER_ACCESS_TOKEN, USER_TOKENS


@pytest.mark.parametrize("headers", [
    {"Synapse-Access-Token": f"Token {DEMO_ACCESS_TOKEN}"},
    {"Synapse-Access-Token": DEMO_ACCESS_TOKEN},                       # Go CLI: no prefix
    {"Synapse-Access-Token": DEMO_ACCESS_TOKEN, "Synapse-Tenant": "acme"},
    {"Synapse-Access-Token": f"Token {DEMO_ACCESS_TOKEN}", "Synapse-Tenant": "Token acme"},
    {"Authorization": f"Token {USER_TOKENS['alice']}", "Synapse-Tenant": "Token acme"},
    {"Authorization": f"Token {USER_TOKENS['bob']}"},                  # only one tenant
    {"Authorization": f"Token {USER_TOKENS['judy']}", "Synapse-Tenant": "acme"},
    {"SYNAPSE-Agent": f"Token {AGENT_TOKEN}"},
])
def test_every_header_form_reaches_the_acme_project(live_server, headers):
    r = httpx.get(f"{live_server.base_url}/projects/1/", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Street object detection"


@pytest.mark.parametrize("headers,status", [
    ({}, 401),
    ({"Synapse-Access-Token": "Token syn_wrong"}, 401),
    ({"Authorization": "Token nope"}, 401),
    ({"SYNAPSE-Agent": "Token nope"}, 401),
    ({"Synapse-Tenant": "acme"}, 401),                                   # a tenant is no token
    ({"Authorization": f"Token {USER_TOKENS['judy']}"}, 403),           # two tenants: which?
    ({"Authorization": f"Token {USER_TOKENS['bob']}", "Synapse-Tenant": "globex"}, 403),
    ({"Synapse-Access-Token": DEMO_ACCESS_TOKEN, "Synapse-Tenant": "globex"}, 403),
])
def test_missing_or_wrong_credentials_are_refused_with_a_reason(live_server, headers, status):
    r = httpx.get(f"{live_server.base_url}/sdk/tasks/", headers=headers)
    assert r.status_code == status
    assert r.json()["detail"]
    assert DEMO_ACCESS_TOKEN not in r.text


def test_token_never_echoed_in_errors(live_server):
    r = httpx.get(f"{live_server.base_url}/tasks/1/",
                  headers={"Synapse-Access-Token": "Token syn_secret_value_123"})
    assert r.status_code == 401 and "syn_secret_value_123" not in r.text


@pytest.mark.parametrize("path", [
    "projects/1/", "tasks/1/", "data_units/1/", "data_collections/1/", "assignments/1/",
    "task_tags/1/", "models/1/", "plugins/1/", "jobs/1/", "storages/1/",
    "ground_truth_dataset_versions/1/", "ground_truth_datasets/1/", "plugin_releases/1/",
    "jobs/1/console_logs/",
])
def test_other_tenant_gets_404_for_acme_objects(live_server, path):
    with sdk_client(live_server) as acme, sdk_client(live_server, OTHER_ACCESS_TOKEN) as globex:
        assert acme.get(path).status_code == 200
        r = globex.get(path)
        assert r.status_code == 404, r.text
        assert "detail" in r.json()


@pytest.mark.parametrize("path,acme_filter", [
    ("sdk/tasks/", {"project": 1}), ("sdk/assignments/", {"project": 1}),
    ("sdk/ground_truth_events/", {"ground_truth_dataset_versions": 1}),
    ("data_units/", {"data_collection": 1}), ("task_tags/", {"project": 1}),
])
def test_lists_never_show_another_tenants_rows(live_server, path, acme_filter):
    with sdk_client(live_server, OTHER_ACCESS_TOKEN) as globex:
        body = globex.get(path, params=acme_filter).json()
        assert body["count"] == 0 and body["results"] == []
        everything = globex.get(path, params={"page_size": 1000}).json()["results"]
        projects = {row.get("project") for row in everything} - {None}
        assert projects <= {4}


def test_globex_sees_its_own_tasks_and_html_label(live_server):
    with sdk_client(live_server, OTHER_ACCESS_TOKEN) as globex:
        body = globex.get("sdk/tasks/", params={"page_size": 100}).json()
        assert body["count"] >= 20
        labels = {a["label"] for t in body["results"] if t["data"]
                  for a in t["data"]["annotations"]}
        assert "<b>line item</b><script>alert(1)</script>" in labels


def test_agent_connect_needs_the_agents_own_tenant(make_server):
    server = make_server(scale=20)  # changes the seeded agent: not on the shared server
    with sdk_client(server) as acme, sdk_client(server, OTHER_ACCESS_TOKEN) as globex:
        r = acme.post(f"agents/{AGENT_TOKEN}/connect/")
        assert r.status_code == 200 and r.json()["status"] == "healthy"
        assert r.json()["last_connected"]
        assert globex.post(f"agents/{AGENT_TOKEN}/connect/").status_code == 404
        assert acme.post("agents/not-a-token/connect/").status_code == 404

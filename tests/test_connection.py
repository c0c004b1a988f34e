"""connect(): the configured backend first, the embedded demo server otherwise."""

from __future__ import annotations

import json
import sys

import pytest

import synapse_nb
from synapse_nb import connection


@pytest.fixture
def no_config(monkeypatch, tmp_path):
    for name in ("SYNAPSE_HOST", "SYNAPSE_ACCESS_TOKEN", "SYNAPSE_API_TOKEN", "SYNAPSE_TENANT",
                 "SYNAPSE_AGENT_TOKEN", "SYNAPSE_PLUGIN_RUN_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.synapse/config.json


def test_configured_backend_is_used(live_server, no_config, monkeypatch):
    monkeypatch.setenv("SYNAPSE_HOST", live_server.base_url)
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", live_server.access_token)
    with synapse_nb.connect(demo=False) as client:
        assert client.base_url == live_server.base_url
        assert client.list_tasks(params={"page_size": 1})["count"] > 0


def test_config_file_is_used(live_server, no_config, tmp_path):
    (tmp_path / ".synapse").mkdir()
    (tmp_path / ".synapse" / "config.json").write_text(
        json.dumps({"host": live_server.base_url, "access_token": live_server.access_token}))
    with synapse_nb.connect(demo=False) as client:
        assert client.base_url == live_server.base_url


def test_unconfigured_without_fallback_says_what_to_set(no_config):
    with pytest.raises(ValueError, match="SYNAPSE_HOST"):
        synapse_nb.connect(demo=False)


def test_unconfigured_starts_the_demo_server_once(no_config, monkeypatch, capsys):
    monkeypatch.setattr(connection, "_server", None)
    monkeypatch.setenv("SYNAPSE_NB_DEMO_SCALE", "150")
    try:
        with synapse_nb.connect() as first, synapse_nb.connect(asynchronous=False) as second:
            assert first.base_url == second.base_url  # reused, not started twice
            assert first.list_tasks()["count"] == 150
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 2 and "demo server" in lines[0]
        assert connection._server.access_token not in "".join(lines)
    finally:
        if connection._server is not None:
            connection._server.stop()


def test_lazy_public_names():
    assert synapse_nb.BackendClient is synapse_nb.SynapseClient
    assert callable(synapse_nb.connect)
    with pytest.raises(AttributeError):
        synapse_nb.no_such_name  # noqa: B018


@pytest.mark.parametrize("variables, named", [
    ({"SYNAPSE_ACCESS_TOKEN": "syn_meant_for_prod"}, "SYNAPSE_ACCESS_TOKEN is set but no host"),
    ({"SYNAPSE_ACCESS_TOKEN": "syn_meant_for_prod", "SYNAPSE_TENANT": "acme"},
     "SYNAPSE_ACCESS_TOKEN and SYNAPSE_TENANT are set but no host"),
])
def test_a_token_without_a_host_is_refused(variables, named, no_config, monkeypatch):
    monkeypatch.setattr(connection, "_server", None)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as refused:
        synapse_nb.connect()
    assert named in str(refused.value) and "set SYNAPSE_HOST" in str(refused.value)
    assert "syn_meant_for_prod" not in str(refused.value)
    assert connection._server is None  # the demo server was not started


def test_a_config_file_token_without_a_host_is_refused(no_config, tmp_path, monkeypatch):
    monkeypatch.setattr(connection, "_server", None)
    (tmp_path / ".synapse").mkdir()
    (tmp_path / ".synapse" / "config.json").write_text(json.dumps({"access_token": "syn_x"}))
    with pytest.raises(ValueError, match=r"~/.synapse/config.json has credentials but no host"):
        synapse_nb.connect()


def test_without_the_server_extra_connect_says_how_to_get_it(no_config, monkeypatch):
    monkeypatch.setattr(connection, "_server", None)
    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if not installed: import fails
    with pytest.raises(ImportError) as missing:
        synapse_nb.connect()
    message = str(missing.value)
    assert "\n" not in message and "pip install 'synapse_nb[server]'" in message

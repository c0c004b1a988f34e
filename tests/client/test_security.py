"""No token in repr(client), str(error), or any log line (ours, httpx's, httpcore's)."""

from __future__ import annotations

import logging
import pickle

import httpx
import pytest

from synapse_nb.client import AsyncSynapseClient, AuthenticationError, ClientError, SynapseClient
from synapse_nb.client.files import cache_name, safe_join
from synapse_nb.server.demo import AGENT_TOKEN


ACCESS = "syn_leakcheck_ACCESS_777"
USER = "drf_leakcheck_USER_888"
AGENT = "agt_leakcheck_AGENT_999"
SECRETS = (ACCESS, USER, AGENT)


def _assert_clean(text: str) -> None:
    for s in SECRETS + (AGENT_TOKEN,):
        assert s not in text, f"a token leaked: ...{text[max(0, text.find(s) - 40):text.find(s) + 40]}..."


@pytest.mark.parametrize("cls", [SynapseClient, AsyncSynapseClient])
def test_repr_has_no_token(cls):
    client = cls("http://127.0.0.1:9", access_token=ACCESS, token=USER, agent_token=AGENT, tenant="acme")
    text = repr(client) + str(client) + repr(client.config)
    _assert_clean(text)
    assert "acme" in text and "access_token" in text  # says which auth is set, not its value


def test_no_token_in_errors_or_logs(caplog, live_server, tmp_path):
    caplog.set_level(logging.DEBUG)  # everything: httpx, httpcore, synapse_nb
    for name in ("httpx", "httpcore", "synapse_nb.client"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    texts = []
    # a rejected token: 401 from the live server
    with SynapseClient(live_server.base_url, access_token=ACCESS, token=USER, agent_token=AGENT,
                       cache_dir=tmp_path) as bad:
        with pytest.raises(ClientError) as info:
            bad.get_project(1)
        assert isinstance(info.value, AuthenticationError) or info.value.status_code in (401, 403)
        texts += [str(info.value), repr(info.value), repr(info.value.args)]
        # the agent token sits in the URL path of health_check_agent
        with pytest.raises(ClientError) as info2:
            bad.health_check_agent(AGENT)
        texts += [str(info2.value), repr(info2.value), str(info2.value.url)]
    # a good token, with retries logged and the demo agent token in a URL
    with SynapseClient(live_server.base_url, access_token=live_server.access_token, cache_dir=tmp_path) as good:
        good.health_check_agent(AGENT_TOKEN)
    # a transport failure carries no token either
    def boom(request):
        raise httpx.ConnectError(f"refused {request.headers.get('Synapse-Access-Token')}")
    with SynapseClient("http://127.0.0.1:9", access_token=ACCESS, transport=httpx.MockTransport(boom),
                       max_retries=1) as c:
        c._sleep = lambda s: None
        with pytest.raises(ClientError) as info3:
            c.get_task(1)
        texts += [str(info3.value), repr(info3.value)]
    assert caplog.records, "DEBUG logging produced no records: the check would be vacuous"
    assert any("agents/***/connect" in r.getMessage() for r in caplog.records)
    _assert_clean("\n".join(texts))
    _assert_clean("\n".join(r.getMessage() for r in caplog.records))
    _assert_clean(caplog.text)


def test_errors_pickle_without_losing_fields():
    from synapse_nb.client.errors import error_for_status
    err = pickle.loads(pickle.dumps(error_for_status(404, {"detail": "gone"})))
    assert (type(err).__name__, err.status_code, err.detail, err.response) == (
        "NotFoundError", 404, "gone", {"detail": "gone"})


@pytest.mark.parametrize("name", ["../escape.png", "/etc/passwd", "a/../../b"])
def test_file_names_never_escape_their_folder(tmp_path, name):
    with pytest.raises(ValueError, match="outside"):
        safe_join(tmp_path, name)


@pytest.mark.parametrize("url", ["http://h/../../etc/passwd", "http://h/a/..%2F..%2Fx.sh",
                                 "http://h/x.png/..", "http://h/%00.png"])
def test_cache_names_are_flat(tmp_path, url):
    name = cache_name(url)
    assert "/" not in name and ".." not in name and safe_join(tmp_path, name).parent == tmp_path.resolve()


def test_signatures_never_in_http_logs_at_any_level(caplog, api):
    """httpx logs each request's URL at INFO: a signed file URL's ``sig`` must not show."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "httpcore.http11", "httpcore.connection"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    task = api.get_task(1)
    url = next(f["url"] for f in task["files"].values() if isinstance(f, dict) and "sig=" in f.get("url", ""))
    sig = url.split("sig=", 1)[1].split("&")[0]
    assert len(sig) >= 8
    assert api.get_bytes(url)[:4] == b"\x89PNG"
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request: GET" in logged and "sig=***" in logged  # the line is there, masked
    assert sig not in logged


def test_filter_covers_child_loggers(caplog):
    """A filter on ``httpcore`` does not see records logged to ``httpcore.http11``."""
    caplog.set_level(logging.DEBUG)
    with SynapseClient("http://127.0.0.1:9", access_token=ACCESS) as client:
        for name in ("httpcore.http11", "httpcore.connection", "httpx._client"):
            logging.getLogger(name).debug("sent %s to http://h/x?sig=SIGVALUE123", ACCESS)
        assert client is not None
    assert caplog.records and all("***" in r.getMessage() for r in caplog.records)
    assert ACCESS not in caplog.text and "SIGVALUE123" not in caplog.text


def test_secrets_are_held_per_client_and_leave_with_it():
    from synapse_nb.client._redact import _all_secrets

    before = len(_all_secrets())
    for i in range(8):
        with SynapseClient("http://127.0.0.1:9", access_token=f"syn_short_lived_{i:03d}"):
            pass
    assert len(_all_secrets()) == before  # no process-wide set that only grows
    with SynapseClient("http://127.0.0.1:9", access_token="syn_open_client_1") as open_client:
        assert "syn_open_client_1" in _all_secrets()
        assert "syn_open_client_1" not in repr(open_client._secrets)
    assert "syn_open_client_1" not in _all_secrets()


@pytest.mark.parametrize("cls", [SynapseClient, AsyncSynapseClient])
def test_a_token_echoed_by_the_server_is_scrubbed_from_the_error(cls):
    def echo(request):
        token = request.headers["Synapse-Access-Token"]
        return httpx.Response(400, json={"detail": f"bad header {token}", "got": [token, {"t": token}]})

    client = cls("http://127.0.0.1:9", access_token=ACCESS, transport=httpx.MockTransport(echo))
    with pytest.raises(ClientError) as info:
        if cls is AsyncSynapseClient:
            import asyncio
            asyncio.run(client.get_task(1))
        else:
            with client:
                client.get_task(1)
    err = info.value
    assert err.status_code == 400 and "bad header" in str(err.detail)
    _assert_clean(repr(err.detail) + repr(err.response) + str(err) + repr(err.args))
    assert err.response["got"][1] == {"t": "Token ***"}  # the shape stays, the value goes


def test_an_error_a_flow_raises_from_an_accepted_answer_is_scrubbed(tmp_path):
    """The chunked upload accepts a 400 and raises it itself: the echoed token goes too."""
    def echo(request):
        token = request.headers.get("Synapse-Access-Token", "")
        if request.url.path == "/chunked_upload/":
            return httpx.Response(200, json={"id": 1, "url": "http://127.0.0.1:9/chunked_upload/1/", "offset": 3})
        return httpx.Response(400, json={"detail": f"refused {token}", "offset": "nonsense"})

    src = tmp_path / "f.bin"
    src.write_bytes(b"abcdef")
    with SynapseClient("http://127.0.0.1:9", access_token=ACCESS, transport=httpx.MockTransport(echo),
                       cache_dir=tmp_path / "c") as client:
        with pytest.raises(ClientError) as info:
            client.create_chunked_upload(src, chunk_size=3)
    err = info.value
    assert err.status_code == 400 and "refused" in str(err.detail)
    _assert_clean(repr(err.detail) + repr(err.response) + str(err))

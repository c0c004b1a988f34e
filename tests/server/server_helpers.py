"""Requests as the SDK sends them: prefixed headers, relative DRF paths, absolute ``next``."""

from __future__ import annotations

import hashlib
from typing import Any, Iterator

import httpx

from synapse_nb.server.demo import DEMO_ACCESS_TOKEN


def sdk_client(server: Any, token: str = DEMO_ACCESS_TOKEN, **headers: str) -> httpx.Client:
    """An httpx client with the SDK's header: ``Synapse-Access-Token: Token <t>``."""
    all_headers = {"Synapse-Access-Token": f"Token {token}"} if token else {}
    all_headers.update(headers)
    return httpx.Client(base_url=server.base_url + "/", headers=all_headers, timeout=30)


def walk(client: httpx.Client, path: str, params: dict | None = None) -> Iterator[dict]:
    """Follow ``next`` like the SDK's ``list_all=True`` generator."""
    response = client.get(path, params={"page_size": 100, **(params or {})})
    response.raise_for_status()
    page = response.json()
    while True:
        yield from page["results"]
        if not page["next"]:
            return
        response = client.get(page["next"])
        response.raise_for_status()
        page = response.json()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def chunked_upload(client: httpx.Client, data: bytes, filename: str, chunk: int) -> dict:
    """The SDK's chunked upload: PUT chunks with Content-Range, then POST the md5."""
    url = "chunked_upload/"
    total = len(data)
    body: dict = {}
    for start in range(0, total, chunk):
        part = data[start:start + chunk]
        r = client.put(url, data={"filename": filename}, files={"file": (filename, part)},
                       headers={"Content-Range": f"bytes {start}-{start + len(part) - 1}/{total}"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["offset"] == start + len(part)
        url = body["url"]
    r = client.post(url, json={"md5": md5(data)})
    assert r.status_code == 200, r.text
    return r.json()

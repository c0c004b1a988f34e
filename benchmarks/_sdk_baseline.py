"""A faithful re-implementation of ``synapse-sdk``'s ``BackendClient`` algorithms, as the
baseline of the side-by-side benchmarks (section 2 and 5 of the backend contract).

Listing (``list_x(params, list_all=True)``): ``page_size`` forced to 100, page 1 fetched
once for ``count``, then a generator that starts again at page 1 and follows ``next``,
one request at a time, on a requests-like synchronous session (pooled keep-alive, as
``requests.Session``).

Uploading: chunked upload from byte 0 with 50 MB chunks (md5 as it reads), ``POST`` the
md5, then ``POST data_files/``; small files as one multipart ``POST data_files/``.
Everything sequential. No retries beyond what the SDK does (none here: the benchmark
server injects latency only).

>>> rows, count = sdk_list_all("http://127.0.0.1:8000", sdk_headers("syn_..."), "sdk/tasks/")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterator, Mapping

import httpx

__all__ = ["sdk_headers", "sdk_session", "sdk_list_all", "list_all_tasks", "sdk_upload_file",
           "sdk_chunked_upload"]

SDK_PAGE_SIZE = 100
SDK_CHUNK_SIZE = 50 * 1024 * 1024
_sessions: dict[tuple[str, tuple[tuple[str, str], ...]], httpx.Client] = {}


def sdk_headers(access_token: str) -> dict[str, str]:
    return {"Synapse-Access-Token": f"Token {access_token}"}


def sdk_session(base_url: str, headers: Mapping[str, str]) -> httpx.Client:
    """One pooled synchronous session per (host, headers), like the SDK's requests.Session."""
    key = (base_url, tuple(sorted(headers.items())))
    if key not in _sessions:
        _sessions[key] = httpx.Client(headers=dict(headers), timeout=httpx.Timeout(60.0, connect=5.0))
    return _sessions[key]


def _url(base_url: str, path: str) -> str:
    return path if path.startswith("http") else base_url.rstrip("/") + "/" + path.lstrip("/")


def _get(session: httpx.Client, url: str, params: Mapping[str, Any] | None = None) -> Any:
    response = session.get(url, params=params)
    response.raise_for_status()
    return response.json()


def sdk_list_all(base_url: str, headers: Mapping[str, str], path: str,
                 params: Mapping[str, Any] | None = None) -> tuple[Iterator[dict[str, Any]], int]:
    """``list_x(params, list_all=True)`` as the SDK does it: ``(generator, count)``."""
    session = sdk_session(base_url, headers)
    params = dict(params or {})  # (the 2025 SDK crashed on None here; the baseline does not)
    params["page_size"] = SDK_PAGE_SIZE  # the SDK overwrites any caller page_size
    url = _url(base_url, path)
    count = _get(session, url, params)["count"]  # page 1, fetched for the count

    def generator() -> Iterator[dict[str, Any]]:
        next_url: str | None = url
        query: dict[str, Any] | None = params
        while next_url:  # page 1 again, then follow `next`, one request after another
            body = _get(session, next_url, query)
            yield from body["results"]
            next_url, query = body.get("next"), None
    return generator(), count


def list_all_tasks(base_url: str, access_token: str, params: Mapping[str, Any] | None = None
                   ) -> Iterator[dict[str, Any]]:
    """Every task, the SDK way (used by benchmarks/frames.py)."""
    rows, _count = sdk_list_all(base_url, sdk_headers(access_token), "sdk/tasks/", params)
    return rows


def sdk_chunked_upload(base_url: str, headers: Mapping[str, str], path: str | Path,
                       chunk_size: int = SDK_CHUNK_SIZE) -> dict[str, Any]:
    """The SDK's ``create_chunked_upload``: always from byte 0, sequential chunks."""
    session = sdk_session(base_url, headers)
    path = Path(path)
    total = path.stat().st_size
    md5 = hashlib.md5()
    url = _url(base_url, "chunked_upload/")
    offset = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(chunk_size)
            if not chunk:
                break
            md5.update(chunk)
            end = offset + len(chunk) - 1
            response = session.put(url, data={"filename": path.name},
                                   files={"file": (path.name, chunk)},
                                   headers={"Content-Range": f"bytes {offset}-{end}/{total}"})
            response.raise_for_status()
            body = response.json()
            url, offset = body["url"], body["offset"]
    response = session.post(url, json={"md5": md5.hexdigest()})
    response.raise_for_status()
    return response.json()


def sdk_upload_file(base_url: str, headers: Mapping[str, str], path: str | Path,
                    use_chunked_upload: bool = False, chunk_size: int = SDK_CHUNK_SIZE) -> dict[str, Any]:
    """The SDK's ``create_data_file``: multipart, or chunked then ``POST data_files/``."""
    session = sdk_session(base_url, headers)
    path = Path(path)
    if use_chunked_upload:
        up = sdk_chunked_upload(base_url, headers, path, chunk_size)
        response = session.post(_url(base_url, "data_files/"),
                                json={"chunked_upload": up["id"], "meta": {"filename": path.name}})
    else:
        with open(path, "rb") as fh:
            response = session.post(_url(base_url, "data_files/"), files={"file": (path.name, fh.read())})
    response.raise_for_status()
    return response.json()

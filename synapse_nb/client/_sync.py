"""``SynapseClient``: drives the shared flows with blocking httpx calls and a thread pool."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import httpx

from synapse_nb._util import atomic_file

from .base import BaseClient, Call, Download, Flow, Gather, ListAll
from .errors import ClientError
from .files import DownloadFailed, UrlConversion
from .gate import Answer as SlotAnswer
from .gate import ThreadGate
from .methods import LIST_TIMEOUT, ApiMethods, convert_flow
from .ops import Answer
from .pagination import EMPTY_PAGE, PagePlan, Pages

__all__ = ["SynapseClient"]


class SynapseClient(ApiMethods, BaseClient):
    """Synchronous Synapse client, a drop-in for ``synapse_sdk``'s ``BackendClient``.

    One pooled ``httpx.Client``; concurrent work (pages, downloads) runs on a bounded
    thread pool over it.

    >>> with SynapseClient("http://127.0.0.1:8000", access_token="syn_...") as client:  # doctest: +SKIP
    ...     tasks, count = client.list_tasks({"project": 1}, list_all=True)
    """

    def _connect(self) -> None:
        self._http = self._new_http()
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._gate = ThreadGate(self.limiter)

    def _slot(self, call: Call) -> Any:
        return self._gate.slot() if self._limited(call) else nullcontext(SlotAnswer())

    def _new_http(self) -> httpx.Client:
        limits = httpx.Limits(max_connections=self.max_concurrency * 2,
                              max_keepalive_connections=self.max_concurrency * 2)
        return httpx.Client(timeout=self.config.timeout, limits=limits, transport=self._transport,  # type: ignore[arg-type]
                            follow_redirects=False)  # redirects: see _open

    def reset_connection(self) -> None:
        """Drop the pooled connections; the next request opens a fresh one (as the SDK)."""
        old, self._http = self._http, self._new_http()
        old.close()

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        """Close pooled connections and the thread pool."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self._http.close()
        self._secrets.close()

    def __enter__(self) -> "SynapseClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="synapse-nb")
            return self._executor

    # -- flow driver -----------------------------------------------------------------
    def _bind(self, flow: Callable[..., Flow]) -> Callable[..., Any]:
        def method(*args: Any, **kwargs: Any) -> Any:
            return self._run(flow(self, *args, **kwargs))
        method.__name__ = flow.__name__
        method.__doc__ = flow.__doc__
        method.__signature__ = getattr(flow, "__client_signature__", None)  # type: ignore[attr-defined]
        return method

    def run_flow(self, flow: Flow) -> Any:
        """Drive a flow (a generator of ``Call``/``Gather``/``Download`` operations) to its
        result, with this client's auth, retries and timeouts: the seam other packages
        (frames on v2, scale-out) build multi-request reads on.

        >>> from synapse_nb.client.ops import Call                          # doctest: +SKIP
        >>> client.run_flow(iter([Call("GET", "projects/")]))               # doctest: +SKIP
        """
        return self._run(flow)

    def _run(self, gen: Flow) -> Any:
        try:
            op = next(gen)
            while True:
                try:
                    result = self._do(op)
                except ClientError as err:
                    op = gen.throw(err)
                else:
                    op = gen.send(result)
        except StopIteration as stop:
            return stop.value
        except ClientError as err:  # also errors a flow raised itself from an answer it accepted
            raise self._scrub(err) from err.__cause__

    def _do(self, op: Any) -> Any:
        if isinstance(op, Call):
            return self._send(op)
        if isinstance(op, Download):
            return self._download(op)
        if isinstance(op, Gather):
            if len(op.ops) <= 1:
                return [self._settled(o) for o in op.ops]
            return list(self._pool().map(self._settled, op.ops))
        if isinstance(op, ListAll):
            pages = self._pages(op.path, op.params, op.page_size, url_conversion=op.url_conversion)
            return pages.records(), pages.count
        raise TypeError(f"unknown operation {op!r}")

    @contextmanager
    def _open(self, call: Call) -> Iterator[httpx.Response]:
        """The final response of ``call`` (streamed), redirects followed by :meth:`_next_hop`."""
        hop: Any = self._first_hop(call)
        while True:
            response = self._http.send(self._http.build_request(**hop.kwargs), stream=True)
            try:
                hop = self._next_hop(hop, response)
                if hop is None:
                    yield response
                    return
            finally:
                response.close()

    def _settled(self, op: Any) -> Any:
        """``_do`` for one operation of a Gather: a failed download is a value (see Gather)."""
        if not isinstance(op, Download):
            return self._do(op)
        try:
            return self._download(op)
        except (ClientError, OSError) as err:
            return DownloadFailed(op.url, err)

    def _send(self, call: Call) -> Any:
        # httpx errors are wrapped here, ``from None``: their text and context can carry
        # request details we do not want in tracebacks (the wrapper keeps the cause's text)
        attempt = 0
        while True:
            error: httpx.TransportError | None = None
            with self._slot(call) as slot:  # held until the body is read, not while decoding
                try:
                    with self._open(call) as response:
                        response.read()
                except httpx.TransportError as exc:
                    error = exc
                else:
                    slot.record(response)
            if error is not None:
                delay = self._error_delay(call, error, attempt)
                if delay is None:
                    raise self._transport_error(call, error) from None
            else:
                delay = self._retry_delay(call, response, attempt)
                if delay is None:
                    return self._decode(call, response)
            self._sleep(delay)
            attempt += 1

    def _download(self, op: Download) -> Path:
        target = self._download_target(op)
        if target.exists():
            return target
        call = self._download_call(op)
        attempt = 0
        while True:
            try:
                with self._slot(call) as slot, self._open(call) as response:
                    slot.record(response)
                    slot.timed = False  # a file's time grows with its size
                    if response.status_code >= 400:
                        response.read()
                        delay = self._retry_delay(call, response, attempt)
                        if delay is None:
                            self._decode(call, response)  # raises: an error page is never saved
                    else:
                        self._check_content(op, response)
                        with atomic_file(target) as fh:
                            for block in response.iter_bytes(1 << 20):
                                fh.write(block)
                        return target
            except httpx.TransportError as exc:
                delay = self._error_delay(call, exc, attempt)
                if delay is None:
                    raise self._transport_error(call, exc) from None
            assert delay is not None  # an answer that is not retried was returned or raised above
            self._sleep(delay)
            attempt += 1

    # -- paging ----------------------------------------------------------------------
    def _pages(self, path: str, params: Mapping[str, Any] | None, page_size: int,
               concurrency: int | None = None, url_conversion: Any = None) -> Pages:
        plan = PagePlan(params, page_size, resource=path)

        def fetch(query: Any) -> Any:
            if isinstance(query, str):
                return self._send(Call("GET", query, timeout=LIST_TIMEOUT))
            if query.get("page", 1) == 1:
                return self._send(Call("GET", path, params=query, timeout=LIST_TIMEOUT))
            # rows deleted during the walk: a planned page past the new end answers 404
            # ("Invalid page."), which is an empty last page, not a failure
            body = self._send(Call("GET", path, params=query, timeout=LIST_TIMEOUT, accept=(404,)))
            return EMPTY_PAGE if isinstance(body, Answer) else body

        conv = UrlConversion.parse(url_conversion)
        transform = (lambda records: self._run(convert_flow(self, records, conv))) if conv else None
        return Pages(plan, fetch, self._pool(), concurrency or self.max_concurrency, transform)

    def paginate(self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int = 100,
                 concurrency: int | None = None) -> Pages:
        """Pages of any list endpoint: page 1 once, pages 2..N concurrently, in order, ids deduplicated.

        ``.count`` is the server's count (fetching page 1 if needed); iterating yields each
        page's list of records in page order, with records whose ``id`` was already yielded
        dropped; ``.report`` is a :class:`FetchReport`. Without a ``count`` the walk
        follows ``next``. A ``page_size`` in ``params`` wins over the argument.

        >>> pages = client.paginate("sdk/tasks/", {"project": 1}, page_size=500)  # doctest: +SKIP
        >>> rows = [r for page in pages for r in page]                           # doctest: +SKIP
        """
        return self._pages(path, params, page_size, concurrency)

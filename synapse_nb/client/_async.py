"""``AsyncSynapseClient``: drives the shared flows with ``await``, tasks and a semaphore."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Mapping

import httpx

from synapse_nb._util import atomic_file

from .base import BaseClient, Call, Download, Flow, Gather, ListAll
from .errors import ClientError
from .files import DownloadFailed, UrlConversion
from .gate import Answer as SlotAnswer
from .gate import AsyncGate
from .methods import LIST_TIMEOUT, ApiMethods, convert_flow
from .ops import Answer
from .pagination import EMPTY_PAGE, AsyncPages, PagePlan

__all__ = ["AsyncSynapseClient"]


@asynccontextmanager
async def _no_slot() -> AsyncIterator[SlotAnswer]:
    yield SlotAnswer()


class AsyncSynapseClient(ApiMethods, BaseClient):
    """Asynchronous Synapse client: the same methods as :class:`SynapseClient`, as coroutines.

    Works inside a running notebook event loop (no ``asyncio.run`` anywhere).

    >>> async with AsyncSynapseClient("http://127.0.0.1:8000", access_token="syn_...") as client:  # doctest: +SKIP
    ...     task = await client.get_task(1)
    ...     records, count = await client.list_tasks({"project": 1}, list_all=True)
    ...     async for task in records: ...
    """

    def _connect(self) -> None:
        self._http = self._new_http()
        self._sem: asyncio.Semaphore | None = None
        self._gate = AsyncGate(self.limiter)

    def _slot(self, call: Call) -> Any:
        return self._gate.slot() if self._limited(call) else _no_slot()

    def _new_http(self) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=self.max_concurrency * 2,
                              max_keepalive_connections=self.max_concurrency * 2)
        return httpx.AsyncClient(timeout=self.config.timeout, limits=limits, transport=self._transport,  # type: ignore[arg-type]
                                 follow_redirects=False)  # redirects: see _open

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._http.aclose()
        self._secrets.close()

    async def close(self) -> None:
        """Close pooled connections (the SDK's name; same as :meth:`aclose`)."""
        await self.aclose()

    async def reset_connection(self) -> None:
        """Drop the pooled connections; the next request opens a fresh one (as the SDK)."""
        old, self._http = self._http, self._new_http()
        await old.aclose()

    async def __aenter__(self) -> "AsyncSynapseClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def _semaphore(self) -> asyncio.Semaphore:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.max_concurrency)
        return self._sem

    # -- flow driver -----------------------------------------------------------------
    def _bind(self, flow: Callable[..., Flow]) -> Callable[..., Any]:
        async def method(*args: Any, **kwargs: Any) -> Any:
            return await self._run(flow(self, *args, **kwargs))
        method.__name__ = flow.__name__
        method.__doc__ = flow.__doc__
        method.__signature__ = getattr(flow, "__client_signature__", None)  # type: ignore[attr-defined]
        return method

    async def run_flow(self, flow: Flow) -> Any:
        """Drive a flow to its result (the coroutine twin of ``SynapseClient.run_flow``)."""
        return await self._run(flow)

    async def _run(self, gen: Flow) -> Any:
        try:
            op = next(gen)
            while True:
                try:
                    result = await self._do(op)
                except ClientError as err:
                    op = gen.throw(err)
                else:
                    op = gen.send(result)
        except StopIteration as stop:
            return stop.value
        except ClientError as err:  # also errors a flow raised itself from an answer it accepted
            raise self._scrub(err) from err.__cause__

    async def _do(self, op: Any) -> Any:
        if isinstance(op, Call):
            return await self._send(op)
        if isinstance(op, Download):
            return await self._download(op)
        if isinstance(op, Gather):
            sem = self._semaphore()

            async def one(o: Any) -> Any:
                async with sem:
                    return await self._settled(o)
            return list(await asyncio.gather(*(one(o) for o in op.ops)))
        if isinstance(op, ListAll):
            pages = self._pages(op.path, op.params, op.page_size, url_conversion=op.url_conversion)
            await pages.first()
            return pages.records(), pages.count
        raise TypeError(f"unknown operation {op!r}")

    @asynccontextmanager
    async def _open(self, call: Call) -> AsyncIterator[httpx.Response]:
        """The final response of ``call`` (streamed), redirects followed by :meth:`_next_hop`."""
        hop: Any = self._first_hop(call)
        while True:
            response = await self._http.send(self._http.build_request(**hop.kwargs), stream=True)
            try:
                hop = self._next_hop(hop, response)
                if hop is None:
                    yield response
                    return
            finally:
                await response.aclose()

    async def _settled(self, op: Any) -> Any:
        """``_do`` for one operation of a Gather: a failed download is a value (see Gather)."""
        if not isinstance(op, Download):
            return await self._do(op)
        try:
            return await self._download(op)
        except (ClientError, OSError) as err:
            return DownloadFailed(op.url, err)

    async def _send(self, call: Call) -> Any:
        # httpx errors are wrapped here, ``from None``: their text and context can carry
        # request details we do not want in tracebacks (the wrapper keeps the cause's text)
        attempt = 0
        while True:
            error: httpx.TransportError | None = None
            async with self._slot(call) as slot:  # held until the body is read, not while decoding
                try:
                    async with self._open(call) as response:
                        await response.aread()
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
            await self._sleep(delay)
            attempt += 1

    async def _download(self, op: Download) -> Path:
        target = self._download_target(op)
        if target.exists():
            return target
        call = self._download_call(op)
        attempt = 0
        while True:
            try:
                async with self._slot(call) as slot, self._open(call) as response:
                    slot.record(response)
                    slot.timed = False  # a file's time grows with its size
                    if response.status_code >= 400:
                        await response.aread()
                        delay = self._retry_delay(call, response, attempt)
                        if delay is None:
                            self._decode(call, response)  # raises: an error page is never saved
                    else:
                        self._check_content(op, response)
                        with atomic_file(target) as fh:
                            async for block in response.aiter_bytes(1 << 20):
                                fh.write(block)
                        return target
            except httpx.TransportError as exc:
                delay = self._error_delay(call, exc, attempt)
                if delay is None:
                    raise self._transport_error(call, exc) from None
            assert delay is not None  # an answer that is not retried was returned or raised above
            await self._sleep(delay)
            attempt += 1

    # -- paging ----------------------------------------------------------------------
    def _pages(self, path: str, params: Mapping[str, Any] | None, page_size: int,
               concurrency: int | None = None, url_conversion: Any = None) -> AsyncPages:
        plan = PagePlan(params, page_size, resource=path)

        async def fetch(query: Any) -> Any:
            if isinstance(query, str):
                return await self._send(Call("GET", query, timeout=LIST_TIMEOUT))
            if query.get("page", 1) == 1:
                return await self._send(Call("GET", path, params=query, timeout=LIST_TIMEOUT))
            # rows deleted during the walk: a planned page past the new end answers 404
            # ("Invalid page."), which is an empty last page, not a failure
            body = await self._send(Call("GET", path, params=query, timeout=LIST_TIMEOUT, accept=(404,)))
            return EMPTY_PAGE if isinstance(body, Answer) else body

        conv = UrlConversion.parse(url_conversion)

        async def transform(records: list[Any]) -> list[Any]:
            converted: list[Any] = await self._run(convert_flow(self, records, conv))  # type: ignore[arg-type]
            return converted

        return AsyncPages(plan, fetch, concurrency or self.max_concurrency, transform if conv else None)

    def paginate(self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int = 100,
                 concurrency: int | None = None) -> AsyncPages:
        """Async twin of :meth:`SynapseClient.paginate`: ``async for records in pages``.

        ``count`` is known after ``await pages.first()`` (or ``pages = await client.paginate(...)``).

        >>> pages = await client.paginate("sdk/tasks/")       # doctest: +SKIP
        >>> async for records in pages: ...                     # doctest: +SKIP
        """
        return self._pages(path, params, page_size, concurrency)

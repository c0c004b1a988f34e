"""Everything both clients share that does no I/O.

A client method is written once, as a *flow*: a generator that yields operations
(:class:`Call`, :class:`Gather`, :class:`Download`, :class:`ListAll`) and receives their
results. :class:`~synapse_nb.client.SynapseClient` drives flows with blocking calls and
a thread pool, :class:`~synapse_nb.client.AsyncSynapseClient` with ``await`` and tasks.
Request building, response decoding, error mapping and retry decisions live here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Generator

import httpx

from ._redact import SecretSet
from .answers import AnswerHandling
from .answers import mask_query as _mask_query
from .config import ClientConfig, as_timeout, config_from_env
from .declare import api
from .errors import ClientError
from .limiter import Limiter
from .ops import LAST_UPLOAD, Call, Download, Gather, ListAll, UploadResult
from .redirects import MAX_REDIRECTS, Hop, RedirectRefused, next_hop, same_origin
from .retry import RetryPolicy
from .wire import encode_params

__all__ = ["BaseClient", "Call", "Gather", "Download", "ListAll", "Flow", "api", "MAX_REDIRECTS",
           "UploadResult"]


logger = logging.getLogger("synapse_nb.client")

Flow = Generator[Any, Any, Any]


#: the most requests in flight at once (pages, downloads, uploads). 16 keeps a 20 ms link busy
#: while the client decodes pages: at 8 a 100k-task walk was latency-bound (benchmarks/paging.py).
#: A client starts at 4 (limiter.DEFAULT_INITIAL_CONCURRENCY) and goes up to this only while the
#: backend answers without refusing or queueing (see synapse_nb.client.limiter).
DEFAULT_MAX_CONCURRENCY = 16


class BaseClient(AnswerHandling):
    """Configuration, auth, request building, response handling, retry decisions.

    Constructor arguments are those of both SDK generations plus synapse_nb's own:

    >>> c = SynapseClient("http://127.0.0.1:9", access_token="syn_x", tenant="acme")  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str | None = None,
        access_token: str | None = None,
        token: str | None = None,
        authorization_token: str | None = None,
        tenant: str | None = None,
        agent_token: str | None = None,
        timeout: float | httpx.Timeout | dict[str, float] | None = None,
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        adaptive_concurrency: bool = True,
        max_retries: int = 3,
        cache_dir: str | os.PathLike[str] | None = None,
        upload_state_dir: str | os.PathLike[str] | None = None,
        chunked_threshold: int = 50 * 1024 * 1024,
        api_token: str | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        api: str = "v1",
        url_host: str | None = None,
    ) -> None:
        from .v2 import check_api, v2_env  # noqa: PLC0415 (v2 imports this module)
        # the 2026 SDK's url_host ("internal"): a query parameter on every backend request
        self._default_params = {"url_host": url_host} if url_host else {}
        self.api = check_api(api)  # "v1" | "v2" | "auto": what frames read (client.v2 always works)
        self._api_resolved: str | None = None if self.api == "auto" else self.api
        self._v2: Any = None
        if token and authorization_token and token != authorization_token:
            raise ValueError("pass either token (2025 SDK) or authorization_token (2026 SDK), not two different values")
        if api_token and access_token and api_token != access_token:
            raise ValueError("pass either api_token (seed SDK) or access_token, not two different values")
        access_token = access_token or api_token
        if not (access_token or token or authorization_token or agent_token):
            # as the SDK: tokens may come from SYNAPSE_* variables (and, when the host does
            # too, from ~/.synapse/config.json), never sent to a host they were not set for
            found = {**v2_env(), **config_from_env(env_only=base_url is not None)}
            env_host = str(found.get("base_url") or "").rstrip("/")
            if base_url is None or env_host in ("", str(base_url).rstrip("/")):
                base_url = base_url or found.get("base_url")
                access_token = found.get("access_token")
                token = found.get("token")
                agent_token = found.get("agent_token")
                tenant = tenant or found.get("tenant")
        cfg: dict[str, Any] = {}
        if cache_dir is not None:
            cfg["cache_dir"] = Path(cache_dir)
        self.config = ClientConfig(
            base_url=base_url or "",
            access_token=access_token,
            token=token or authorization_token,
            tenant=tenant,
            agent_token=agent_token,
            timeout=as_timeout(timeout),
            upload_state_dir=Path(upload_state_dir) if upload_state_dir else None,
            **cfg,
        )
        self._secrets = SecretSet(self.config.secrets())
        self.max_concurrency = max(1, int(max_concurrency))
        #: requests in flight, one budget for every walk and call: AIMD up to max_concurrency
        self.limiter = Limiter(maximum=self.max_concurrency, adaptive=bool(adaptive_concurrency))
        self.retry = RetryPolicy(max_retries=max_retries)
        self.chunked_threshold = int(chunked_threshold)
        self._transport = transport
        #: the caller chose a timeout: every call keeps it (lists included)
        self._timeout_given = timeout is not None
        self._connect()

    def _connect(self) -> None:
        """Each client makes its connection pool here (so both share this explicit signature)."""
        raise NotImplementedError

    @classmethod
    def from_env(cls, **overrides: Any) -> Any:
        """A client configured from ``SYNAPSE_*`` variables and ``~/.synapse/config.json``.

        >>> client = SynapseClient.from_env()   # doctest: +SKIP
        """
        kwargs = config_from_env()
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        if not kwargs.get("base_url"):
            raise ValueError("no backend configured: set SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN, "
                             "or write ~/.synapse/config.json with host and access_token")
        return cls(**kwargs)

    # -- the v2 API (synapse_nb.client.v2) -------------------------------------------
    @property
    def v2(self) -> Any:
        """The v2 resources: ``client.v2.tasks.list(project=1, list_all=True)``, ..."""
        if self._v2 is None:
            from .v2 import V2  # noqa: PLC0415
            self._v2 = V2(self)
        return self._v2

    @api
    def resolve_api(self) -> Flow:
        """``"v1"`` or ``"v2"``: the API this client reads (``api="auto"`` asks the server
        once, then remembers).

        >>> SynapseClient(host, access_token=token, api="auto").resolve_api()  # doctest: +SKIP
        'v2'
        """
        if self._api_resolved is None:
            from .v2 import probe_flow  # noqa: PLC0415
            self._api_resolved = yield from probe_flow(self)
        return self._api_resolved

    # -- public attributes -----------------------------------------------------------
    @property
    def last_upload(self) -> dict[str, Any] | None:
        """Figures of this client's last chunked upload *in the calling thread or asyncio
        task* (``resumed_from``, ``bytes_sent``, ``chunks``, ``realigned``, ``restarted``), or None; from
        a thread or task that made none, the client's latest upload.

        Concurrent uploads never overwrite each other's figures: each also comes back on
        its result (:class:`UploadResult` ``.stats``).
        """
        held = LAST_UPLOAD.get()
        if held is not None and held[0] == id(self):
            return held[1]
        # read from a context that made no upload (the caller of an event loop's task):
        # the client's latest, as before
        return self.__dict__.get("_last_upload_any")

    @last_upload.setter
    def last_upload(self, stats: dict[str, Any] | None) -> None:
        LAST_UPLOAD.set(None if stats is None else (id(self), stats))
        self.__dict__["_last_upload_any"] = stats

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def cache_dir(self) -> Path:
        return self.config.cache_dir

    @property
    def tenant(self) -> str | None:
        return self.config.tenant

    @property
    def credential_id(self) -> str:
        """Who this client is, without a secret: a hash of host, tenant and credentials.

        Two clients share it only when they would get the same answers (same backend, same
        tenant, same tokens): the frame cache keys its files by it, so a wrong or revoked
        token never reads another's cached rows.

        >>> a = SynapseClient("http://h", access_token="t1", tenant="acme")  # doctest: +SKIP
        >>> b = SynapseClient("http://h", access_token="t2", tenant="acme")  # doctest: +SKIP
        >>> a.credential_id != b.credential_id                                # doctest: +SKIP
        True
        """
        c = self.config
        parts = [c.base_url, c.tenant or "", c.access_token or "", c.token or "", c.agent_token or ""]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]

    def __repr__(self) -> str:
        auth = [n for n in ("access_token", "token", "agent_token") if getattr(self.config, n)]
        return f"{type(self).__name__}(base_url={self.config.shown_url!r}, tenant={self.config.tenant!r}, auth={auth})"

    def _limited(self, call: Call) -> bool:  # backend requests take a limiter slot; storage URLs not
        return self._same_origin(self.config.url(call.path))

    # -- request building ------------------------------------------------------------
    def _same_origin(self, url: str) -> bool:
        return same_origin(url, self.config.base_url)

    def _request_kwargs(self, call: Call) -> dict[str, Any]:
        url = self.config.url(call.path)
        # auth headers only go to our own backend, never to storage hosts of signed URLs
        headers = self.config.auth_headers() if self._same_origin(url) else {}
        headers["Accept"] = "application/json"
        if call.headers:
            headers.update(call.headers)
        kwargs: dict[str, Any] = {"method": call.method, "url": url, "headers": headers}
        if call.params:
            kwargs["params"] = encode_params(call.params)
        if self._default_params and self._same_origin(url):
            kwargs["params"] = {**self._default_params, **kwargs.get("params", {})}
        if call.files is not None:
            # multipart: dict form values are JSON-encoded (as the SDK does)
            kwargs["data"] = {k: json.dumps(v) if isinstance(v, (dict, list)) else v
                              for k, v in (call.data or {}).items()}
            kwargs["files"] = call.files
        elif call.content is not None:
            kwargs["content"] = call.content
        elif call.data is not None:
            kwargs["data"] = call.data
        elif call.json is not None:
            kwargs["json"] = call.json
        if call.timeout is not None and not self._timeout_given:
            # a call's own timeout (a longer read for big lists) only stands in for the
            # default: a timeout the caller chose holds for every call
            kwargs["timeout"] = call.timeout
        return kwargs

    def _first_hop(self, call: Call) -> Hop:
        kwargs = self._request_kwargs(call)
        return Hop(kwargs, trusted=self._same_origin(kwargs["url"]))

    def _next_hop(self, hop: Hop, response: httpx.Response) -> Hop | None:
        """The request a redirect answer asks for (see :mod:`.redirects`), or None."""
        try:
            return next_hop(hop, response.status_code, response.headers.get("Location"),
                            self.config.base_url, self.config.auth_headers(), str(response.url))
        except RedirectRefused as refused:
            raise self._scrub(ClientError(response.status_code, refused.reason, method=hop.kwargs["method"],
                                          url=_mask_query(refused.url))) from None

    def url_cache_dir(self) -> Path:
        return self.config.cache_dir / "files"

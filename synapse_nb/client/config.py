"""Client configuration: base URL, tokens, auth headers, environment and config file.

Tokens are kept here only; they go into request headers and nowhere else (no repr,
no message, no log line).

>>> cfg = ClientConfig("http://127.0.0.1:8000/", access_token="syn_secret")
>>> cfg.url("tasks/1/")
'http://127.0.0.1:8000/tasks/1/'
>>> cfg.auth_headers()["Synapse-Access-Token"]
'Token syn_secret'
>>> "syn_secret" in repr(cfg)
False
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import httpx

from synapse_nb._util import default_cache_dir

from ._redact import scrub_signatures, url_password

__all__ = ["ClientConfig", "DEFAULT_TIMEOUT", "config_from_env", "as_timeout"]

#: connect 5 s, read 15 s as the SDK; big list calls get more (see pagination).
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def _prefixed(value: str) -> str:
    # The SDK always sends "Token <t>"; accept a value that already has it.
    return value if value.startswith("Token ") else f"Token {value}"


@dataclass(repr=False)
class ClientConfig:
    """Everything a client needs that is not a connection."""

    base_url: str
    access_token: str | None = None
    token: str | None = None
    tenant: str | None = None
    agent_token: str | None = None
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    #: default: ``$SYNAPSE_NB_CACHE_DIR``, else the platform's user cache folder
    cache_dir: Path = field(default_factory=default_cache_dir)
    upload_state_dir: Path | None = None

    def __post_init__(self) -> None:
        if not self.base_url:
            raise ValueError(
                "base_url is required: pass base_url='https://api.synapse.sh' or set SYNAPSE_HOST "
                "(or use synapse_nb.connect() for the embedded demo server)."
            )
        self.base_url = str(self.base_url).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got "
                             f"{scrub_signatures(self.base_url)!r}")
        self.cache_dir = Path(self.cache_dir).expanduser()
        if self.upload_state_dir is None:
            self.upload_state_dir = self.cache_dir / "uploads"
        self.upload_state_dir = Path(self.upload_state_dir).expanduser()

    def url(self, path: str) -> str:
        """Join a relative DRF path to ``base_url``; absolute URLs are used as given."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def auth_headers(self) -> dict[str, str]:
        """Every auth header that is set, each with the ``Token `` prefix (as the SDK)."""
        headers: dict[str, str] = {}
        if self.access_token:
            headers["Synapse-Access-Token"] = _prefixed(self.access_token)
        if self.token:
            headers["Authorization"] = _prefixed(self.token)
        if self.tenant:
            headers["Synapse-Tenant"] = _prefixed(self.tenant)
        if self.agent_token:
            headers["SYNAPSE-Agent"] = _prefixed(self.agent_token)
        return headers

    def secrets(self) -> list[str]:
        """The values to scrub from any text shown to a user (a password in ``base_url``'s
        user info included)."""
        password = url_password(self.base_url)
        return [s for s in (self.access_token, self.token, self.agent_token, password) if s]

    @property
    def shown_url(self) -> str:
        """``base_url`` as it may be shown: a user-info password masked.

        >>> ClientConfig("http://ann:pa55word@127.0.0.1:8000").shown_url
        'http://ann:***@127.0.0.1:8000'
        """
        return scrub_signatures(self.base_url)

    def identity(self) -> str:
        """Who uploads: base URL plus tenant, for journal keys; never a token, and never the
        password of the URL's user info (journals are files on disk, and their keys would
        change with every new password).

        >>> ClientConfig("http://ann:pa55word@127.0.0.1:8000", tenant="acme").identity()
        'http://ann@127.0.0.1:8000|acme'
        """
        url = self.base_url
        netloc = urlsplit(url).netloc
        if "@" in netloc:
            userinfo, _, host = netloc.rpartition("@")
            user = userinfo.partition(":")[0]
            url = url.replace(netloc, f"{user}@{host}" if user else host, 1)
        return f"{url}|{self.tenant or ''}"

    def __repr__(self) -> str:
        auth = [name for name in ("access_token", "token", "agent_token") if getattr(self, name)]
        return f"ClientConfig(base_url={self.shown_url!r}, tenant={self.tenant!r}, auth={auth})"


def config_from_env(env: Mapping[str, str] | None = None, config_file: Path | None = None,
                    env_only: bool = False) -> dict[str, Any]:
    """Constructor arguments from the environment, then ``~/.synapse/config.json``.

    Reads ``SYNAPSE_HOST``, ``SYNAPSE_ACCESS_TOKEN``, ``SYNAPSE_API_TOKEN``,
    ``SYNAPSE_AGENT_TOKEN``, ``SYNAPSE_TENANT`` (and the plugin-run variables); values
    missing there come from the config file (``host``, ``access_token``, ``tenant``).

    >>> config_from_env({"SYNAPSE_HOST": "http://127.0.0.1:1", "SYNAPSE_TENANT": "acme"},
    ...                 config_file=Path("/nonexistent"))["tenant"]
    'acme'
    """
    env = os.environ if env is None else env
    out: dict[str, Any] = {
        "base_url": env.get("SYNAPSE_HOST") or env.get("SYNAPSE_PLUGIN_RUN_HOST"),
        # the seed SDK's api_token / SYNAPSE_API_TOKEN is the access token of later releases
        "access_token": env.get("SYNAPSE_ACCESS_TOKEN") or env.get("SYNAPSE_API_TOKEN"),
        "token": env.get("SYNAPSE_PLUGIN_RUN_USER_TOKEN"),
        "agent_token": env.get("SYNAPSE_AGENT_TOKEN"),
        "tenant": env.get("SYNAPSE_TENANT") or env.get("SYNAPSE_PLUGIN_RUN_TENANT"),
    }
    path = config_file or Path("~/.synapse/config.json").expanduser()
    if not env_only and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ValueError(f"{path} is not valid JSON ({err}); fix or remove it.") from None
        if isinstance(data, dict):
            for key, file_key in (("base_url", "host"), ("access_token", "access_token"),
                                  ("token", "token"), ("tenant", "tenant"),
                                  ("agent_token", "agent_token")):
                if not out.get(key) and data.get(file_key):
                    out[key] = data[file_key]
    return {k: v for k, v in out.items() if v}


def as_timeout(value: Any) -> httpx.Timeout:
    """The constructor's ``timeout=`` as an ``httpx.Timeout``: None (the default), seconds,
    the 2026 SDK's ``{"connect": 5, "read": 15}``, requests' ``(connect, read)``, or a Timeout.

    >>> as_timeout({"connect": 2, "read": 9}).read, as_timeout(None).read
    (9, 15.0)
    """
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, dict):  # the 2026 SDK's {"connect": 5, "read": 15}
        return httpx.Timeout(value.get("read", 15.0), connect=value.get("connect", 5.0))
    if isinstance(value, (tuple, list)) and len(value) == 2:  # requests' (connect, read)
        return httpx.Timeout(value[1], connect=value[0])
    return httpx.Timeout(float(value))

"""Settings of the reference server: where its data lives and which faults it injects.

The fault fields (``latency_ms``, ``rate_429``, ``rate_503``, ``retry_after``,
``fault_seed``, and the rate-limit profile ``capacity`` / ``queue_limit``) are read on every request, so tests may change them while it runs:

>>> s = Settings(demo=True, scale=500)
>>> s.rate_429 = 0.5          # half the requests now answer 429 with Retry-After
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings"]


@dataclass
class Settings:
    """Configuration of one reference server (one SQLite file and one data folder).

    ``db_path`` None means a temporary database, removed when the process exits.
    ``data_dir`` None means a folder next to the database.
    """

    db_path: Path | None = None
    data_dir: Path | None = None
    demo: bool = False
    scale: int = 3000
    seed: int = 7
    # page-number pagination
    default_page_size: int = 100
    max_page_size: int = 1000
    # uploads
    max_upload_bytes: int = 2 * 1024**3
    # any other request body (JSON): larger answers 413 before it is read whole
    max_json_bytes: int = 16 * 1024**2
    upload_expiry_seconds: int = 24 * 3600
    # fault injection, read per request
    latency_ms: float = 0.0
    rate_429: float = 0.0
    rate_503: float = 0.0
    retry_after: int = 1
    fault_seed: int | None = None
    # the rate-limit profile (faults.FaultMiddleware): requests served at once (0: no
    # limit), and how many more may wait for one of them before the rest answer 429
    capacity: int = 0
    queue_limit: int = 0
    # absolute URLs are built from the request's Host unless this is set
    public_url: str | None = None
    _tmpdir: Path | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.db_path is not None:
            self.db_path = Path(self.db_path)
        if self.data_dir is not None:
            self.data_dir = Path(self.data_dir)

    @classmethod
    def for_demo(cls, scale: int = 3000, **overrides: object) -> "Settings":
        """Settings for a throw-away demo server (temporary database, demo data).

        >>> Settings.for_demo(scale=100).demo
        True
        """
        return cls(demo=True, scale=scale, **overrides)  # type: ignore[arg-type]

    def exposure_warning(self, host: str) -> str | None:
        """What to say at start when absolute URLs would follow a client's ``Host`` header.

        Without ``public_url`` the server builds ``next`` links and file URLs from the
        request's ``Host``: harmless on loopback, spoofable by anyone once it listens beyond.

        >>> Settings().exposure_warning("127.0.0.1") is None
        True
        >>> "public_url" in Settings().exposure_warning("0.0.0.0")
        True
        >>> Settings(public_url="https://synapse.example").exposure_warning("0.0.0.0") is None
        True
        """
        loopback = host in ("localhost", "::1", "[::1]") or host.startswith("127.")
        if loopback or self.public_url:
            return None
        return (f"listening on {host} beyond loopback with no public_url: absolute URLs "
                "(next pages, file links) follow each request's Host header, which a client "
                "can set to anything; set public_url to the address clients use")

    def resolve_paths(self) -> tuple[Path, Path]:
        """Fill in ``db_path`` and ``data_dir`` (making a temporary folder if needed)."""
        if self.db_path is None:
            tmp = Path(tempfile.mkdtemp(prefix="synapse-nb-server-"))
            atexit.register(shutil.rmtree, tmp, True)
            self._tmpdir = tmp
            self.db_path = tmp / "synapse.db"
        if self.data_dir is None:
            self.data_dir = self.db_path.parent / f"{self.db_path.stem}-data"
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.db_path, self.data_dir

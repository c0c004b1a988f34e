"""``synapse-nb serve`` / ``python -m synapse_nb.server``: run the reference server.

>>> parser = argparse.ArgumentParser()
>>> add_serve_arguments(parser)
>>> parser.parse_args(["--demo", "--scale", "500"]).scale
500
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_serve_arguments", "serve", "settings_from_args", "port_problem"]


def port_problem(option: str, port: int | None) -> str | None:
    """What is wrong with a port option (None: nothing). argparse's ``int`` lets 99999
    through, and the socket layer would answer it with a traceback.

    >>> port_problem("--port", 99999)
    '--port must be a port from 0 to 65535 (0: any free port), got 99999'
    >>> port_problem("--port", 0) is None
    True
    """
    if port is None or 0 <= port <= 65535:
        return None
    return f"{option} must be a port from 0 to 65535 (0: any free port), got {port}"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The serve options (also used by ``synapse-nb serve``)."""
    parser.add_argument("--demo", action="store_true", help="seed demo data into a new database")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--db", type=Path, default=None,
                        help="SQLite file (default: a temporary one, removed at exit)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder for uploaded files (default: next to the database)")
    parser.add_argument("--scale", type=int, default=3000, help="number of demo tasks")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added latency per request")
    parser.add_argument("--rate-429", type=float, default=0.0,
                        help="fraction of requests answered 429 (with Retry-After)")
    parser.add_argument("--rate-503", type=float, default=0.0,
                        help="fraction of requests answered 503")
    parser.add_argument("--public-url", default=None,
                        help="the address clients use (absolute URLs are built from it, not "
                             "from each request's Host header); set it when --host is not loopback")


def settings_from_args(args: argparse.Namespace):
    from .settings import Settings

    if args.scale < 0:
        raise SystemExit("--scale must be 0 or more")
    for name in ("rate_429", "rate_503"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            raise SystemExit(f"--{name.replace('_', '-')} must be between 0 and 1")
    return Settings(db_path=args.db, data_dir=args.data_dir, demo=args.demo, scale=args.scale,
                    latency_ms=args.latency_ms, rate_429=args.rate_429, rate_503=args.rate_503,
                    public_url=args.public_url)


def serve(args: argparse.Namespace) -> int:
    """Run until Ctrl-C; prints the base URL and the demo tenant's access token."""
    import time

    from .testing import start_server

    settings = settings_from_args(args)
    print("Preparing the database" + (f" ({settings.scale} demo tasks)" if args.demo else "")
          + "...", file=sys.stderr, flush=True)
    try:
        handle = start_server(settings, host=args.host, port=args.port)
    except OSError as err:
        raise SystemExit(f"cannot listen on {args.host}:{args.port}: {err.strerror}") from err
    print(f"Synapse reference server: {handle.base_url}", flush=True)
    print(f"SYNAPSE_HOST={handle.base_url}", flush=True)
    print(f"SYNAPSE_ACCESS_TOKEN={handle.access_token}", flush=True)
    print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        while handle._thread is not None and handle._thread.is_alive():
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping...", file=sys.stderr, flush=True)
    finally:
        handle.stop()
    return 0

"""The ``synapse-nb`` command.

    synapse-nb demo [--no-browser] [--port 8765] [--lab-port 8888] [--scale N] [--notebooks DIR]
    synapse-nb serve [--demo] [--port] [--db PATH] [--scale N] ...
    synapse-nb export tasks --project 7 --status completed -o tasks.parquet

``demo`` runs the reference server with demo data and JupyterLab on ``notebooks/``; the
kernels it starts find the server through ``SYNAPSE_HOST`` / ``SYNAPSE_ACCESS_TOKEN``, so
``synapse_nb.connect()`` in a notebook talks to it. Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synapse-nb",
        description="Notebook toolkit for Synapse: demo, reference server, exports.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="reference server with demo data plus JupyterLab on notebooks/"
    )
    demo.add_argument("--no-browser", action="store_true", help="print the URLs, open nothing")
    demo.add_argument("--host", default="127.0.0.1", help="address both servers listen on")
    demo.add_argument("--port", type=int, default=8765, help="reference server port (0: any)")
    demo.add_argument("--lab-port", type=int, default=8888, help="JupyterLab port (0: any free port)")
    demo.add_argument("--scale", type=int, default=3000, help="number of demo tasks")
    demo.add_argument(
        "--notebooks", type=Path, default=None, help="folder JupyterLab opens (default: ./notebooks)"
    )
    demo.set_defaults(func=_demo)

    from synapse_nb.server.cli import add_serve_arguments, serve

    serve_parser = commands.add_parser("serve", help="run the reference Synapse server")
    add_serve_arguments(serve_parser)
    serve_parser.set_defaults(func=serve)

    from synapse_nb.export import add_export_arguments, export

    export_parser = commands.add_parser(
        "export", help="fetch a resource as a frame and write it to Parquet or CSV"
    )
    add_export_arguments(export_parser)
    export_parser.set_defaults(func=export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130


def _demo(args: argparse.Namespace) -> int:
    from synapse_nb.server import Settings
    from synapse_nb.server.testing import serve_in_thread

    notebooks = args.notebooks or (Path.cwd() / "notebooks")
    if not notebooks.is_dir():
        raise SystemExit(
            f"synapse-nb demo: no notebooks folder at {notebooks}; run it from the repository "
            "root or pass --notebooks DIR."
        )
    jupyter = shutil.which("jupyter", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                            os.environ.get("PATH", "")]))
    if jupyter is None:
        raise SystemExit(
            "synapse-nb demo needs JupyterLab: pip install 'synapse_nb[lab]'"
        )

    settings = Settings.for_demo(scale=args.scale)
    with serve_in_thread(settings, host=args.host, port=args.port) as server:
        lab_token = secrets.token_hex(16)
        if args.lab_port == 0:
            args.lab_port = _free_port(args.host)
        env = dict(os.environ)
        env.update(
            SYNAPSE_HOST=server.base_url,
            SYNAPSE_ACCESS_TOKEN=server.access_token,
        )
        env.pop("SYNAPSE_TENANT", None)
        command = [
            jupyter, "lab",
            f"--ServerApp.ip={args.host}",
            f"--ServerApp.port={args.lab_port}",
            f"--ServerApp.root_dir={notebooks.resolve()}",
            f"--IdentityProvider.token={lab_token}",
            "--ServerApp.port_retries=0",  # a busy port is an error, not a silent other URL
            "--ServerApp.log_level=WARN",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        if args.no_browser:
            command.append("--no-browser")
        # Its own session: the terminal's Ctrl-C reaches only us, and we stop Lab with
        # SIGTERM (a clean shutdown) instead of its interactive "Shutdown? (y/n)" prompt.
        lab = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                               start_new_session=True)
        print(f"Synapse reference server (demo data): {server.base_url}", flush=True)
        print(f"JupyterLab: http://{args.host}:{args.lab_port}/lab?token={lab_token}", flush=True)
        print("Press Ctrl-C to stop both.", flush=True)
        try:
            while lab.poll() is None:
                time.sleep(0.5)
            if lab.returncode:
                print(f"JupyterLab exited with code {lab.returncode}; if port {args.lab_port} "
                      "is busy, pass --lab-port with a free one.", file=sys.stderr)
            return lab.returncode or 0
        except KeyboardInterrupt:
            print("\nStopping JupyterLab and the reference server...", flush=True)
            return 0
        finally:
            _stop(lab)


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

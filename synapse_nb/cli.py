"""The ``synapse-nb`` command.

    synapse-nb demo [--no-browser] [--port 8765] [--lab-port 8888] [--scale N] [--notebooks DIR]
    synapse-nb serve [--demo] [--port] [--db PATH] [--scale N] ...
    synapse-nb export tasks --project 7 -f status=completed -o tasks.parquet [--force]
    synapse-nb export-dataset --ground-truth-version 2 --format coco -o street-coco

``demo`` runs the reference server with demo data and JupyterLab on ``notebooks/``; the
kernels it starts find the server through ``SYNAPSE_HOST`` / ``SYNAPSE_ACCESS_TOKEN``, so
``synapse_nb.connect()`` in a notebook talks to it. It ends with one short block: the
JupyterLab URL, the server's URL and its access token. Ctrl-C, SIGTERM or SIGHUP stops
both, JupyterLab's kernels included.

``export`` never replaces an existing file unless ``--force`` is given. Any failure the
user can fix is one line on stderr and exit status 1 (see :func:`main`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["build_parser", "main"]


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
    demo.add_argument("--port", type=int, default=None,
                      help="reference server port (default 8765, or a free one if busy; 0: any)")
    demo.add_argument("--lab-port", type=int, default=None,
                      help="JupyterLab port (default 8888, or a free one if busy; 0: any)")
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
    export_parser.add_argument("--force", action="store_true",
                               help="replace the -o file if it exists (refused otherwise)")
    export_parser.set_defaults(func=export)

    from synapse_nb.datasets.cli import add_export_dataset_arguments, export_dataset

    dataset_parser = commands.add_parser(
        "export-dataset", help="a training set (snapshot) as COCO, YOLO, VOC or Parquet"
    )
    add_export_dataset_arguments(dataset_parser)
    dataset_parser.set_defaults(func=export_dataset)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``synapse-nb`` command; returns its exit status.

    A failure the user can fix (a refused token, a dead host, a filter the backend rejects,
    files an export could not fetch, an option out of range, an output file that exists) is
    one line on stderr that says what to fix, and exit status 1; never a traceback. Secrets
    (tokens, a password in ``SYNAPSE_HOST``, URL signatures) never appear in it.

    >>> main(["export", "tasks", "-o", "tasks.xlsx"])       # doctest: +SKIP
    synapse-nb export: cannot tell the format of 'tasks.xlsx'; name the file .parquet or .csv
    """
    from synapse_nb.client.errors import ClientError
    from synapse_nb.datasets.fetch import FetchError

    parser = build_parser()
    args = parser.parse_args(argv)
    problem = _check_args(args)
    if problem:
        return _fail(args.command, problem)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except ClientError as err:
        return _fail(args.command, _what_to_fix(err))
    except FetchError as err:  # the files fetched are kept: the same command resumes
        return _fail(args.command, f"{err}; run the same command again to resume (files already "
                                   "fetched are kept)")
    except OSError as err:  # an output that cannot be written: the disk, not a bug
        where = f" ({err.filename})" if err.filename else ""
        return _fail(args.command, f"cannot write{where}: {err.strerror or err}")


def _fail(command: str, message: str) -> int:
    """Print ``message`` as the one line of a failure (secrets masked); exit status 1."""
    from synapse_nb.client._redact import scrub

    line = " ".join(scrub(str(message)).split())
    print(f"synapse-nb {command}: {line}", file=sys.stderr)
    return 1


def _check_args(args: argparse.Namespace) -> str | None:
    """What is wrong with options argparse's types let through, or None. Checked before
    anything runs, so a refused command has done nothing."""
    from synapse_nb.server.cli import port_problem

    for name in ("port", "lab_port"):
        problem = port_problem(f"--{name.replace('_', '-')}", getattr(args, name, None))
        if problem:
            return problem
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        return f"--workers must be 1 or more (concurrent image fetches), got {workers}"
    output: Path | None = getattr(args, "output", None)
    if output is None:
        return None
    if args.command == "export":
        if output.is_dir():
            return f"{output} is a folder; -o names the .parquet or .csv file to write"
        if output.exists() and not args.force:
            return f"{output} exists; pass --force to replace it, or name another file (nothing was written)"
    if args.command == "export-dataset" and output.exists() and not output.is_dir():
        return f"{output} is a file; -o names the folder to export into"
    return None


def _what_to_fix(err: Exception) -> str:
    """One line for a backend error: what happened, and what to change."""
    from synapse_nb.client import errors

    where = getattr(err, "url", None) or ""
    host = where.split("/", 3)[:3]
    host = "/".join(host) if len(host) == 3 else "the backend"
    detail = " ".join(str(getattr(err, "detail", "") or "").split())[:300]
    if isinstance(err, errors.APIConnectionError):
        return (f"no answer from {host} ({detail or 'connection failed'}); check SYNAPSE_HOST "
                "and that the server is running")
    if isinstance(err, errors.AuthenticationError):
        return (f"{host} refused the access token ({detail or '401'}); check "
                "SYNAPSE_ACCESS_TOKEN (or access_token in ~/.synapse/config.json)")
    if isinstance(err, errors.PermissionDeniedError):
        return (f"{host} does not let this token see that ({detail or '403'}); check "
                "SYNAPSE_TENANT and the token's permissions")
    if isinstance(err, errors.BadRequestError):
        return f"{host} rejected the request: {detail}; fix the --filter / --project values"
    if isinstance(err, errors.NotFoundError):
        return f"{host} has no such object ({detail or '404'}); check the ids given"
    return f"{host} answered {getattr(err, 'status_code', '?')}: {detail or err}"


def _demo(args: argparse.Namespace) -> int:
    from synapse_nb.lab import demo_settings_dir
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
            "synapse-nb demo needs JupyterLab: pip install 'synapse_nb[notebook]'"
        )
    notes: list[str] = []
    port = _port(args.host, args.port, DEMO_PORT, "--port", notes)
    lab_port = _port(args.host, args.lab_port, LAB_PORT, "--lab-port", notes)

    settings = Settings.for_demo(scale=args.scale)
    print(f"Preparing the demo data ({args.scale} tasks)...", file=sys.stderr, flush=True)
    with (_signals_stop_us(), serve_in_thread(settings, host=args.host, port=port) as server,
          tempfile.TemporaryDirectory(prefix="synapse-nb-lab-") as lab_settings):
        lab_token = secrets.token_hex(16)
        env = dict(os.environ)
        env.update(
            SYNAPSE_HOST=server.base_url,
            SYNAPSE_ACCESS_TOKEN=server.access_token,
        )
        env.pop("SYNAPSE_TENANT", None)
        command = _lab_command(jupyter, args, lab_port, notebooks, lab_token,
                               demo_settings_dir(lab_settings))
        # Its own session: the terminal's Ctrl-C reaches only us, and we stop Lab with
        # SIGTERM (a clean shutdown, kernels included) instead of its "Shutdown? (y/n)" prompt.
        lab = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                               start_new_session=True)
        try:
            if _wait_listening(args.host, lab_port, lab):
                print(_ready_block(f"http://{args.host}:{lab_port}/lab?token={lab_token}",
                                   server.base_url, server.access_token, notes), flush=True)
            while lab.poll() is None:
                time.sleep(0.5)
            if lab.returncode:
                print(f"synapse-nb demo: JupyterLab exited with code {lab.returncode}",
                      file=sys.stderr)
            return lab.returncode or 0
        except KeyboardInterrupt:
            print("\nStopping JupyterLab, its kernels and the reference server...",
                  file=sys.stderr, flush=True)
            return 0
        finally:
            _stop(lab)


DEMO_PORT = 8765
LAB_PORT = 8888


def _lab_command(jupyter: str, args: argparse.Namespace, lab_port: int, notebooks: Path,
                 lab_token: str, app_settings_dir: Path) -> list[str]:
    """The ``jupyter lab`` command line of the demo.

    ``app_settings_dir`` is a copy of the install's settings folder with the package's
    overrides (widget state saved with notebooks, see :mod:`synapse_nb.lab`): a notebook
    saved in the demo and reopened without its kernel redraws its browsers, and neither the
    install nor the user's own settings are written.
    """
    command = [
        jupyter, "lab",
        f"--ServerApp.ip={args.host}",
        f"--ServerApp.port={lab_port}",
        f"--ServerApp.root_dir={notebooks.resolve()}",
        f"--IdentityProvider.token={lab_token}",
        f"--LabApp.app_settings_dir={app_settings_dir}",
        "--ServerApp.port_retries=0",  # a busy port is an error, not a silent other URL
        "--ServerApp.log_level=WARN",
        "--LabApp.log_level=WARN",  # no start-up banner above the ready block
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    if args.no_browser:
        command.append("--no-browser")
    return command


def _ready_block(lab_url: str, server_url: str, token: str, notes: list[str]) -> str:
    lines = [*notes,
             f"JupyterLab:      {lab_url}",
             f"Synapse server:  {server_url}  (demo data)",
             f"access token:    {token}",
             f"From a shell:    export SYNAPSE_HOST={server_url} SYNAPSE_ACCESS_TOKEN={token}",
             "Ctrl-C (or kill) stops both."]
    return "\n".join(lines)


def _port(host: str, asked: int | None, default: int, option: str, notes: list[str]) -> int:
    """The port to listen on: a busy default is swapped for a free one (and said so); a busy
    port the user asked for is refused, naming it."""
    if asked == 0:
        return _free_port(host)
    port = default if asked is None else asked
    if _can_bind(host, port):
        return port
    if asked is not None:
        raise SystemExit(f"synapse-nb demo: port {port} on {host} is busy (another demo?); "
                         f"pass {option} with a free port, or {option} 0 for any")
    free = _free_port(host)
    notes.append(f"(port {port} is busy, another demo? using {free})")
    return free


def _can_bind(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_listening(host: str, port: int, process: subprocess.Popen[bytes], timeout: float = 120.0) -> bool:
    """Wait until ``process`` accepts connections on ``port``; False if it exited first."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


@contextmanager
def _signals_stop_us() -> Iterator[None]:
    """While the demo runs, SIGTERM and SIGHUP (``kill PID``, a closed terminal) stop it as
    Ctrl-C does, so its cleanup runs; the previous handlers come back after."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), interrupt) for name in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def _descendants(pid: int) -> list[tuple[int, str]]:
    """Every process below ``pid`` with its start time (Linux /proc; elsewhere none)."""
    found: list[tuple[int, str]] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [(child, _started(child)), *_descendants(child)]
    return found


def _started(pid: int) -> str:
    try:  # field 22 of stat, counted after the parenthesised command name
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop JupyterLab cleanly (it shuts its kernels down), then any kernel it left behind."""
    if process.poll() is not None:
        return
    left = _descendants(process.pid)
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pid, started in left:
        if started and _started(pid) == started:  # the same process, not a reused pid
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

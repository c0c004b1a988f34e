"""``python -m synapse_nb.server [--demo] [--port] [--db PATH] [--scale N] ...``."""

from __future__ import annotations

import argparse
import sys

from .cli import add_serve_arguments, port_problem, serve


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m synapse_nb.server",
                                     description="Run the reference Synapse server.")
    add_serve_arguments(parser)
    args = parser.parse_args()
    problem = port_problem("--port", args.port)
    if problem:  # one line, as ``synapse-nb serve`` says it, before anything starts
        print(f"{parser.prog}: {problem}", file=sys.stderr)
        return 1
    try:
        return serve(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

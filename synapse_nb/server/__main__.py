"""``python -m synapse_nb.server [--demo] [--port] [--db PATH] [--scale N] ...``."""

from __future__ import annotations

import argparse

from .cli import add_serve_arguments, serve


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m synapse_nb.server",
                                     description="Run the reference Synapse server.")
    add_serve_arguments(parser)
    try:
        return serve(parser.parse_args())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

"""``synapse-nb export``: a resource's frame written to Parquet or CSV.

    synapse-nb export tasks --project 1 --filter status=completed -o tasks.parquet
    synapse-nb export assignments --filter status_review=rejected -o rejected.csv

The backend is the one :func:`synapse_nb.connect` finds (environment, config file, or the
embedded demo server). With no backend configured the data is the demo server's, and the
last line on stderr says so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["RESOURCES", "add_export_arguments", "export", "parse_filters"]

#: resource name on the command line -> frame function name in synapse_nb.frames
RESOURCES = {
    "tasks": "tasks_frame",
    "assignments": "assignments_frame",
    "ground_truth_events": "ground_truth_events_frame",
    "models": "models_frame",
    "projects": "projects_frame",
    "data_units": "data_units_frame",
    "task_tags": "task_tags_frame",
    "jobs": "jobs_frame",
    "annotations": "annotations_frame",
}

_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("resource", choices=sorted(RESOURCES), help="what to export")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="file to write: .parquet or .csv")
    parser.add_argument("--project", type=int, help="only this project's records")
    parser.add_argument(
        "--filter", "-f", action="append", default=[], metavar="KEY=VALUE",
        help="a filter of the resource's list endpoint, e.g. status=completed (repeatable)",
    )


def parse_filters(items: list[str]) -> dict[str, str]:
    """``["status=completed", "tags=1,2"]`` -> ``{"status": "completed", "tags": "1,2"}``."""
    filters: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"synapse-nb export: --filter wants KEY=VALUE, got {item!r}")
        filters[key.strip()] = value.strip()
    return filters


def export(args: argparse.Namespace) -> int:
    from synapse_nb import frames
    from synapse_nb import connection
    from synapse_nb.client import SynapseClient
    from synapse_nb.connection import connect

    fmt = _FORMATS.get(args.output.suffix.lower())
    if fmt is None:
        raise SystemExit(
            f"synapse-nb export: cannot tell the format of {args.output.name!r}; "
            "name the file .parquet or .csv"
        )
    if not args.output.parent.exists():
        raise SystemExit(f"synapse-nb export: folder {args.output.parent} does not exist")
    filters = parse_filters(args.filter)
    if args.project is not None:
        filters["project"] = args.project
    frame_function = getattr(frames, RESOURCES[args.resource])
    try:
        client = connect(asynchronous=False)
    except (ValueError, ImportError) as err:  # token without host, no server extra
        raise SystemExit(f"synapse-nb export: {err}") from None
    assert isinstance(client, SynapseClient)  # asynchronous=False
    with client:
        try:
            df = frame_function(client, **filters)
        except TypeError as err:  # frames check filter names and values with TypeError
            raise SystemExit(f"synapse-nb export: {err} (--filter KEY=VALUE)") from None
        demo = client.base_url == getattr(connection._server, "base_url", None)
    if fmt == "parquet":
        frames.to_parquet(df, args.output)
    else:
        df.to_csv(args.output)
    print(f"wrote {len(df)} {args.resource} to {args.output}", file=sys.stderr)
    if demo:
        print("synapse-nb export: this is the DEMO server's made-up data, not a Synapse backend's; "
              "set SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN to export yours", file=sys.stderr)
    return 0

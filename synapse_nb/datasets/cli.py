"""``synapse-nb export-dataset``: a snapshot exported as COCO, YOLO, VOC or Parquet.

    synapse-nb export-dataset --ground-truth-version 2 --format coco -o street-coco
    synapse-nb export-dataset --project 1 -f status=completed --split train=0.8,val=0.2 \\
        --seed 3 --format yolo -o street-yolo

The backend is the one :func:`synapse_nb.connect` finds (environment, config file, or the
embedded demo server). Re-running the same command resumes: files already there with
their checksum are not fetched again.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from . import FORMATS

__all__ = ["add_export_dataset_arguments", "export_dataset", "parse_split"]


def add_export_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--ground-truth-version", type=int, metavar="ID",
                        help="take the records of this ground-truth dataset version")
    source.add_argument("--project", type=int, help="take this project's tasks (see --filter)")
    parser.add_argument("--filter", "-f", action="append", default=[], metavar="KEY=VALUE",
                        help="a tasks filter with --project, e.g. status=completed (repeatable)")
    parser.add_argument("--format", choices=FORMATS, default="coco", help="what to write")
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder to write into")
    parser.add_argument("--split", metavar="NAME=SHARE,...",
                        help="split by fractions, e.g. train=0.8,val=0.1,test=0.1")
    parser.add_argument("--seed", type=int, default=0, help="seed of --split")
    parser.add_argument("--name", help="a name for the manifest")
    parser.add_argument("--no-images", action="store_true", help="annotation files only")
    parser.add_argument("--workers", type=int, default=8, help="concurrent image fetches")


def parse_split(text: str | None) -> dict[str, float] | None:
    """``"train=0.8,val=0.2"`` -> ``{"train": 0.8, "val": 0.2}``."""
    if not text:
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        name, sep, share = part.partition("=")
        try:
            out[name.strip()] = float(share)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise SystemExit(f"synapse-nb export-dataset: --split wants NAME=SHARE,..., got {text!r}")
    return out


def export_dataset(args: argparse.Namespace) -> int:
    from synapse_nb.client._redact import scrub
    from synapse_nb.connection import connect
    from synapse_nb.export import parse_filters

    from .fetch import FetchError
    from .snapshots import snapshot

    filters: dict[str, Any] = dict(parse_filters(args.filter))
    if filters and args.project is None:
        raise SystemExit("synapse-nb export-dataset: --filter goes with --project")
    split = parse_split(args.split)
    with connect() as client:  # type: ignore[union-attr]
        try:
            if args.project is not None:
                from synapse_nb.frames import tasks_frame

                tasks = tasks_frame(client, project=args.project, **filters)
                snap = snapshot(client, tasks=tasks, split=split, seed=args.seed, name=args.name)
            else:
                snap = snapshot(client, ground_truth_dataset_version=args.ground_truth_version,
                                split=split, seed=args.seed, name=args.name)
        except (ValueError, TypeError) as err:
            raise SystemExit(f"synapse-nb export-dataset: {scrub(str(err))}") from None
        try:
            dest = snap.export(args.output, format=args.format, images=not args.no_images,
                               max_workers=args.workers)
        except FetchError:
            raise  # synapse_nb.cli.main says it once: signatures masked, how to resume
        except (ValueError, OSError) as err:
            # the export keeps what it fetched; say what to fix, not a traceback
            raise SystemExit(f"synapse-nb export-dataset: {scrub(str(err))}") from None
    m = snap.manifest
    print(f"wrote {m['images']} images, {m['annotations']} annotations ({args.format}, "
          f"splits {m['split']['counts']}, hash {m['hash'][:12]}) to {dest}", file=sys.stderr)
    return 0

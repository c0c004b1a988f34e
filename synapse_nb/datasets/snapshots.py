"""``snapshot()``: a pinned, reproducible training set, and the ``Snapshot`` it returns.

>>> snap = snapshot(client, ground_truth_dataset_version=2)                # doctest: +SKIP
>>> snap.manifest["hash"]                                                 # doctest: +SKIP
>>> snap.export("street-coco", format="coco")                              # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..frames import annotations_frame, ground_truth_events_frame, tasks_frame
from ..frames.fetch import is_async_client
from .labels import label_map
from .manifest import build_manifest
from .records import records_from_frame, unit_sizes
from .splits import assign_splits, category_splits, check_fractions, split_counts

__all__ = ["Snapshot", "snapshot", "UNSPLIT"]

#: the split name of a snapshot made without a split (tasks and no ``split=``)
UNSPLIT = "all"
_TASK_COLUMNS = ("data", "data_unit", "project", "files", "primary_file_url")


@dataclass
class Snapshot:
    """A pinned dataset: images, their annotations, a label map, a split, a manifest.

    Attributes
    ----------
    records : pandas.DataFrame
        One row per image (data unit); see :mod:`synapse_nb.datasets.records`, plus
        ``split``.
    frame : pandas.DataFrame
        The annotations frame of the records (``annotations_frame`` columns) plus ``split``.
    labels : list of str
        The label map: label ``labels[i]`` has YOLO id ``i`` and COCO category id ``i + 1``.
    manifest : dict
        ``name``, ``hash``, ``source``, ``source_ids``, ``projects``, ``labels``, ``split``
        (method, fractions, seed, counts), ``images``, ``annotations``, ``files``
        (export name -> declared checksum).

    Examples
    --------
    >>> snap = snapshot(client, tasks=browser.selected, split={"train": 0.8, "val": 0.2})  # doctest: +SKIP
    >>> snap.frame.groupby(["split", "label"]).size()                      # doctest: +SKIP
    """

    client: Any = field(repr=False)
    records: pd.DataFrame = field(repr=False)
    frame: pd.DataFrame = field(repr=False)
    labels: list[str]
    manifest: dict[str, Any] = field(repr=False)

    def __repr__(self) -> str:
        m = self.manifest
        return (f"Snapshot(name={m['name']!r}, images={m['images']}, annotations="
                f"{m['annotations']}, splits={m['split']['counts']}, hash={m['hash'][:12]})")

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    def export(self, dest: str | Path, format: str = "coco", *, images: bool = True,
               max_workers: int = 8, progress: bool | None = None,
               strict_checksums: bool = False) -> Path:
        """Write the snapshot as ``coco``, ``yolo``, ``voc`` or ``parquet`` into ``dest``.

        Images are fetched through the client on ``max_workers`` threads, written
        atomically, hashed (md5) and recorded in ``dest/.synapse_nb/files.jsonl``; a re-run
        skips every file already there with its recorded checksum. A file whose md5
        differs from the checksum the server declared is counted in
        ``manifest.json`` (``checksums.unverified``), or refused with
        ``strict_checksums=True`` (the demo server's declared checksums are ids, not
        content hashes). A re-run into the same folder fetches again an image the server
        changed (another declared checksum) and removes the files of the previous run it
        no longer lists, if unchanged since (README, "What a re-run does"). Every path goes
        through one safe join: nothing is written outside ``dest``. Returns ``dest``.

        >>> snap.export("out", format="yolo")                             # doctest: +SKIP
        """
        from .export import export_snapshot  # noqa: PLC0415

        return export_snapshot(self, Path(dest), format, images=images,
                               max_workers=max_workers, progress=progress,
                               strict_checksums=strict_checksums)

    def to_hf_dataset(self, *, images: bool = True, cache_dir: str | Path | None = None,
                      max_workers: int = 8, progress: bool | None = None) -> Any:
        """The snapshot as a Hugging Face ``datasets.DatasetDict``, keyed by split.

        Rows in the layout of the Hugging Face object-detection examples (``image_id``,
        ``image``, ``width``, ``height``, ``objects`` with ``id``, ``area``, ``bbox`` as COCO
        ``[x, y, w, h]``, ``category`` a ``ClassLabel`` of :attr:`labels`, ``segmentation``
        when there are polygons), or ``label`` for classification; plus ``data_unit``,
        ``task``, ``ground_truth_event``. ``images=False`` leaves the ``image`` column out
        (nothing fetched). Images are fetched as :meth:`export` does into ``cache_dir``
        (default: the synapse_nb cache, one folder per manifest hash), then written as
        Arrow shards by ``datasets``; a re-run reuses both. Each split's ``info.description``
        names the manifest hash. See :mod:`synapse_nb.datasets.hf`. Needs the
        ``synapse_nb[datasets]`` extra.

        >>> ds = snap.to_hf_dataset()                                      # doctest: +SKIP
        >>> ds["train"].features["objects"]["category"].feature.names    # doctest: +SKIP
        """
        from .hf import to_hf_dataset  # noqa: PLC0415

        return to_hf_dataset(self, images=images, cache_dir=cache_dir, max_workers=max_workers,
                             progress=progress)

    def check(self, *, fix: bool = False, threshold: int = 8, min_examples: int = 2,
              folder: str | Path | None = None, progress: bool | None = None) -> Any:
        """Near and exact duplicates, split leakage, rare labels, unannotated images.

        ``fix=True`` moves each group of duplicates that straddles splits into one split
        and says so in ``.moved`` (see :mod:`synapse_nb.quality.snapshot_check`).

        >>> snap.check(fix=True).moved                                     # doctest: +SKIP
        """
        from ..quality.snapshot_check import check_snapshot  # noqa: PLC0415 (the [quality] extra)

        return check_snapshot(self, fix=fix, threshold=threshold, min_examples=min_examples,
                              folder=folder, progress=progress)


def _configurations(client: Any, projects: Sequence[int]) -> list[Any]:
    return [client.get_project(int(p)).get("configuration") for p in sorted(set(projects))]


def _task_frame(client: Any, tasks: Any, progress: bool | None) -> pd.DataFrame:
    if isinstance(tasks, pd.DataFrame) and all(c in tasks.columns for c in _TASK_COLUMNS):
        return tasks
    ids = list(tasks.index) if isinstance(tasks, pd.DataFrame) else list(tasks)
    if not ids:
        raise ValueError("tasks= is empty: select some tasks first")
    parts = [tasks_frame(client, id__in=ids[i:i + 500], page_size=500, progress=progress)
             for i in range(0, len(ids), 500)]
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def snapshot(client: Any, *, ground_truth_dataset_version: int | None = None,
             tasks: pd.DataFrame | Sequence[int] | None = None,
             split: Mapping[str, float] | None = None, seed: int = 0,
             name: str | None = None, progress: bool | None = None) -> Snapshot:
    """Pin a dataset from a ground-truth version or from tasks.

    Parameters
    ----------
    client : SynapseClient
        A sync client.
    ground_truth_dataset_version : int, optional
        Take the version's events (their ``data`` are the labels).
    tasks : DataFrame or sequence of task ids, optional
        A tasks frame (``tasks_frame``, a browser's ``selected``, any filtered part of
        one); rows missing the ``data`` column are fetched again by id.
    split : dict of str to float, optional
        Fractions such as ``{"train": 0.8, "val": 0.1, "test": 0.1}``: stratified by label,
        one data unit never in two splits, deterministic for ``seed``. Without it a
        ground-truth version keeps its events' categories and tasks get one split
        ``"all"``.
    seed : int
        Seed of the split.
    name : str, optional
        A name for the manifest (not part of its hash).

    Returns
    -------
    Snapshot

    Examples
    --------
    >>> snap = snapshot(client, ground_truth_dataset_version=2, split={"train": 0.9, "val": 0.1})  # doctest: +SKIP
    >>> snap.manifest["split"]["counts"]                                  # doctest: +SKIP
    """
    if is_async_client(client):
        raise TypeError("snapshot() needs a sync SynapseClient (its exports fetch on a thread "
                        "pool); make one with SynapseClient(...) next to the async one")
    if (ground_truth_dataset_version is None) == (tasks is None):
        raise ValueError("give exactly one of ground_truth_dataset_version= or tasks=")
    fractions = check_fractions(split) if split is not None else None
    if ground_truth_dataset_version is not None:
        version = int(ground_truth_dataset_version)
        source_frame = ground_truth_events_frame(client, ground_truth_dataset_versions=version,
                                                 progress=progress)
        if source_frame.empty:
            raise ValueError(f"ground-truth dataset version {version} has no events")
        ann = annotations_frame(source_frame, of="ground_truth_events")
        records = records_from_frame(source_frame, "ground_truth_event")
        categories = dict(zip(source_frame["data_unit"].astype("int64"),
                              source_frame["category"].astype(object)))
        source: dict[str, Any] = {"ground_truth_dataset_version": version}
        default_name = f"ground-truth-version-{version}"
    else:
        source_frame = _task_frame(client, tasks, progress)
        ann = annotations_frame(source_frame, of="tasks")
        records = records_from_frame(source_frame, "task")
        categories = {}
        source = {"tasks": len(source_frame)}
        default_name = "tasks"
    records = records[records["file_url"].notna()].reset_index(drop=True)
    ann = ann[ann["data_unit"].isin(records["data_unit"])].reset_index(drop=True)
    sizes = unit_sizes(client, records["data_unit"].tolist())
    records["width"] = pd.array([sizes.get(u, (None, None))[0] for u in records["data_unit"]],
                                dtype="Int64")
    records["height"] = pd.array([sizes.get(u, (None, None))[1] for u in records["data_unit"]],
                                 dtype="Int64")

    if fractions is not None:
        labels_of = ann.groupby("data_unit")["label"].agg(list).to_dict()
        units = {int(u): labels_of.get(u, []) for u in records["data_unit"]}
        assignment = assign_splits(units, fractions, seed)
        split_info: dict[str, Any] = {"method": "fractions", "fractions": fractions,
                                      "seed": int(seed)}
    elif categories:
        # categories come from the server and become folders: unsafe ones are renamed
        assignment, renamed = category_splits({int(u): c for u, c in categories.items()}, UNSPLIT)
        split_info = {"method": "ground_truth_categories", **({"renamed": renamed} if renamed else {})}
    else:
        assignment = {int(u): UNSPLIT for u in records["data_unit"]}
        split_info = {"method": "none"}
    records["split"] = [assignment[int(u)] for u in records["data_unit"]]
    split_info["counts"] = split_counts(dict(zip(records["data_unit"], records["split"])))
    ann["split"] = ann["data_unit"].astype("int64").map(
        dict(zip(records["data_unit"], records["split"])))

    labels = label_map(_configurations(client, records["project"].dropna().tolist()),
                       ann["label"].dropna().unique().tolist())
    manifest = build_manifest(name=name or default_name, source=source,
                              source_ids=records["source_id"].tolist(), records=records,
                              ann=ann, labels=labels, split=split_info)
    return Snapshot(client=client, records=records, frame=ann, labels=labels, manifest=manifest)

"""``Snapshot.to_hf_dataset``: a snapshot as a Hugging Face ``datasets.DatasetDict``.

The layout is the one of the Hugging Face object-detection examples (``transformers``'
``run_object_detection``, the cppe-5 guide), one row per image:

- ``image_id`` (the data unit id, as in the COCO export), ``image`` (``datasets.Image``),
  ``width``, ``height``;
- ``objects``: ``id``, ``area``, ``bbox`` (COCO ``[x, y, w, h]``), ``category``
  (``ClassLabel`` whose names are the snapshot's label map, so ``category`` ``i`` is
  ``snap.labels[i]``), and ``segmentation`` (COCO polygons ``[[x1, y1, ...]]``, ``[]`` for a
  box) when the snapshot has polygons;
- ``data_unit``, ``task`` and ``ground_truth_event`` (null where the snapshot did not come
  from that source), so a row can be traced back.

A snapshot of classification labels only gets ``label`` (a ``ClassLabel``) instead of
``objects``. The split names are the snapshot's. Values are those of
:meth:`Snapshot.export` with ``format="coco"`` (one code path, ``coco_annotation``).

How it scales: images are fetched first by the export's fetcher
(:func:`~synapse_nb.datasets.fetch.fetch_files`: concurrent, checksummed, resumable, at
most ``2 * max_workers`` files in flight) into ``cache_dir/images/<split>/``; the rows are
described one JSON line per image in ``cache_dir/examples/<split>.jsonl``; then
``datasets`` writes the Arrow shards itself (``Dataset.from_generator``, 100 rows a
write), reading one image at a time. Nothing holds all the images in memory, and a second
call with the same ``cache_dir`` reuses the shards (their fingerprint is the manifest hash).

>>> ds = snap.to_hf_dataset()                                             # doctest: +SKIP
>>> ds["train"].features["objects"]["category"].feature.names           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import orjson

from .._optional import import_optional
from .._util import atomic_file, default_cache_dir
from .export import Image, _none, _Shapes, _size_of, image_path, iter_images
from .export_coco import coco_annotation
from .fetch import FileJob, fetch_files

if TYPE_CHECKING:
    from .snapshots import Snapshot

__all__ = ["to_hf_dataset", "hf_features", "LAYOUT_VERSION"]

#: part of the Arrow shards' fingerprint: bump it when the rows written change
LAYOUT_VERSION = 1
# rows per Arrow write: datasets' default (1000) would hold 1000 images in memory at once
_WRITER_BATCH = 100
_LAYOUT = "coco"  # images go where the COCO export puts them: images/<split>/<file>


def is_classification(snap: Snapshot) -> bool:
    """True when every annotation of the snapshot is a classification label."""
    kinds = snap.frame["type"].dropna().astype(str)
    return bool(len(kinds)) and bool((kinds == "classification").all())


def hf_features(labels: list[str], *, classification: bool = False, polygons: bool = False,
                images: bool = True) -> Any:
    """The ``datasets.Features`` of :func:`to_hf_dataset` for a label map."""
    ds = import_optional("datasets", "datasets")
    columns: dict[str, Any] = {"image_id": ds.Value("int64")}
    if images:
        columns["image"] = ds.Image()
    columns.update(width=ds.Value("int32"), height=ds.Value("int32"))
    if classification:
        columns["label"] = ds.ClassLabel(names=list(labels))
    else:
        objects: dict[str, Any] = {
            "id": ds.List(ds.Value("int64")),
            "area": ds.List(ds.Value("float64")),
            "bbox": ds.List(ds.List(ds.Value("float64"), length=4)),
            "category": ds.List(ds.ClassLabel(names=list(labels))),
        }
        if polygons:
            objects["segmentation"] = ds.List(ds.List(ds.List(ds.Value("float64"))))
        columns["objects"] = objects
    columns.update(data_unit=ds.Value("int64"), task=ds.Value("int64"),
                   ground_truth_event=ds.Value("int64"))
    return ds.Features(columns)


def _class_labels(snap: Snapshot) -> dict[int, int]:
    """``{data_unit: label index}``; a unit with two different labels is refused."""
    ids = {label: i for i, label in enumerate(snap.labels)}
    frame = snap.frame[snap.frame["type"].astype(str) == "classification"]
    out: dict[int, int] = {}
    several: list[int] = []
    for unit, label in zip(frame["data_unit"].tolist(), frame["label"].tolist()):
        if _none(label) is None:
            continue
        index = ids[str(label)]
        if out.setdefault(int(unit), index) != index:
            several.append(int(unit))
    if several:
        raise ValueError(
            f"{len(set(several))} images have more than one classification label (data units "
            f"{sorted(set(several))[:10]}); a ClassLabel holds one per image: keep one label per "
            "image in the tasks you snapshot (e.g. the reviewed assignment's)")
    return out


def _row(image: Image, lineage: dict[int, tuple[str, int]], classes: dict[int, int] | None,
         polygons: bool) -> dict[str, Any]:
    source, source_id = lineage[image.data_unit]
    row: dict[str, Any] = {
        "image_id": image.data_unit, "path": image.path, "file_name": image.file_name,
        "width": image.width, "height": image.height, "data_unit": image.data_unit,
        "task": source_id if source == "task" else None,
        "ground_truth_event": source_id if source == "ground_truth_event" else None,
    }
    if classes is not None:
        row["label"] = classes.get(image.data_unit)
        return row
    coco = [coco_annotation(shape, image.data_unit) for shape in image.shapes]
    objects: dict[str, Any] = {"id": [a["id"] for a in coco], "area": [a["area"] for a in coco],
                               "bbox": [a["bbox"] for a in coco],
                               "category": [a["category_id"] - 1 for a in coco]}
    if polygons:
        objects["segmentation"] = [a["segmentation"] for a in coco]
    row["objects"] = objects
    return row


def _examples(spec: str, root: str, images: bool, fingerprint: str) -> Iterator[dict[str, Any]]:
    """The rows of one split, read from its JSON-lines spec (``fingerprint`` only keys the
    cache). Module level, so ``datasets`` can pickle it into its builder."""
    del fingerprint
    with open(spec, "rb") as fh:
        for line in fh:
            row = orjson.loads(line)
            path, name = row.pop("path"), row.pop("file_name")
            if images:
                row["image"] = {"bytes": (Path(root) / path).read_bytes(), "path": name}
            yield row


def to_hf_dataset(snap: Snapshot, *, images: bool = True, cache_dir: str | Path | None = None,
                  max_workers: int = 8, progress: bool | None = None,
                  strict_checksums: bool = False) -> Any:
    """See :meth:`Snapshot.to_hf_dataset`."""
    ds = import_optional("datasets", "datasets")
    digest = str(snap.manifest["hash"])
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "hf" / digest[:16]
    root.mkdir(parents=True, exist_ok=True)
    rec = snap.records
    if images and len(rec):
        jobs = (FileJob(url, root / image_path(_LAYOUT, split, name),
                        None if _none(declared) is None else str(declared),
                        image_path(_LAYOUT, split, name))
                for url, name, split, declared in zip(rec["file_url"], rec["file_name"],
                                                      rec["split"], rec["checksum"]))
        fetch_files(snap.client, jobs, state_dir=root / ".synapse_nb", total=len(rec),
                    max_workers=max_workers, progress=progress,
                    strict_checksums=strict_checksums)

    classification = is_classification(snap)
    classes = _class_labels(snap) if classification else None
    polygons = not classification and bool((snap.frame["type"].astype(str) == "polygon").any())
    features = hf_features(snap.labels, classification=classification, polygons=polygons,
                           images=images)
    lineage = {int(u): (str(s), int(i)) for u, s, i in
               zip(rec["data_unit"], rec["source"], rec["source_id"])}
    shapes = _Shapes(snap.frame, snap.labels)

    def fetch_size(url: str) -> tuple[int, int]:
        return _size_of(snap.client.get_bytes(url))

    splits = list(dict.fromkeys(rec["split"]))
    specs = {split: root / "examples" / f"{split}.jsonl" for split in splits}
    with ExitStack() as stack:  # every spec appears once complete, or none
        writers = {split: stack.enter_context(atomic_file(path)) for split, path in specs.items()}
        for image in iter_images(rec, shapes, _LAYOUT, root, {}, fetch_size):
            writers[image.split].write(orjson.dumps(_row(image, lineage, classes, polygons))
                                       + b"\n")

    # progress=False also silences datasets' own bars ("Generating train split"): a
    # process-wide switch in datasets, so it is put back as it was
    quiet = progress is False and ds.is_progress_bar_enabled()
    if quiet:
        ds.disable_progress_bars()
    try:
        parts = _write_splits(ds, specs, root, images, digest, features)
    finally:
        if quiet:
            ds.enable_progress_bars()
    for part in parts.values():
        part.info.description = (f"synapse_nb snapshot {snap.name!r}: {snap.manifest['images']} "
                                 f"images, manifest hash {digest}")
        part.info.dataset_name = snap.name
    return ds.DatasetDict(parts)


def _write_splits(ds: Any, specs: dict[str, Path], root: Path, images: bool, digest: str,
                  features: Any) -> dict[str, Any]:
    """One Arrow-backed ``Dataset`` per split, written by ``datasets`` from its spec."""
    parts = {}
    for split, spec in specs.items():
        fingerprint = hashlib.sha256(orjson.dumps(
            [LAYOUT_VERSION, digest, split, images, features.to_dict()])).hexdigest()[:32]
        part = ds.Dataset.from_generator(
            _examples, features=features, cache_dir=str(root / "arrow"),
            gen_kwargs={"spec": str(spec), "root": str(root), "images": images,
                        "fingerprint": fingerprint},
            split=ds.NamedSplit(split), writer_batch_size=_WRITER_BATCH)
        parts[split] = part
    return parts


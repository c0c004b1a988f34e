"""One row per image (data unit) of a snapshot, from ground-truth events or tasks.

Columns: ``data_unit``, ``source`` (``ground_truth_event`` / ``task``), ``source_id``,
``project``, ``file_url`` (the primary file), ``original_name``, ``checksum`` (declared by
the server for the primary file), ``file_name`` (the name in an export: the original name
made safe, unique by construction; see :func:`export_names`), ``width``, ``height``
(from the unit's ``meta``; null when it does not say).

>>> export_names([1, 2, 3], ["a.png", "a.png", "../b c.jpg"], ["", "", ""])
['a_1.png', 'a_2.png', 'b_c.jpg']
>>> export_names([1, 2, 3], ["a.png", "a.png", "a_1.png"], ["", "", ""])
['a_1_2.png', 'a_2.png', 'a_1.png']
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import PurePosixPath
from typing import Any, Iterable
from urllib.parse import urlsplit

import pandas as pd

from ..frames.computed import primary_file

__all__ = ["records_from_frame", "export_names", "unit_sizes"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    safe = _UNSAFE.sub("_", base).strip("._")
    return safe[:120]


def export_names(units: list[int], originals: list[Any], urls: list[Any]) -> list[str]:
    """A safe file name per unit, unique by construction, case-insensitively (macOS and
    Windows folders), and with unique stems (a VOC image and its ``<stem>.xml``, a YOLO
    label file, never shared).

    A name whose stem no other unit has is kept; the others become ``<stem>_<unit>``, and
    ``<stem>_<unit>_<k>`` if even that is taken (by another unit's own name). Units are
    named in id order, so the result does not depend on the order rows come in.
    """
    names = []
    for unit, original, url in zip(units, originals, urls):
        name = _safe(original) if isinstance(original, str) else ""
        if "." not in name:
            suffix = PurePosixPath(urlsplit(url).path).suffix if isinstance(url, str) else ""
            suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix or "") else ".bin"
            name = f"{name or 'unit'}_{unit}{suffix}" if name else f"unit_{unit}{suffix}"
        names.append(name)
    stems = Counter(PurePosixPath(n).stem.casefold() for n in names)
    taken = {PurePosixPath(n).stem.casefold() for n in names if stems[PurePosixPath(n).stem.casefold()] == 1}
    out = list(names)
    for i in sorted(range(len(names)), key=lambda i: int(units[i])):
        path = PurePosixPath(names[i])
        if stems[path.stem.casefold()] == 1:
            continue
        stem, k = f"{path.stem}_{units[i]}", 1
        while (stem if k == 1 else f"{stem}_{k}").casefold() in taken:
            k += 1
        stem = stem if k == 1 else f"{stem}_{k}"
        taken.add(stem.casefold())
        out[i] = stem + path.suffix
    return out


def _primary(files_json: Any) -> dict[str, Any]:
    if isinstance(files_json, str):
        try:
            files_json = json.loads(files_json)
        except ValueError:
            return {}
    return primary_file(files_json) or {}


def records_from_frame(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Image rows of an events or tasks frame (first record of a unit wins)."""
    df = df[df["data_unit"].notna()]
    df = df[~df["data_unit"].duplicated(keep="first")]
    entries = [_primary(f) for f in (df["files"] if "files" in df.columns
                                     else [None] * len(df))]
    urls = df["primary_file_url"].tolist() if "primary_file_url" in df.columns \
        else [e.get("url") for e in entries]
    originals = [e.get("file_name_original") for e in entries]
    units = [int(u) for u in df["data_unit"]]
    out = pd.DataFrame({
        "data_unit": pd.array(units, dtype="int64"),
        "source": source,
        "source_id": pd.array([int(i) for i in df.index], dtype="int64"),
        "project": pd.array(df["project"].tolist(), dtype="Int64"),
        "file_url": pd.array(urls, dtype="string"),
        "original_name": pd.array(originals, dtype="string"),
        "checksum": pd.array([e.get("checksum") for e in entries], dtype="string"),
        "file_name": export_names(units, originals, urls),
    })
    return out.sort_values("data_unit", kind="stable").reset_index(drop=True)


def unit_sizes(client: Any, units: Iterable[int], chunk: int = 1000) -> dict[int, tuple[Any, Any]]:
    """``{unit: (width, height)}`` from the units' ``meta`` (fetched ``chunk`` ids a call)."""
    from ..frames import data_units_frame  # noqa: PLC0415

    ids = sorted({int(u) for u in units})
    sizes: dict[int, tuple[Any, Any]] = {}
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        frame = data_units_frame(client, params={"id__in": part}, page_size=chunk,
                                 progress=False)
        for unit, meta in zip(frame.index, frame["meta"]):
            try:
                meta = json.loads(meta) if isinstance(meta, str) else {}
            except ValueError:
                meta = {}
            w, h = (meta or {}).get("width"), (meta or {}).get("height")
            ok = all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (w, h))
            sizes[int(unit)] = (w, h) if ok else (None, None)
    return sizes

"""Helpers for the upload tests: an in-memory client and folder builders."""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from pathlib import Path
from typing import Any, Callable

import pytest


class FakeError(Exception):
    """Shaped like the client's ClientError: status_code and detail."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


SPECS = [
    {"name": "image", "is_required": True, "is_primary": True, "extensions": [".jpg", ".png"], "index": 0},
    {"name": "label", "is_required": False, "is_primary": False, "extensions": [".json"], "index": 1},
]


def _id_filter(res: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    if "id__in" in params:
        wanted = {int(i) for i in str(params["id__in"]).split(",")}
        res = [r for r in res if r["id"] in wanted]
    return res


class FakeClient:
    base_url = "http://fake.invalid"

    def __init__(self, specs: list[dict[str, Any]] | None = None) -> None:
        self.collections = {1: {"id": 1, "name": "demo", "category": "image", "file_specifications": specs or SPECS}}
        self.files: dict[str, dict[str, Any]] = {}
        self.units: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        self.calls: dict[str, int] = {}
        self.sent_bytes = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        # name -> callable(args) raising after the work is done (a lost response)
        self.lose_response: dict[str, Callable[[Any], None]] = {}
        self.refuse_names: set[str] = set()

    def _count(self, name: str) -> None:
        with self._lock:
            self.calls[name] = self.calls.get(name, 0) + 1

    def _after(self, name: str, arg: Any) -> None:
        hook = self.lose_response.get(name)
        if hook:
            hook(arg)

    def get_data_collection(self, pk: int) -> dict[str, Any]:
        self._count("get_data_collection")
        if pk not in self.collections:
            raise FakeError(404, "Not found.")
        return dict(self.collections[pk])

    def data_files_verify_checksums(self, checksums: list[str]) -> dict[str, list[str]]:
        self._count("verify")
        return {"existing": [c for c in checksums if c in self.files], "missing": [c for c in checksums if c not in self.files]}

    def create_data_file(self, path: Path, use_chunked_upload: bool | None = None, *, chunk_size: int | None = None,
                         on_progress: Callable[[int, int], Any] | None = None) -> dict[str, Any]:
        self._count("create_data_file_chunked" if use_chunked_upload else "create_data_file")
        path = Path(path)
        if path.name in self.refuse_names:
            raise FakeError(400, f"file type of {path.name} not accepted")
        data = path.read_bytes()
        with self._lock:
            self.sent_bytes += len(data)
            c = hashlib.md5(data).hexdigest()
            if c not in self.files:
                self.files[c] = {"id": next(self._ids), "checksum": c, "size": len(data), "data": data}
            out = {k: v for k, v in self.files[c].items() if k != "data"}
        if on_progress is not None:
            on_progress(len(data) // 2, len(data))
            on_progress(len(data), len(data))
        self._after("create_data_file", path)
        return out

    def create_data_units(self, data: Any) -> list[dict[str, Any]]:
        self._count("create_data_units")
        items = data if isinstance(data, list) else [data]
        for item in items:
            for f in item["files"].values():
                if f["checksum"] not in self.files:
                    raise FakeError(400, f"unknown checksum {f['checksum']}")
        out = []
        with self._lock:
            for item in items:
                unit = {"id": next(self._ids), "data_collection": item["data_collection"], "meta": item["meta"],
                        "files": {s: {"checksum": f["checksum"], "path": f["path"]} for s, f in item["files"].items()}}
                self.units.append(unit)
                out.append(unit)
        self._after("create_data_units", items)
        return out

    def list_data_units(self, params: dict[str, Any]) -> dict[str, Any]:
        self._count("list_data_units")
        res = [u for u in self.units if u["data_collection"] == params.get("data_collection", u["data_collection"])]
        if "checksum" in params:
            res = [u for u in res if any(f["checksum"] == params["checksum"] for f in u["files"].values())]
        res = _id_filter(res, params)
        return {"count": len(res), "next": None, "previous": None, "results": res}

    def create_tasks(self, data: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self._count("create_tasks")
        out = []
        with self._lock:
            for item in data:
                t = {"id": next(self._ids), "project": item["project"], "data_unit": item["data_unit"]}
                self.tasks.append(t)
                out.append(t)
        self._after("create_tasks", data)
        return out

    def list_tasks(self, params: dict[str, Any]) -> dict[str, Any]:
        self._count("list_tasks")
        res = [t for t in self.tasks if t["project"] == params.get("project", t["project"])
               and t["data_unit"] == params.get("data_unit", t["data_unit"])]
        res = _id_filter(res, params)
        return {"count": len(res), "next": None, "previous": None, "results": res}


def write(path: Path, data: bytes | str, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def make_tree(root: Path, n: int = 3, *, nested: bool = False, labels: bool = True) -> Path:
    """root/image/<i>.jpg (+ root/label/<i>.json); nested puts half under sub/."""
    for i in range(n):
        sub = "sub/" if nested and i % 2 else ""
        write(root / "image" / f"{sub}img{i}.jpg", f"image-bytes-{i}-" + "x" * i)
        if labels:
            write(root / "label" / f"{sub}img{i}.json", f'{{"i": {i}}}')
    return root




def sync_client_class() -> Any:
    """SynapseClient, or a skip while the client package has not landed yet."""
    import synapse_nb.client as client_pkg

    cls = getattr(client_pkg, "SynapseClient", None)
    if cls is None:
        pytest.skip("synapse_nb.client.SynapseClient has not landed yet (being written in parallel)")
    return cls

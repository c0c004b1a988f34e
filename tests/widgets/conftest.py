"""Fixtures for the widget tests: typed frames built through the real frame conversion,
and an in-memory client with the methods the browsers use (paginate, get_bytes,
get_project, set_tags_tasks; ``v2_client`` adds ``v2.members``), plus helpers that act as
the frontend does (``send``) and read what it draws (``cells``)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from synapse_nb.frames import RESOURCES, records_to_batch, table_to_frame

XSS = "<img src=x onerror=alert(1)>"
LABELS = ("person", "vehicle", "tree")


def png_bytes(width: int = 64, height: int = 48, color: str = "white") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format="PNG")
    return buf.getvalue()


def make_task(i: int, *, project: int = 7, labels: tuple[str, ...] = LABELS) -> dict[str, Any]:
    """A task shaped like contract section 6: a box and a polygon, labels cycling."""
    label_a = labels[i % len(labels)]
    label_b = labels[(i + 1) % len(labels)]
    return {
        "id": i, "project": project, "data_unit": 1000 + i,
        "status": ("pending", "in_progress", "completed")[i % 3],
        "priority": ("low", "normal", "high")[i % 3], "assignee": 10 + i % 4,
        "tags": [1] if i % 2 == 0 else [2, 3] if i % 5 == 0 else [],
        "created": f"2025-01-01T00:00:{i % 60:02d}Z", "modified": "2025-02-01T00:00:00Z",
        "data": {"annotations": [
            {"type": "bbox", "coordinates": [2 + i % 5, 3, 30, 20], "label": label_a,
             "confidence": 0.9},
            {"type": "polygon", "points": [[5, 5], [40, 8], [20, 40]], "label": label_b}],
            "metadata": {"annotator_id": "ann-1"}},
        "files": {"image_1": {"url": f"http://127.0.0.1:9/files/{i}.png?sig=s3cret",
                              "file_name_original": f"img_{i}.png", "is_primary": True}},
        "meta": {},
    }


def frame_of(resource: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame exactly as ``<resource>_frame`` builds it (same conversion, same dtypes)."""
    import pyarrow as pa

    res = RESOURCES[resource]
    batch, _stats = records_to_batch(records, res)
    return table_to_frame(pa.Table.from_batches([batch], schema=batch.schema), res.columns)


@pytest.fixture
def tasks_df() -> pd.DataFrame:
    return frame_of("tasks", [make_task(i) for i in range(1, 61)])


@dataclass
class _Report:
    pages: int = 1
    rows: int = 0
    duplicates_dropped: int = 0
    count_drift: bool = False
    elapsed: float = 0.0


class _Pages:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.count = len(records)
        self.report = _Report(rows=len(records))

    def __iter__(self):
        yield self.records


class FakeNotFound(Exception):
    """Shaped like the client's NotFoundError (``status_code``, ``reason``)."""

    status_code = 404
    reason = "Not Found"


class FakeClient:
    """What the browsers call, over in-memory records (``paginate`` filters on equality and
    on comma-separated lists, like the server's ``id__in``)."""

    base_url = "http://127.0.0.1:9"

    def __init__(self, records: dict[str, list[dict[str, Any]]] | None = None,
                 images: dict[str, bytes] | None = None) -> None:
        self.records = records or {}
        self.images = images or {}
        self.calls: list[tuple[str, Any]] = []

    def paginate(self, path: str, params: dict[str, Any] | None = None, **_kw: Any) -> _Pages:
        self.calls.append(("paginate", (path, dict(params or {}))))
        resource = path.strip("/").split("/")[-1]
        out = []
        for rec in self.records.get(resource, []):
            ok = True
            for key, value in (params or {}).items():
                if key in ("expand", "fields", "ordering"):
                    continue
                field = key.removesuffix("__in")
                ok &= str(rec.get(field)) in str(value).split(",")
            if ok:
                out.append(json.loads(json.dumps(rec)))
        return _Pages(out)

    def get_project(self, project_id: int) -> dict[str, Any]:
        self.calls.append(("get_project", project_id))
        for rec in self.records.get("projects", []):
            if rec["id"] == project_id:
                return json.loads(json.dumps(rec))
        raise FakeNotFound(f"no project {project_id}")

    def get_bytes(self, url: str) -> bytes:
        self.calls.append(("get_bytes", url))
        if url not in self.images:
            raise FakeNotFound(f"404 for {url}")
        return self.images[url]

    def set_tags_tasks(self, data: dict[str, Any], params: Any = None) -> dict[str, Any]:
        self.calls.append(("set_tags_tasks", data))
        for rec in self.records.get("tasks", []):
            if rec["id"] in data["ids"]:
                tags = [t for t in rec.get("tags", []) if t not in data["tags"]]
                if data["action"] == "add":
                    tags = rec.get("tags", []) + [t for t in data["tags"] if t not in rec.get("tags", [])]
                rec["tags"] = tags
        return {"updated": len(data["ids"])}


class FakeMembers:
    """``client.v2.members`` as the v2 client has it: ``list(list_all=True)``."""

    def __init__(self, members: list[dict[str, Any]], calls: list[tuple[str, Any]]) -> None:
        self.members, self.calls = members, calls

    def list(self, list_all: bool = False) -> list[dict[str, Any]]:
        self.calls.append(("members", list_all))
        return list(self.members)


class FakeV2:
    def __init__(self, members: FakeMembers) -> None:
        self.members = members


class FakeClientWithV2(FakeClient):
    """The same client with a v2 API whose members carry names."""

    def __init__(self, records: dict[str, list[dict[str, Any]]] | None = None,
                 images: dict[str, bytes] | None = None,
                 members: list[dict[str, Any]] | None = None) -> None:
        super().__init__(records, images)
        self.v2 = FakeV2(FakeMembers(members or [], self.calls))


def demo_records() -> tuple[dict[str, list[dict[str, Any]]], dict[str, bytes]]:
    tasks = [make_task(i) for i in range(1, 31)]
    images = {t["files"]["image_1"]["url"]: png_bytes(64, 48) for t in tasks}
    assignments = [
        {"id": 100 + i, "task": 1 + i % 3, "project": 7, "user": 20 + i, "reviewer": 30,
         "status_label": "completed", "status_review": ("rejected", "completed")[i % 2],
         "created": f"2025-01-0{1 + i}T00:00:00Z"} for i in range(4)]
    tags = [{"id": 1, "project": 7, "name": "reviewed"}, {"id": 2, "project": 7, "name": "hard"},
            {"id": 3, "project": 7, "name": "blurry"}]
    projects = [{"id": 7, "title": "p", "configuration": {
        "classes": [{"name": "person", "color": "#ff0000"}, "vehicle", "tree"]}}]
    return ({"tasks": tasks, "assignments": assignments, "task_tags": tags,
             "projects": projects}, images)


@pytest.fixture
def v2_client() -> FakeClientWithV2:
    records, images = demo_records()
    members = [{"id": 1, "user_id": 10 + i, "role": "member", "name": f"Ann {i}"}
               for i in range(4)]
    members.append({"id": 9, "user_id": 30, "role": "admin", "email": "rev@example.com"})
    return FakeClientWithV2(records, images, members)


@pytest.fixture
def fake_client() -> FakeClient:
    records, images = demo_records()
    return FakeClient(records, images)


def send(browser: Any, event: str, **fields: Any) -> None:
    """What the frontend sends when the user acts (``send(b, "focus", slot=2)``)."""
    browser.view.handle({"event": event, **fields})


def cells(browser: Any) -> list[list[str]]:
    """The cell texts the frontend draws: read from the view's synced trait."""
    return [list(r) for r in browser.view.table["cells"]]


def widget_models(root: Any) -> int:
    """Widget models a frontend gets when ``root`` is shown: ``root`` and every widget its
    synced traits reach (children, layouts, styles), each counted once."""
    import ipywidgets as W

    seen: dict[int, Any] = {}
    stack = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen[id(widget)] = widget
        for name in widget.keys:
            value = getattr(widget, name)
            items = value if isinstance(value, (list, tuple)) else [value]
            stack.extend(v for v in items if isinstance(v, W.Widget))
    return len(seen)

"""In-memory stand-ins for the client's ``paginate`` (docs/architecture.md), for unit tests.

They follow the contract: ``.count`` after the first page, pages in order with ids already
seen dropped, ``.report`` with pages, rows, duplicates_dropped, count_drift, elapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class FakeReport:
    pages: int = 0
    rows: int = 0
    duplicates_dropped: int = 0
    count_drift: bool = False
    elapsed: float = 0.0


class FakePages:
    def __init__(self, pages: list[list[dict[str, Any]]], count: int | None = None) -> None:
        self._pages = pages
        self.count: int | None = None
        self._declared = count if count is not None else sum(len(p) for p in pages)
        self.report = FakeReport()

    def _emit(self):
        seen: set[Any] = set()
        for page in self._pages:
            self.count = self._declared
            out = []
            for rec in page:
                rid = rec.get("id") if isinstance(rec, dict) else None
                if rid is not None and rid in seen:
                    self.report.duplicates_dropped += 1
                    continue
                seen.add(rid)
                out.append(rec)
            self.report.pages += 1
            self.report.rows += len(out)
            yield out
        self.report.count_drift = self.count != self.report.rows + self.report.duplicates_dropped

    def __iter__(self):
        return self._emit()

    def __aiter__(self):
        gen = self._emit()

        async def agen():
            for page in gen:
                yield page
        return agen()


class FakeClient:
    """``paginate`` over fixed records, ``page_size`` per page; records the calls."""

    def __init__(self, records: list[dict[str, Any]] | None = None, *, page_size: int = 100,
                 pages: list[list[dict[str, Any]]] | None = None, count: int | None = None,
                 base_url: str = "http://127.0.0.1:9", tenant: str = "acme") -> None:
        self.records = records or []
        self.page_size = page_size
        self.fixed_pages = pages
        self.declared_count = count
        self.base_url = base_url
        self.tenant = tenant
        self.calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def paginate(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> FakePages:
        self.calls.append((path, dict(params or {}), kw))
        size = kw.get("page_size") or self.page_size
        if self.fixed_pages is not None:
            pages = self.fixed_pages
        else:
            pages = [self.records[i:i + size] for i in range(0, len(self.records), size)] or [[]]
        return FakePages(pages, self.declared_count)

    def close(self) -> None:
        pass


class FakeAsyncClient(FakeClient):
    async def aclose(self) -> None:
        pass


def make_task(i: int, *, n_ann: int = 2, project: int = 7) -> dict[str, Any]:
    """A task shaped like contract section 6, with ``n_ann`` annotations."""
    anns = []
    for k in range(n_ann):
        if k % 2 == 0:
            anns.append({"type": "bbox", "coordinates": [k, k, k + 10, k + 5],
                         "label": "person", "confidence": 0.5 + k / 100})
        else:
            anns.append({"type": "polygon", "points": [[0, 0], [4, 0], [4, 3]], "label": "vehicle"})
    return {
        "id": i, "project": project, "data_unit": 1000 + i, "status": "pending" if i % 2 else "completed",
        "assignee": i % 5 or None, "priority": ("low", "normal", "high")[i % 3], "tags": [1, i % 4],
        "is_discarded": False, "created": "2025-06-01T10:00:00Z", "modified": "2025-06-02T10:00:00+00:00",
        "meta": {"source": "cam"}, "workshop": None,
        "files": {"image_1": {"url": f"http://127.0.0.1:9/files/{i}.jpg?sig=x", "is_primary": True,
                              "file_name_original": f"{i}.jpg", "checksum": "abc"}},
        "data": {"annotations": anns, "metadata": {"annotator_id": f"user{i % 3}",
                                                   "timestamp": "2025-06-02T09:00:00Z"}},
    }

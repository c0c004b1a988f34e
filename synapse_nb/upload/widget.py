"""UploadWidget: choose a collection, a folder and options; plan, upload, watch, read the report."""

from __future__ import annotations

import html
import threading
from typing import Any

import pandas as pd

from .._optional import import_optional
from .._util.html import html_table
from .errors import UploadError
from .plan import make_plan
from .folder import run_plan
from .progress import PHASES, Progress

widgets: Any = import_optional("ipywidgets", "lab")

__all__ = ["UploadWidget"]

_MAX_ROWS = 200  # bounded payload to the frontend


def _table(df: pd.DataFrame) -> str:
    """Escaped HTML table of at most _MAX_ROWS rows (file names and meta come from users)."""
    out = html_table(df.head(_MAX_ROWS), index_name=None)
    if len(df) > _MAX_ROWS:
        out += f"<p>… {len(df) - _MAX_ROWS:,} more rows; see <code>.plan</code> / <code>.report</code></p>"
    return out


class _WidgetProgress(Progress):
    """Moves one IntProgress per phase."""

    def __init__(self, bars: dict[str, Any]) -> None:
        super().__init__()
        self.bars = bars

    def start(self, phase: str, total: int) -> None:
        super().start(phase, total)
        self._show(phase)

    def advance(self, phase: str, n: int = 1) -> None:
        super().advance(phase, n)
        self._show(phase)

    def skip(self, phase: str, n: int = 1) -> None:
        super().skip(phase, n)
        self._show(phase)

    def _show(self, phase: str) -> None:
        bar = self.bars.get(phase)
        if bar is not None:
            total, done = self.totals.get(phase, 0), self.done.get(phase, 0)
            bar.max = max(total, 1)
            bar.value = min(done, bar.max)
            there = self.skipped.get(phase, 0)
            bar.description = f"{phase} {done:,}/{total:,}" + (f" (+{there:,} there)" if there else "")


class UploadWidget(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no types
    """Plan and run a folder upload from a notebook.

    ``.plan`` and ``.report`` hold the last frames; ``.status`` the last message.

    Example::

        w = UploadWidget(client)
        w.folder.value = "~/datasets/batch-7"
        w.plan_button.click(); w.upload_button.click()
        w.report
    """

    def __init__(self, client: Any, data_collection: int | None = None, folder: str = "",
                 project: int | None = None, *, background: bool = False, **upload_options: Any) -> None:
        self.client = client
        self.background = background
        self.upload_options = upload_options
        self.plan: pd.DataFrame | None = None
        self.report: pd.DataFrame | None = None
        self._plan_obj: Any = None
        self._thread: threading.Thread | None = None

        options = self._collection_options()
        if data_collection is not None and data_collection not in [v for _, v in options]:
            options.append((f"#{data_collection}", data_collection))
        self.collection = widgets.Dropdown(options=options, value=data_collection if data_collection is not None else (options[0][1] if options else None), description="Collection")
        self.folder = widgets.Text(value=str(folder), description="Folder", placeholder="path with one sub-folder per file spec")
        self.recursive = widgets.Checkbox(value=True, description="Recursive")
        self.metadata = widgets.Text(value="", description="Metadata", placeholder="meta.xlsx / .csv (optional)")
        self.project = widgets.Text(value="" if project is None else str(project), description="Project", placeholder="id for tasks (optional)")
        self.plan_button = widgets.Button(description="Plan", icon="list")
        self.upload_button = widgets.Button(description="Upload", button_style="primary", icon="upload")
        self.status = widgets.HTML(value="")
        self.bars = {p: widgets.IntProgress(value=0, min=0, max=1, description=p) for p in PHASES}
        self.table = widgets.HTML(value="")
        self.plan_button.on_click(lambda _: self._on_plan())
        self.upload_button.on_click(lambda _: self._on_upload())
        # A changed input makes the shown plan stale.
        for w in (self.collection, self.folder, self.recursive, self.metadata):
            w.observe(lambda _: self._forget_plan(), names="value")
        super().__init__(children=[
            widgets.HBox([self.collection, self.folder]),
            widgets.HBox([self.recursive, self.metadata, self.project]),
            widgets.HBox([self.plan_button, self.upload_button]),
            self.status,
            widgets.VBox(list(self.bars.values())),
            self.table,
        ])

    def __repr__(self) -> str:
        return f"UploadWidget(collection={self.collection.value!r}, folder={self.folder.value!r})"

    # inputs ---------------------------------------------------------------
    def _collection_options(self) -> list[tuple[str, int]]:
        lister = getattr(self.client, "list_data_collection", None) or getattr(self.client, "list_data_collections", None)
        if lister is None:
            return []
        try:
            resp = lister()
        except Exception:  # the dropdown stays usable with a given id
            return []
        items = resp.get("results", []) if isinstance(resp, dict) else list(resp)
        return [(f"{c.get('name') or c.get('title') or 'collection'} (#{c['id']})", int(c["id"])) for c in items]

    def _project_id(self) -> int | None:
        text = self.project.value.strip()
        if not text:
            return None
        if not text.isdigit():
            raise UploadError(f"project must be a number (the project id), got {text!r}")
        return int(text)

    def _say(self, message: str, kind: str = "info") -> None:
        color = {"info": "inherit", "error": "#b00020", "ok": "#1b5e20"}[kind]
        self.status.value = f'<span style="color:{color}">{html.escape(message)}</span>'

    def _forget_plan(self) -> None:
        self._plan_obj = None

    # actions --------------------------------------------------------------
    def _make_plan(self) -> Any:
        if self.collection.value is None:
            raise UploadError("choose a data collection first")
        if not self.folder.value.strip():
            raise UploadError("enter the folder to upload")
        meta = self.metadata.value.strip() or None
        keys = ("chunked_threshold", "max_file_size")
        return make_plan(self.client, int(self.collection.value), self.folder.value.strip(), self.recursive.value, meta,
                         **{k: v for k, v in self.upload_options.items() if k in keys})

    def _on_plan(self) -> None:
        try:
            self._plan_obj = self._make_plan()
        except Exception as err:
            self._plan_obj, self.plan = None, None
            self.table.value = ""
            self._say(str(err), "error")
            return
        self.plan = self._plan_obj.to_frame()
        ready = self.plan.attrs["ready"]
        notes = "".join(f" Note: {w}." for w in self.plan.attrs.get("warnings", []))
        self._say(f"{ready:,} data unit(s) ready, {len(self.plan) - ready:,} row(s) skipped. "
                  f"Press Upload to send them.{notes}")
        self.table.value = _table(self.plan)

    def _on_upload(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._say("an upload is already running")
            return
        try:
            plan = self._plan_obj or self._make_plan()
            project = self._project_id()
        except Exception as err:
            self._say(str(err), "error")
            return
        self._plan_obj = plan
        self.plan = plan.to_frame()
        self.upload_button.disabled = self.plan_button.disabled = True
        self._say("uploading…")
        if self.background:
            self._thread = threading.Thread(target=self._run, args=(plan, project), daemon=True)
            self._thread.start()
        else:
            self._run(plan, project)

    def _run(self, plan: Any, project: int | None) -> None:
        keys = ("chunk_size", "max_workers", "batch_size", "state_dir")
        try:
            self.report = run_plan(self.client, plan, project=project, progress=_WidgetProgress(self.bars),
                                   **{k: v for k, v in self.upload_options.items() if k in keys})
        except Exception as err:
            self._say(f"upload stopped: {err}", "error")
        else:
            s = self.report.attrs["summary"]
            kind = "error" if s["failed"] else "ok"
            self._say(f"created {s['created']:,}, already there {s['exists']:,}, skipped {s['skipped']:,}, "
                      f"failed {s['failed']:,}; files sent {self.report.attrs['files_uploaded']:,}", kind)
            self.table.value = _table(self.report)
        finally:
            self.upload_button.disabled = self.plan_button.disabled = False
            self._plan_obj = None  # the next Upload re-plans (files may have changed)

    def wait(self, timeout: float | None = None) -> None:
        """Block until a background upload finishes (for scripts and tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

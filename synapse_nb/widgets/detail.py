"""The detail pane's content for one record, as HTML (everything from records escaped).

Sections, each shown when it applies: a title with links (open the record, open the
image), the image with its annotations drawn over it (any record with a primary file or an
annotation payload: tasks, assignments, ground-truth events), a task's assignments and
review history, a model's metrics across versions, and the raw record as collapsible JSON.

Images are fetched with ``client.get_bytes(url)`` (file URLs are presigned, no auth
headers) or a ``fetch_image(url) -> bytes`` callable, and the last few are kept so that
clicking back and forth does not fetch again.

Example:
    >>> import pandas as pd
    >>> row = pd.Series({"status": "pending"}, name=3)
    >>> "snb-json" in DetailRenderer().render(row, kind="tasks")
    True
"""

from __future__ import annotations

import base64
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pandas as pd

from ._html import esc, html_table, is_missing, json_details, link, record_dict
from .metrics import metrics_html
from .names import USER_COLUMNS, NameResolver
from .overlay import LabelPalette, overlay_html

__all__ = ["ASSIGNMENT_HISTORY_COLUMNS", "DetailRenderer"]

ASSIGNMENT_HISTORY_COLUMNS = ("user", "reviewer", "status_label", "status_review",
                              "is_confirmed", "is_discarded", "created", "modified")
TITLES = {"tasks": "Task", "assignments": "Assignment", "ground_truth_events": "Ground-truth event",
          "models": "Model"}
IMAGE_CACHE_SIZE = 16  # images kept for clicking back and forth, and at most
IMAGE_CACHE_BYTES = 64_000_000  # this many bytes of them
THUMBNAIL_PX = 200  # gallery images are scaled to this before they are sent
THUMBNAIL_CACHE_SIZE = 240  # drawn cards kept (a few pages of the gallery)
ANNOTATION_FIELDS = ("type", "label", "confidence")


def shapes_payload(row: pd.Series) -> Any:
    """What to draw for a record: its annotation payload (``data``), or for a row of
    ``annotations_frame`` the one object its columns describe; None when neither."""
    data = row.get("data")
    if isinstance(data, (str, dict)):
        return data
    if "x1" not in row.index or pd.isna(row.get("x1")):
        return None
    ann: dict[str, Any] = {k: row.get(k) for k in ANNOTATION_FIELDS
                           if k in row.index and not is_missing(row.get(k))}
    points = row.get("points")
    if points is not None and not is_missing(points) and len(points):
        ann["points"] = [list(p) for p in points]
    else:
        ann["coordinates"] = [float(row[c]) for c in ("x1", "y1", "x2", "y2")]
        ann["type"] = "bbox"
    return {"annotations": [ann]}


def _error_text(err: Exception) -> str:
    """What went wrong, without the URL (a presigned URL carries a signature)."""
    status = getattr(err, "status_code", None)
    reason = getattr(err, "reason", None)
    if status is not None:
        return f"{type(err).__name__} (HTTP {status}{f' {reason}' if reason else ''})"
    return type(err).__name__


class DetailRenderer:
    """Builds the detail HTML; holds the label colors and the image cache of one browser."""

    def __init__(self, client: Any = None, *, fetch_image: Callable[[str], bytes] | None = None,
                 link_template: str | None = None, record_path: str | None = None,
                 assignments: pd.DataFrame | None = None,
                 label_colors: dict[str, str] | None = None, names: NameResolver | None = None) -> None:
        self.client = client
        self.fetch_image = fetch_image
        self.link_template = link_template
        self.record_path = record_path
        self.assignments = assignments
        self.palette = LabelPalette(label_colors)
        self.names = names or NameResolver(None)
        self._images: OrderedDict[str, bytes] = OrderedDict()
        self._thumbnails: OrderedDict[tuple[Any, Any, str], str] = OrderedDict()

    # -- pieces -------------------------------------------------------------------------

    def record_url(self, row: pd.Series) -> str | None:
        """The link to the record: ``link_template`` formatted with the record's fields,
        else the API URL of the record on the client's server."""
        if self.link_template:
            fields = {k: v for k, v in row.items() if isinstance(k, str)}
            try:
                return self.link_template.format(id=row.name, **fields)
            except (KeyError, IndexError, ValueError):
                return None
        base = getattr(self.client, "base_url", None)
        if base is None or not self.record_path:
            return None
        return f"{str(base).rstrip('/')}/{self.record_path.format(id=row.name).lstrip('/')}"

    def image_bytes(self, url: str) -> tuple[bytes | None, str | None]:
        """``(bytes, None)`` or ``(None, why not)``."""
        if url in self._images:
            self._images.move_to_end(url)
            return self._images[url], None
        try:
            if url.startswith("data:") and ";base64," in url:
                data = base64.b64decode(url.split(";base64,", 1)[1])
            elif self.fetch_image is not None:
                data = self.fetch_image(url)
            elif self.client is not None and hasattr(self.client, "get_bytes"):
                data = self.client.get_bytes(url)
            else:
                return None, "No client to fetch the image with: pass client=... to the browser."
        except Exception as err:  # shown in the pane; the browser keeps working
            return None, f"Could not fetch the image: {_error_text(err)}."
        self._images[url] = data
        while len(self._images) > 1 and (len(self._images) > IMAGE_CACHE_SIZE or sum(
                len(b) for b in self._images.values()) > IMAGE_CACHE_BYTES):
            self._images.popitem(last=False)
        return data, None

    def image_section(self, row: pd.Series) -> str:
        url, data = row.get("primary_file_url"), shapes_payload(row)
        image: bytes | None = None
        note: str | None = "This record has no image."
        if isinstance(url, str) and url:
            image, note = self.image_bytes(url)
        elif data is None:
            return ""
        return f'<div class="snb-image-pane">{overlay_html(image, data, palette=self.palette, note=note)}</div>'

    def thumbnail(self, row: pd.Series, *, checked: bool = False) -> str:
        """A gallery card: the image, small, with its shapes, and a caption with a
        checkbox (``snb-row-check``) and the record id."""
        url, data = row.get("primary_file_url"), shapes_payload(row)
        key = (row.name, url, str(data))
        drawing = self._thumbnails.get(key)
        if drawing is None:  # drawn once: ticking a card or turning back redraws nothing
            image = self.image_bytes(url)[0] if isinstance(url, str) and url else None
            drawing = overlay_html(image, data, palette=self.palette, max_width=170,
                                   legend=False, embed_px=THUMBNAIL_PX)
            self._thumbnails[key] = drawing
            while len(self._thumbnails) > THUMBNAIL_CACHE_SIZE:
                self._thumbnails.popitem(last=False)
        tick = " checked" if checked else ""
        return (f'<div class="snb-card-image">{drawing}</div><div class="snb-card-caption">'
                f'<input type="checkbox" class="snb-row-check"{tick}/>'
                f"<span>{esc(row.name)}</span></div>")

    def assignments_section(self, task_id: Any) -> str:
        try:
            if self.assignments is not None:
                frame = self.assignments
                frame = frame[(frame["task"] == task_id).to_numpy(dtype=bool, na_value=False)]
            elif self.client is not None:
                from synapse_nb import frames

                frame = frames.assignments_frame(self.client, task=task_id, progress=False)
            else:
                return ""
        except Exception as err:  # one failed section must not blank the pane
            return (f'<div class="snb-assignments snb-note">Could not load the assignments: '
                    f"{esc(_error_text(err))}.</div>")
        if "created" in frame.columns:
            frame = frame.sort_values("created", kind="stable")
        if len(frame) == 0:
            return '<div class="snb-assignments snb-note">No assignments for this task yet.</div>'
        cols = [c for c in ASSIGNMENT_HISTORY_COLUMNS if c in frame.columns]
        if self.names.users():  # names for the people, ids kept in the frame
            frame = frame.assign(**{c: frame[c].map(self.names.format_user).astype(object)
                                    for c in cols if c in USER_COLUMNS})
        return ('<div class="snb-assignments"><h4>Assignments and review history</h4>'
                + html_table(frame, cols) + "</div>")

    # -- whole pane ---------------------------------------------------------------------

    def render(self, row: pd.Series, *, kind: str | None = None,
               frame: pd.DataFrame | None = None) -> str:
        """The pane for ``row`` (a frame row; ``row.name`` is the record id)."""
        title = f"{TITLES.get(kind or '', 'Record')} {row.name}"
        links = []
        url = self.record_url(row)
        if url:
            links.append(link(url, "open record"))
        file_url = row.get("primary_file_url") if "primary_file_url" in row.index else row.get("file")
        if isinstance(file_url, str) and file_url:
            links.append(link(file_url, "open file", cls="snb-file-link"))
        parts = [f'<div class="snb-detail-title"><b>{esc(title)}</b> {" · ".join(links)}</div>']
        if kind != "models":
            parts.append(self.image_section(row))
        if kind == "tasks":
            parts.append(self.assignments_section(row.name))
        if kind == "models" and frame is not None:
            parts.append(metrics_html(frame, row.name))
        parts.append(json_details(record_dict(row)))
        return "".join(p for p in parts if p)

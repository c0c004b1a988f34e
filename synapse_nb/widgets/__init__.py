"""Browsers for tasks, assignments, ground truth and models, or any frame.

    >>> from synapse_nb.widgets import TaskBrowser
    >>> # TaskBrowser(client, project=1)        # loads tasks_frame(client, project=1)
    >>> # TaskBrowser(df, client=client)        # a frame already in memory

A browser is one DOM widget (an anywidget whose ES module, ``browser.js``, ships in this
package: no JavaScript build) inside a ``VBox``: about four widget models whatever the page
size. Python keeps the frame and does the filtering, sorting, paging and selection; the
frontend draws a compact payload of the visible page (texts only) and sends back clicks.

- Looking and selecting are apart: a click on a row, or the arrow keys / ``j`` ``k``,
  moves the focus and shows the record in the detail pane; checkboxes, shift-click
  ranges, the page checkbox and ``space`` select. "show selected only" lists the
  selection; its count is always shown; actions (tagging) act on the selection only and
  say on how many. ``t`` jumps to the tag box; left/right turn pages.
- Table or gallery (thumbnails of the page with their shapes drawn).
- Label colours never change: the project's configured colours, else a colour from a hash
  of the label's name. Boxes carry their label (and confidence), outlines a halo.
- Ids show as names (users from the v2 members, tags from the task tags; see
  :mod:`.names`); the frames keep ids.
- Everything from records is escaped (text nodes in the table, ``html.escape`` in the
  detail pane). Without a widget frontend the browser displays as an escaped HTML table.

Stable CSS classes (for tests that drive a real browser, and for styling):

==========================  ============================================================
``snb-browser``             the whole browser; ``snb-view`` the drawn widget inside
``snb-filter-bar``          the filter bar; ``snb-filter-<column>`` wraps each ``<select>``
                            (or text ``<input>``), ``snb-search`` is the search box
``snb-tools``               ``snb-selection-info`` (count), ``snb-selected-only`` (checkbox),
                            ``snb-clear-selection``, ``snb-view-table``, ``snb-view-gallery``
``snb-table-widget``        the table; ``snb-header-cell`` each header (click: sort)
``snb-row``                 one ``<tr>`` per record on the page, with ``snb-row-id-<id>``,
                            ``data-id`` and ``data-slot``; ``snb-cell`` each ``<td>``;
                            ``snb-row-check`` the checkbox cell; ``snb-row-selected`` on
                            ticked rows, ``snb-row-current`` on the focused one
``snb-gallery``             the gallery; ``snb-card`` each thumbnail (``data-slot``)
``snb-pager``               ``snb-page-first/prev/next/last``, ``snb-page-info``,
                            ``snb-page-size`` (a ``<select>`` of rows per page)
``snb-actions``             ``snb-tag-input``, ``snb-tag-add``, ``snb-tag-remove``,
                            ``snb-reload``
``snb-status``              messages (``snb-status-ok`` / ``snb-status-error`` inside)
``snb-detail``              the detail pane
``snb-overlay``             the ``<svg>`` that holds the image and its shapes
``snb-detail-image``        the image (an SVG ``<image>``; a grey ``<rect>`` with
                            ``snb-no-image`` when the file could not be fetched)
``snb-shape``               each drawn shape, plus ``snb-shape-bbox`` / ``-polygon`` /
                            ``-polyline`` / ``-keypoint``; attributes ``data-label``,
                            ``data-index``; ``snb-halo`` its halo, ``snb-shape-label`` its tag
``snb-legend``              the legend; ``snb-legend-item`` per label (``data-label``)
``snb-assignments``         a task's assignments and review history table
``snb-metrics``             a model's metrics table; ``snb-metrics-plot`` the plot image
``snb-json``                the raw record (``<details>``)
``snb-record-link``         link to the record; ``snb-file-link`` link to its file
``snb-table``               static HTML tables (detail pane, no-widget fallback): rows are
                            ``<tr class="snb-row" data-id=...>``
``snb-editor``              edit mode (:mod:`.editing`): ``snb-edit-open``, ``snb-edit-save``,
                            ``snb-edit-discard``, ``snb-edit-undo/-redo``, ``snb-edit-draw``,
                            ``snb-edit-delete``, ``snb-edit-accept``, ``snb-edit-label`` (the
                            label ``<select>``), ``snb-edit-canvas`` (the ``<svg>``, viewBox in
                            image pixels) with ``snb-edit-bbox`` / ``-polygon`` (``data-key``),
                            ``snb-edit-handle`` (``data-handle``), ``snb-edit-vertex``,
                            ``snb-edit-extra`` (predictions, suspects: ``data-role``);
                            ``snb-edit-conflict`` (``data-task``) with ``snb-conflict-rebase`` /
                            ``-drop``; ``snb-edit-restore-yes``
``snb-review``              the review queue's bar (:mod:`.review`): ``snb-review-counter``,
                            ``snb-review-next/prev/accept/reject/fix``
==========================  ============================================================

Edit in place: ``browser.edit()`` (or "Edit boxes") opens the focused record's task; drag a
box to move it, its handles to resize, vertices of polygons; "Draw box" (or ``b``, or a
shift-drag) draws one with the picked label; ``1``-``9`` relabel with the project's first
nine labels; Delete deletes; Ctrl-Z / Ctrl-Shift-Z undo and redo. ``browser.edits`` lists
what is pending, ``browser.save()`` writes it (never over a task changed meanwhile:
``browser.conflicts``), ``browser.discard()`` drops it; pending edits survive a kernel
restart (the next browser on those tasks offers to restore them).

Driving it from Playwright (JupyterLab 4, Chromium): wait for
``.snb-table-widget .snb-row``; click a cell to look
(``page.locator(".snb-row-id-1 .snb-cell").nth(1).click()``), tick
``.snb-row-id-1 .snb-row-check input`` to select; a filter is a ``<select>``, e.g.
``page.locator(".snb-filter-status select").select_option("pending")``.
"""

from __future__ import annotations

from .browser import RecordBrowser
from .names import NameResolver
from .overlay import LabelPalette, overlay_html, shapes_of
from .query import FrameQuery
from .resources import AssignmentBrowser, GroundTruthBrowser, ModelBrowser, TaskBrowser
from .review import ReviewQueue

__all__ = [
    "AssignmentBrowser",
    "FrameQuery",
    "GroundTruthBrowser",
    "LabelPalette",
    "ModelBrowser",
    "NameResolver",
    "RecordBrowser",
    "ReviewQueue",
    "TaskBrowser",
    "overlay_html",
    "shapes_of",
]

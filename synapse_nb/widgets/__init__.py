"""ipywidgets browsers for tasks, assignments, ground truth and models, or any frame.

    >>> from synapse_nb.widgets import TaskBrowser
    >>> # TaskBrowser(client, project=1)        # loads tasks_frame(client, project=1)
    >>> # TaskBrowser(df, client=client)        # a frame already in memory

Every browser is a ``VBox``: a filter bar (statuses, project, label, tags, search), a paged
sortable table (only the visible page is rendered), actions (tagging on tasks, reload),
and a detail pane (image with its shapes and a legend, assignments and review history for
a task, metrics across versions for a model, the raw record as collapsible JSON).
``browser.selected`` gives the selection back as a frame. Without a widget frontend the
browser displays as an escaped HTML table of the current page.

Stable CSS classes (for tests that drive a real browser, and for styling):

==========================  ============================================================
``snb-browser``             the whole browser (a ``VBox``)
``snb-filter-bar``          the filter bar; ``snb-filter-<column>`` on each control,
                            ``snb-search`` on the search box
``snb-header``              the table's header row; ``snb-header-cell`` its buttons (sort)
``snb-row``                 one table row showing a record (an ``HBox``); the unused,
                            hidden slots of a short page have ``snb-row-empty`` instead
``snb-row-id-<id>``         on the row showing record ``<id>``
``snb-cell``                a clickable cell (a ``Button``); clicking it selects the row
``snb-row-check``           the row's checkbox (adds the row to the selection)
``snb-row-selected``        on selected rows; ``snb-row-current`` on the row in the pane
``snb-pager``               pager; ``snb-page-first/prev/next/last``, ``snb-page-info``
``snb-actions``             actions; ``snb-tag-input``, ``snb-tag-add``, ``snb-tag-remove``
``snb-status``              messages (``snb-status-ok`` / ``snb-status-error`` inside)
``snb-detail``              the detail pane (an ``HTML`` widget)
``snb-overlay``             the ``<svg>`` that holds the image and its shapes
``snb-detail-image``        the image (an SVG ``<image>``; a grey ``<rect>`` with
                            ``snb-no-image`` when the file could not be fetched)
``snb-shape``               each drawn shape, plus ``snb-shape-bbox`` / ``-polygon`` /
                            ``-polyline`` / ``-keypoint``; attributes ``data-label``,
                            ``data-index``
``snb-legend``              the legend; ``snb-legend-item`` per label (``data-label``)
``snb-assignments``         a task's assignments and review history table
``snb-metrics``             a model's metrics table; ``snb-metrics-plot`` the plot image
``snb-json``                the raw record (``<details>``)
``snb-record-link``         link to the record; ``snb-file-link`` link to its file
``snb-table``, ``snb-row``  in the static HTML table (no widget frontend): rows are
                            ``<tr class="snb-row" data-id=...>``
==========================  ============================================================

Driving it from Playwright (checked in JupyterLab 4 with Chromium): wait for
``.snb-row``; a real click on a cell selects the row, e.g.
``page.locator(".snb-row-id-1 .snb-cell").nth(1).click()``; then ``.snb-detail-image``
appears in ``.snb-detail`` and ``.snb-shape`` counts the drawn shapes (a task with
``annotation_count`` 0 has an image and no shapes). A row's checkbox is
``.snb-row-check input``; a filter is a ``<select>``, e.g.
``page.locator(".snb-filter-status select").select_option("pending")``.
"""

from __future__ import annotations

from .browser import RecordBrowser
from .overlay import LabelPalette, overlay_html, shapes_of
from .query import FrameQuery
from .resources import AssignmentBrowser, GroundTruthBrowser, ModelBrowser, TaskBrowser

__all__ = [
    "RecordBrowser",
    "TaskBrowser",
    "AssignmentBrowser",
    "GroundTruthBrowser",
    "ModelBrowser",
    "FrameQuery",
    "LabelPalette",
    "overlay_html",
    "shapes_of",
]

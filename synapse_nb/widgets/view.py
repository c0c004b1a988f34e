"""The browser's one DOM widget: an anywidget whose ES module (``browser.js``, shipped in
the package, no build step) draws the title, filter bar, table or gallery, pager, actions,
status line and detail pane from a few JSON traits.

Everything is decided in Python (filtering, sorting, paging, selection, names, HTML of the
detail pane); the frontend draws what the traits say and sends back what the user did as
small messages (``{"event": "focus", "slot": 3}``). A page is one trait holding texts
only, so the frontend sets every cell's text from it on each change, empty ones included,
and 500 rows are one comm message, not hundreds. The frontend uses ``textContent`` for
everything from records; only ``detail`` and the gallery cards are HTML, and those are
built in Python with every record value escaped.

Example:
    >>> v = BrowserView()
    >>> seen = []; v.on_event(seen.append)
    >>> v.handle({"event": "focus", "slot": 2}); seen
    [{'event': 'focus', 'slot': 2}]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

__all__ = ["EVENTS", "BrowserView"]

HERE = Path(__file__).parent
# What the frontend may send; anything else is ignored (and logged by the browser).
EVENTS = frozenset({"focus", "check", "check_page", "page", "page_size", "sort", "filter",
                    "search", "selected_only", "view", "action", "clear_selection", "edit",
                    "select_matching",
                    "review"})


class BrowserView(anywidget.AnyWidget):
    """Title, filter bar, table/gallery, pager, actions, status and detail, as one widget."""

    # the pure geometry functions (editgeom.js, unit-tested with `node --test`) and the view
    # are one ES module for anywidget, which loads a single file
    _esm = (HERE / "editgeom.js").read_text() + "\n" + (HERE / "browser.js").read_text()
    _css = HERE / "browser.css"

    title = traitlets.Unicode("").tag(sync=True)
    subtitle = traitlets.Unicode("").tag(sync=True)
    filters: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    search = traitlets.Unicode("").tag(sync=True)
    table = traitlets.Dict().tag(sync=True)
    selection = traitlets.Dict({"count": 0, "only": False}).tag(sync=True)
    actions: traitlets.Dict[str, Any] = traitlets.Dict({"input": None, "buttons": []}).tag(sync=True)
    status = traitlets.Dict({"text": "", "error": False}).tag(sync=True)
    mode = traitlets.Unicode("table").tag(sync=True)
    gallery: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    detail = traitlets.Unicode("").tag(sync=True)
    # edit mode (:mod:`.editing`): the open task's image, objects, labels; empty: closed
    editor: traitlets.Dict[str, Any] = traitlets.Dict({}).tag(sync=True)
    # review queue (:mod:`.review`): counter, rate, decision of the item; empty: no queue
    review: traitlets.Dict[str, Any] = traitlets.Dict({}).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handlers: list[Callable[[dict[str, Any]], None]] = []
        self.on_msg(self._on_frontend_msg)

    def on_event(self, handler: Callable[[dict[str, Any]], None]) -> None:
        """Call ``handler(event)`` for each event from the frontend."""
        self._handlers.append(handler)

    def handle(self, event: dict[str, Any]) -> None:
        """Act on one event as if the frontend had sent it (tests use this too)."""
        if not isinstance(event, dict) or event.get("event") not in EVENTS:
            return
        for handler in self._handlers:
            handler(event)

    def _on_frontend_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self.handle(content)

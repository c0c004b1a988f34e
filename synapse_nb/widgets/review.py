"""A keyboard review queue over any list of items: next, previous, accept, reject, fix.

The items are a frame with one row per item and a column (``key``) of task ids or
data-unit ids: a filtered ``tasks_frame``, the worst images of an evaluation, label
issues. Each item is shown with its task's objects and, from ``overlays``, extra shapes:
``role="suspect"`` (drawn thick and highlighted) and ``role="prediction"`` (dashed), with
a legend that says which is which.

Keys (the view must have focus: click it once): ``n`` / ``→`` next, ``p`` / ``←``
previous, ``a`` accept, ``r`` reject, ``f`` fix (opens the edit mode on the item's task;
see :mod:`.editing`). Accept and reject move on to the next item. A counter shows the
position, the decisions so far and the rate.

``queue.decisions`` is a frame ``[key, decision, at]`` (the latest decision per item);
``queue.edits`` / ``queue.save()`` / ``queue.discard()`` are the browsers' edit verbs.

Example:
    >>> q = ReviewQueue(client, issues, key="task", overlays=suspects)   # doctest: +SKIP
    >>> q.accept(); q.reject(); q.decisions                             # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import pandas as pd

from .browser import RecordBrowser
from .edits import plain_task_id as _task_id

__all__ = ["DECISIONS", "OVERLAY_COLUMNS", "OVERLAY_ROLES", "ReviewQueue"]

DECISIONS = ("accept", "reject", "fix")
OVERLAY_ROLES = ("suspect", "prediction")
OVERLAY_COLUMNS = ("label", "x1", "y1", "x2", "y2", "role")
KEYS = ("task", "data_unit")


def _check_items(items: Any, key: str) -> pd.DataFrame:
    if key not in KEYS:
        raise ValueError(f"key is 'task' or 'data_unit', got {key!r}")
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a DataFrame with a {key!r} column, got {type(items).__name__}")
    frame = items.reset_index() if key not in items.columns and items.index.name == key else items
    if key not in frame.columns:
        raise KeyError(f"items have no {key!r} column (columns: {list(frame.columns)}); pass "
                       f"key='task' or key='data_unit' to say which ids the items hold")
    if frame[key].isna().any():
        raise ValueError(f"{int(frame[key].isna().sum())} item(s) have no {key}; drop them first")
    return frame.drop_duplicates(key).reset_index(drop=True)


def _check_overlays(overlays: Any, key: str) -> pd.DataFrame | None:
    if overlays is None:
        return None
    if not isinstance(overlays, pd.DataFrame):
        raise TypeError(f"overlays must be a DataFrame, got {type(overlays).__name__}")
    missing = [c for c in (key, *OVERLAY_COLUMNS) if c not in overlays.columns]
    if missing:
        raise KeyError(f"overlays lack column(s) {missing}; they need {[key, *OVERLAY_COLUMNS]}")
    bad = sorted(set(overlays["role"].dropna().astype(str)) - set(OVERLAY_ROLES))
    if bad:
        raise ValueError(f"overlay role(s) {bad} unknown; use one of {list(OVERLAY_ROLES)}")
    return overlays


def _positions_by_key(keys: pd.Series) -> dict[Any, np.ndarray]:
    """key -> positions of the rows holding it, ascending (rows with no key: none).

    Keys match as ``keys == item`` does (equal values hash alike: ``4``, ``4.0`` and
    ``np.int64(4)`` are one key), so a lookup gives the rows that mask would."""
    codes, uniques = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")  # stable: each group keeps the frame's order
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return {key: order[bounds[i]:bounds[i + 1]] for i, key in enumerate(uniques.tolist())}


class ReviewQueue(RecordBrowser):
    """Review items one by one with the keyboard (module docstring).

    Parameters
    ----------
    client : SynapseClient
        Reads the items' tasks and images, writes the fixes.
    items : DataFrame
        One row per item; column ``key`` holds task ids or data-unit ids. Other columns
        are shown in the table.
    key : {"task", "data_unit"}
        What the ids in ``items[key]`` are.
    overlays : DataFrame, optional
        Extra shapes: ``[key, "label", "x1", "y1", "x2", "y2", "role"]``, role ``suspect``
        or ``prediction``.
    project : int, optional
        Narrows the lookup of a data unit's task (a unit may be in several projects).
    page_size, title
        As for :class:`~.browser.RecordBrowser`.
    """

    def __init__(self, client: Any, items: pd.DataFrame, *, key: str = "task",
                 overlays: pd.DataFrame | None = None, project: int | None = None,
                 page_size: int = 20, title: str | None = None) -> None:
        items = _check_items(items, key)
        self.key = key
        self.project = project
        self.overlays = overlays
        self._decisions: dict[Any, tuple[str, pd.Timestamp]] = {}
        self._started = time.monotonic()
        frame = self._items_frame(client, items)
        columns = [key, *[c for c in items.columns if c != key][:5]]
        if key != "task":
            columns.append("task")
        columns.append("decision")
        super().__init__(frame, client=client, columns=columns, filter_columns=["decision"],
                         page_size=page_size,
                         title=title or f"Review queue ({len(frame):,} items)")
        if len(frame):
            self.table.current = self.query.positions[0] if len(self.query.positions) else None
        self._push()

    # -- items --------------------------------------------------------------------------

    def _items_frame(self, client: Any, items: pd.DataFrame) -> pd.DataFrame:
        """items + each item's task, image and (display) payload; index: the key."""
        from synapse_nb.frames import tasks_frame

        ids = [_task_id(v) for v in items[self.key].tolist()]
        filters: dict[str, Any] = {"id__in" if self.key == "task" else "data_unit": ids}
        if self.project is not None:
            filters["project"] = self.project
        tasks = tasks_frame(client, progress=False, **filters) if ids else pd.DataFrame()
        by_key: dict[Any, Any] = {}
        if len(tasks):
            for task_id, row in tasks.sort_index().iterrows():
                by_key.setdefault(_task_id(task_id if self.key == "task" else row["data_unit"]),
                                  (task_id, row))
        frame = items.copy()
        frame.index = pd.Index(ids, name=self.key)
        frame = frame.drop(columns=[self.key])
        found = [by_key.get(i) for i in ids]
        frame["task"] = pd.array([None if f is None else int(f[0]) for f in found], dtype="Int64")
        frame["primary_file_url"] = [None if f is None else f[1].get("primary_file_url") for f in found]
        frame["data"] = [self._display_payload(i, None if f is None else f[1].get("data"))
                         for i, f in zip(ids, found)]
        frame["decision"] = pd.Categorical([None] * len(frame), categories=list(DECISIONS))
        return frame

    @property
    def overlays(self) -> pd.DataFrame | None:
        """The extra shapes (class docstring); assign a new frame to change them."""
        return self._overlays

    @overlays.setter
    def overlays(self, overlays: pd.DataFrame | None) -> None:
        self._overlays = _check_overlays(overlays, self.key)
        self._overlay_groups: dict[Any, np.ndarray] | None = None  # grouped on first use

    def _overlay_rows(self, item: Any) -> pd.DataFrame:
        o = self.overlays
        if o is None:
            return pd.DataFrame(columns=list(OVERLAY_COLUMNS))
        # grouped once: masking the whole frame per item made a queue quadratic
        if self._overlay_groups is None:
            self._overlay_groups = _positions_by_key(o[self.key])
        return o.iloc[self._overlay_groups.get(item, np.empty(0, dtype=np.intp))]

    def _display_payload(self, item: Any, data: Any) -> str:
        """The task's objects, then the item's overlays (styled by role), as JSON text."""
        try:
            payload = json.loads(data) if isinstance(data, str) else dict(data or {})
        except ValueError:
            payload = {}
        anns = list(payload.get("annotations") or []) if isinstance(payload, dict) else []
        for row in self._overlay_rows(item).to_dict("records"):
            anns.append({"type": "bbox", "label": str(row["label"]),
                         "coordinates": [float(row[c]) for c in ("x1", "y1", "x2", "y2")],
                         "style": "dashed" if row["role"] == "prediction" else "suspect"})
        return json.dumps({"annotations": anns})

    def extra_shapes(self, row: pd.Series) -> list[dict[str, Any]]:
        return [{"kind": "bbox", "label": str(r["label"]), "role": str(r["role"]), "points": [],
                 "box": [float(r[c]) for c in ("x1", "y1", "x2", "y2")], "confidence": None}
                for r in self._overlay_rows(row.name).to_dict("records")]

    # -- moving and deciding ------------------------------------------------------------

    @property
    def item(self) -> Any:
        """The id (task or data unit) of the item shown, or None."""
        if self.table.current is None:
            return None
        return self.query.frame.index[self.table.current]

    def go(self, step: int) -> None:
        """Move ``step`` items through the queue as shown (filters and sort applied)."""
        positions = list(self.query.positions)
        if not positions:
            return
        here = positions.index(self.table.current) if self.table.current in positions else -1
        target = positions[max(0, min(len(positions) - 1, here + step))]
        page = positions.index(target) // self.query.page_size
        if page != self.query.page:
            self.table.go_to(page)
        self.table.current = target
        if self.editing is not None:  # the editor follows the item
            task = self.task_of_row(self.query.frame.iloc[target])
            self.editing = None
            if task is not None:
                self.edit(task)
        self._push()

    def next(self) -> None:
        self.go(1)

    def previous(self) -> None:
        self.go(-1)

    def decide(self, decision: str, item: Any = None) -> None:
        """Record ``decision`` (accept, reject or fix) for ``item`` (default: the one shown)."""
        if decision not in DECISIONS:
            raise ValueError(f"decision is one of {list(DECISIONS)}, got {decision!r}")
        item = self.item if item is None else item
        if item is None:
            raise ValueError("the queue is empty")
        self._decisions.pop(item, None)  # the latest decision goes last
        self._decisions[item] = (decision, pd.Timestamp.now(tz="UTC"))
        frame = self.query.frame
        column = frame["decision"].copy()
        column.iloc[int(frame.index.get_indexer(pd.Index([item]))[0])] = decision
        frame["decision"] = column
        self.table.refresh()

    def accept(self) -> None:
        """Accept the item shown and move on."""
        self.decide("accept")
        self.next()

    def reject(self) -> None:
        """Reject the item shown and move on."""
        self.decide("reject")
        self.next()

    def fix(self) -> None:
        """Mark the item shown for fixing and open the editor on its task."""
        self.decide("fix")
        self.edit()
        self._push()

    @property
    def decisions(self) -> pd.DataFrame:
        """``[key, decision, at]``: the latest decision per item, in the order made."""
        rows = [(k, d, at) for k, (d, at) in self._decisions.items()]
        out = pd.DataFrame(rows, columns=[self.key, "decision", "at"])
        out["at"] = pd.to_datetime(out["at"], utc=True)
        return out

    def counter(self) -> dict[str, Any]:
        """Position, counts per decision and rate (items decided per minute)."""
        positions = list(self.query.positions)
        here = positions.index(self.table.current) + 1 if self.table.current in positions else 0
        counts = {d: sum(1 for v, _ in self._decisions.values() if v == d) for d in DECISIONS}
        minutes = max((time.monotonic() - self._started) / 60, 1e-9)
        rate = len(self._decisions) / minutes if self._decisions else 0.0
        text = (f"item {here} of {len(positions)} · {len(self._decisions)} decided "
                f"({counts['accept']} accepted, {counts['reject']} rejected, {counts['fix']} to fix)"
                f" · {rate:.1f} items/min")
        current = self._decisions.get(self.item)
        return {"active": True, "position": here, "total": len(positions), **counts,
                "rate": round(rate, 2), "text": text, "decision": current[0] if current else None}

    def _on_review_event(self, event: dict[str, Any]) -> None:
        action = str(event.get("action"))
        verbs = {"next": self.next, "prev": self.previous, "accept": self.accept,
                 "reject": self.reject, "fix": self.fix}
        if action not in verbs:
            raise ValueError(f"unknown review action {action!r}")
        verbs[action]()

    def _push(self) -> None:
        super()._push()
        if hasattr(self, "_decisions"):
            self.view.review = self.counter()

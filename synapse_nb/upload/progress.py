"""Progress reporting per upload phase (files, bytes, units, tasks).

Each phase counts the work of this run apart from what was already done: a file
the server has, or a unit found in the journal or on the server, is *skipped*
(``skip``), not counted as sent. After a resume the bars show both: ``files
3/3, 37 already there``.

:func:`upload_folder` talks to a :class:`Progress`; ``progress=True`` gives
tqdm.auto bars (widgets in a notebook, text in a terminal), ``False`` nothing,
and the UploadWidget passes its own subclass that moves ipywidgets bars.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["Progress", "TqdmProgress", "make_progress", "PHASES"]

PHASES = ("files", "bytes", "units", "tasks")


class Progress:
    """Counts per phase; subclasses override :meth:`start`, :meth:`advance`, :meth:`skip`, :meth:`close`.

    ``totals[phase]``: the items this run handles; ``done``: handled so far;
    ``skipped``: items found already done, taken out of the total.

    >>> p = Progress(); p.start("files", 5); p.skip("files", 2); p.advance("files")
    >>> p.totals["files"], p.done["files"], p.skipped["files"]
    (3, 1, 2)
    """

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.skipped: dict[str, int] = {}
        self._lock = threading.Lock()

    def start(self, phase: str, total: int) -> None:
        with self._lock:
            self.totals[phase] = total
            self.done.setdefault(phase, 0)
            self.skipped.setdefault(phase, 0)

    def advance(self, phase: str, n: int = 1) -> None:
        with self._lock:
            self.done[phase] = self.done.get(phase, 0) + n

    def skip(self, phase: str, n: int = 1) -> None:
        """``n`` items of ``phase`` were done before this run: out of the total, counted apart."""
        with self._lock:
            self.skipped[phase] = self.skipped.get(phase, 0) + n
            if phase in self.totals:
                self.totals[phase] = max(0, self.totals[phase] - n)

    def label(self, phase: str) -> str:
        """How a bar names its phase, with what was already there.

        >>> p = Progress(); p.start("units", 4); p.skip("units", 3); p.label("units")
        'data units (3 already there)'
        """
        name = _LABELS.get(phase, phase)
        n = self.skipped.get(phase, 0)
        return f"{name} ({n:,} already there)" if n else name

    def close(self) -> None:
        pass


_LABELS = {"files": "files", "bytes": "bytes", "units": "data units", "tasks": "tasks"}


class TqdmProgress(Progress):
    """One tqdm.auto bar per phase, created when the phase starts."""

    def __init__(self, **tqdm_kwargs: Any) -> None:
        super().__init__()
        self._bars: dict[str, Any] = {}
        self._kwargs = tqdm_kwargs

    def start(self, phase: str, total: int) -> None:
        from tqdm.auto import tqdm

        super().start(phase, total)
        if phase in self._bars:
            self._bars[phase].total = total
            self._bars[phase].refresh()
            return
        extra = {"unit": "B", "unit_scale": True, "unit_divisor": 1024} if phase == "bytes" else {}
        self._bars[phase] = tqdm(total=total, desc=self.label(phase), **extra, **self._kwargs)

    def advance(self, phase: str, n: int = 1) -> None:
        super().advance(phase, n)
        bar = self._bars.get(phase)
        if bar is not None and n:
            bar.update(n)

    def skip(self, phase: str, n: int = 1) -> None:
        super().skip(phase, n)
        bar = self._bars.get(phase)
        if bar is not None and n:
            bar.total = self.totals[phase]
            bar.set_description(self.label(phase), refresh=True)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


def make_progress(progress: bool | Progress | None) -> Progress:
    """``True`` -> tqdm bars, ``False``/``None`` -> silent, a :class:`Progress` as is."""
    if isinstance(progress, Progress):
        return progress
    return TqdmProgress() if progress else Progress()

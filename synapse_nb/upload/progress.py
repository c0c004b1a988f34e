"""Progress reporting per upload phase (files, bytes, units, tasks).

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
    """No-op base: subclasses override :meth:`start`, :meth:`advance`, :meth:`close`.

    >>> p = Progress(); p.start("files", 3); p.advance("files"); p.done["files"]
    1
    """

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self._lock = threading.Lock()

    def start(self, phase: str, total: int) -> None:
        with self._lock:
            self.totals[phase] = total
            self.done.setdefault(phase, 0)

    def advance(self, phase: str, n: int = 1) -> None:
        with self._lock:
            self.done[phase] = self.done.get(phase, 0) + n

    def close(self) -> None:
        pass


class TqdmProgress(Progress):
    """One tqdm.auto bar per phase, created when the phase starts."""

    _labels = {"files": "files", "bytes": "bytes", "units": "data units", "tasks": "tasks"}

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
        self._bars[phase] = tqdm(total=total, desc=self._labels.get(phase, phase), **extra, **self._kwargs)

    def advance(self, phase: str, n: int = 1) -> None:
        super().advance(phase, n)
        bar = self._bars.get(phase)
        if bar is not None and n:
            bar.update(n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


def make_progress(progress: bool | Progress | None) -> Progress:
    """``True`` -> tqdm bars, ``False``/``None`` -> silent, a :class:`Progress` as is."""
    if isinstance(progress, Progress):
        return progress
    return TqdmProgress() if progress else Progress()

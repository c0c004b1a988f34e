"""tqdm.auto bars for the slow parts of exports and imports (one helper for all of them).

``progress=None`` shows a bar when there are at least ``MIN_TOTAL`` items (a few hundred
files take a second or two), ``True`` always, ``False`` never.

>>> progress_bar(False, 10_000, desc="images", unit="files") is None
True
"""

from __future__ import annotations

from typing import Any

__all__ = ["progress_bar", "MIN_TOTAL"]

MIN_TOTAL = 200


def progress_bar(progress: bool | None, total: int | None, *, desc: str, unit: str,
                 count_bytes: bool = False) -> Any:
    """A tqdm.auto bar, or None when ``progress`` says no (see the module docstring)."""
    if progress is False or (progress is None and (total or 0) < MIN_TOTAL):
        return None
    from tqdm.auto import tqdm  # noqa: PLC0415 (only slow runs pay the import)

    extra = {"unit_scale": True, "unit_divisor": 1024} if count_bytes else {}
    return tqdm(total=None if count_bytes else total, unit=unit, desc=desc, leave=False, **extra)

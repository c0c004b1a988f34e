"""Progress bars (tqdm.auto) for every slow path, with one policy.

``progress=True`` shows a bar, ``False`` never, ``None`` (the default of every public
function) when the work reaches ``min_size``: by default :data:`MIN_TOTAL` items of
``total`` (a few hundred files take a second or two); a caller may measure the work in
other units (``size=`` pages, batches, partitions) against its own threshold.

>>> progress_bar(False, 10_000, desc="images", unit="files") is None
True
>>> progress_bar(None, 10_000, size=2, min_size=3, desc="pages", unit="rows") is None
True
"""

from __future__ import annotations

from typing import Any

__all__ = ["progress_bar", "MIN_TOTAL"]

MIN_TOTAL = 200


def progress_bar(progress: bool | None, total: int | None, *, desc: str, unit: str,
                 size: float | None = None, min_size: float = MIN_TOTAL, initial: int = 0,
                 count_bytes: bool = False) -> Any:
    """A tqdm.auto bar (``leave=False``), or None when ``progress`` says no.

    ``size`` is what ``min_size`` is compared with when ``progress`` is None (``total`` when
    not given). ``count_bytes``: a bar of bytes (KiB, MiB) without a total.
    """
    work = total if size is None else size
    if progress is False or (progress is None and (work or 0) < min_size):
        return None
    from tqdm.auto import tqdm  # noqa: PLC0415 (only slow runs pay the import)

    extra = {"unit_scale": True, "unit_divisor": 1024} if count_bytes else {}
    return tqdm(total=None if count_bytes else total, initial=initial, unit=unit, desc=desc,
                leave=False, **extra)

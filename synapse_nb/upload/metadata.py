"""Metadata sheets: an Excel workbook, a CSV file or a DataFrame, one row per data unit.

The first column is ``filename`` (or ``file_name``); the other columns become the
unit's ``meta``. A row matches a group by stem, then by full file name. Limits
(as the SDK upload plugin): 10 MB, 10,000 rows, 50 columns.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

import pandas as pd

from .._optional import import_optional
from .errors import MetadataError

__all__ = [
    "MetadataSheet",
    "load_metadata",
    "find_metadata_sheet",
    "meta_problem",
    "MetadataWarning",
    "MAX_SHEET_BYTES",
    "MAX_SHEET_ROWS",
    "MAX_SHEET_COLUMNS",
]

MAX_SHEET_BYTES = 10 * 1024 * 1024
MAX_SHEET_ROWS = 10_000
MAX_SHEET_COLUMNS = 50
_NAME_HEADERS = ("filename", "file_name")
_DEFAULT_NAMES = ("meta.xlsx", "meta.xls", "meta.csv")


@dataclass
class MetadataSheet:
    """Rows of a validated metadata sheet, looked up by stem or file name.

    >>> sheet = load_metadata(pd.DataFrame({"filename": ["a.jpg"], "weather": ["rain"]}))
    >>> sheet.lookup("a", ["a.jpg"])
    {'weather': 'rain'}
    """

    rows: dict[str, dict[str, Any]]
    source: str = "DataFrame"
    columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # also raised as MetadataWarning
    _by_stem: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name, meta in self.rows.items():
            self._by_stem.setdefault(PurePosixPath(name).stem, meta)

    def lookup(self, stem: str, file_names: Iterable[str] = ()) -> dict[str, Any] | None:
        """The meta for a group: by stem first, then by any of its full file names."""
        if stem in self.rows:
            return dict(self.rows[stem])
        if stem in self._by_stem:
            return dict(self._by_stem[stem])
        for name in file_names:
            if name in self.rows:
                return dict(self.rows[name])
        return None

    def __len__(self) -> int:
        return len(self.rows)


class MetadataWarning(UserWarning):
    """Something in a metadata sheet was read in a way the user may not expect."""


def meta_problem(meta: Mapping[str, Any]) -> str | None:
    """Why a unit's ``meta`` cannot be sent as JSON (``inf``, ``nan``, an object), or None.

    >>> meta_problem({"speed": float("inf"), "site": "a"})
    "meta 'speed' is inf, which JSON cannot carry; put a number or leave the cell blank"
    >>> meta_problem({"site": "a", "tags": [1, 2]}) is None
    True
    """
    def bad(value: Any) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return repr(value)
        if isinstance(value, Mapping):
            return next((b for b in map(bad, value.values()) if b), None)
        if isinstance(value, (list, tuple)):
            return next((b for b in map(bad, value) if b), None)
        if value is None or isinstance(value, (str, int, float, bool)):
            return None
        return f"a {type(value).__name__}"

    for name, value in meta.items():
        found = bad(value)
        if found:
            return (f"meta {name!r} is {found}, which JSON cannot carry; "
                    "put a number or leave the cell blank")
    return None


def find_metadata_sheet(folder: Path) -> Path | None:
    """``meta.xlsx`` / ``meta.xls`` / ``meta.csv`` directly in ``folder``, if any."""
    for name in _DEFAULT_NAMES:
        p = folder / name
        if p.is_file():
            return p
    return None


def _clean(value: Any) -> Any:
    """Cell value to a JSON-ready Python value (None for blanks)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return _clean(value.item())  # numpy scalar
        except (ValueError, AttributeError):
            pass
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _validate_header(header: list[Any], source: str) -> list[str]:
    cols = ["" if h is None else str(h).strip() for h in header]
    while cols and cols[-1] == "":
        cols.pop()  # trailing empty header cells are formatting, not columns
    if not cols:
        raise MetadataError(f"metadata sheet {source} has no header row; the first row must start with 'filename'")
    if cols[0].lower() not in _NAME_HEADERS:
        raise MetadataError(
            f"metadata sheet {source}: the first column header must be 'filename' or 'file_name', "
            f"found {cols[0]!r}; rename that header cell"
        )
    if len(cols) > MAX_SHEET_COLUMNS:
        raise MetadataError(
            f"metadata sheet {source} has {len(cols)} columns; the limit is {MAX_SHEET_COLUMNS}; remove some columns"
        )
    for i, c in enumerate(cols[1:], start=2):
        if not c:
            raise MetadataError(f"metadata sheet {source}: column {i} has an empty header; name it or delete it")
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise MetadataError(f"metadata sheet {source}: duplicate column headers {dupes}; make them unique")
    return cols


def _build(header: list[Any], rows: Iterable[Iterable[Any]], source: str) -> MetadataSheet:
    cols = _validate_header(list(header), source)
    out: dict[str, dict[str, Any]] = {}
    n = 0
    for line, row in enumerate(rows, start=2):
        values = list(row)
        if all(_clean(v) is None for v in values):
            continue  # blank lines are common at the bottom of sheets
        n += 1
        if n > MAX_SHEET_ROWS:
            raise MetadataError(
                f"metadata sheet {source} has more than {MAX_SHEET_ROWS:,} rows; split the upload into smaller folders"
            )
        extra = [v for v in values[len(cols):] if _clean(v) is not None]
        if extra:
            raise MetadataError(
                f"metadata sheet {source}: row {line} has values beyond the last named column; "
                f"give that column a header (limit {MAX_SHEET_COLUMNS} columns)"
            )
        name = _clean(values[0]) if values else None
        if name is None:
            raise MetadataError(f"metadata sheet {source}: row {line} has no filename; fill it in or delete the row")
        name = str(name)
        if name in out:
            raise MetadataError(f"metadata sheet {source}: filename {name!r} appears twice (row {line}); keep one row per file")
        meta = {}
        for col, v in zip(cols[1:], values[1:]):
            cv = _clean(v)
            if cv is not None:
                meta[col] = cv
        out[name] = meta
    return MetadataSheet(rows=out, source=source, columns=cols[1:])


def _from_excel(path: Path) -> MetadataSheet:
    if path.suffix.lower() == ".xls":
        raise MetadataError(
            f"metadata sheet {path.name}: the old .xls format is not supported; save it as .xlsx or .csv"
        )
    openpyxl = import_optional("openpyxl", "excel")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a corrupt file
        raise MetadataError(f"metadata sheet {path.name} cannot be read as Excel: {err}") from err
    try:
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise MetadataError(f"metadata sheet {path.name} is empty; the first row must start with 'filename'")
    sheet = _build(list(rows[0]), rows[1:], path.name)
    sheet.warnings += _warn_uncached_formulas(openpyxl, path, rows)
    return sheet


def _warn_uncached_formulas(openpyxl: Any, path: Path, values: list[tuple[Any, ...]]) -> list[str]:
    """Warn, naming the columns, about formula cells saved without a computed value.

    A workbook written by a program (not Excel or LibreOffice) keeps formulas but no
    results; reading values gives blanks there, which would go up as missing meta.
    """
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        formulas = wb.worksheets[0].iter_rows(values_only=True)
        header = [("" if h is None else str(h).strip()) for h in next(formulas, ())]
        hit: dict[str, int] = {}
        for row, vals in zip(formulas, values[1:]):
            for col, (f, v) in enumerate(zip(row, vals)):
                if v is None and isinstance(f, str) and f.startswith("="):
                    name = header[col] if col < len(header) and header[col] else f"column {col + 1}"
                    hit[name] = hit.get(name, 0) + 1
    finally:
        wb.close()
    if not hit:
        return []
    cols = ", ".join(f"{name!r} ({n} cell{'s' * (n > 1)})" for name, n in hit.items())
    message = (f"metadata sheet {path.name}: formula cells without a saved value in {cols} are left "
               "blank; open and save the workbook in Excel or LibreOffice to store their values")
    warnings.warn(message, MetadataWarning, stacklevel=4)
    return [message]


def _from_csv(path: Path) -> MetadataSheet:
    try:
        # Read one row over the limit only, so a huge sheet fails fast.
        df = pd.read_csv(path, nrows=MAX_SHEET_ROWS + 1, skip_blank_lines=True, encoding="utf-8-sig")
    except pd.errors.EmptyDataError as err:
        raise MetadataError(f"metadata sheet {path.name} is empty; the first row must start with 'filename'") from err
    except (UnicodeDecodeError, pd.errors.ParserError) as err:
        raise MetadataError(f"metadata sheet {path.name} cannot be read as CSV (UTF-8): {err}") from err
    return _from_frame(df, path.name)


def _from_frame(df: pd.DataFrame, source: str = "DataFrame") -> MetadataSheet:
    header = [("" if str(c).startswith("Unnamed:") else c) for c in df.columns]
    return _build(header, df.itertuples(index=False, name=None), source)


def load_metadata(source: str | os.PathLike[str] | pd.DataFrame | Mapping[str, Mapping[str, Any]]) -> MetadataSheet:
    """Load and validate a metadata sheet from a path (.xlsx/.csv), a DataFrame or a dict.

    Raises :class:`MetadataError` with what to fix (header, limits, unreadable file).

    >>> load_metadata({"a.jpg": {"weather": "rain"}}).lookup("a")
    {'weather': 'rain'}
    """
    if isinstance(source, pd.DataFrame):
        if len(source) > MAX_SHEET_ROWS:
            raise MetadataError(
                f"metadata DataFrame has {len(source):,} rows; the limit is {MAX_SHEET_ROWS:,}; split the upload"
            )
        return _from_frame(source)
    if isinstance(source, Mapping):
        rows = {str(k): {c: _clean(v) for c, v in dict(m).items() if _clean(v) is not None} for k, m in source.items()}
        if len(rows) > MAX_SHEET_ROWS:
            raise MetadataError(f"metadata has {len(rows):,} rows; the limit is {MAX_SHEET_ROWS:,}")
        return MetadataSheet(rows=rows, source="dict")
    path = Path(source).expanduser()
    if not path.is_file():
        raise MetadataError(f"metadata sheet {str(path)!r} does not exist or is not a file")
    try:
        size = path.stat().st_size
    except OSError as err:
        raise MetadataError(f"metadata sheet {path.name} cannot be read: {err.strerror or err}") from err
    if size > MAX_SHEET_BYTES:
        raise MetadataError(
            f"metadata sheet {path.name} is {size / 1e6:.1f} MB; the limit is {MAX_SHEET_BYTES // (1024 * 1024)} MB"
        )
    if not os.access(path, os.R_OK):
        raise MetadataError(f"metadata sheet {path.name} is not readable; check its permissions")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _from_excel(path)
    if suffix in (".csv", ".txt"):
        return _from_csv(path)
    raise MetadataError(f"metadata sheet {path.name}: unsupported type {suffix!r}; use .xlsx or .csv")

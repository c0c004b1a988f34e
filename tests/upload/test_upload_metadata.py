"""Metadata sheets: Excel, CSV, DataFrame; header and limit checks; matching."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from synapse_nb.upload import MetadataError, load_metadata
from synapse_nb.upload.metadata import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS

openpyxl = pytest.importorskip("openpyxl", reason="Excel sheets need the 'excel' extra (openpyxl)")


def _xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_excel_sheet_values_and_lookup(tmp_path: Path) -> None:
    p = _xlsx(tmp_path / "meta.xlsx", [["filename", "weather", "count"], ["a.jpg", "rain", 3], ["b", None, 4], [None, None, None]])
    sheet = load_metadata(p)
    assert len(sheet) == 2
    assert sheet.lookup("a", ["a.jpg"]) == {"weather": "rain", "count": 3}
    assert sheet.lookup("b") == {"count": 4}
    assert sheet.lookup("zzz", ["zzz.jpg"]) is None


def test_csv_and_file_name_header(tmp_path: Path) -> None:
    p = tmp_path / "meta.csv"
    p.write_text("file_name,site\nimg0.jpg,seoul\nimg1.jpg,busan\n", encoding="utf-8")
    sheet = load_metadata(p)
    assert sheet.lookup("img1") == {"site": "busan"}


def test_match_by_stem_then_full_name() -> None:
    sheet = load_metadata(pd.DataFrame({"filename": ["a", "a.png"], "v": [1, 2]}))
    assert sheet.lookup("a", ["a.png"]) == {"v": 1}  # stem row wins
    sheet = load_metadata(pd.DataFrame({"filename": ["x.tar.gz"], "v": [5]}))
    assert sheet.lookup("x.tar", ["x.tar.gz"]) == {"v": 5}


@pytest.mark.parametrize(
    "frame, message",
    [
        (pd.DataFrame({"name": ["a"], "v": [1]}), "must be 'filename' or 'file_name', found 'name'"),
        (pd.DataFrame({"filename": ["a", "a"], "v": [1, 2]}), "appears twice"),
        (pd.DataFrame({"filename": [None, "b"], "v": [1, 2]}), "row 2 has no filename"),
        (pd.DataFrame({f"c{i}" if i else "filename": ["a"] for i in range(MAX_SHEET_COLUMNS + 1)}), "51 columns"),
        (pd.DataFrame({"filename": [f"f{i}" for i in range(MAX_SHEET_ROWS + 1)]}), "10,000"),
    ],
)
def test_frame_errors(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        load_metadata(frame)


def test_excel_wrong_header_and_too_many_columns(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match="found 'image'"):
        load_metadata(_xlsx(tmp_path / "a.xlsx", [["image", "v"], ["a", 1]]))
    wide = [["filename"] + [f"c{i}" for i in range(60)], ["a"] + list(range(60))]
    with pytest.raises(MetadataError, match="61 columns; the limit is 50"):
        load_metadata(_xlsx(tmp_path / "b.xlsx", wide))


def test_csv_too_many_rows_fails_fast(tmp_path: Path) -> None:
    p = tmp_path / "meta.csv"
    p.write_text("filename,v\n" + "".join(f"f{i},{i}\n" for i in range(MAX_SHEET_ROWS + 5)))
    with pytest.raises(MetadataError, match="more than 10,000 rows"):
        load_metadata(p)


def test_file_over_10_mb_is_refused_before_reading(tmp_path: Path) -> None:
    p = tmp_path / "meta.csv"
    with open(p, "wb") as fh:
        fh.write(b"filename,v\n")
        fh.truncate(11 * 1024 * 1024)
    with pytest.raises(MetadataError, match="limit is 10 MB"):
        load_metadata(p)


def test_unreadable_and_unsupported(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match="does not exist"):
        load_metadata(tmp_path / "nope.xlsx")
    bad = tmp_path / "meta.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(MetadataError, match="cannot be read as Excel"):
        load_metadata(bad)
    old = tmp_path / "meta.xls"
    old.write_bytes(b"x")
    with pytest.raises(MetadataError, match=r"\.xls format is not supported"):
        load_metadata(old)
    with pytest.raises(MetadataError, match="unsupported type"):
        load_metadata(_write(tmp_path / "meta.json", "{}"))


def _write(p: Path, s: str) -> Path:
    p.write_text(s)
    return p


def test_missing_openpyxl_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes `import openpyxl` raise ImportError, as when it is not installed.
    monkeypatch.setitem(__import__("sys").modules, "openpyxl", None)
    p = tmp_path / "meta.xlsx"
    p.write_bytes(b"PK")
    with pytest.raises(ImportError, match=r"synapse_nb\[excel\]"):
        load_metadata(p)

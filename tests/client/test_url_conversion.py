"""url_conversion: files become local paths, on every page, concurrently, cached, contained."""

from __future__ import annotations

from pathlib import Path

import pytest

CONV = {"files_fields": ["files"], "is_list": True}


def _file_paths(records, field="files"):
    out = []
    for r in records:
        for entry in (r.get(field) or {}).values():
            out.append(entry)
    return out


def test_first_page_is_converted_too(api, tmp_path):
    page = api.list_tasks({"project": 1, "page_size": 6}, url_conversion=CONV)
    entries = _file_paths(page["results"])
    assert len(entries) >= 6
    folder = (tmp_path / "cache" / "files").resolve()
    for e in entries:
        assert "url" not in e and isinstance(e["path"], Path)
        assert e["path"].parent == folder and e["path"].stat().st_size > 0
        assert "is_primary" in e  # other keys stay
    assert entries[0]["path"].read_bytes()[:4] == b"\x89PNG"


def test_every_page_of_list_all_and_cache_reuse(api, tmp_path):
    rows, count = api.list_tasks({"project": 3, "page_size": 40}, url_conversion=CONV, list_all=True,
                                 page_size=40)
    assert count == len(rows) > 40  # several pages
    entries = _file_paths(rows)
    assert entries and all(isinstance(e["path"], Path) and e["path"].exists() for e in entries)
    stamp = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache" / "files").iterdir()}
    again = api.list_tasks({"project": 3, "page_size": 40}, url_conversion=CONV)
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "cache" / "files").iterdir()} == stamp
    assert _file_paths(again["results"])[0]["path"] == entries[0]["path"]


def test_dotted_fields_and_coerce(api):
    conv = {"files_fields": ["data_unit.files"], "coerce": lambda rec: {**rec, "coerced": True}}
    page = api.list_ground_truth_events({"ground_truth_dataset_versions": 1, "page_size": 3}, url_conversion=conv)
    rec = page["results"][0]
    assert rec["coerced"] is True
    files = rec["data_unit"]["files"]
    assert all(isinstance(f["path"], Path) and f["path"].exists() for f in files.values())


def test_dest_dir_is_configurable(api, tmp_path):
    conv = {"files_fields": ["files"], "dest_dir": tmp_path / "imgs"}
    page = api.list_tasks({"project": 2, "page_size": 2}, url_conversion=conv)
    paths = [e["path"] for e in _file_paths(page["results"])]
    assert paths and all(p.parent == (tmp_path / "imgs").resolve() for p in paths)


def test_model_file(api):
    model = api.get_model(1, url_conversion={"files_fields": ["file"]})
    assert isinstance(model["file"], Path) and model["file"].stat().st_size > 0
    plain = api.get_model(1)
    assert model["file"].read_bytes() == api.get_bytes(plain["file"])


def test_seed_docs_form_rewrites_urls(api):
    # seed docs: url_conversion={'files': lambda url: f"https://cdn.example.com{url}"}
    page = api.list_tasks(params={"project": 1, "page_size": 2},
                          url_conversion={"files": lambda url: "https://cdn.example.com/" + url.rsplit("/", 1)[-1]})
    e = _file_paths(page["results"])[0]
    assert e["path"].startswith("https://cdn.example.com/")


def test_bad_spec_says_what_to_fix(api):
    with pytest.raises(TypeError, match="files_fields"):
        api.list_tasks({"page_size": 1}, url_conversion={"files": "not callable"})


def test_download_and_get_bytes(api, tmp_path):
    task = api.list_tasks({"project": 1, "page_size": 1})["results"][0]
    url = next(iter(task["files"].values()))["url"]
    path = api.download(url, tmp_path / "images")
    assert path.parent == (tmp_path / "images").resolve() and path.read_bytes() == api.get_bytes(url)

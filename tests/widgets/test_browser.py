"""Browsers without a frontend: asserting on the widgets' traits and children."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from synapse_nb.widgets import ModelBrowser, RecordBrowser, TaskBrowser

from .conftest import XSS, frame_of, make_task


def test_task_browser_shows_first_page_sorted_by_frame_order(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    assert b.table.columns[:3] == ["id", "status", "priority"]
    texts = b.table.row_texts()
    assert [int(r[0]) for r in texts] == list(range(1, 11))
    assert texts[0][1] == "in_progress"  # task 1: statuses cycle pending/in_progress/completed
    assert b.table.page_info.value == "page 1 of 6 · 60 rows"
    assert all("snb-row" in r._dom_classes for r in b.table.rows)
    assert "snb-row-id-1" in b.table.rows[0]._dom_classes


def test_filter_bar_controls_filter_the_table(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    status = b.filter_bar.controls["status"]
    assert [v for _t, v in status.options] == [None, "pending", "in_progress", "completed"]
    status.value = "completed"  # what choosing in the dropdown does
    assert b.query.count == 20
    assert {r[1] for r in b.table.row_texts()} == {"completed"}
    assert [v for _t, v in b.filter_bar.controls["label"].options] == [None, "person", "tree",
                                                                        "vehicle"]
    b.filter_bar.controls["tags"].value = 2
    assert b.filtered.index.tolist() == [i for i in tasks_df.index
                                         if i % 3 == 2 and i % 2 and i % 5 == 0]
    b.search("IMG_35")
    assert b.filtered.index.tolist() == [35]
    assert "1 of 60 rows" in b.title_html.value


def test_pager_buttons(tasks_df):
    b = TaskBrowser(tasks_df, page_size=20)
    assert b.table.prev_button.disabled and not b.table.next_button.disabled
    b.table.next_button.click()
    assert int(b.table.row_texts()[0][0]) == 21
    b.table.last_button.click()
    assert int(b.table.row_texts()[0][0]) == 41 and b.table.next_button.disabled
    old_row = b.table.rows[0]
    b.table.page_size_picker.value = 50
    assert len(b.table.rows) == 50 and len(b.table.visible_rows) == 50
    assert old_row.comm is None and old_row.children[1].comm is None  # the old pool is closed
    b.table.next_button.click()
    assert len(b.table.visible_rows) == 10
    # Rows past the end are hidden, not removed.
    assert sum(r.layout.display == "none" for r in b.table.rows) == 40
    assert sum("snb-row" in r._dom_classes for r in b.table.rows) == 10
    assert sum("snb-row-empty" in r._dom_classes for r in b.table.rows) == 40
    b.table.prev_button.click()  # a full page again: every slot is a row
    assert all("snb-row" in r._dom_classes and "snb-row-empty" not in r._dom_classes
               for r in b.table.rows)


def test_header_click_sorts_then_reverses(tasks_df):
    b = TaskBrowser(tasks_df, page_size=5)
    header = b.table.header_buttons[b.table.columns.index("id")]
    header.click()
    assert header.description == "id ▲"
    header.click()
    assert header.description == "id ▼"
    assert [int(r[0]) for r in b.table.row_texts()] == [60, 59, 58, 57, 56]


def test_row_click_selects_and_fills_detail(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    b.table.rows[2].children[3].click()  # a cell of the third row
    assert b.selected.index.tolist() == [3]
    assert b.current_record["id"] == 3
    assert "snb-row-selected" in b.table.rows[2]._dom_classes
    assert "snb-row-current" in b.table.rows[2]._dom_classes
    assert "Task 3" in b.detail.value
    assert b.detail.value.count('class="snb-shape ') == 2
    b.table.rows[4].children[1].click()  # clicking another row replaces the selection
    assert b.selected.index.tolist() == [5]
    assert "snb-row-selected" not in b.table.rows[2]._dom_classes


def test_checkboxes_build_a_multi_selection_across_pages(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    b.table.rows[0].children[0].value = True
    b.table.rows[3].children[0].value = True
    b.table.next_button.click()
    b.table.rows[1].children[0].value = True
    assert b.selected.index.tolist() == [1, 4, 12]
    assert b.selection_label.value == "3 selected"
    b.table.rows[1].children[0].value = False
    assert b.selected.index.tolist() == [1, 4]
    b.table.header_check.value = True  # whole page
    assert len(b.selected) == 12
    assert isinstance(b.selected, pd.DataFrame) and list(b.selected.columns) == list(tasks_df.columns)


def test_selection_survives_filtering(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    b.select([2, 3])
    b.set_filter("status", "completed")
    assert b.selected.index.tolist() == [2, 3]
    with pytest.raises(KeyError, match="999"):
        b.select([999])


def test_keyword_filters_with_a_frame_set_the_bar(tasks_df):
    b = TaskBrowser(tasks_df, status="pending")
    assert b.filter_bar.controls["status"].value == "pending"
    assert b.query.count == 20
    with pytest.raises(TypeError, match="unknown filter"):
        TaskBrowser(tasks_df, assignee_name="x")


def test_needs_a_frame_or_a_client():
    with pytest.raises(TypeError, match="needs a frame or a client"):
        TaskBrowser()
    with pytest.raises(KeyError, match="no column"):
        RecordBrowser(pd.DataFrame({"a": [1]}), columns=["b"])


def test_generic_browser_on_any_frame():
    df = pd.DataFrame({"kind": pd.Categorical(["x", "y", "x"]), "n": [3, 1, 2]},
                      index=pd.Index([7, 8, 9], name="id"))
    b = RecordBrowser(df)
    assert "kind" in b.filter_bar.controls
    b.sort_by("n")
    assert [r[0] for r in b.table.row_texts()] == ["8", "9", "7"]
    b.table.click(0)
    assert b.current_record == {"id": 8, "kind": "y", "n": 1}
    assert "snb-json" in b.detail.value


def test_repr_is_cheap_and_fallback_html_is_an_escaped_table(tasks_df):
    records = [make_task(i) for i in range(1, 4)]
    records[0]["status"] = XSS  # an unknown enum value is kept as a category
    b = TaskBrowser(frame_of("tasks", records))
    assert repr(b) == "TaskBrowser(rows=3/3, page=1/1, selected=0)"
    bundle = b._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    html = bundle["text/html"]
    assert html.count('<tr class="snb-row"') == 3
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert b._repr_html_() == html


def test_model_browser_compares_metrics_across_versions():
    models = frame_of("models", [
        {"id": i, "name": "detector" if i < 4 else "other", "project": 7, "version": str(i),
         "created": f"2025-0{i}-01T00:00:00Z", "metrics": {"mAP": 0.3 + i / 10, "val": {"loss": 1 / i}}}
        for i in range(1, 5)])
    b = ModelBrowser(models)
    b.select([2])
    pane = b.detail.value
    assert "Metrics across versions" in pane and 'class="snb-metrics-plot"' in pane
    assert pane.count('<tr class="snb-row"') == 3  # the three versions of "detector"
    assert "val.loss" in pane


def test_reload_reads_the_server_again_and_keeps_filters_and_selection(fake_client):
    b = TaskBrowser(fake_client, project=7, page_size=10)
    b.set_filter("status", "completed")
    b.select([2, 5])
    before = b.query.count
    fake_client.records["tasks"].append(make_task(32))  # 32 % 3 == 2: completed
    b.reload_button.click()
    assert b.query.count == before + 1 and 32 in b.filtered.index
    assert b.filter_bar.controls["status"].value == "completed"
    assert b.selected.index.tolist() == [2, 5]
    assert "Reloaded 31 rows." in b.status.value

    def broken(*_a, **_k):
        raise ConnectionError("server went away")
    fake_client.paginate = broken
    b.reload_button.click()
    assert "Reload failed: ConnectionError: server went away" in b.status.value
    assert len(b.frame) == 31  # what was shown is kept


def test_a_model_with_one_version_is_compared_with_its_project_peers():
    models = frame_of("models", [
        {"id": 1, "name": "a", "project": 7, "category": "det", "version": "1.0",
         "metrics": {"mAP": 0.5}},
        {"id": 2, "name": "b", "project": 7, "category": "det", "version": "2.0",
         "metrics": {"mAP": 0.7}},
        {"id": 3, "name": "c", "project": 8, "category": "det", "version": "1.0",
         "metrics": {"mAP": 0.9}}])
    b = ModelBrowser(models)
    b.select([1])
    pane = b.detail.value
    assert "this project&#x27;s models" in pane
    assert re.findall(r'<tr class="snb-row" data-id="(\d+)"', pane) == ["1", "2"]
    assert "<td>b 2.0</td>" in pane


def test_a_frame_with_an_unnamed_index_sorts_by_it_as_id():
    b = RecordBrowser(pd.DataFrame({"a": [3, 1, 2]}))
    assert b.table.columns == ["id", "a"]
    b.table.header_buttons[0].click()
    b.table.header_buttons[0].click()
    assert [r[0] for r in b.table.row_texts()] == ["2", "1", "0"]
    b.search("2")
    assert b.filtered.index.tolist() == [2]  # an id typed in the search box


def test_close_closes_every_widget_inside(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10, filter_columns=["status"])
    assert list(b.filter_bar.controls) == ["status"]
    inner = [b.table, b.table.rows[3], b.table.rows[3].children[2], b.filter_bar.search]
    assert all(w.comm is not None for w in inner)
    b.close()
    assert all(w.comm is None for w in inner) and b.comm is None


def test_a_browser_of_a_frame_cannot_reload(tasks_df, fake_client):
    b = TaskBrowser(tasks_df, client=fake_client)
    assert b.reload_button.disabled
    with pytest.raises(TypeError, match="build it from a client"):
        b.reload()


def test_errors_in_handlers_are_shown_not_swallowed(tasks_df, monkeypatch):
    b = TaskBrowser(tasks_df, page_size=10)

    def boom(*_a, **_k):
        raise RuntimeError("bad <record>")
    monkeypatch.setattr(b.renderer, "render", boom)
    b.table.click(0)
    assert "Could not show record 1: RuntimeError: bad &lt;record&gt;" in b.detail.value
    assert "snb-json" in b.detail.value  # the raw record is still there to read
    monkeypatch.setattr(b.query, "set_filter", boom)
    b.filter_bar.controls["status"].value = "pending"
    assert "Filter not applied: bad &lt;record&gt;" in b.status.value
    assert b.query.count == 60  # the table was left as it was

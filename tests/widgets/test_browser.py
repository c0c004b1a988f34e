"""Browsers without a frontend: acting as the frontend does (``send``) and asserting on the
view's synced traits (what the frontend draws) and on the browser's frames."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from synapse_nb.widgets import AssignmentBrowser, GroundTruthBrowser, ModelBrowser, RecordBrowser, TaskBrowser

from .conftest import XSS, cells, frame_of, make_task, send, widget_models


def test_task_browser_shows_first_page_in_frame_order(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    table = b.view.table
    assert [c["key"] for c in table["columns"]][:3] == ["id", "status", "priority"]
    assert [int(r[0]) for r in cells(b)] == list(range(1, 11))
    assert table["ids"] == [str(i) for i in range(1, 11)]
    assert cells(b)[0][1] == "in_progress"  # task 1: statuses cycle pending/in_progress/completed
    assert table["info"] == "page 1 of 6 · 60 rows"


def test_every_cell_is_the_current_value_empty_ones_included():
    # Page 1 shows "night" in row 1; page 2's row 1 has no value there: it must read "".
    df = pd.DataFrame({"note": ["night", "x", None, ""]}, index=pd.Index([1, 2, 3, 4], name="id"))
    b = RecordBrowser(df, page_size=2)
    assert cells(b) == [["1", "night"], ["2", "x"]]
    send(b, "page", to="next")
    assert cells(b) == [["3", ""], ["4", ""]]
    send(b, "sort", key="note")
    assert cells(b) == [["4", ""], ["1", "night"]]  # missing last


@pytest.mark.parametrize("make", [
    lambda df, c: TaskBrowser(df, client=c),
    lambda df, c: AssignmentBrowser(frame_of("assignments", [
        {"id": i, "task": i, "project": 7, "user": i, "status_review": "completed"}
        for i in range(1, 600)])),
    lambda df, c: GroundTruthBrowser(frame_of("ground_truth_events", [
        {"id": i, "ground_truth_dataset_version": 1, "data": {"annotations": []}}
        for i in range(1, 600)])),
    lambda df, c: ModelBrowser(frame_of("models", [{"id": i, "name": "m"} for i in range(1, 600)])),
    lambda df, c: RecordBrowser(pd.DataFrame({"label": ["a"] * 600})),
])
def test_a_browser_is_a_handful_of_widget_models_at_500_rows(make, tasks_df, fake_client):
    b = make(tasks_df, fake_client)
    send(b, "page_size", size=500)
    assert widget_models(b) <= 30
    assert len(b.view.table["cells"]) == min(500, len(b.frame))
    # One page is one bounded trait (texts only), not one model per cell.
    assert len(json.dumps(b.view.table)) < 500 * 2_000


def test_filter_events_filter_the_table(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    status = next(f for f in b.view.filters if f["key"] == "status")
    assert status["options"] == ["any", "pending", "in_progress", "completed"]
    assert all(f["index"] == 0 for f in b.view.filters if f["kind"] == "select")
    send(b, "filter", key="status", index=3)
    assert b.query.count == 20 and {r[1] for r in cells(b)} == {"completed"}
    assert next(f for f in b.view.filters if f["key"] == "status")["index"] == 3
    label = next(f for f in b.view.filters if f["key"] == "label")
    assert label["options"] == ["any", "person", "tree", "vehicle"]
    tags = next(f for f in b.view.filters if f["key"] == "tags")
    send(b, "filter", key="tags", index=tags["options"].index("2"))
    assert b.filtered.index.tolist() == [i for i in tasks_df.index
                                         if i % 3 == 2 and i % 2 and i % 5 == 0]
    send(b, "search", text="IMG_35")
    assert b.filtered.index.tolist() == [35]
    assert b.view.subtitle.startswith("1 of 60 rows")


def test_pager_and_page_sizes(tasks_df):
    b = TaskBrowser(tasks_df, page_size=20)
    send(b, "page", to="next")
    assert int(cells(b)[0][0]) == 21
    send(b, "page", to="last")
    assert int(cells(b)[0][0]) == 41 and b.view.table["page"] == 2
    send(b, "page_size", size=50)
    assert len(cells(b)) == 50 and b.view.table["size"] == 50
    send(b, "page", to="next")
    assert [int(r[0]) for r in cells(b)] == list(range(51, 61))
    assert 500 in b.view.table["sizes"] and 100 in b.view.table["sizes"]


def test_header_sorts_then_reverses(tasks_df):
    b = TaskBrowser(tasks_df, page_size=5)
    send(b, "sort", key="id")
    assert b.view.table["sort"] == ["id", True]
    send(b, "sort", key="id")
    assert b.view.table["sort"] == ["id", False]
    assert [int(r[0]) for r in cells(b)] == [60, 59, 58, 57, 56]


def test_looking_never_changes_the_selection(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    send(b, "check", slot=0, value=True)
    send(b, "check", slot=3, value=True)
    send(b, "focus", slot=2)  # a click on a row, or the arrow keys
    assert b.current_record["id"] == 3 and "Task 3" in b.detail_html
    assert b.selected.index.tolist() == [1, 4]
    assert b.view.table["focus"] == 2 and b.view.table["checked"][:4] == [True, False, False, True]
    send(b, "filter", key="status", index=1)  # the looked-at row does not join the selection
    assert b.selected.index.tolist() == [1, 4] and b.view.selection["count"] == 2


def test_checkboxes_shift_ranges_and_the_page_box(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    send(b, "check", slot=1, value=True)
    send(b, "check", slot=4, value=True, shift=True)
    assert b.selected.index.tolist() == [2, 3, 4, 5]
    send(b, "page", to="next")
    send(b, "check", slot=0, value=True)
    assert b.selected.index.tolist() == [2, 3, 4, 5, 11]
    send(b, "check", slot=0, value=False)
    send(b, "check_page", value=True)
    assert len(b.selected) == 14 and all(b.view.table["checked"])
    send(b, "clear_selection")
    assert len(b.selected) == 0 and b.view.selection["count"] == 0


def test_selection_survives_filtering_and_can_be_shown_alone(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    b.select([2, 3])
    b.set_filter("status", "completed")
    assert b.selected.index.tolist() == [2, 3] and b.view.selection["count"] == 2
    send(b, "selected_only", value=True)
    # the filter shown in the bar applies: task 3 is pending
    assert [r[0] for r in cells(b)] == ["2"] and b.view.selection["only"]
    assert "showing the selection only" in b.view.subtitle
    send(b, "selected_only", value=False)
    assert b.query.count == 20
    with pytest.raises(KeyError, match="999"):
        b.select([999])


def test_keyword_filters_with_a_frame_set_the_bar(tasks_df):
    b = TaskBrowser(tasks_df, status="pending")
    status = next(f for f in b.view.filters if f["key"] == "status")
    assert status["options"][status["index"]] == "pending" and b.query.count == 20
    with pytest.raises(TypeError, match="unknown filter"):
        TaskBrowser(tasks_df, assignee_name="x")


def test_server_filters_show_in_the_bar_and_request_params_stay_out_of_titles(fake_client):
    b = AssignmentBrowser(fake_client, project=7, status_review="rejected", progress=False)
    review = next(f for f in b.view.filters if f["key"] == "status_review")
    assert review["options"][review["index"]] == "rejected"
    assert set(b.frame["status_review"]) == {"rejected"}
    assert "project=7" in b.view.subtitle and "status_review=rejected" in b.view.subtitle
    g = GroundTruthBrowser(fake_client, progress=False)  # its default expand=data
    assert "expand" not in g.view.subtitle and g.server_filters["expand"] == "data"


def test_needs_a_frame_or_a_client():
    with pytest.raises(TypeError, match="needs a frame or a client"):
        TaskBrowser()
    with pytest.raises(KeyError, match="no column"):
        RecordBrowser(pd.DataFrame({"a": [1]}), columns=["b"])


def test_generic_browser_on_any_frame():
    df = pd.DataFrame({"kind": pd.Categorical(["x", "y", "x"]), "n": [3, 1, 2]},
                      index=pd.Index([7, 8, 9], name="id"))
    b = RecordBrowser(df)
    assert "kind" in b.filter_bar.columns
    b.sort_by("n")
    assert [r[0] for r in cells(b)] == ["8", "9", "7"]
    send(b, "focus", slot=0)
    assert b.current_record == {"id": 8, "kind": "y", "n": 1}
    assert "snb-json" in b.detail_html


@pytest.mark.parametrize("categorical", [False, True])
def test_record_browser_filters_a_label_column(categorical):
    labels = ["car", "person", "car", "tree"] * 50
    df = pd.DataFrame({"label": pd.Categorical(labels) if categorical else labels,
                       "area": range(200)})
    b = RecordBrowser(df)
    label = next(f for f in b.view.filters if f["key"] == "label")
    send(b, "filter", key="label", index=label["options"].index("car"))
    assert b.query.count == 100 and set(b.filtered["label"]) == {"car"}


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
    assert XSS in cells(b)[0]  # a text the frontend sets with textContent


def test_model_browser_compares_metrics_across_versions():
    models = frame_of("models", [
        {"id": i, "name": "detector" if i < 4 else "other", "project": 7, "version": f"${i}",
         "created": f"2025-0{i}-01T00:00:00Z",
         "metrics": {"$mAP$": 0.3 + i / 10, "val": {"loss": 1 / i}}}
        for i in range(1, 5)])
    b = ModelBrowser(models)
    b.look(2)
    pane = b.detail_html
    assert "Metrics across versions" in pane and 'class="snb-metrics-plot"' in pane
    assert pane.count('<tr class="snb-row"') == 3  # the three versions of "detector"
    assert "val.loss" in pane and "$mAP$" in pane


def test_a_model_with_one_version_is_compared_with_its_project_peers():
    models = frame_of("models", [
        {"id": 1, "name": "a", "project": 7, "category": "det", "version": "1.0",
         "metrics": {"mAP": 0.5}},
        {"id": 2, "name": "b", "project": 7, "category": "det", "version": "2.0",
         "metrics": {"mAP": 0.7}},
        {"id": 3, "name": "c", "project": 8, "category": "det", "version": "1.0",
         "metrics": {"mAP": 0.9}}])
    b = ModelBrowser(models)
    b.look(1)
    pane = b.detail_html
    assert "this project&#x27;s models" in pane
    assert re.findall(r'<tr class="snb-row" data-id="(\d+)"', pane) == ["1", "2"]
    assert "<td>b 2.0</td>" in pane


def test_reload_reads_the_server_again_and_keeps_filters_and_selection(fake_client):
    b = TaskBrowser(fake_client, project=7, page_size=10, progress=False)
    b.set_filter("status", "completed")
    b.select([2, 5])
    before = b.query.count
    fake_client.records["tasks"].append(make_task(32))  # 32 % 3 == 2: completed
    send(b, "action", key="reload")
    assert b.query.count == before + 1 and 32 in b.filtered.index
    status = next(f for f in b.view.filters if f["key"] == "status")
    assert status["options"][status["index"]] == "completed"
    assert b.selected.index.tolist() == [2, 5]
    assert b.status_text == "Reloaded 31 rows."

    def broken(*_a, **_k):
        raise ConnectionError("server went away")
    fake_client.paginate = broken
    send(b, "action", key="reload")
    assert b.status_text == "Reload failed: ConnectionError: server went away"
    assert b.view.status["error"] and len(b.frame) == 31  # what was shown is kept


def test_a_frame_with_an_unnamed_index_sorts_by_it_as_id():
    b = RecordBrowser(pd.DataFrame({"a": [3, 1, 2]}))
    assert b.table.columns == ["id", "a"]
    send(b, "sort", key="id")
    send(b, "sort", key="id")
    assert [r[0] for r in cells(b)] == ["2", "1", "0"]
    b.search("2")
    assert b.filtered.index.tolist() == [2]  # an id typed in the search box


def test_close_closes_the_view(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    assert b.view.comm is not None
    b.close()
    assert b.view.comm is None and b.comm is None


def test_a_browser_of_a_frame_cannot_reload(tasks_df, fake_client):
    b = TaskBrowser(tasks_df, client=fake_client)
    reload = next(x for x in b.view.actions["buttons"] if x["key"] == "reload")
    assert reload["disabled"]
    with pytest.raises(TypeError, match="build it from a client"):
        b.reload()


def test_errors_in_handlers_are_shown_not_swallowed(tasks_df, monkeypatch):
    b = TaskBrowser(tasks_df, page_size=10)

    def boom(*_a, **_k):
        raise RuntimeError("bad <record>")
    monkeypatch.setattr(b.renderer, "render", boom)
    send(b, "focus", slot=0)
    assert "Could not show record 1: RuntimeError: bad &lt;record&gt;" in b.detail_html
    assert "snb-json" in b.detail_html  # the raw record is still there to read
    monkeypatch.setattr(b.query, "set_filter", boom)
    send(b, "filter", key="status", index=1)
    assert b.status_text == "Filter not applied: bad <record>"
    assert b.query.count == 60  # the table was left as it was
    send(b, "page", to="sideways")
    assert "turn to one of" in b.status_text


def test_gallery_shows_the_page_with_shapes(fake_client):
    b = TaskBrowser(fake_client, project=7, page_size=10)
    assert b.view.gallery == []  # built only when asked for
    b.check([2])
    send(b, "view", mode="gallery")
    cards = b.view.gallery
    assert [c["id"] for c in cards] == [str(i) for i in range(1, 11)]
    assert all(c["html"].count('class="snb-shape ') == 2 for c in cards)
    assert "checked" in cards[1]["html"] and "checked" not in cards[0]["html"]
    assert "data:image/" in cards[0]["html"]


def test_gallery_cards_are_escaped(fake_client):
    task = make_task(1)
    task["data"]["annotations"][0]["label"] = XSS
    b = TaskBrowser(frame_of("tasks", [task]), client=fake_client)
    b.set_view("gallery")
    html = b.view.gallery[0]["html"]
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    with pytest.raises(ValueError, match="'table' or 'gallery'"):
        b.set_view("grid")


def test_focus_moves_are_numbered_so_an_old_echo_cannot_win(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    send(b, "focus", slot=1, seq=1)
    send(b, "focus", slot=2, seq=2)
    assert b.view.table["focus"] == 2 and b.view.table["focus_seq"] == 2
    b.look(5)  # a move from Python keeps the frontend's count, so the frontend takes it
    assert b.view.table["focus"] == 4 and b.view.table["focus_seq"] == 2


def test_gallery_draws_each_card_once_and_says_when_it_shows_part_of_the_page(fake_client):
    b = TaskBrowser(fake_client, project=7, page_size=10)
    send(b, "view", mode="gallery")
    fetched = [c for c in fake_client.calls if c[0] == "get_bytes"]
    send(b, "check", slot=0, value=True)  # a tick redraws the card's caption, not its image
    assert [c for c in fake_client.calls if c[0] == "get_bytes"] == fetched
    assert "checked" in b.view.gallery[0]["html"]
    send(b, "page_size", size=100)
    assert len(b.view.gallery) == 30 and "the gallery shows" not in b.view.subtitle
    big = TaskBrowser(frame_of("tasks", [make_task(i) for i in range(1, 80)]), page_size=100)
    big.set_view("gallery")
    assert len(big.view.gallery) == 60 and "first 60 rows of the page" in big.view.subtitle

"""The browser never surprises (issue 21): shift-click ranges by row, search what is shown,
"show selected only" keeps only ticked rows under the filters shown, numbers and times
read plainly, colours checked where they enter."""

from __future__ import annotations

import pandas as pd

from synapse_nb._util.html import cell_text
from synapse_nb.widgets import LabelPalette, RecordBrowser, TaskBrowser, overlay_html
from synapse_nb.widgets.overlay import colours_of_configuration

from .conftest import cells, send


def test_shift_click_anchors_on_the_row_not_the_slot_after_a_sort(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    send(b, "check", slot=2, value=True)  # task 3
    send(b, "sort", key="id")
    send(b, "sort", key="id")  # descending: task 3 is now far away, slot 2 is task 58
    send(b, "page", to="last")  # tasks 10..1 shown
    shown = [int(r[0]) for r in cells(b)]
    slot = shown.index(6)
    send(b, "check", slot=slot, value=True, shift=True)
    # the range runs from task 3 to task 6 as shown, not from slot 2 of this page
    assert sorted(b.selected.index.tolist()) == [3, 4, 5, 6]


def test_shift_click_when_the_anchor_is_filtered_away_ticks_only_the_row(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    send(b, "check", slot=1, value=True)  # task 2 (completed)
    b.set_filter("status", "pending")
    send(b, "check", slot=3, value=True, shift=True)
    assert len(b.selected) == 2


def test_search_matches_what_is_shown_not_hidden_urls(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    assert "primary_file_url" not in b.table.columns
    b.search("127.0.0.1")  # every hidden image URL holds it
    assert b.query.count == 0
    b.search("img_7.png")
    assert b.filtered.index.tolist() == [7]


def test_search_matches_the_names_shown_for_ids():
    frame = pd.DataFrame({"owner": [1, 2]}, index=pd.Index([10, 11], name="id"))
    b = RecordBrowser(frame)
    b.table.formatters["owner"] = {1: "Alice", 2: "Bob"}.get
    b.query.set_shown(b.table.columns, b.table.formatters)
    b.search("bob")
    assert b.filtered.index.tolist() == [11]


def test_show_selected_only_drops_unticked_rows_and_applies_filters(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    b.select([2, 3, 5, 6])
    send(b, "selected_only", value=True)
    assert [r[0] for r in cells(b)] == ["2", "3", "5", "6"]
    send(b, "check", slot=1, value=False)  # untick task 3 while only the selection shows
    assert [r[0] for r in cells(b)] == ["2", "5", "6"]
    assert tasks_df.loc[[2, 5, 6], "status"].tolist() == ["completed", "completed", "pending"]
    b.set_filter("status", "completed")  # the bar's filter applies to what is shown
    assert [r[0] for r in cells(b)] == ["2", "5"] and b.view.selection["only"]


def test_numbers_and_times_read_plainly():
    assert cell_text(34980.0) == "34,980" and "e+" not in cell_text(123456.7)
    assert cell_text(pd.Timestamp("2026-03-01 10:00", tz="UTC")).endswith("UTC")


def test_a_colour_with_spaces_is_trimmed_where_it_enters():
    assert colours_of_configuration({"colors": {"car": " #ff0000"}}) == {"car": "#ff0000"}
    palette = LabelPalette({"car": " #ff0000 "})
    assert palette.color("car") == "#ff0000"
    html = overlay_html(None, [{"type": "bbox", "coordinates": [1, 1, 5, 5], "label": "car"}],
                        palette=palette)
    assert 'stroke="#ff0000"' in html


def test_prediction_labels_never_cover_each_other_and_the_legend_says_which_is_which():
    import re

    anns = [{"type": "bbox", "coordinates": [10, 30, 80, 90], "label": "truck", "confidence": 0.94,
             "style": "dashed"},
            {"type": "bbox", "coordinates": [12, 32, 60, 95], "label": "person", "confidence": 0.31,
             "style": "dashed"},
            {"type": "bbox", "coordinates": [11, 31, 70, 85], "label": "truck"}]
    html = overlay_html(None, anns, size=(200, 150))
    tags = [tuple(float(v) for v in m) for m in re.findall(
        r'class="snb-shape-label"[^>]*><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', html)]
    assert len(tags) == 3
    for i, (x, y, w, h) in enumerate(tags):
        for (x2, y2, w2, h2) in tags[i + 1:]:
            assert not (x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h), (tags[i], (x2, y2))
    assert "ground truth: solid" in html and "prediction: dashed" in html


def test_a_classification_task_shows_its_class():
    html = overlay_html(None, {"annotations": [{"type": "classification", "label": "day"}]})
    assert 'class="snb-class" data-label="day"' in html and "without drawable geometry" not in html


def test_thumbnail_labels_are_readable():
    import re

    html = overlay_html(None, [{"type": "bbox", "coordinates": [1, 1, 50, 50], "label": "car"}],
                        size=(320, 240), max_width=170, legend=False)
    font = float(re.search(r'font-size="([\d.]+)"', html).group(1))
    assert font * 170 / 320 >= 9.9  # on screen, in CSS pixels (was 4)


def test_an_error_clears_on_the_next_success(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    send(b, "sort", key="no_such_column")
    assert b.view.status["error"]
    send(b, "page", to="next")
    assert b.view.status == {"text": "", "error": False}


def test_select_all_matching_ticks_every_page(tasks_df):
    b = TaskBrowser(tasks_df, page_size=10)
    b.set_filter("status", "completed")
    assert b.view.selection["matching"] == 20
    send(b, "select_matching")
    assert len(b.selected) == 20 and set(b.selected["status"]) == {"completed"}


def test_filters_the_rows_were_loaded_with_are_shown_fixed(fake_client):
    b = TaskBrowser(fake_client, project=7)
    entry = next(f for f in b.view.filters if f["key"] == "project")
    assert "loaded with project=7" in entry["fixed"]
    rows = b.query.count
    send(b, "filter", key="project", index=0)  # "any" would only narrow what was loaded
    assert b.view.status["error"] and "build a new browser" in b.status_text
    assert b.query.count == rows and b.filter_bar.values["project"] == 7

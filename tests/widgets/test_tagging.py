"""Tagging the selected tasks through set_tags_tasks (in memory; the live server test is in
test_live.py)."""

from __future__ import annotations

import pytest

from synapse_nb.widgets import TaskBrowser


def _tags(browser: TaskBrowser, task_id: int) -> list[int]:
    return list(browser.frame.loc[task_id, "tags"])


def test_add_and_remove_tags_on_the_selection(fake_client):
    b = TaskBrowser(fake_client, project=7)
    b.select([3, 5])
    assert _tags(b, 3) == [] and _tags(b, 5) == [2, 3]
    b.tag([1], "add")
    assert ("set_tags_tasks", {"ids": [3, 5], "tags": [1], "action": "add"}) in fake_client.calls
    # The rows show the tags as re-read from the server.
    assert ("paginate", ("sdk/tasks/", {"id__in": "3,5"})) in fake_client.calls
    assert _tags(b, 3) == [1] and _tags(b, 5) == [2, 3, 1]
    assert b.selected.index.tolist() == [3, 5]
    b.tag("hard", "remove")  # names are resolved through task_tags
    assert ("set_tags_tasks", {"ids": [3, 5], "tags": [2], "action": "remove"}) in fake_client.calls
    assert _tags(b, 5) == [3, 1]


def test_buttons_report_success_and_errors_in_the_status_line(fake_client):
    b = TaskBrowser(fake_client, project=7)
    b.tag_input.value = "reviewed"
    b.add_tag_button.click()
    assert "no tasks selected" in b.status.value and "snb-status-error" in b.status.value
    b.table.click(1)
    b.add_tag_button.click()
    assert "Added &#x27;reviewed&#x27; on 1 task(s)." in b.status.value
    assert _tags(b, 2) == [1]
    b.tag_input.value = "nope"
    b.remove_tag_button.click()
    assert "unknown tag &#x27;nope&#x27;; known tags: blurry, hard, reviewed" in b.status.value
    assert b.selected.index.tolist() == [2]  # nothing lost


def test_tagging_needs_a_client(tasks_df):
    b = TaskBrowser(tasks_df)
    b.select([1])
    with pytest.raises(ValueError, match="needs a client"):
        b.tag([1])
    with pytest.raises(ValueError, match="'add' or 'remove'"):
        b.tag([1], "toggle")


def test_tag_names_show_in_the_table_and_the_tag_filter(fake_client):
    b = TaskBrowser(fake_client, project=7)
    column = b.table.columns.index("tags")
    assert b.table.row_texts()[4][column] == "hard, blurry"  # task 5 has tags [2, 3]
    assert ("hard (2)", 2) in b.filter_bar.controls["tags"].options
    b.filter_bar.controls["tags"].value = 2
    assert b.filtered.index.tolist() == [5, 15, 25]


def test_a_browser_whose_tags_cannot_be_read_shows_ids(fake_client):
    fake_client.records.pop("task_tags")
    b = TaskBrowser(fake_client, project=7)
    assert b.table.row_texts()[4][b.table.columns.index("tags")] == "2, 3"


def test_when_the_re_read_fails_the_change_is_applied_locally(fake_client):
    b = TaskBrowser(fake_client, project=7)
    b.select([5, 6])

    def down(*_a, **_k):
        raise ConnectionError("gone")
    fake_client.paginate = down
    b.tag([9], "add")
    assert _tags(b, 5) == [2, 3, 9] and _tags(b, 6) == [1, 9]
    b.tag([2], "remove")
    assert _tags(b, 5) == [3, 9]

"""Tagging the selected tasks through set_tags_tasks (in memory; the live server test is in
test_live.py)."""

from __future__ import annotations

import pytest

from synapse_nb.widgets import TaskBrowser

from .conftest import cells, send


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


def test_buttons_act_on_the_selection_only_and_say_on_how_many(fake_client):
    b = TaskBrowser(fake_client, project=7)
    buttons = {x["key"]: x for x in b.view.actions["buttons"]}
    assert buttons["tag_add"]["disabled"] and buttons["tag_add"]["label"] == "Add tag"
    send(b, "action", key="tag_add", text="reviewed")
    assert "no tasks selected" in b.status_text and b.view.status["error"]
    send(b, "check", slot=1, value=True)
    send(b, "check", slot=3, value=True)
    send(b, "focus", slot=6)  # looking at a third task does not add it
    assert {x["key"]: x for x in b.view.actions["buttons"]}["tag_add"]["label"] == "Add tag to 2 selected"
    send(b, "action", key="tag_add", text="reviewed")
    assert b.status_text == "Added 'reviewed' to 2 selected task(s)."
    tagged = [c for c in fake_client.calls if c[0] == "set_tags_tasks"]
    assert tagged == [("set_tags_tasks", {"ids": [2, 4], "tags": [1], "action": "add"})]
    assert _tags(b, 2) == [1] and _tags(b, 7) == []
    send(b, "action", key="tag_remove", text="nope")
    assert b.status_text == "Tagging failed: unknown tag 'nope'; known tags: blurry, hard, reviewed"
    assert b.selected.index.tolist() == [2, 4]  # nothing lost


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
    assert cells(b)[4][column] == "hard, blurry"  # task 5 has tags [2, 3]
    tags = next(f for f in b.view.filters if f["key"] == "tags")
    send(b, "filter", key="tags", index=tags["options"].index("hard (2)"))
    assert b.filtered.index.tolist() == [5, 15, 25]


def test_a_browser_whose_tags_cannot_be_read_shows_ids(fake_client):
    fake_client.records.pop("task_tags")
    b = TaskBrowser(fake_client, project=7)
    assert cells(b)[4][b.table.columns.index("tags")] == "2, 3"


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

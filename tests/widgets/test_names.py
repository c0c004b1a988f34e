"""Names for ids: users from the v2 members, tags from the v1 task tags, once per client."""

from __future__ import annotations

import pandas as pd

from synapse_nb.widgets import AssignmentBrowser, RecordBrowser, TaskBrowser
from synapse_nb.widgets.names import NameResolver

from .conftest import cells, frame_of, send


def test_users_and_reviewers_show_names_and_the_frames_keep_ids(v2_client):
    b = AssignmentBrowser(v2_client, project=7, progress=False)
    columns = b.table.columns
    rows = {int(r[0]): r for r in cells(b)}
    assert rows[100][columns.index("user")] == "20"  # no member with user_id 20: the id
    assert rows[100][columns.index("reviewer")] == "rev@example.com"
    assert b.frame["reviewer"].tolist() == [30] * 4  # the frame keeps ids
    reviewer = next(f for f in b.view.filters if f["key"] == "label")  # present, payloads
    assert reviewer["kind"] == "select"


def test_assignees_are_named_and_members_are_read_once_per_client(v2_client):
    first = TaskBrowser(v2_client, project=7, progress=False)
    second = TaskBrowser(v2_client, project=7, progress=False)
    column = first.table.columns.index("assignee")
    assert cells(first)[0][column] == "Ann 1"  # task 1: assignee 11
    assert cells(second)[1][column] == "Ann 2"
    assert [c for c in v2_client.calls if c[0] == "members"] == [("members", True)]
    assert NameResolver.for_client(v2_client) is first.names is second.names
    first.look(1)
    assert "Ann 0" not in first.detail_html  # task 1's assignments: users 20..23, reviewer 30
    assert "rev@example.com" in first.detail_html


def test_without_v2_the_ids_show(fake_client):
    assert not hasattr(fake_client, "v2")
    b = TaskBrowser(fake_client, project=7, progress=False)
    assert cells(b)[0][b.table.columns.index("assignee")] == "11"
    assert b.names.users() == {}


def test_a_failing_members_read_leaves_the_ids(v2_client):
    def broken(list_all: bool = False):
        raise ConnectionError("v2 down")
    v2_client.v2.members.list = broken
    b = TaskBrowser(v2_client, project=7, progress=False)
    assert cells(b)[0][b.table.columns.index("assignee")] == "11"


def test_record_browser_on_an_annotations_frame(fake_client):
    from synapse_nb.frames import annotations_frame

    tasks = frame_of("tasks", [t for t in fake_client.records["tasks"]])
    ann = annotations_frame(tasks)
    b = RecordBrowser(ann, client=fake_client)
    assert {"label", "area"} <= set(b.table.columns)
    label = next(f for f in b.view.filters if f["key"] == "label")
    send(b, "filter", key="label", index=label["options"].index("person"))
    assert b.query.count == int((ann["label"] == "person").sum()) > 0
    send(b, "focus", slot=0)
    pane = b.detail_html
    assert "No client" not in pane and "data:image/png;base64," in pane
    assert pane.count('class="snb-shape ') == 1 and 'data-label="person"' in pane
    assert any(c[0] == "get_bytes" for c in fake_client.calls)


def test_tag_filter_options_and_cells_use_names_not_ids(fake_client):
    b = TaskBrowser(fake_client, project=7, progress=False)
    tags = next(f for f in b.view.filters if f["key"] == "tags")
    assert tags["options"] == ["any", "reviewed (1)", "hard (2)", "blurry (3)"]
    assert isinstance(b.frame["tags"].iloc[4][0], (int,)) or int(b.frame["tags"].iloc[4][0]) == 2
    assert pd.api.types.is_integer_dtype(b.frame["assignee"].dtype)


def test_names_from_the_real_v2_members_over_loopback(live_server):
    from synapse_nb.client import SynapseClient

    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as client:
        members = {m["user_id"]: m["name"] for m in client.v2.members.list(list_all=True)}
        b = AssignmentBrowser(client, project=1, progress=False)
        column, reviewer = b.table.columns.index("user"), b.table.columns.index("reviewer")
        frame = b.frame.iloc[:len(cells(b))]
        for row, (user, rev) in zip(cells(b), zip(frame["user"], frame["reviewer"])):
            assert row[column] == (members.get(int(user), str(user)) if pd.notna(user) else "")
            assert row[reviewer] == (members.get(int(rev), str(rev)) if pd.notna(rev) else "")
        assert any(row[column] in members.values() for row in cells(b))
        assert pd.api.types.is_integer_dtype(b.frame["user"].dtype)  # the frame keeps ids

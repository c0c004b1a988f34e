"""The browsers against the reference server over loopback, through the real client."""

from __future__ import annotations

import json

import pytest

from synapse_nb.client import SynapseClient
from synapse_nb.widgets import AssignmentBrowser, TaskBrowser


@pytest.fixture
def client(live_server):
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        yield c


def test_task_browser_shows_the_servers_tasks_and_draws_the_image(client):
    b = TaskBrowser(client, project=1, page_size=10)
    count = client.list_tasks(params={"project": 1, "page_size": 1})["count"]
    assert b.query.count == len(b.frame) == count > 10
    assert len(b.view.table["cells"]) == 10
    # The first task with annotations: its pane shows the fetched image and every box.
    with_shapes = b.frame[b.frame["annotation_count"] > 0].index[0]
    b.look(with_shapes)
    pane = b.detail_html
    task = client.get_task(int(with_shapes))
    drawable = [a for a in task["data"]["annotations"] if a.get("coordinates") or a.get("points")]
    assert pane.count('class="snb-shape ') == len(drawable) > 0
    assert '<image class="snb-detail-image" href="data:image/png;base64,' in pane
    for ann in drawable:
        assert f'data-label="{ann["label"]}"' in pane
    assert "Could not fetch" not in pane


def test_tagging_changes_the_tags_on_the_server(make_server):
    server = make_server(scale=200)
    with SynapseClient(server.base_url, access_token=server.access_token) as client:
        b = TaskBrowser(client, project=1)
        tags = {t["name"]: t["id"] for t in client.list_task_tags(params={"project": 1})["results"]}
        name, tag_id = next(iter(tags.items()))
        ids = [int(i) for i, t in b.frame["tags"].items() if tag_id not in list(t)][:3]
        assert len(ids) == 3
        b.select(ids)
        # By name, through the button, as a user would.
        b.view.handle({"event": "action", "key": "tag_add", "text": name})
        assert not b.view.status["error"], b.status_text
        for i in ids:
            assert tag_id in client.get_task(i)["tags"]
            assert tag_id in list(b.frame.loc[i, "tags"])
        b.tag([tag_id], "remove", ids=ids[:1])
        assert tag_id not in client.get_task(ids[0])["tags"]
        assert tag_id in client.get_task(ids[1])["tags"]
        assert tag_id not in list(b.frame.loc[ids[0], "tags"])
        # A refused request (a tag id that does not exist) is shown, and loses nothing.
        b.view.handle({"event": "action", "key": "tag_add", "text": "999999"})
        assert b.view.status["error"], b.status_text
        assert b.selected.index.tolist() == ids


def test_assignment_browser_filters_by_review_status(client):
    b = AssignmentBrowser(client, project=1)
    b.set_filter("status_review", "completed")
    shown = b.filtered
    assert len(shown) > 0 and set(shown["status_review"]) == {"completed"}
    b.table.focus_slot(0)
    record = b.current_record
    assert record["status_review"] == "completed"
    assert json.loads(json.dumps(record))["id"] == int(shown.index[0])


def test_ground_truth_browser_draws_the_events_labels(client):
    from synapse_nb.widgets import GroundTruthBrowser

    b = GroundTruthBrowser(client)
    assert len(b.frame) == client.list_ground_truth_events(params={"page_size": 1})["count"] > 0
    event_id = int(b.frame[b.frame["annotation_count"] > 0].index[0])
    b.look(event_id)
    pane = b.detail_html
    event = b.current_record
    labels = {a["label"] for a in event["data"]["annotations"]
              if a.get("coordinates") or a.get("points")}
    assert labels and all(f'data-label="{label}"' in pane for label in labels)
    assert '<image class="snb-detail-image"' in pane


def test_model_browser_plots_metrics_from_the_server(client):
    from synapse_nb.widgets import ModelBrowser

    b = ModelBrowser(client)
    with_metrics = [i for i, m in b.frame["metrics"].items() if m and json.loads(m)]
    assert with_metrics
    b.look(with_metrics[0])
    assert 'class="snb-metrics-plot"' in b.detail_html

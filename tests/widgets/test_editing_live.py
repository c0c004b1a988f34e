"""Edit mode and the review queue against the reference server over loopback: save keeps
untouched objects byte-equal, never clobbers a task changed meanwhile, survives a restart
(the journal), and the queue's keys, decisions and overlays."""

from __future__ import annotations

import threading
import time

import orjson
import pandas as pd
import pytest

from synapse_nb.client import SynapseClient
from synapse_nb.widgets import RecordBrowser, ReviewQueue, TaskBrowser


@pytest.fixture
def server(make_server):
    return make_server(scale=200)


@pytest.fixture
def client(server):
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        yield c


def boxed_tasks(client, n=2):
    rows, _ = client.list_tasks({"project": 1}, list_all=True)
    out = [r["id"] for r in rows if sum(1 for a in (r.get("data") or {}).get("annotations", [])
                                         if isinstance(a.get("coordinates"), list)) >= 3]
    assert len(out) >= n
    return out[:n]


def browser(client, tmp_path, **kw):
    TaskBrowser.edit_journal_root = tmp_path
    try:
        return TaskBrowser(client, project=1, **kw)
    finally:
        TaskBrowser.edit_journal_root = None


def test_save_writes_edits_and_keeps_untouched_objects_byte_equal(client, tmp_path):
    task = boxed_tasks(client, 1)[0]
    before = client.get_task(task)["data"]["annotations"]
    b = browser(client, tmp_path)
    b.look(task)
    b.view.handle({"event": "edit", "op": "open"})
    assert b.view.editor["task"] == task and b.view.editor["width"] > 0
    assert b.view.editor["image"].startswith("data:image/")
    b.view.handle({"event": "edit", "op": "set_box", "object": 0, "box": [1, 2, 30, 40]})
    b.view.handle({"event": "edit", "op": "relabel", "object": 1, "label": "bus"})
    b.view.handle({"event": "edit", "op": "add", "label": "car", "box": [5, 5, 9, 9]})
    b.view.handle({"event": "edit", "op": "delete", "object": 2})
    b.view.handle({"event": "edit", "op": "undo"})  # the delete
    assert len(b.edits) == 3 and not b.view.status["error"], b.status_text
    report = b.view.handle({"event": "edit", "op": "save"}) or b.edits
    assert report.empty
    after = client.get_task(task)["data"]["annotations"]
    assert after[0]["coordinates"] == [1.0, 2.0, 30.0, 40.0]
    assert {k: v for k, v in after[0].items() if k != "coordinates"} == {
        k: v for k, v in before[0].items() if k != "coordinates"}
    assert after[1] == {**before[1], "label": "bus"}
    for old, new in zip(before[2:], after[2:len(before)]):
        assert orjson.dumps(new) == orjson.dumps(old)
    assert after[len(before)] == {"type": "bbox", "coordinates": [5.0, 5.0, 9.0, 9.0], "label": "car"}
    assert list(tmp_path.rglob("task-*.json")) == []  # nothing left pending


def test_a_task_changed_on_the_server_is_not_overwritten(client, tmp_path):
    task = boxed_tasks(client, 1)[0]
    b = browser(client, tmp_path)
    b.edit(task)
    b.apply_edit({"op": "delete", "object": 0})
    theirs = {"annotations": [{"type": "bbox", "coordinates": [0, 0, 3, 3], "label": "theirs"}]}
    client.annotate_task_data(task, {"action": "save", "data": theirs})
    report = b.save()
    assert report["conflicts"] == [task] and report["saved"] == []
    assert client.get_task(task)["data"]["annotations"] == theirs["annotations"]
    assert b.view.status["error"] and "changed on the server" in b.status_text
    assert b.conflicts["task"].tolist() == [task]
    assert b.view.editor["conflicts"][0]["task"] == task
    b.rebase(task)  # our delete applies to their version
    assert b.save()["saved"] == [task]
    assert client.get_task(task)["data"]["annotations"] == []


def test_save_checks_and_writes_tasks_concurrently_on_the_clients_bounded_pool(client, tmp_path):
    """Tasks are fetched, compared and written side by side (at most the client's
    max_concurrency at once), and a task changed meanwhile is still left alone."""
    tasks = boxed_tasks(client, 6)
    b = browser(client, tmp_path, id__in=tasks)
    for task in tasks:
        b.edit(task)
        b.apply_edit({"op": "relabel", "object": 0, "label": "bus"})
    theirs = {"annotations": [{"type": "bbox", "coordinates": [0, 0, 3, 3], "label": "theirs"}]}
    client.annotate_task_data(tasks[2], {"action": "save", "data": theirs})
    lock, busy, peak = threading.Lock(), [0], [0]
    get_task = client.get_task

    def slow_get_task(task):  # long enough for the workers to overlap
        with lock:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
        try:
            time.sleep(0.2)
            return get_task(task)
        finally:
            with lock:
                busy[0] -= 1

    client.get_task = slow_get_task
    report = b.save()
    client.get_task = get_task
    assert 1 < peak[0] <= client.max_concurrency
    assert report["conflicts"] == [tasks[2]] and report["failed"] == {}
    assert report["saved"] == [t for t in tasks if t != tasks[2]]
    assert client.get_task(tasks[2])["data"]["annotations"] == theirs["annotations"]
    for task in report["saved"]:
        assert client.get_task(task)["data"]["annotations"][0]["label"] == "bus"
    assert list(b.edits["task"].unique()) == [tasks[2]]  # only the conflict stays pending


def test_a_kernel_restart_loses_nothing(client, tmp_path):
    task = boxed_tasks(client, 1)[0]
    before = client.get_task(task)["data"]
    b = browser(client, tmp_path)
    b.edit(task)
    b.apply_edit({"op": "set_box", "object": 0, "box": [3, 3, 13, 13]})
    del b  # the kernel goes; the journal stays
    again = browser(client, tmp_path)
    assert again.view.editor["restore"] == 1 and again.edits.empty
    again.view.handle({"event": "edit", "op": "restore"})
    assert again.edits["task"].tolist() == [task]
    assert again.save()["saved"] == [task]
    after = client.get_task(task)["data"]
    assert after["annotations"][0]["coordinates"] == [3.0, 3.0, 13.0, 13.0]
    assert after["annotations"][1:] == before["annotations"][1:]


def test_annotations_frame_rows_edit_their_task(client, tmp_path):
    from synapse_nb.frames import annotations_frame

    task = boxed_tasks(client, 1)[0]
    rows = annotations_frame(client, project=1, progress=False)
    rows = rows[rows["source_id"] == task]
    RecordBrowser.edit_journal_root = tmp_path
    b = RecordBrowser(rows, client=client)
    RecordBrowser.edit_journal_root = None
    b.look(rows.index[0])
    b.edit()
    assert b.editing == task


def test_review_queue_keys_decisions_overlays_and_fix(client, tmp_path):
    tasks = boxed_tasks(client, 2)
    items = pd.DataFrame({"task": tasks, "score": [0.9, 0.4]})
    overlays = pd.DataFrame({"task": [tasks[0], tasks[0]], "label": ["car", "bus"],
                             "x1": [1.0, 2.0], "y1": [1.0, 2.0], "x2": [9.0, 8.0],
                             "y2": [9.0, 8.0], "role": ["suspect", "prediction"]})
    ReviewQueue.edit_journal_root = tmp_path
    q = ReviewQueue(client, items, key="task", overlays=overlays)
    ReviewQueue.edit_journal_root = None
    assert q.item == tasks[0] and q.view.review["text"].startswith("item 1 of 2")
    pane = q.detail_html
    assert 'data-role="suspect"' in pane and 'data-role="prediction"' in pane
    assert 'class="snb-legend-role" data-role="suspect"' in pane
    q.view.handle({"event": "review", "action": "accept"})
    assert q.item == tasks[1]
    q.view.handle({"event": "review", "action": "prev"})
    q.view.handle({"event": "review", "action": "reject"})
    q.view.handle({"event": "review", "action": "fix"})
    assert q.editing == tasks[1]
    d = q.decisions
    assert d.columns.tolist() == ["task", "decision", "at"]
    assert d.set_index("task")["decision"].to_dict() == {tasks[0]: "reject", tasks[1]: "fix"}
    assert str(d["at"].dt.tz) == "UTC"
    q.apply_edit({"op": "delete", "object": 0})
    assert q.save()["saved"] == [tasks[1]]


def test_review_queue_over_data_units_and_bad_input(client):
    tasks = boxed_tasks(client, 1)
    unit = client.get_task(tasks[0])["data_unit"]
    q = ReviewQueue(client, pd.DataFrame({"data_unit": [unit]}), key="data_unit", project=1)
    assert int(q.frame["task"].iloc[0]) == tasks[0]
    with pytest.raises(KeyError, match="no 'task' column"):
        ReviewQueue(client, pd.DataFrame({"id": [1]}))
    with pytest.raises(ValueError, match="role"):
        ReviewQueue(client, pd.DataFrame({"task": tasks}),
                    overlays=pd.DataFrame({"task": tasks, "label": ["a"], "x1": [0], "y1": [0],
                                           "x2": [1], "y2": [1], "role": ["gt"]}))


def test_evaluation_browser_accepts_a_prediction_rejects_and_fixes_ground_truth(client, tmp_path):
    from synapse_nb.frames import annotations_frame
    from synapse_nb.ml import evaluate_detections

    task = boxed_tasks(client, 1)[0]
    gt = annotations_frame(client, project=1, progress=False)
    gt = gt[(gt["source_id"] == task) & gt["x1"].notna()]
    pred = gt.assign(confidence=0.9, x1=gt["x1"] + 40, x2=gt["x2"] + 40).head(2)
    ev = evaluate_detections(pred, gt)
    RecordBrowser.edit_journal_root = tmp_path
    try:
        b = ev.browse(client=client, images=1, project=1)
    finally:
        RecordBrowser.edit_journal_root = None
    unit = b.frame.index[0]
    b.look(unit)
    b.view.handle({"event": "edit", "op": "open"})
    state = b.view.editor
    assert state["task"] == task and len(state["extras"]) == 2
    assert {e["role"] for e in state["extras"]} == {"prediction"}
    before = client.get_task(task)["data"]["annotations"]
    b.view.handle({"event": "edit", "op": "accept", "extra": 0})       # accept a prediction
    b.view.handle({"event": "edit", "op": "delete", "object": 1})      # reject a GT box
    b.view.handle({"event": "edit", "op": "set_box", "object": 0, "box": [1, 1, 9, 9]})  # fix one
    assert not b.view.status["error"], b.status_text
    assert b.save()["saved"] == [task]
    after = client.get_task(task)["data"]["annotations"]
    assert len(after) == len(before)  # one added, one rejected
    assert after[0]["coordinates"] == [1.0, 1.0, 9.0, 9.0]
    assert after[1:-1] == before[2:]
    extra = state["extras"][0]
    assert after[-1] == {"type": "bbox", "coordinates": [float(v) for v in extra["box"]],
                         "label": extra["label"]}
    # the detail pane's legend says which strokes are ground truth and which predictions
    assert 'data-role="prediction"' in b.detail_html and "ground truth: solid" in b.detail_html

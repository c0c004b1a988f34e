"""The detail pane: image fetched through the client, assignments, links, escaping."""

from __future__ import annotations

import re

import pytest

from synapse_nb.widgets import TaskBrowser
from synapse_nb.widgets.detail import DetailRenderer

from .conftest import XSS, frame_of, make_task


def test_task_pane_fetches_the_image_and_draws_its_annotations(fake_client):
    b = TaskBrowser(fake_client, project=7)
    assert ("paginate", ("sdk/tasks/", {"project": "7"})) in fake_client.calls
    b.table.focus_slot(0)
    pane = b.detail_html
    assert ("get_bytes", "http://127.0.0.1:9/files/1.png?sig=s3cret") in fake_client.calls
    assert 'class="snb-detail-image"' in pane and "data:image/png;base64," in pane
    assert pane.count('class="snb-shape ') == 2
    # Assignments and review history, read through the client, oldest first.
    assert "Assignments and review history" in pane
    section = pane.split("Assignments and review history")[1].split("</table>")[0]
    # Assignments 100 (rejected) and 103 (completed) are on task 1, oldest first.
    assert re.findall(r'<tr class="snb-row" data-id="(\d+)"', section) == ["100", "103"]
    assert section.index("rejected") < section.rindex("completed")
    assert 'href="http://127.0.0.1:9/tasks/1/"' in pane
    # Coming back to the row does not fetch the image again.
    before = len(fake_client.calls)
    b.table.focus_slot(1)
    b.table.focus_slot(0)
    assert [c for c in fake_client.calls[before:] if c[0] == "get_bytes"] == [
        ("get_bytes", "http://127.0.0.1:9/files/2.png?sig=s3cret")]


def test_image_that_cannot_be_fetched_keeps_shapes_and_hides_the_signed_url(fake_client):
    fake_client.images.clear()
    b = TaskBrowser(fake_client, project=7)
    b.table.focus_slot(0)
    pane = b.detail_html
    assert "Could not fetch the image: FakeNotFound (HTTP 404 Not Found)." in pane
    assert pane.count('class="snb-shape ') == 2
    assert "s3cret" not in pane.split("snb-image-error")[1].split("</div>")[0]


def test_everything_from_the_record_is_escaped(fake_client):
    task = make_task(1)
    task["data"]["annotations"][0]["label"] = XSS
    task["meta"] = {"note": XSS}
    task["files"]["image_1"]["file_name_original"] = XSS
    b = TaskBrowser(frame_of("tasks", [task]), client=fake_client)
    b.table.focus_slot(0)
    pane = b.detail_html
    assert XSS not in pane
    assert pane.count("&lt;img src=x onerror=alert(1)&gt;") >= 3  # shape title, legend, JSON
    # The frontend sets cell texts with textContent.
    assert XSS in b.view.table["cells"][0]


def test_only_http_links_are_links():
    row = frame_of("tasks", [make_task(1)]).iloc[0]
    for template in ("{primary_file_name}", "javascript:alert({id})", " JavaScript:x"):
        title = DetailRenderer(link_template=template).render(row, kind="tasks").split(
            "snb-image-pane")[0]
        assert '<a class="snb-record-link"' not in title
        assert '<span class="snb-record-link">open record</span>' in title
        assert "javascript:" not in title.lower()
    r = DetailRenderer(link_template="https://app.example/projects/{project}/tasks/{id}")
    assert 'href="https://app.example/projects/7/tasks/1"' in r.render(row, kind="tasks")


def test_assignments_from_a_frame_in_memory():
    assignments = frame_of("assignments", [
        {"id": 5, "task": 1, "user": 2, "status_label": "completed", "status_review": XSS}])
    b = TaskBrowser(frame_of("tasks", [make_task(1)]), assignments=assignments)
    b.table.focus_slot(0)
    assert "Assignments and review history" in b.detail_html
    assert "&lt;img" in b.detail_html and XSS not in b.detail_html


def test_async_client_is_refused_with_a_clear_message():
    class AsyncClient:
        async def aclose(self) -> None: ...

    with pytest.raises(TypeError, match="sync"):
        TaskBrowser(AsyncClient(), project=7)


def test_image_cache_is_bounded_by_count_and_bytes(monkeypatch):
    from synapse_nb.widgets import detail

    fetched = []

    def fetch(url):
        fetched.append(url)
        return b"x" * 400

    r = DetailRenderer(fetch_image=fetch)
    monkeypatch.setattr(detail, "IMAGE_CACHE_BYTES", 1000)
    for url in ("a", "b", "c", "a"):
        r.image_bytes(url)
    assert fetched == ["a", "b", "c", "a"]  # "a" was evicted to stay under 1000 bytes
    r.image_bytes("a")
    assert fetched[-1] == "a" and len(fetched) == 4  # the newest stays cached

"""The demo data is what demo.py's docstring promises; images match annotations."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import httpx
import pytest
from PIL import Image
from server_helpers import sdk_client

from synapse_nb.server import Settings
from synapse_nb.server.app import open_database
from synapse_nb.server.demo import GLOBEX_TASKS, project_ranges
from synapse_nb.server.scenes import HEIGHT, WIDTH


def test_projects_collections_and_counts_for_a_scale(make_server):
    server = make_server(scale=500)
    with sdk_client(server) as client:
        projects = client.get("projects/").json()["results"]
        assert [(p["id"], p["data_collection"]) for p in projects] == [(1, 1), (2, 2), (3, 3)]
        ranges = project_ranges(500)
        for pk, ids in ranges.items():
            body = client.get("sdk/tasks/", params={"project": pk}).json()
            assert body["count"] == len(ids) == client.get(f"projects/{pk}/").json()["task_count"]
        statuses = {s: client.get("sdk/tasks/", params={"status": s}).json()["count"]
                    for s in ("pending", "in_progress", "completed")}
        assert sum(statuses.values()) == 500 and min(statuses.values()) > 50
        assert client.get("sdk/tasks/", params={"is_discarded": "true"}).json()["count"] > 0
        labels = client.get("sdk/assignments/", params={"page_size": 1000}).json()["results"]
        assert {a["user"] for a in labels} == {2, 3, 4, 5, 6}
        assert {a["reviewer"] for a in labels} - {None} == {7, 8}
    with sdk_client(server, server.other_access_token) as other:
        assert other.get("sdk/tasks/").json()["count"] == GLOBEX_TASKS
        assert other.get("sdk/tasks/").json()["results"][0]["id"] == 501


def test_same_scale_same_data(tmp_path):
    def snapshot(name: str) -> list:
        db = open_database(Settings(db_path=tmp_path / name, demo=True, scale=300))
        rows = db.query("SELECT id, status, assignee, tags, data FROM tasks ORDER BY id")
        db.close()
        return rows

    assert snapshot("a.db") == snapshot("b.db")


def _pixel(image: Image.Image, x: float, y: float) -> tuple[int, int, int]:
    return image.getpixel((int(x), int(y)))


@pytest.mark.parametrize("project", [1, 2])
def test_images_show_shapes_where_the_annotations_are(live_server, project):
    with sdk_client(live_server) as client:
        tasks = client.get("sdk/tasks/", params={"project": project, "status": "completed",
                                                 "page_size": 5}).json()["results"]
    hits = total = 0
    for task in tasks:
        png = httpx.get(task["files"]["image_1"]["url"]).content
        image = Image.open(io.BytesIO(png)).convert("RGB")
        assert image.size == (WIDTH, HEIGHT)
        for ann in task["data"]["annotations"]:
            if ann["type"] == "bbox":
                x1, y1, x2, y2 = ann["coordinates"]
                inside, outside = _pixel(image, x1 + 2, y1 + 2), _pixel(image, x1 - 3, y1 - 3)
            else:
                xs = [p[0] for p in ann["points"]]
                ys = [p[1] for p in ann["points"]]
                inside = _pixel(image, sum(xs) / len(xs), sum(ys) / len(ys))
                outside = _pixel(image, 2, 2)
            total += 1
            hits += inside != outside
    # overlapping shapes can cover a corner; most must differ from their surroundings
    assert total and hits / total > 0.7


def test_images_are_deterministic_and_cached(live_server):
    with sdk_client(live_server) as client:
        url = client.get("tasks/9/").json()["files"]["image_1"]["url"]
    first, second = httpx.get(url), httpx.get(url)
    assert first.content == second.content and first.content[:4] == b"\x89PNG"


def test_seeding_scales_linearly(tmp_path):
    """Not a speed test: a sanity check that 20k tasks seed in seconds, not minutes."""
    start = time.perf_counter()
    db = open_database(Settings(db_path=tmp_path / "s.db", demo=True, scale=20_000))
    elapsed = time.perf_counter() - start
    assert db.one("SELECT COUNT(*) FROM tasks WHERE tenant_id = 1")[0] == 20_000
    db.close()
    assert elapsed < 30


def test_python_m_server_prints_url_and_token_and_serves(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "synapse_nb.server", "--demo", "--port", "0",
                             "--scale", "50", "--db", str(tmp_path / "cli.db")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline().strip() for _ in range(3)]
        url = lines[0].rsplit(" ", 1)[1]
        token = lines[2].split("=", 1)[1]
        assert lines[1] == f"SYNAPSE_HOST={url}"
        r = httpx.get(f"{url}/sdk/tasks/", headers={"Synapse-Access-Token": token})
        assert r.json()["count"] == 50
    finally:
        proc.send_signal(2)  # Ctrl-C
        assert proc.wait(20) == 0
    assert (tmp_path / "cli.db").exists()

"""The Parquet cache: hits without requests, dtypes kept, refresh diff, safe paths."""

from __future__ import annotations

import asyncio
import threading

import pandas as pd
import pytest

from synapse_nb import frames
from synapse_nb.client import AuthenticationError, SynapseClient
from synapse_nb.frames import (
    FrameCache,
    annotations_frame_async,
    refresh,
    refresh_async,
    tasks_frame,
)

from .fakes import FakeAsyncClient, FakeClient, make_task


def test_cache_hit_returns_same_frame_without_a_request(tmp_path):
    client = FakeClient([make_task(i) for i in range(1, 21)])
    first = tasks_frame(client, project=7, cache=tmp_path)
    n_calls = len(client.calls)
    second = tasks_frame(client, project=7, cache=tmp_path)
    assert len(client.calls) == n_calls
    assert second.attrs["fetch_report"]["source"] == "cache"
    pd.testing.assert_frame_equal(first, second, check_flags=False)
    assert list(second["status"].cat.categories) == ["pending", "in_progress", "completed"]
    # other filters are another entry
    tasks_frame(client, project=8, cache=tmp_path)
    assert len(client.calls) == n_calls + 1


def test_refresh_reports_added_removed_modified(tmp_path):
    records = [make_task(i) for i in range(1, 11)]
    client = FakeClient(records)
    tasks_frame(client, cache=tmp_path)
    changed = [r for r in records if r["id"] != 3]           # 3 removed
    changed[0] = {**changed[0], "status": "in_progress"}     # 1 modified
    changed[4] = {**changed[4], "tags": [9]}                 # 6 modified (list column)
    changed.append(make_task(11))                           # 11 added
    client.records = changed
    changes = refresh(client, "tasks", cache=tmp_path)
    assert changes.added == [11] and changes.removed == [3] and changes.modified == [1, 6]
    assert len(changes.frame) == 10
    again = tasks_frame(client, cache=tmp_path)  # the refreshed frame is now cached
    assert again.attrs["fetch_report"]["source"] == "cache" and 11 in again.index
    df = tasks_frame(client, cache=tmp_path, refresh=True)
    assert df.attrs["changes"]["counts"] == {"added": 0, "removed": 0, "modified": 0}


def test_async_refresh_and_annotations_cache(tmp_path):
    client = FakeAsyncClient([make_task(i) for i in range(1, 6)])
    changes = asyncio.run(refresh_async(client, "tasks", cache=tmp_path))
    assert changes.added == [1, 2, 3, 4, 5]
    ann = asyncio.run(annotations_frame_async(client, cache=tmp_path))
    ann2 = asyncio.run(annotations_frame_async(client, cache=tmp_path))
    assert ann2.attrs["fetch_report"]["source"] == "cache"
    pd.testing.assert_frame_equal(ann, ann2, check_flags=False)


def test_cache_paths_are_per_host_and_credential_and_cannot_collide(tmp_path):
    cache = FrameCache(tmp_path)
    clients = [FakeClient(tenant="acme"), FakeClient(tenant="../../etc"),
               FakeClient(tenant="team a"), FakeClient(tenant="team/a"), FakeClient(tenant="team_a"),
               FakeClient(base_url="https://127.0.0.1:9", tenant="acme")]  # the scheme counts
    paths = [cache.path_for(x, "tasks", {"project": "7"}) for x in clients]
    assert len(set(paths)) == len(clients)
    for p in paths:
        assert tmp_path.resolve() in p.parents


def test_cache_reads_no_private_token_attribute(tmp_path):
    class Spy(FakeClient):
        def __getattr__(self, name):
            if "token" in name:
                raise AssertionError(f"the cache read {name}")
            raise AttributeError(name)
    tasks_frame(Spy([make_task(1)]), cache=tmp_path)
    sc = SynapseClient("http://127.0.0.1:9", access_token="syn_secret_token", tenant="acme")
    other = SynapseClient("http://127.0.0.1:9", access_token="syn_wrong_token", tenant="acme")
    with sc, other:
        a, b = (FrameCache(tmp_path).path_for(c, "tasks", {}) for c in (sc, other))
    assert a != b and "syn_secret_token" not in str(a) and sc.credential_id not in ("", None)


def _cached_files(tmp_path):
    return sorted(p for p in tmp_path.rglob("*") if p.is_file())


@pytest.mark.parametrize("damage", ["empty parquet", "garbage parquet", "torn sidecar", "no sidecar"])
def test_a_damaged_cache_entry_is_fetched_again(tmp_path, damage, caplog):
    client = FakeClient([make_task(i) for i in range(1, 6)])
    tasks_frame(client, cache=tmp_path)
    parquet = next(p for p in _cached_files(tmp_path) if p.suffix == ".parquet")
    side = parquet.with_suffix(".json")
    if damage == "empty parquet":
        parquet.write_bytes(b"")
    elif damage == "garbage parquet":
        parquet.write_bytes(parquet.read_bytes()[:40])
    elif damage == "torn sidecar":
        side.write_text(side.read_text()[:15])
    else:
        side.unlink()
    calls = len(client.calls)
    df = tasks_frame(client, cache=tmp_path)  # no exception: a miss, fetched again
    assert len(client.calls) == calls + 1 and df.attrs["fetch_report"]["source"] == "server"
    assert len(df) == 5 and "fetching it again" in caplog.text
    again = tasks_frame(client, cache=tmp_path)  # and the entry was rewritten whole
    assert again.attrs["fetch_report"]["source"] == "cache" and len(client.calls) == calls + 1
    changes = refresh(client, "tasks", cache=tmp_path)  # refresh works on it too
    assert changes.added == [] and len(changes.frame) == 5


def test_cache_files_are_private(tmp_path):
    root = tmp_path / "c"
    tasks_frame(FakeClient([make_task(1)]), cache=root)
    files = _cached_files(root)
    assert {p.suffix for p in files} == {".parquet", ".json"}
    for p in files:
        assert p.stat().st_mode & 0o777 == 0o600, p
        for d in p.relative_to(root).parents:
            if str(d) != ".":
                assert (root / d).stat().st_mode & 0o777 == 0o700, d


def test_concurrent_refreshes_never_collide_nor_show_half_a_file(tmp_path):
    client = FakeClient([make_task(i) for i in range(1, 300)])
    tasks_frame(client, cache=tmp_path)
    errors: list[BaseException] = []
    stop = threading.Event()

    def refresher() -> None:
        try:
            for _ in range(4):
                tasks_frame(client, cache=tmp_path, refresh=True)
        except BaseException as err:
            errors.append(err)

    def reader() -> None:
        try:
            while not stop.is_set():
                df = tasks_frame(client, cache=tmp_path)
                assert len(df) == 299
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=refresher) for _ in range(8)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    assert errors == []
    assert not [p for p in _cached_files(tmp_path) if p.suffix not in (".parquet", ".json")]


def test_a_wrong_token_claiming_a_tenant_never_reads_its_cache(live_server, tmp_path):
    good = SynapseClient(live_server.base_url, access_token=live_server.access_token, tenant="acme")
    bad = SynapseClient(live_server.base_url, access_token="syn_revoked_or_wrong", tenant="acme")
    with good, bad:
        df = frames.task_tags_frame(good, cache=tmp_path, progress=False)
        assert len(df) > 0
        with pytest.raises(AuthenticationError):
            frames.task_tags_frame(bad, cache=tmp_path, progress=False)


def test_synapse_nb_cache_dir_is_honoured_by_real_clients(tmp_path, monkeypatch, live_server):
    monkeypatch.setenv("SYNAPSE_NB_CACHE_DIR", str(tmp_path / "env-cache"))
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as client:
        assert client.cache_dir == tmp_path / "env-cache"
        frames.task_tags_frame(client, cache=True, progress=False)
    assert [p for p in (tmp_path / "env-cache" / "frames").rglob("*.parquet")]


# ---- issue 20: a cache folder another user could have filled is refused (as ssh does) ----
def _cached(tmp_path):
    client = FakeClient([make_task(i) for i in range(1, 6)])
    tasks_frame(client, project=7, cache=tmp_path / "cache")
    entry = next((tmp_path / "cache").rglob("*.parquet"))
    return client, entry


@pytest.mark.parametrize("where", ["root", "folder", "entry"])
def test_a_cache_owned_by_another_user_is_refused(tmp_path, where):
    import os

    if os.geteuid() != 0:
        pytest.skip("chown to another user needs root")  # CI and these machines run as root
    client, entry = _cached(tmp_path)
    target = {"root": tmp_path / "cache", "folder": entry.parent, "entry": entry}[where]
    os.chown(target, 65534, 65534)
    n_calls = len(client.calls)
    with pytest.raises(PermissionError, match="belongs to another user.*pass cache= a folder of your own"):
        tasks_frame(client, project=7, cache=tmp_path / "cache")
    assert len(client.calls) == n_calls  # neither read nor fetched to overwrite it


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_cache_folder_others_can_write_is_refused(tmp_path, mode):
    client, entry = _cached(tmp_path)
    os_chmod = __import__("os").chmod
    os_chmod(entry.parent.parent, mode)
    with pytest.raises(PermissionError, match=r"writable by other users \(mode 0o7.*chmod go-w"):
        tasks_frame(client, project=7, cache=tmp_path / "cache")
    os_chmod(entry.parent.parent, 0o700)  # fixed as the message says: read again
    assert tasks_frame(client, project=7, cache=tmp_path / "cache").attrs["fetch_report"]["source"] == "cache"


def test_a_password_in_the_base_url_is_no_folder_name(tmp_path):
    tasks_frame(FakeClient([make_task(1)], base_url="http://ann:pa55word@h:8000"), project=7,
                cache=tmp_path)
    assert list(tmp_path.rglob("*.parquet"))
    assert not [p for p in tmp_path.rglob("*") if "pa55word" in str(p)]

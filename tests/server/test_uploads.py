"""Files: multipart data files, chunked upload (section 5), data units, signed downloads."""

from __future__ import annotations

import os
import time

import httpx
import pytest
from server_helpers import chunked_upload, md5, sdk_client

from synapse_nb.server.demo import OTHER_ACCESS_TOKEN


@pytest.fixture
def server(make_server):
    return make_server(scale=60, max_upload_bytes=200_000)


@pytest.fixture
def client(server):
    with sdk_client(server) as c:
        yield c


def test_multipart_data_file_then_dedupe_by_checksum(client):
    data = os.urandom(5000)
    r = client.post("data_files/", files={"file": ("a.png", data)})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["checksum"] == md5(data) and first["size"] == 5000
    assert httpx.get(first["file"]).content == data            # signed URL, no auth headers
    again = client.post("data_files/", files={"file": ("copy.png", data)})
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    v = client.post("data_files/verify_checksums/", json={"checksums": [md5(data), "0" * 32]})
    assert v.json() == {"existing": [md5(data)], "missing": ["0" * 32]}


def test_data_files_are_per_tenant(server, client):
    data = os.urandom(300)
    client.post("data_files/", files={"file": ("x.bin", data)})
    with sdk_client(server, OTHER_ACCESS_TOKEN) as other:
        assert other.post("data_files/verify_checksums/",
                          json={"checksums": [md5(data)]}).json()["existing"] == []
        assert other.post("data_files/", files={"file": ("x.bin", data)}).status_code == 201


def test_chunked_upload_three_chunks_then_data_file(client):
    data = os.urandom(25_000)
    done = chunked_upload(client, data, "big.bin", chunk=10_000)
    assert done["checksum"] == md5(data) and done["size"] == len(data)
    r = client.post("data_files/", json={"chunked_upload": done["id"],
                                         "meta": {"filename": "big.bin"}})
    assert r.status_code == 201, r.text
    assert r.json()["checksum"] == md5(data)
    assert httpx.get(r.json()["file"]).content == data


def test_chunk_at_the_wrong_offset_is_refused_with_the_real_offset(client):
    data = os.urandom(3000)
    r = client.put("chunked_upload/", data={"filename": "r.bin"},
                   files={"file": ("r.bin", data[:1000])},
                   headers={"Content-Range": "bytes 0-999/3000"})
    url = r.json()["url"]
    assert r.json()["offset"] == 1000 and url.endswith(f"/chunked_upload/{r.json()['id']}/")
    bad = client.put(url, files={"file": ("r.bin", data[1500:2500])},
                     headers={"Content-Range": "bytes 1500-2499/3000"})
    assert bad.status_code == 400 and bad.json()["offset"] == 1000
    # resume from the offset the server gave
    good = client.put(url, files={"file": ("r.bin", data[1000:])},
                      headers={"Content-Range": "bytes 1000-2999/3000"})
    assert good.json()["offset"] == 3000
    assert client.post(url, json={"md5": md5(data)}).json()["checksum"] == md5(data)


@pytest.mark.parametrize("header", ["bytes 0-9/5", "bytes 5-1/10", "octets 0-9/10",
                                    "bytes 0-4/10"])
def test_bad_content_range_is_400(client, header):
    r = client.put("chunked_upload/", files={"file": ("f", b"0123456789")},
                   headers={"Content-Range": header})
    assert r.status_code == 400 and r.json()["detail"]


def test_wrong_md5_is_refused_and_the_upload_can_still_finish(client):
    data = b"hello world" * 100
    r = client.put("chunked_upload/", files={"file": ("h.txt", data)},
                   headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
    url = r.json()["url"]
    bad = client.post(url, json={"md5": "0" * 32})
    assert bad.status_code == 400 and "md5" in bad.json()["detail"]
    unfinished = client.post("data_files/", json={"chunked_upload": r.json()["id"]})
    assert unfinished.status_code == 400
    assert client.post(url, json={"md5": md5(data)}).status_code == 200


def test_finish_before_all_bytes_is_refused(client):
    r = client.put("chunked_upload/", files={"file": ("p", b"abc")},
                   headers={"Content-Range": "bytes 0-2/10"})
    done = client.post(r.json()["url"], json={"md5": md5(b"abc")})
    assert done.status_code == 400 and done.json()["offset"] == 3


def test_expired_upload_answers_410(server, client):
    server.settings.upload_expiry_seconds = 0
    r = client.put("chunked_upload/", files={"file": ("e", b"abc")},
                   headers={"Content-Range": "bytes 0-2/6"})
    time.sleep(0.01)
    late = client.put(r.json()["url"], files={"file": ("e", b"def")},
                      headers={"Content-Range": "bytes 3-5/6"})
    assert late.status_code == 410 and "expired" in late.json()["detail"]


def test_uploads_of_another_tenant_are_not_found(server, client):
    r = client.put("chunked_upload/", files={"file": ("e", b"abc")},
                   headers={"Content-Range": "bytes 0-2/6"})
    with sdk_client(server, OTHER_ACCESS_TOKEN) as other:
        assert other.put(r.json()["url"], files={"file": ("e", b"def")},
                         headers={"Content-Range": "bytes 3-5/6"}).status_code == 404


def test_oversized_uploads_are_413(client):
    big = os.urandom(250_000)
    assert client.post("data_files/", files={"file": ("big", big)}).status_code == 413
    r = client.put("chunked_upload/", files={"file": ("big", big[:1000])},
                   headers={"Content-Range": "bytes 0-999/250000"})
    assert r.status_code == 413


@pytest.mark.parametrize("name", ["../../evil.txt", "..", "/etc/passwd", "a/../../b", "a\\..\\b"])
def test_file_names_never_escape_the_data_folder(server, client, name):
    data = os.urandom(64)
    r = client.post("data_files/", files={"file": (name, data)})
    assert r.status_code in (200, 201), r.text
    stored = server.db.one("SELECT path FROM data_files WHERE checksum = ?", (md5(data),))[0]
    root = server.settings.data_dir.resolve()
    assert root in (root / stored).resolve().parents
    assert httpx.get(r.json()["file"]).content == data


def test_a_file_part_without_a_name_is_400(client):
    r = client.post("data_files/", files={"file": ("", b"abc")})
    assert r.status_code == 400 and r.json() == {"file": ["No file was submitted."]}


def test_media_urls_need_their_signature(server, client):
    data = os.urandom(64)
    url = client.post("data_files/", files={"file": ("s.bin", data)}).json()["file"]
    assert httpx.get(url.split("?")[0]).status_code == 403
    assert httpx.get(url.replace("sig=", "sig=0")).status_code == 403
    traversal = server.base_url + "/media/../synapse.db?sig=x"
    assert httpx.get(traversal).status_code in (403, 404)


def test_data_units_from_uploaded_files_one_and_many(client):
    spec = client.get("data_collections/1/", params={"expand": "file_specifications"}).json()
    assert [s["name"] for s in spec["file_specifications"]] == ["image_1", "image_ir"]
    blobs = [os.urandom(100) for _ in range(3)]
    for k, blob in enumerate(blobs):
        client.post("data_files/", files={"file": (f"u{k}.png", blob)})
    one = {"data_collection": 1, "files": {"image_1": {"checksum": md5(blobs[0]),
                                                       "path": "/home/me/u0.png"}},
           "meta": {"origin_file_stem": "u0"}}
    r = client.post("data_units/", json=one)
    assert r.status_code == 201, r.text
    unit = r.json()  # one payload: the unit
    assert unit["files"]["image_1"]["file_name_original"] == "u0.png"
    assert httpx.get(unit["files"]["image_1"]["url"]).content == blobs[0]
    many = [{"data_collection": 1, "files": {"image_1": {"checksum": md5(b)}}} for b in blobs[1:]]
    r = client.post("data_units/", json=many)
    created = r.json()  # a list body answers the list, as DRF does (what the SDK's upload plugin reads)
    assert r.status_code == 201 and isinstance(created, list) and len(created) == 2
    found = client.get("data_units/", params={"checksum": md5(blobs[2])}).json()["results"]
    assert [u["id"] for u in found] == [created[1]["id"]]
    tasks = client.post("tasks/", json=[{"project": 1, "data_unit": u["id"]} for u in created])
    assert tasks.status_code == 201
    assert tasks.json()[0]["files"]["image_1"]["checksum"] == md5(blobs[1])


@pytest.mark.parametrize("payload", [
    {"data_collection": 1, "files": {"image_1": {"checksum": "f" * 32}}},       # not uploaded
    {"data_collection": 1, "files": {"nope": {"checksum": "f" * 32}}},          # unknown spec
    {"data_collection": 1, "files": {"image_ir": {"checksum": "f" * 32}}},      # required missing
    {"data_collection": 999, "files": {}},
    {"data_collection": 1},
])
def test_bad_data_units_are_refused_and_none_is_written(server, client, payload):
    ok = os.urandom(50)
    client.post("data_files/", files={"file": ("ok.png", ok)})
    good = {"data_collection": 1, "files": {"image_1": {"checksum": md5(ok)}}}
    before = server.db.one("SELECT COUNT(*) FROM data_units")[0]
    r = client.post("data_units/", json=[good, payload])
    assert r.status_code == 400 and r.json()
    assert server.db.one("SELECT COUNT(*) FROM data_units")[0] == before


class _EnvelopedUnits(httpx.HTTPTransport):
    """The live server, but ``POST data_units/`` with a list body answered as ``{count, results}``
    (the shape this server gave before, and the one the SDK's ``upload_data_collection`` reads)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/data_units/"):
            response.read()
            body = response.json()
            if isinstance(body, list):
                body = {"count": len(body), "next": None, "previous": None, "results": body}
            return httpx.Response(response.status_code, json=body)
        return response


@pytest.mark.parametrize("transport", [None, _EnvelopedUnits()], ids=["list", "envelope"])
def test_synapse_nb_upload_data_collection_reads_either_answer(server, tmp_path, transport):
    from synapse_nb.client import SynapseClient

    files = []
    for i in range(3):
        files.append(tmp_path / f"c{i}.png")
        files[-1].write_bytes(os.urandom(400 + i))
    items = [{"files": {"image_1": str(f)}, "meta": {"i": i}} for i, f in enumerate(files)]
    with SynapseClient(server.base_url, access_token=server.access_token, transport=transport) as c:
        units = c.upload_data_collection(1, items, project_id=1, batch_size=2)
        assert sorted(u["meta"]["i"] for u in units) == [0, 1, 2]
        for unit in units:
            assert c.list_tasks({"project": 1, "data_unit": unit["id"]})["count"] == 1

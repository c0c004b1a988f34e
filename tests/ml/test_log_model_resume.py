"""log_model after an interrupted upload of a file that changed with the same size and mtime:
the stale resume is detected by the md5 and the file is sent again (issue 20: it failed on md5
at every run, and the resume journal was never cleared). The fix lives in the client's
chunked upload, shared by every chunked upload: tests/client/test_resume.py tests a file
whose md5 never matches."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

import synapse_nb as snb
from synapse_nb.client import SynapseClient


class Interrupted(Exception):
    pass


def _interrupt_after_first_chunk(offset: int, total: int) -> None:
    raise Interrupted(f"stopped at {offset} of {total}")


def test_a_file_rewritten_with_the_same_size_and_mtime_is_sent_again(make_server: Any,
                                                                      tmp_path: Path) -> None:
    server = make_server(scale=200)
    state = tmp_path / "uploads"
    weights = tmp_path / "best.pt"
    weights.write_bytes(os.urandom(300_000))
    with SynapseClient(server.base_url, access_token=server.access_token,
                       upload_state_dir=state) as c:
        with pytest.raises(Interrupted):
            c.create_chunked_upload(weights, chunk_size=100_000,
                                    on_progress=_interrupt_after_first_chunk)
        assert len(list(state.glob("*.json"))) == 1  # the resume journal of the first chunk
        # retrained in place: other bytes, same size, and the old mtime (a copy tool's -p)
        st = weights.stat()
        weights.write_bytes(os.urandom(300_000))
        os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))
        new_md5 = hashlib.md5(weights.read_bytes()).hexdigest()

        made = snb.log_model(c, "retrained", weights, ground_truth_dataset_version=2,
                             metrics={"mAP50-95": 0.5})
        back = c.get_model(made["id"])
        assert hashlib.md5(c.get_bytes(back["file"])).hexdigest() == new_md5
        assert back["configuration"]["lineage"]["file_md5"] == new_md5
        assert list(state.glob("*.json")) == []  # the journal entry is gone
        again = snb.log_model(c, "retrained", weights, ground_truth_dataset_version=2)
        assert c.get_model(again["id"])["configuration"]["lineage"]["file_md5"] == new_md5


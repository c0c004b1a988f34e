"""Run one export in its own process (for the killed-export test).

    python export_child.py BASE_URL VERSION DEST FORMAT REQUEST_LOG

The access token comes from SYNAPSE_ACCESS_TOKEN (never argv). Every file request is
appended to REQUEST_LOG (one path per line, flushed before the request goes out) by a
transport wrapper: the test's own count of what was fetched, not the exporter's.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import httpx


class CountingTransport(httpx.HTTPTransport):
    def __init__(self, log_path: str) -> None:
        super().__init__()
        self.log = open(log_path, "a", buffering=1)  # noqa: SIM115 (lives as long as the process)

    def handle_request(self, request: httpx.Request) -> Any:
        if request.url.path.startswith("/media/"):
            self.log.write(request.url.path + "\n")
            self.log.flush()
        return super().handle_request(request)


def main() -> None:
    base_url, version, dest, fmt, log_path = sys.argv[1:6]
    from synapse_nb.client import SynapseClient
    from synapse_nb.datasets import snapshot

    client = SynapseClient(base_url=base_url, access_token=os.environ["SYNAPSE_ACCESS_TOKEN"],
                           transport=CountingTransport(log_path))
    snap = snapshot(client, ground_truth_dataset_version=int(version), progress=False)
    print(f"snapshot {len(snap.records)}", flush=True)
    snap.export(dest, format=fmt, max_workers=2, progress=False)
    print("done", flush=True)


if __name__ == "__main__":
    main()

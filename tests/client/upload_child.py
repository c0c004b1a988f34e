"""Child process for the killed-upload test: upload one file in small chunks, printing
each offset as it lands (the parent kills this process mid-way, then runs it again).

Usage: python upload_child.py BASE_URL STATE_DIR FILE CHUNK_SIZE   (token in SYNAPSE_ACCESS_TOKEN)
Prints ``offset <n>`` per chunk, then one JSON line ``result {...}``.
"""

from __future__ import annotations

import json
import os
import sys

from synapse_nb.client import SynapseClient


def main() -> None:
    base_url, state_dir, path, chunk = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with SynapseClient(base_url, access_token=os.environ["SYNAPSE_ACCESS_TOKEN"],
                       upload_state_dir=state_dir, cache_dir=state_dir) as client:
        def progress(done: int, total: int) -> None:
            print(f"offset {done}", flush=True)
        result = client.create_chunked_upload(path, chunk_size=chunk, on_progress=progress)
        print("result " + json.dumps({"upload": result, "stats": client.last_upload}), flush=True)


if __name__ == "__main__":
    main()

"""Run one upload_folder in its own process (for the killed-process test and manual checks).

    python upload_child.py BASE_URL COLLECTION FOLDER STATE_DIR PROJECT THRESHOLD CHUNK_SIZE

The access token comes from the SYNAPSE_ACCESS_TOKEN environment variable (never
argv: it would show in the process list). Progress goes to stdout, one line per
event: ``files <done> <total>``, ``bytes <done> <total>``, ``units ...``; the
parent reads them to pick the moment to SIGKILL this process. A run refused
because another one holds the journal prints ``refused: ...`` and exits 3.
"""

from __future__ import annotations

import os
import sys
import threading

import synapse_nb.upload as upload
from synapse_nb.upload import Progress, upload_folder

# () catches nothing: lets this script drive versions without the lock (to show what it prevents)
UploadInProgressError = getattr(upload, "UploadInProgressError", ())


_WRITE = threading.Lock()


def _line(text: str) -> None:
    """One whole line, whichever thread writes it: ``print`` from the upload's pool threads
    writes the text and its newline apart, and two threads' lines then run together
    ("units 5 13units 10 13"), which the parent cannot read as progress."""
    with _WRITE:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


class LineProgress(Progress):
    def start(self, phase: str, total: int) -> None:
        super().start(phase, total)
        _line(f"start {phase} {total}")

    def advance(self, phase: str, n: int = 1) -> None:
        super().advance(phase, n)
        _line(f"{phase} {self.done[phase]} {self.totals.get(phase, 0)}")


def main() -> None:
    base_url, coll, folder, state_dir, project, threshold, chunk = sys.argv[1:8]
    from synapse_nb.client import SynapseClient

    client = SynapseClient(base_url=base_url, access_token=os.environ["SYNAPSE_ACCESS_TOKEN"],
                           cache_dir=os.path.join(state_dir, "client-cache"))
    try:
        report = upload_folder(client, int(coll), folder, project=int(project) if project != "-" else None,
                               chunked_threshold=int(threshold), chunk_size=int(chunk), state_dir=state_dir,
                               max_workers=4, batch_size=5, progress=LineProgress())
    except UploadInProgressError as err:
        print(f"refused: {err}", flush=True)
        sys.exit(3)
    s = report.attrs["summary"]
    print(f"done created={s['created']} exists={s['exists']} failed={s['failed']} skipped={s['skipped']}", flush=True)
    failed = report[report.status == "failed"]
    for _, row in failed.iterrows():
        print(f"failed {row.key}: {row.reason}", flush=True)


if __name__ == "__main__":
    main()

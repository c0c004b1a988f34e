"""Child process for the kill test: upload model 2's predictions again under another model id.

argv: base_url model_id batch_size. Prints nothing until done; the parent watches the server.
"""

from __future__ import annotations

import os
import sys

from synapse_nb.client import SynapseClient
from synapse_nb.ml import predictions_frame, upload_predictions

base_url, model, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = SynapseClient(base_url, access_token=os.environ["SYNAPSE_ACCESS_TOKEN"])
pred = predictions_frame(client, model=2)
report = upload_predictions(client, pred, project=1, model=model, dry_run=False,
                            batch_size=batch, progress=False)
print("done", report.attrs["summary"], flush=True)

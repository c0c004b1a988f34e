"""Every filter starts on "any" unless the browser was built with a value for it.

The old bar used ipywidgets Dropdowns, which under some hash seeds started unselected
(blank); the view now draws ``<select>``s from an explicit index, checked here in fresh
interpreters with the seeds that broke it.
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import pandas as pd
from synapse_nb.widgets import TaskBrowser
frame = pd.DataFrame({"status": pd.Categorical(["pending", "completed"]),
                      "project": [1, 2], "tags": [[1], []]},
                     index=pd.Index([1, 2], name="id"))
for seed_browser in (TaskBrowser(frame), TaskBrowser(frame, project=2)):
    shown = {f["key"]: f["options"][f["index"]] for f in seed_browser.view.filters
             if f["kind"] == "select"}
    print(shown)
"""


def test_filters_start_on_any_or_on_the_value_given():
    env = {**os.environ, "PYTHONHASHSEED": "6"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, check=False, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    plain, given = result.stdout.strip().splitlines()
    assert plain == "{'status': 'any', 'project': 'any', 'tags': 'any'}"
    assert given == "{'status': 'any', 'project': '2', 'tags': 'any'}"

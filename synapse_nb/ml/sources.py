"""Frames the ML functions read, fetched from a server: predictions and per-annotator labels.

- :func:`predictions_frame`: a model's stored predictions (the ``pre_annotations/``
  resource) as an annotations frame plus ``task`` and ``model`` columns.
- :func:`annotator_annotations`: every assignment's annotations with ``task`` and
  ``annotator`` (the payload's ``annotator_id``; ``"user <id>"`` when it names nobody), for
  :func:`synapse_nb.ml.agreement`.

Both need the synchronous client.

>>> pred = predictions_frame(client, model=2)                         # doctest: +SKIP
>>> ann = annotator_annotations(client, project=1)                    # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["annotator_annotations", "predictions_frame", "require_sync"]


def require_sync(client: Any, what: str) -> None:
    """TypeError unless ``client`` is a synchronous client (the ML helpers drive it directly)."""
    if not hasattr(client, "paginate") or type(client).__name__.startswith("Async"):
        raise TypeError(f"{what} needs a synchronous SynapseClient (snb.connect() gives one)")


def predictions_frame(client: Any, *, model: int | None = None, project: int | None = None,
                      task: int | None = None) -> pd.DataFrame:
    """Stored predictions (pre-annotations) as an annotations frame.

    Parameters
    ----------
    client : SynapseClient
    model, project, task : int, optional
        Filters of ``pre_annotations/``; at least one is needed.

    Returns
    -------
    DataFrame
        ``annotations_frame`` columns (``source_id`` is the pre-annotation id) plus ``task``
        and ``model``; ``confidence`` holds the model's score.

    Examples
    --------
    >>> pred = snb.predictions_frame(client, model=2)                 # doctest: +SKIP
    >>> pred.groupby("label").confidence.describe()                    # doctest: +SKIP
    """
    from synapse_nb.frames import annotations_frame

    require_sync(client, "predictions_frame")
    params = {k: v for k, v in (("model", model), ("project", project), ("task", task))
              if v is not None}
    if not params:
        raise ValueError("say whose predictions: model=, project= or task=")
    records = [r for page in client.paginate("pre_annotations/", params, page_size=1000)
               for r in page]
    cols = ["data", "project", "data_unit", "task", "model"]
    frame = pd.DataFrame.from_records(records, columns=["id", *cols]).set_index("id")
    out = annotations_frame(frame[["data", "project", "data_unit"]])
    by_id = frame[["task", "model"]]
    out["task"] = by_id["task"].reindex(out["source_id"]).to_numpy()
    out["model"] = by_id["model"].reindex(out["source_id"]).to_numpy()
    return out


def annotator_annotations(client: Any, *, project: int, status_label: str = "completed"
                          ) -> pd.DataFrame:
    """One row per annotation object of each assignment, with ``task`` and ``annotator``.

    Examples
    --------
    >>> ann = snb.annotator_annotations(client, project=1)            # doctest: +SKIP
    >>> snb.agreement(ann, unit="task").pairs                          # doctest: +SKIP
    """
    from synapse_nb.frames import annotations_frame, assignments_frame

    require_sync(client, "annotator_annotations")
    asg = assignments_frame(client, project=project, status_label=status_label, progress=False)
    asg = asg[asg["data"].notna()]
    out = annotations_frame(asg[["data", "project"]])
    out["task"] = asg["task"].reindex(out["source_id"]).to_numpy()
    users = asg["user"].reindex(out["source_id"]).to_numpy()
    fallback = pd.Series([f"user {u}" if pd.notna(u) else None for u in users],
                         index=out.index, dtype=object)
    out["annotator"] = out["annotator"].astype(object).where(out["annotator"].notna(), fallback)
    out = out.drop(columns=["source", "data_unit"])
    return out.rename(columns={"source_id": "assignment"})


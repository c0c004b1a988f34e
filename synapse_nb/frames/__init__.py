"""Typed pandas frames of Synapse resources, built through Arrow with declared schemas.

One line per resource; every frame is indexed by ``id`` and has the same columns and
dtypes whatever the server sends (empty results, missing or extra fields included)::

    from synapse_nb.frames import tasks_frame, tasks_frame_async
    df = tasks_frame(client, project=7)                   # SynapseClient -> DataFrame
    df = await tasks_frame_async(aclient, project=7)      # AsyncSynapseClient -> awaited
    df.attrs["fetch_report"]   # pages, rows, count, duplicates_dropped, count_drift, elapsed

``fetch_report`` keys: ``resource``, ``source`` (``server`` or ``cache``), ``pages``,
``rows``, ``count`` (the server's count on page 1), ``duplicates_dropped`` (rows seen twice
because data moved between pages), ``count_drift`` (rows seen + dropped - count; 0 when
nothing changed during the fetch), ``elapsed`` (seconds), ``conversion`` (rows without id,
values that did not fit their declared type and were made null, enum values outside the
declared categories). A progress bar (tqdm.auto, total = count) shows for fetches of 5
pages or more; ``progress=True/False`` forces it on or off.

Columns (dtype kinds in :mod:`synapse_nb.frames.schema`; every frame ends with ``extra``,
the unknown fields as JSON text):

- ``tasks_frame``: project, data_unit, data_unit.data_collection, status (category:
  pending, in_progress, completed), assignee, priority (category: low, normal, high), tags
  (list of ids), workshop, is_discarded, created, modified, primary_file_url,
  primary_file_name, annotation_count, data.metadata.annotator_id,
  data.metadata.timestamp, data / meta / files (JSON text).
- ``assignments_frame``: task, project, user, reviewer, status_label, status_review
  (categories), is_confirmed, is_discarded, tags, created, modified, primary_file_url,
  primary_file_name, annotation_count, data (JSON), file, files (JSON).
- ``ground_truth_events_frame``: ground_truth_dataset_version, project, data_unit,
  data_unit.data_collection, category (train, validation, test), classes (list of str),
  created, primary_file_url, primary_file_name, annotation_count, data / files (JSON).
- ``models_frame``: name, category, project, plugin, version, is_released, is_external,
  ground_truth_dataset_version, description, created, file, configuration / metrics (JSON).
- ``projects_frame``: title, name, description, category, data_collection, access_level,
  is_archived, can_discard, task_count, count_max_assignments_per_task, created,
  configuration / settings (JSON).
- ``data_units_frame``: data_collection, group, checksum, can_generate_task, created,
  primary_file_url, primary_file_name, files / meta (JSON).
- ``task_tags_frame``: project, name, description, color, category, created, meta (JSON).
- ``jobs_frame`` (text ids): status (pending, running, stopped, succeeded, failed),
  action, plugin, plugin_release, agent, is_active, created, modified, completed, params /
  progress_record / metrics_record / result (JSON).
- ``annotations_frame``: one row per annotation object (see
  :mod:`synapse_nb.frames.annotations`): source, source_id, index, project, data_unit,
  primary_file_url, annotation_id, label, type, x1, y1, x2, y2, width, height, area,
  points, confidence, annotator, extra.

Every function here has an ``_async`` twin for an ``AsyncSynapseClient``.

On the v2 API (a client made with ``api="v2"`` or ``"auto"``) the frames above read
``/v2/`` with the same columns (see :mod:`synapse_nb.frames.v2`); v2-only resources have
``experiments_frame``, ``trains_frame``, ``reviews_frame``, ``ground_truths_frame`` and
``members_frame``.

Also: ``iter_frames`` (stream frames of N rows), ``to_arrow``, ``to_parquet``,
``expand_json`` (flatten a JSON column into dotted columns), the Parquet cache
(``cache=True`` on any frame function, ``refresh(...)`` for what changed).
"""

from __future__ import annotations

from .annotations import AnnotationConverter
from .api import (
                  FRAME_FUNCTIONS,
                  AsyncFrameFunction,
                  FrameFunction,
                  annotations_frame,
                  annotations_frame_async,
                  assignments_frame,
                  assignments_frame_async,
                  data_units_frame,
                  data_units_frame_async,
                  ground_truth_events_frame,
                  ground_truth_events_frame_async,
                  jobs_frame,
                  jobs_frame_async,
                  models_frame,
                  models_frame_async,
                  projects_frame,
                  projects_frame_async,
                  refresh,
                  refresh_async,
                  task_tags_frame,
                  task_tags_frame_async,
                  tasks_frame,
                  tasks_frame_async,
)
from .cache import FrameCache, FrameChanges, diff_frames
from .convert import records_to_batch, table_to_frame
from .expand import expand_json
from .pump import pause_gc_during_fetches
from .schema import RESOURCES
from .stream import iter_frames, iter_frames_async, to_arrow, to_arrow_async, to_parquet, to_parquet_async
from .v2 import (
                  experiments_frame,
                  experiments_frame_async,
                  ground_truths_frame,
                  ground_truths_frame_async,
                  members_frame,
                  members_frame_async,
                  reviews_frame,
                  reviews_frame_async,
                  trains_frame,
                  trains_frame_async,
)

__all__ = [
    "tasks_frame", "assignments_frame", "ground_truth_events_frame", "models_frame",
    "projects_frame", "data_units_frame", "task_tags_frame", "jobs_frame",
    "annotations_frame", "iter_frames", "to_arrow", "to_parquet", "expand_json",
    "tasks_frame_async", "assignments_frame_async", "ground_truth_events_frame_async",
    "models_frame_async", "projects_frame_async", "data_units_frame_async",
    "task_tags_frame_async", "jobs_frame_async", "annotations_frame_async",
    "iter_frames_async", "to_arrow_async", "to_parquet_async", "refresh_async",
    "FrameFunction", "AsyncFrameFunction", "FRAME_FUNCTIONS",
    "refresh", "FrameCache", "FrameChanges", "diff_frames", "RESOURCES",
    "records_to_batch", "table_to_frame", "AnnotationConverter", "pause_gc_during_fetches",
    "experiments_frame", "trains_frame", "reviews_frame", "ground_truths_frame", "members_frame",
    "experiments_frame_async", "trains_frame_async", "reviews_frame_async",
    "ground_truths_frame_async", "members_frame_async",
]

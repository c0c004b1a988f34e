"""synapse_nb: a notebook toolkit for Synapse.

>>> import synapse_nb as snb
>>> client = snb.connect()                        # doctest: +SKIP
>>> tasks = snb.tasks_frame(client, project=1)    # doctest: +SKIP
>>> snb.TaskBrowser(client, project=1)            # doctest: +SKIP

Names are imported lazily, so ``import synapse_nb`` stays cheap: the server (FastAPI),
the widgets (ipywidgets) and the frames (pandas, pyarrow) load when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._util.lazy import lazy_getattr

__version__ = "0.2.0"

_LAZY = {
    "connect": "synapse_nb.connection",
    "demo_server": "synapse_nb.connection",
    # client
    "SynapseClient": "synapse_nb.client",
    "AsyncSynapseClient": "synapse_nb.client",
    "BackendClient": "synapse_nb.client",
    "ClientError": "synapse_nb.client",
    "BadRequestError": "synapse_nb.client",
    "AuthenticationError": "synapse_nb.client",
    "PermissionDeniedError": "synapse_nb.client",
    "NotFoundError": "synapse_nb.client",
    "RequestTimeoutError": "synapse_nb.client",
    "RateLimitError": "synapse_nb.client",
    "ServerError": "synapse_nb.client",
    "APIConnectionError": "synapse_nb.client",
    # frames
    "tasks_frame": "synapse_nb.frames",
    "assignments_frame": "synapse_nb.frames",
    "ground_truth_events_frame": "synapse_nb.frames",
    "models_frame": "synapse_nb.frames",
    "projects_frame": "synapse_nb.frames",
    "data_units_frame": "synapse_nb.frames",
    "task_tags_frame": "synapse_nb.frames",
    "jobs_frame": "synapse_nb.frames",
    "annotations_frame": "synapse_nb.frames",
    "experiments_frame": "synapse_nb.frames",
    "trains_frame": "synapse_nb.frames",
    "reviews_frame": "synapse_nb.frames",
    "ground_truths_frame": "synapse_nb.frames",
    "members_frame": "synapse_nb.frames",
    "iter_frames": "synapse_nb.frames",
    "to_arrow": "synapse_nb.frames",
    "to_parquet": "synapse_nb.frames",
    "refresh": "synapse_nb.frames",
    "tasks_frame_async": "synapse_nb.frames",
    "assignments_frame_async": "synapse_nb.frames",
    "ground_truth_events_frame_async": "synapse_nb.frames",
    "models_frame_async": "synapse_nb.frames",
    "projects_frame_async": "synapse_nb.frames",
    "data_units_frame_async": "synapse_nb.frames",
    "task_tags_frame_async": "synapse_nb.frames",
    "jobs_frame_async": "synapse_nb.frames",
    "annotations_frame_async": "synapse_nb.frames",
    "iter_frames_async": "synapse_nb.frames",
    "to_arrow_async": "synapse_nb.frames",
    "to_parquet_async": "synapse_nb.frames",
    "refresh_async": "synapse_nb.frames",
    "experiments_frame_async": "synapse_nb.frames",
    "trains_frame_async": "synapse_nb.frames",
    "reviews_frame_async": "synapse_nb.frames",
    "ground_truths_frame_async": "synapse_nb.frames",
    "members_frame_async": "synapse_nb.frames",
    # scale-out (Dask, Ray, partitioned Parquet) and polars
    "to_dask": "synapse_nb.scale",
    "to_ray": "synapse_nb.scale",
    "to_parquet_dataset": "synapse_nb.scale",
    "to_polars": "synapse_nb.scale",
    # widgets
    "RecordBrowser": "synapse_nb.widgets",
    "TaskBrowser": "synapse_nb.widgets",
    "AssignmentBrowser": "synapse_nb.widgets",
    "GroundTruthBrowser": "synapse_nb.widgets",
    "ModelBrowser": "synapse_nb.widgets",
    "ReviewQueue": "synapse_nb.widgets",
    # ml
    "evaluate_detections": "synapse_nb.ml",
    "evaluate_classification": "synapse_nb.ml",
    "agreement": "synapse_nb.ml",
    "log_model": "synapse_nb.ml",
    "compare_models": "synapse_nb.ml",
    "plot_leaderboard": "synapse_nb.ml",
    "predictions_frame": "synapse_nb.ml",
    "annotator_annotations": "synapse_nb.ml",
    "upload_predictions": "synapse_nb.ml",
    # upload
    "plan_upload": "synapse_nb.upload",
    "upload_folder": "synapse_nb.upload",
    "UploadWidget": "synapse_nb.upload",
    # datasets
    "snapshot": "synapse_nb.datasets",
    "Snapshot": "synapse_nb.datasets",
    "import_annotations": "synapse_nb.datasets",
    # quality (label issues, near duplicates)
    "label_issues": "synapse_nb.quality",
    "LabelIssues": "synapse_nb.quality",
    "label_issues_classification": "synapse_nb.quality",
    "near_duplicates": "synapse_nb.quality",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:
    # the lazy names, typed for mypy and editors (kept in step with _LAZY by a test).
    # ``import X as X``: an explicit re-export, which a user's ``mypy --strict``
    # (no_implicit_reexport) needs to see ``from synapse_nb import X``; it cannot read
    # the __all__ built from _LAZY
    from synapse_nb.client import (
        APIConnectionError as APIConnectionError,
        AsyncSynapseClient as AsyncSynapseClient,
        AuthenticationError as AuthenticationError,
        BackendClient as BackendClient,
        BadRequestError as BadRequestError,
        ClientError as ClientError,
        NotFoundError as NotFoundError,
        PermissionDeniedError as PermissionDeniedError,
        RateLimitError as RateLimitError,
        RequestTimeoutError as RequestTimeoutError,
        ServerError as ServerError,
        SynapseClient as SynapseClient,
    )
    from synapse_nb.connection import (
        connect as connect,
        demo_server as demo_server,
    )
    from synapse_nb.datasets import (
        Snapshot as Snapshot,
        import_annotations as import_annotations,
        snapshot as snapshot,
    )
    from synapse_nb.frames import (
        annotations_frame as annotations_frame,
        annotations_frame_async as annotations_frame_async,
        assignments_frame as assignments_frame,
        assignments_frame_async as assignments_frame_async,
        data_units_frame as data_units_frame,
        data_units_frame_async as data_units_frame_async,
        experiments_frame as experiments_frame,
        experiments_frame_async as experiments_frame_async,
        ground_truth_events_frame as ground_truth_events_frame,
        ground_truth_events_frame_async as ground_truth_events_frame_async,
        ground_truths_frame as ground_truths_frame,
        ground_truths_frame_async as ground_truths_frame_async,
        iter_frames as iter_frames,
        iter_frames_async as iter_frames_async,
        jobs_frame as jobs_frame,
        jobs_frame_async as jobs_frame_async,
        members_frame as members_frame,
        members_frame_async as members_frame_async,
        models_frame as models_frame,
        models_frame_async as models_frame_async,
        projects_frame as projects_frame,
        projects_frame_async as projects_frame_async,
        refresh as refresh,
        refresh_async as refresh_async,
        reviews_frame as reviews_frame,
        reviews_frame_async as reviews_frame_async,
        task_tags_frame as task_tags_frame,
        task_tags_frame_async as task_tags_frame_async,
        tasks_frame as tasks_frame,
        tasks_frame_async as tasks_frame_async,
        to_arrow as to_arrow,
        to_arrow_async as to_arrow_async,
        to_parquet as to_parquet,
        to_parquet_async as to_parquet_async,
        trains_frame as trains_frame,
        trains_frame_async as trains_frame_async,
    )
    from synapse_nb.ml import (
        agreement as agreement,
        annotator_annotations as annotator_annotations,
        compare_models as compare_models,
        evaluate_classification as evaluate_classification,
        evaluate_detections as evaluate_detections,
        log_model as log_model,
        plot_leaderboard as plot_leaderboard,
        predictions_frame as predictions_frame,
        upload_predictions as upload_predictions,
    )
    from synapse_nb.scale import (
        to_dask as to_dask,
        to_polars as to_polars,
        to_parquet_dataset as to_parquet_dataset,
        to_ray as to_ray,
    )
    from synapse_nb.upload import (
        UploadWidget as UploadWidget,
        plan_upload as plan_upload,
        upload_folder as upload_folder,
    )
    from synapse_nb.quality import (
        LabelIssues as LabelIssues,
        label_issues as label_issues,
        label_issues_classification as label_issues_classification,
        near_duplicates as near_duplicates,
    )
    from synapse_nb.widgets import (
        AssignmentBrowser as AssignmentBrowser,
        GroundTruthBrowser as GroundTruthBrowser,
        ModelBrowser as ModelBrowser,
        RecordBrowser as RecordBrowser,
        ReviewQueue as ReviewQueue,
        TaskBrowser as TaskBrowser,
    )


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)

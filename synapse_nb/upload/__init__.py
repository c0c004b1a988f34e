"""Upload helpers: folders into data collections, planned, chunked, resumable, with progress.

>>> from synapse_nb.upload import plan_upload, upload_folder   # doctest: +SKIP
>>> plan_upload(client, 12, "~/datasets/batch-7")              # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from .discovery import FileSpec, discover_files
from .errors import FolderError, MetadataError, UploadError, UploadInProgressError
from .folder import upload_folder
from .journal import FolderJournal
from .metadata import load_metadata
from .plan import plan_upload
from .progress import Progress, TqdmProgress

__all__ = [
    "plan_upload",
    "upload_folder",
    "UploadWidget",
    "UploadError",
    "FolderError",
    "MetadataError",
    "UploadInProgressError",
    "FileSpec",
    "discover_files",
    "load_metadata",
    "FolderJournal",
    "Progress",
    "TqdmProgress",
]


def __getattr__(name: str) -> Any:
    # ipywidgets is imported only when the widget is asked for.
    if name == "UploadWidget":
        from .widget import UploadWidget

        return UploadWidget
    raise AttributeError(name)

"""Errors raised by the upload helpers.

Exception tree::

    UploadError              anything the upload helpers refuse, with what to fix
     ├── FolderError         missing/empty folder, no sub-folder matching a spec
     ├── MetadataError       metadata sheet unreadable, wrong header, over a limit
     └── UploadInProgressError  another run of the same folder upload holds its journal

Problems with a single file (unreadable, over the size limit, refused by the
server) are not raised: they become a ``failed`` or ``skipped`` row of the report,
so one bad file never stops the others.
"""

from __future__ import annotations

__all__ = ["UploadError", "FolderError", "MetadataError", "UploadInProgressError"]


class UploadError(Exception):
    """Base class: the upload cannot start; the message says what to fix.

    >>> str(UploadError("folder is empty"))
    'folder is empty'
    """


class FolderError(UploadError, ValueError):
    """The folder is missing, empty, or has no sub-folder named after a file spec."""


class MetadataError(UploadError, ValueError):
    """The metadata sheet is unreadable, has a wrong header, or is over a limit."""


class UploadInProgressError(UploadError):
    """Another ``upload_folder`` of the same folder, backend and collection is running."""

"""The SDK's typed answers (``Storage``, ``Agent``, presigned-upload models) as dicts.

synapse-sdk 2026 returns pydantic models from a few methods (``get_storage``,
``list_agents``, the presigned upload); the 2025 line returned dicts. A :class:`Record` is
both: a ``dict`` (``storage["provider"]``) whose fields read as attributes
(``storage.provider``), typed for mypy, with ``model_dump()`` as on the pydantic model.

>>> s = Storage.of({"id": 1, "name": "main", "category": "internal", "provider": "minio"})
>>> s.provider, s["provider"], s.is_default
('minio', 'minio', False)
>>> units = UnitList([{"id": 4}])
>>> units[0]["id"], units.get("results")[0]["id"], units["results"][0]["id"]
(4, 4, 4)
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Mapping, SupportsIndex, TypeVar, overload

__all__ = ["Record", "Storage", "Agent", "PresignedUploadPart", "MultipartUploadInfo",
           "PresignedFileInfo", "PresignedUploadResponse", "ConfirmFileResult",
           "ConfirmUploadResponse", "PresignedUploadResult", "UnitList"]

RecordT = TypeVar("RecordT", bound="Record")


class Record(dict[str, Any]):
    """A JSON object whose fields also read as attributes (missing optional ones: defaults)."""

    #: field -> record type of its value (or of each item, for a list)
    nested: ClassVar[dict[str, type[Record]]] = {}
    defaults: ClassVar[dict[str, Any]] = {}

    @classmethod
    def of(cls: type[RecordT], body: Mapping[str, Any]) -> RecordT:
        out = cls(body)
        for key, kind in cls.nested.items():
            value = out.get(key)
            if isinstance(value, list):
                out[key] = [kind.of(v) if isinstance(v, Mapping) else v for v in value]
            elif isinstance(value, Mapping):
                out[key] = kind.of(value)
        return out

    def __getattr__(self, name: str) -> Any:
        if name in self:
            return self[name]
        if name in self.defaults:
            return self.defaults[name]
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def model_dump(self) -> dict[str, Any]:
        """A plain dict copy (nested records included), as pydantic's ``model_dump``."""
        return {k: v.model_dump() if isinstance(v, Record)
                else [x.model_dump() if isinstance(x, Record) else x for x in v] if isinstance(v, list)
                else v for k, v in self.items()}


class Storage(Record):
    """``get_storage``: ``id``, ``name``, ``category`` (internal/external), ``provider``, ..."""

    defaults = {"is_default": False, "configuration": {}}
    id: int
    name: str
    category: str
    provider: str
    configuration: dict[str, Any]
    is_default: bool


class Agent(Record):
    """``list_agents``: ``id``, ``name``, ``url``, ``status``, ``token``."""

    defaults = {"url": None, "status": None, "token": None, "node_install_script": None}
    id: int
    name: str
    url: str | None
    status: str | None
    token: str | None
    node_install_script: str | None

    @property
    def is_connected(self) -> bool:
        """The agent reports itself connected."""
        return str(self.status or "").lower() == "connected"

    def extract_token(self) -> str | None:
        """The token, or the one inside ``node_install_script`` (as the SDK does)."""
        if self.token:
            return self.token
        match = re.search(r"agents/([a-f0-9]{40})/node_install_script", self.node_install_script or "")
        return match.group(1) if match else None


class PresignedUploadPart(Record):
    part_number: int
    presigned_url: str


class MultipartUploadInfo(Record):
    nested = {"parts": PresignedUploadPart}
    upload_id: str
    part_size: int
    parts: list[PresignedUploadPart]


class PresignedFileInfo(Record):
    """One file of a presigned request: a single-PUT ``presigned_url`` or ``multipart``."""

    nested = {"multipart": MultipartUploadInfo}
    defaults = {"presigned_url": None, "multipart": None}
    filename: str
    file_key: str
    presigned_url: str | None
    multipart: MultipartUploadInfo | None


class PresignedUploadResponse(Record):
    nested = {"files": PresignedFileInfo}
    files: list[PresignedFileInfo]
    expires_at: str


class ConfirmFileResult(Record):
    defaults = {"data_file_id": None, "error": None}
    file_key: str
    checksum: str
    data_file_id: int | None
    success: bool
    error: str | None


class ConfirmUploadResponse(Record):
    """``upload_files_bulk`` / ``confirm_presigned_upload``: per-file results and counts."""

    nested = {"results": ConfirmFileResult}
    results: list[ConfirmFileResult]
    created_count: int
    failed_count: int


class PresignedUploadResult(Record):
    """``upload_file_to_presigned_url``: the sha1 ``checksum`` and ``size`` sent."""

    checksum: str
    size: int


class UnitList(list[dict[str, Any]]):
    """Created data units: a list (2025 line), also read as ``{"results": [...]}`` (2026)."""

    def get(self, key: str, default: Any = None) -> Any:
        return list(self) if key == "results" else default

    @overload
    def __getitem__(self, key: SupportsIndex) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, key: slice) -> list[dict[str, Any]]: ...
    @overload
    def __getitem__(self, key: str) -> Any: ...

    def __getitem__(self, key: SupportsIndex | slice | str) -> Any:
        if isinstance(key, str):
            if key == "results":
                return list(self)
            if key == "count":
                return len(self)
            raise KeyError(key)
        return super().__getitem__(key)

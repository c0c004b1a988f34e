"""Request bodies and (documentation-only) response shapes for the OpenAPI schema.

Hot list endpoints return pre-serialised JSON; these models only describe it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Page", "TaskOut", "TaskCreate", "TaskCreateBatch", "SetTags", "AnnotateTaskData",
    "Obj", "TaskTagCreate", "DataUnitCreate", "DataFileFromUpload", "VerifyChecksums",
    "ModelCreate", "PluginCreate", "PluginUpdate", "PluginRun", "JobUpdate", "StorageCreate",
    "ChunkedUploadComplete",
]

Priority = Literal["low", "normal", "high"]
Id = Annotated[int, Field(ge=1, lt=2**63)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Obj(BaseModel):
    """Any JSON object (shape documented in the contract, section 6)."""

    model_config = ConfigDict(extra="allow")


class TaskOut(Obj):
    id: int
    project: int
    data_unit: int | dict[str, Any]
    data: dict[str, Any] | None = None
    status: Literal["pending", "in_progress", "completed"]
    assignee: int | None = None
    priority: Priority
    tags: list[int]
    meta: dict[str, Any]
    is_discarded: bool
    created: str
    modified: str
    files: dict[str, Any]


class Page(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[dict[str, Any]]


class TaskCreate(_In):
    project: int = Field(ge=1, lt=2**62)
    data_unit: int = Field(ge=1, lt=2**62)
    data: dict[str, Any] | None = None
    priority: Priority = "normal"
    meta: dict[str, Any] = Field(default_factory=dict)


class _UnitRef(_In):
    data_unit: int = Field(ge=1, lt=2**62)


class TaskCreateBatch(_In):
    project: int = Field(ge=1, lt=2**62)
    data: list[_UnitRef] = Field(max_length=10000)


class SetTags(_In):
    ids: list[Id] = Field(max_length=100000)
    tags: list[Id] = Field(max_length=1000)
    action: Literal["add", "remove"] = "add"


class AnnotateTaskData(Obj):
    """``{"action": "submit", "data": {...}}``, or the annotation object itself."""


class TaskTagCreate(_In):
    project: int = Field(ge=1, lt=2**62)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    color: str = Field(default="#1f77b4", max_length=32)


class _UnitFile(_In):
    checksum: str = Field(min_length=1, max_length=128)
    path: str | None = Field(default=None, max_length=4096)


class DataUnitCreate(_In):
    data_collection: int = Field(ge=1, lt=2**62)
    files: dict[str, _UnitFile | str]
    meta: dict[str, Any] = Field(default_factory=dict)


class DataFileFromUpload(_In):
    chunked_upload: str = Field(min_length=1, max_length=64)
    meta: dict[str, Any] = Field(default_factory=dict)


class VerifyChecksums(_In):
    checksums: list[str] = Field(max_length=100000)


class ModelCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    project: int | None = Field(default=None, ge=1, lt=2**62)
    #: an id or the plugin's code (the 2026 SDK sends the code)
    plugin: int | str | None = Field(default=None)
    category: str = Field(default="object_detection", max_length=100)
    description: str = Field(default="", max_length=5000)
    version: str = Field(default="1.0.0", max_length=50)
    is_released: bool = False
    is_external: bool = False
    configuration: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    ground_truth_dataset_version: int | None = Field(default=None, ge=1, lt=2**62)
    chunked_upload: str | int | None = Field(default=None)


PluginCategory = Literal["neural_net", "export", "upload", "smart_tool", "pre_annotation",
                         "post_annotation", "data_validation", "converter"]


class PluginCreate(_In):
    code: str | None = Field(default=None, min_length=1, max_length=100,
                             pattern=r"^[A-Za-z0-9_.+~-]+$")
    name: str = Field(min_length=1, max_length=200)
    category: PluginCategory = "neural_net"
    description: str = Field(default="", max_length=5000)
    is_active: bool = True
    config: dict[str, Any] = Field(default_factory=dict)


class PluginUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    category: PluginCategory | None = None
    description: str | None = Field(default=None, max_length=5000)
    is_active: bool | None = None
    config: dict[str, Any] | None = None


class PluginRun(_In):
    """2026: ``{agent, action, params, version, storage_id, job_id, debug, language}``; the
    2025 docs send ``{parameters, context}`` (no action: the plugin's first one runs)."""

    agent: int | None = Field(default=None, ge=1, lt=2**62)
    action: str | None = Field(default=None, min_length=1, max_length=100)
    params: dict[str, Any] | None = None
    parameters: dict[str, Any] | None = None
    version: str | None = Field(default=None, max_length=50)


class JobUpdate(_In):
    """``status`` in either case (``RUNNING``: the 2026 SDK); checked by the handler."""

    status: str | None = Field(default=None, max_length=20)
    progress_record: dict[str, Any] | None = None
    metrics_record: dict[str, Any] | None = None
    console_logs: dict[str, Any] | list[dict[str, Any]] | None = Field(default=None)
    result: dict[str, Any] | list[Any] | None = None
    meta: dict[str, Any] | None = None


class StorageCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    category: Literal["internal", "external"] = "external"
    provider: Literal["amazon_s3", "azure", "digital_ocean", "file_system", "ftp", "sftp",
                      "minio", "gcp"]
    configuration: dict[str, Any] = Field(default_factory=dict)
    is_default: bool = False


class ChunkedUploadComplete(_In):
    md5: str = Field(min_length=1, max_length=64)

"""One APIRouter per resource; ``all_routers()`` lists them for ``create_app``."""

from __future__ import annotations

import importlib

from fastapi import APIRouter

__all__ = ["all_routers", "RESOURCES"]

RESOURCES = ["projects", "tasks", "task_tags", "assignments", "data_collections",
             "data_units", "data_files", "chunked_upload", "ground_truth", "models", "plugins",
             "jobs", "storages", "agents", "media", "presigned", "logs", "pre_annotations"]


def all_routers() -> list[APIRouter]:
    routers = []
    for name in RESOURCES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:  # resources still being written
            if err.name != f"{__name__}.{name}":
                raise
            continue
        routers.append(module.router)
    return routers

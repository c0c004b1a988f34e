"""A user's script, type-checked by tests/sdk/test_typing.py (mypy --strict), never run.

Each ``reveal_type`` names what mypy must see: the SDK's shapes on the sync client, the
same inside a coroutine on the async one.
"""

from __future__ import annotations

from typing import reveal_type

from synapse_nb.client import AsyncSynapseClient, SynapseClient
from synapse_nb.client.protocols import AsyncClientLike, SyncClientLike


def sync_user(client: SynapseClient) -> None:
    reveal_type(client.get_task)                        # get_task: (task_id, params, *, pk) -> dict
    reveal_type(client.get_task(1))                     # get_task(1): dict[str, Any]
    reveal_type(client.list_tasks({"project": 1}))      # list_tasks: dict | tuple
    reveal_type(client.get_storage(1))                  # get_storage: Storage
    reveal_type(client.get_storage(1).provider)         # Storage.provider: str
    reveal_type(client.list_agents())                   # list_agents: list[Agent]
    reveal_type(client.upload_files_bulk([]))           # upload_files_bulk: ConfirmUploadResponse
    reveal_type(client.list_plugin_releases("yolov8"))  # list_plugin_releases: list[dict]
    reveal_type(client.create_data_units([]))           # create_data_units: UnitList
    reveal_type(client.tail_job_console_logs(1))        # tail_job_console_logs: Iterator[str]
    reveal_type(client.exists("list_tasks"))            # exists: bool
    reveal_type(client.download("http://h/x"))          # download: Path
    _as_protocol: SyncClientLike = client               # frames, upload and widgets take this
    client.get_task("1", params={"expand": "data_unit"}, pk=None)


async def async_user(client: AsyncSynapseClient) -> None:
    reveal_type(client.get_task)                        # a coroutine function
    reveal_type(await client.get_task(1))               # dict[str, Any]
    reveal_type(await client.get_storage(1))            # Storage
    reveal_type(await client.upload_files_bulk([]))     # ConfirmUploadResponse
    _as_async_protocol: AsyncClientLike = client

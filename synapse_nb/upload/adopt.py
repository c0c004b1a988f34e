"""Create or adopt: the one routine behind the data-unit and the task phase of an upload.

Each row needs one server object (a data unit for a group of files, a task for a
unit). :func:`create_or_adopt` decides, for every row, in this order:

1. A journaled id is trusted only once the server confirms, in batched lookups by
   id (``id__in``; where that lookup fails, the row is looked up as in 2.), that it
   holds what the row refers to (a unit with exactly these checksums, a
   task on exactly this unit). A journal copied along with its folder, or a backend
   whose database was reset, cannot make tasks land on unrelated units.
2. A pending entry (a POST whose answer was lost, or a killed process), a stale
   entry, or a row the server may hold already, is looked up on the server.
3. The rest is created in batches, journaled as *pending* first. A batch refused as
   a whole (4xx) is retried one by one so that only the refused item fails; any
   other error leaves the batch pending, for the next run to look up.

>>> from concurrent.futures import ThreadPoolExecutor
>>> import tempfile, pathlib
>>> from synapse_nb.upload.journal import FolderJournal
>>> from synapse_nb.upload.progress import Progress
>>> server, rows = [], [{"key": "a"}, {"key": "b"}]   # the server: a list of refs, id = position
>>> kind = Kind(phase="units", noun="data unit", key=lambda r: r["key"], ref=lambda r: r["key"],
...     maybe_exists=lambda r: False, find=lambda r: None,
...     confirm=lambda ids: {i: server[i - 1] for i in ids if i <= len(server)},
...     create=lambda batch: [server.append(r["key"]) or len(server) for r in batch],
...     adopt=lambda r, i, new: r.update(id=i, new=new), fail=lambda r, why: r.update(why=why))
>>> j = FolderJournal(pathlib.Path(tempfile.mkdtemp()) / "j", backend="b", data_collection=1)
>>> with ThreadPoolExecutor(2) as pool:
...     create_or_adopt(rows, kind, j, pool, Progress(), batch_size=10)
...     create_or_adopt(rows, kind, j, pool, Progress(), batch_size=10)
>>> rows, len(server)
([{'key': 'a', 'id': 1, 'new': False}, {'key': 'b', 'id': 2, 'new': False}], 2)
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterable, TypeVar

from .journal import FolderJournal
from .progress import Progress
from .transfer import error_reason

__all__ = ["Kind", "create_or_adopt", "chunks"]

R = TypeVar("R")
#: Ids confirmed per lookup (``id__in``): short URLs, one page.
CONFIRM_BATCH = 100
# Refusals that say nothing about one item: splitting the batch would only repeat them.
_NOT_ITEM_SPECIFIC = (401, 403, 405, 429)


def chunks(items: list[Any], n: int) -> Iterable[list[Any]]:
    """``items`` in lists of at most ``n``.

    >>> list(chunks([1, 2, 3], 2))
    [[1, 2], [3]]
    """
    for i in range(0, len(items), n):
        yield items[i : i + n]


@dataclass(frozen=True)
class Kind(Generic[R]):
    """What :func:`create_or_adopt` needs to know about one kind of server object."""

    phase: str                                   # journal table and progress phase: units / tasks
    noun: str                                    # "data unit" / "task", for reasons
    key: Callable[[R], str]                      # the row's journal key
    ref: Callable[[R], str]                      # what the object must hold on the server
    maybe_exists: Callable[[R], bool]            # worth a server lookup before creating
    confirm: Callable[[list[int]], dict[int, str]]  # ids -> ref held on the server (absent: gone)
    find: Callable[[R], int | None]              # the server's object for a row, if any
    create: Callable[[list[R]], list[int]]       # POST a batch; ids in row order
    adopt: Callable[[R, int, bool], None]        # give the row its id (True: created now)
    fail: Callable[[R, str], None]               # the row failed, with this reason


def create_or_adopt(rows: list[R], kind: Kind[R], journal: FolderJournal, pool: Executor,
                    progress: Progress, *, batch_size: int) -> None:
    """Give every row its server object: confirmed from the journal, found, or created."""
    progress.start(kind.phase, len(rows))
    entries = journal.entries(kind.phase)
    to_confirm: list[tuple[R, int]] = []
    to_find: list[R] = []
    to_create: list[R] = []
    for r in rows:
        e = entries.get(kind.key(r))
        if e is not None and e.id is not None and e.ref == kind.ref(r):
            to_confirm.append((r, e.id))
        elif (e is not None and e.pending) or kind.maybe_exists(r):
            to_find.append(r)
        else:
            to_create.append(r)

    def failed(r: R, why: str) -> None:
        kind.fail(r, why)
        progress.advance(kind.phase)

    confirming = [(b, pool.submit(kind.confirm, [i for _, i in b])) for b in chunks(to_confirm, CONFIRM_BATCH)]
    for batch, asked in confirming:
        try:
            held = asked.result()
        except Exception:  # e.g. a backend without the id__in filter: look each row up instead
            to_find += [r for r, _ in batch]
            continue
        stale = [r for r, i in batch if held.get(i) != kind.ref(r)]
        journal.drop(kind.phase, [kind.key(r) for r in stale])
        to_find += stale
        for r, i in batch:
            if held.get(i) == kind.ref(r):
                kind.adopt(r, i, False)
                progress.skip(kind.phase)

    found: list[tuple[str, int, str]] = []
    for r, looked in [(r, pool.submit(kind.find, r)) for r in to_find]:
        try:
            ident = looked.result()
        except Exception as err:
            failed(r, f"could not check the server for an existing {kind.noun}: {error_reason(err)}")
            continue
        if ident is None:
            to_create.append(r)
        else:
            kind.adopt(r, ident, False)
            found.append((kind.key(r), ident, kind.ref(r)))
            progress.skip(kind.phase)
    journal.record(kind.phase, found)

    def create(batch: list[R]) -> None:
        keys = [kind.key(r) for r in batch]
        journal.mark_pending(kind.phase, {kind.key(r): kind.ref(r) for r in batch})
        try:
            ids = kind.create(batch)
            if len(ids) != len(batch):
                raise ValueError(f"server answered {len(ids)} {kind.noun}s for {len(batch)} sent")
        except Exception as err:
            status = getattr(err, "status_code", None)
            if status is not None and 400 <= int(status) < 500:
                journal.drop(kind.phase, keys)  # refused: nothing was stored
                if len(batch) > 1 and int(status) not in _NOT_ITEM_SPECIFIC:
                    for r in batch:
                        create([r])
                    return
            for r in batch:  # an unknown outcome stays pending: the next run looks it up
                failed(r, f"{kind.noun} not created: {error_reason(err)}")
            return
        for r, i in zip(batch, ids):
            kind.adopt(r, i, True)
        journal.record(kind.phase, [(kind.key(r), i, kind.ref(r)) for r, i in zip(batch, ids)])
        progress.advance(kind.phase, len(batch))

    for posted in [pool.submit(create, b) for b in chunks(to_create, max(1, batch_size))]:
        posted.result()

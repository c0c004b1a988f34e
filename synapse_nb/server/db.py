"""SQLite storage: the schema, one connection per thread, atomic writes.

Reads use a per-thread connection (WAL lets them run beside a writer). Writes go through
``Database.write()``, a process-wide lock plus ``BEGIN IMMEDIATE``: either the whole
request's rows land or none do. JSON columns are stored as text and sent out as is.

>>> db = Database(Path("/tmp/x.db"))              # doctest: +SKIP
>>> with db.write() as con:                       # doctest: +SKIP
...     con.execute("INSERT INTO task_tags ...")
"""

from __future__ import annotations

import sqlite3
from array import array
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

__all__ = ["Database", "SCHEMA"]

#: columns added since a database file may have been made: (table, column, declaration)
ADDED_COLUMNS = [("jobs", "metrics_record", "TEXT NOT NULL DEFAULT '{}'"),
                 ("jobs", "meta", "TEXT NOT NULL DEFAULT '{}'")]

SCHEMA = """
CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (
    id INTEGER PRIMARY KEY, code TEXT UNIQUE NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
    email TEXT NOT NULL, token_hash TEXT UNIQUE);
CREATE TABLE IF NOT EXISTS memberships (
    tenant_id INTEGER NOT NULL, user_id INTEGER NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id));
CREATE TABLE IF NOT EXISTS access_tokens (
    token_hash TEXT PRIMARY KEY, tenant_id INTEGER NOT NULL, user_id INTEGER,
    name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agents (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, name TEXT NOT NULL,
    token_hash TEXT UNIQUE NOT NULL, url TEXT, status TEXT NOT NULL,
    last_connected TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS storages (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, name TEXT NOT NULL,
    category TEXT NOT NULL, provider TEXT NOT NULL, configuration TEXT NOT NULL,
    is_default INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS data_collections (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, name TEXT NOT NULL,
    description TEXT NOT NULL, category TEXT NOT NULL, meta TEXT NOT NULL,
    is_archived INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS file_specifications (
    id INTEGER PRIMARY KEY, data_collection_id INTEGER NOT NULL, name TEXT NOT NULL,
    description TEXT NOT NULL, file_type TEXT NOT NULL, is_required INTEGER NOT NULL,
    is_primary INTEGER NOT NULL, extensions TEXT NOT NULL, function_type TEXT NOT NULL,
    idx INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS data_files (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, checksum TEXT NOT NULL,
    size INTEGER NOT NULL, path TEXT NOT NULL, file_name_original TEXT NOT NULL,
    created TEXT NOT NULL, UNIQUE (tenant_id, checksum));
CREATE TABLE IF NOT EXISTS data_units (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, data_collection_id INTEGER NOT NULL,
    files TEXT NOT NULL, meta TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS du_collection ON data_units (tenant_id, data_collection_id, id);
CREATE INDEX IF NOT EXISTS du_tenant ON data_units (tenant_id, id);
CREATE TABLE IF NOT EXISTS data_unit_checksums (
    data_unit_id INTEGER NOT NULL, tenant_id INTEGER NOT NULL, checksum TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS duc_checksum ON data_unit_checksums (tenant_id, checksum);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, title TEXT NOT NULL,
    description TEXT NOT NULL, category TEXT NOT NULL, data_collection_id INTEGER,
    configuration TEXT NOT NULL, settings TEXT NOT NULL, is_archived INTEGER NOT NULL,
    created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS task_tags (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, project_id INTEGER NOT NULL,
    name TEXT NOT NULL, description TEXT NOT NULL, color TEXT NOT NULL,
    category TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, project_id INTEGER NOT NULL,
    data_unit_id INTEGER NOT NULL, status TEXT NOT NULL, assignee INTEGER,
    priority TEXT NOT NULL, tags TEXT NOT NULL, meta TEXT NOT NULL, data TEXT,
    is_discarded INTEGER NOT NULL, created TEXT NOT NULL, modified TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tasks_project ON tasks (tenant_id, project_id, id);
CREATE INDEX IF NOT EXISTS tasks_tenant ON tasks (tenant_id, id);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks (tenant_id, status, id);
CREATE INDEX IF NOT EXISTS tasks_assignee ON tasks (tenant_id, assignee, id);
CREATE INDEX IF NOT EXISTS tasks_unit ON tasks (data_unit_id);
CREATE TABLE IF NOT EXISTS assignments (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, project_id INTEGER NOT NULL,
    task_id INTEGER NOT NULL, user_id INTEGER, reviewer_id INTEGER,
    status_label TEXT NOT NULL, status_review TEXT NOT NULL, is_confirmed INTEGER NOT NULL,
    is_discarded INTEGER NOT NULL, data TEXT, tags TEXT NOT NULL, created TEXT NOT NULL,
    modified TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS asg_project ON assignments (tenant_id, project_id, id);
CREATE INDEX IF NOT EXISTS asg_task ON assignments (task_id);
CREATE INDEX IF NOT EXISTS asg_tenant ON assignments (tenant_id, id);
CREATE TABLE IF NOT EXISTS ground_truth_datasets (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, project_id INTEGER,
    name TEXT NOT NULL, description TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ground_truth_dataset_versions (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, ground_truth_dataset_id INTEGER NOT NULL,
    version TEXT NOT NULL, description TEXT NOT NULL, is_active INTEGER NOT NULL,
    is_archived INTEGER NOT NULL, statistics TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ground_truth_events (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, version_id INTEGER NOT NULL,
    data_unit_id INTEGER NOT NULL, project_id INTEGER, category TEXT NOT NULL,
    data TEXT NOT NULL, classes TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS gte_version ON ground_truth_events (tenant_id, version_id, id);
CREATE TABLE IF NOT EXISTS plugins (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, code TEXT NOT NULL,
    name TEXT NOT NULL, category TEXT NOT NULL, description TEXT NOT NULL,
    is_active INTEGER NOT NULL, config TEXT NOT NULL, created TEXT NOT NULL,
    modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS plugin_releases (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, plugin_id INTEGER NOT NULL,
    version TEXT NOT NULL, readme TEXT NOT NULL, config TEXT NOT NULL, file TEXT,
    created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS models (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, name TEXT NOT NULL,
    description TEXT NOT NULL, category TEXT NOT NULL, project_id INTEGER,
    plugin_id INTEGER, version TEXT NOT NULL, is_released INTEGER NOT NULL,
    is_external INTEGER NOT NULL, file TEXT, configuration TEXT NOT NULL,
    metrics TEXT NOT NULL, ground_truth_dataset_version_id INTEGER, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, plugin_id INTEGER,
    plugin_release_id INTEGER, agent_id INTEGER, action TEXT NOT NULL, params TEXT NOT NULL,
    status TEXT NOT NULL, progress_record TEXT NOT NULL, result TEXT NOT NULL,
    created TEXT NOT NULL, modified TEXT NOT NULL, completed TEXT,
    metrics_record TEXT NOT NULL DEFAULT '{}', meta TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS job_console_logs (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, job_id INTEGER NOT NULL,
    level TEXT NOT NULL, event TEXT NOT NULL, message TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jcl_job ON job_console_logs (job_id, id);
CREATE TABLE IF NOT EXISTS pre_annotations (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, project_id INTEGER NOT NULL,
    task_id INTEGER NOT NULL, data_unit_id INTEGER NOT NULL, model_id INTEGER,
    key TEXT NOT NULL, data TEXT NOT NULL, created TEXT NOT NULL, UNIQUE (tenant_id, key));
CREATE INDEX IF NOT EXISTS pa_model ON pre_annotations (tenant_id, model_id, id);
CREATE INDEX IF NOT EXISTS pa_task ON pre_annotations (tenant_id, task_id, id);
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, message TEXT NOT NULL,
    level TEXT NOT NULL, context TEXT NOT NULL, file TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS serve_applications (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, job_id INTEGER NOT NULL,
    status TEXT NOT NULL, data TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS presigned_uploads (
    file_key TEXT PRIMARY KEY, tenant_id INTEGER NOT NULL, filename TEXT NOT NULL,
    size INTEGER NOT NULL, content_type TEXT, expires TEXT NOT NULL, data_file_id INTEGER);
CREATE TABLE IF NOT EXISTS chunked_uploads (
    id TEXT PRIMARY KEY, tenant_id INTEGER NOT NULL, filename TEXT NOT NULL,
    offset INTEGER NOT NULL, total INTEGER, path TEXT NOT NULL, status TEXT NOT NULL,
    checksum TEXT, created TEXT NOT NULL, expires TEXT NOT NULL);
"""


class Database:
    """One SQLite file: a connection per thread for reads, a lock for writes."""

    def __init__(self, path: Path, bulk: bool = False) -> None:
        self.path = Path(path)
        self.bulk = bulk
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        # bumped after every committed write; cached counts are keyed on it
        self.version = 0
        self._counts: dict[tuple[str, tuple[Any, ...]], tuple[int, int]] = {}
        self._ids: dict[tuple[str, tuple[Any, ...]], tuple[int, array]] = {}
        con = self.connection()
        # bulk: a new file being seeded by one connection; no journal (a failed seed is
        # thrown away whole, see app.open_database), so each row is written once
        con.execute("PRAGMA journal_mode=OFF" if bulk else "PRAGMA journal_mode=WAL")
        if bulk:
            con.execute("PRAGMA synchronous=OFF")
            # indexes come after the load (create_indexes): sorting once beats a million
            # random B-tree inserts
            con.executescript(";".join(s for s in SCHEMA.split(";")
                                       if "CREATE INDEX" not in s))
        else:
            con.executescript(SCHEMA)
            self._add_columns(con)

    @staticmethod
    def _add_columns(con: sqlite3.Connection) -> None:
        """Bring a database file made by an older version up to the schema."""
        for table, column, decl in ADDED_COLUMNS:
            have = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (made on first use)."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                  timeout=30)
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA cache_size=-65536")
            con.execute("PRAGMA temp_store=MEMORY")
            con.execute("PRAGMA mmap_size=268435456")
            self._local.con = con
            with self._all_lock:
                self._all.append(con)
        return con

    def create_indexes(self) -> None:
        self.connection().executescript(SCHEMA)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.connection().execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.connection().execute(sql, params).fetchone()

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        """``SELECT COUNT(*)`` with a cache valid until the next write."""
        key = (sql, tuple(params))
        hit = self._counts.get(key)
        if hit is not None and hit[0] == self.version:
            return hit[1]
        version = self.version
        (n,) = self.connection().execute(sql, params).fetchone()
        if len(self._counts) > 4096:
            self._counts.clear()
        self._counts[key] = (version, n)
        return n

    def id_slice(self, sql: str, params: Sequence[Any], offset: int, limit: int,
                 count: int) -> list[int]:
        """``ids[offset:offset + limit]`` of an ordered id query.

        Deep ``OFFSET`` pages cost O(offset) in SQLite; a client walking all pages at once
        would make that quadratic. So the full id list of a query is computed once per
        database version (when it is not huge) and pages become slices of it.
        """
        key = (sql, tuple(params))
        hit = self._ids.get(key)
        if hit is not None and hit[0] == self.version:
            return hit[1][offset:offset + limit].tolist()
        if count > self.ID_CACHE_MAX_ROWS or offset < 4 * limit:
            return [r[0] for r in self.connection().execute(
                f"{sql} LIMIT ? OFFSET ?", [*params, limit, offset])]
        version = self.version
        # 8 bytes an id (a list of ints would take about 36)
        ids = array("q", (r[0] for r in self.connection().execute(sql, params)))
        if len(self._ids) >= self.ID_CACHE_QUERIES:
            self._ids.pop(next(iter(self._ids)), None)
        self._ids[key] = (version, ids)
        return ids[offset:offset + limit].tolist()

    ID_CACHE_MAX_ROWS = 2_000_000
    ID_CACHE_QUERIES = 8

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A transaction: committed if the block ends normally, rolled back otherwise."""
        con = self.connection()
        with self._write_lock:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            else:
                con.execute("COMMIT")
                self.version += 1

    def get_meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM server_meta WHERE key = ?", (key,))
        return row[0] if row else None

    def close(self) -> None:
        with self._all_lock:
            for con in self._all:
                try:
                    con.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()

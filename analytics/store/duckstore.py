"""The embedded store: one DuckDB file (``data/esp.duckdb``), or memory for tests.

DuckDB lets one process hold a file for writing and then refuses every other
process outright, so opening retries for a short while and then raises
:class:`DatabaseInUse` with a plain message. Within the process, every reader and
every write has a cursor of its own (a DuckDB connection is not shared across threads),
and writes take their turn one at a time.

Only ``init`` creates a file. Opening reads every table once (DuckDB checks each
block's checksum as it reads it), so damage anywhere is reported at once, with the
file untouched; a read-only directory or file and a write-ahead log left by another
copy of the file each get their own message. A write checks first that the path
still names the file this process opened.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from analytics import clock
from analytics.errors import (
    DatabaseDamaged,
    DatabaseInUse,
    DatabaseInvalid,
    DatabaseMissing,
    DatabaseReadOnly,
    DatabaseStaleLog,
    DatabaseTooNew,
    DatabaseVanished,
    NotFound,
    WriteConflict,
)
from analytics.store import migrations

DUCKDB_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
# NOTE: DuckDB 2.0 turns TIMESTAMPTZ columns into pandas with ``drop(inplace=True)``, which
# pandas 3.1 deprecates; the warning is about DuckDB's code, not ours, and would reach
# every command-line user's terminal.
warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.drop")
# Errors DuckDB raises when another transaction wrote the same rows first.
_CONFLICTS = (duckdb.TransactionException, duckdb.ConstraintException)


def connect_raw(path: str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never reaches for the network and reads times in UTC."""
    con = duckdb.connect(path, read_only=read_only, config=DUCKDB_CONFIG)
    con.execute("SET GLOBAL TimeZone = 'UTC'")
    return con


def _looks_like_duckdb(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(12)
    return len(head) == 12 and head[8:12] == b"DUCK"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def open_error(path: Path, error: duckdb.Error) -> Exception:
    """What DuckDB's refusal to open or read ``path`` means, as one of our errors."""
    text = str(error)
    lower = text.lower()
    if "wal" in lower and ("does not match" in lower or "replaying" in lower):
        return DatabaseStaleLog(path=str(path), wal=f"{path}.wal")
    if "permission denied" in lower or "read-only file system" in lower:
        return DatabaseReadOnly(path=str(path), where=str(path.parent))
    return DatabaseDamaged(path=str(path), detail=_first_line(error))


def _connect_waiting(path: Path, read_only: bool, lock_wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_wait
    delay = 0.05
    while True:
        try:
            return connect_raw(str(path), read_only=read_only)
        except duckdb.IOException as e:
            if "conflicting lock" not in str(e).lower() and "could not set lock" not in str(e).lower():
                raise open_error(path, e) from e
            if time.monotonic() >= deadline:
                raise DatabaseInUse(path=str(path)) from e
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as e:
            raise open_error(path, e) from e


def _check_writable(path: Path) -> None:
    """A file we could read but never write gets its own message, before DuckDB fails at a commit."""
    for where in (path.parent, path, Path(f"{path}.wal")):
        if where.exists() and not os.access(where, os.W_OK):
            raise DatabaseReadOnly(path=str(path), where=str(where))


def verify(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read every column of every table once: DuckDB checks each block's checksum as it reads it."""
    try:
        for table in _tables(con):
            columns = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
            sums = ", ".join(f'sum(hash("{c}"))' for c in columns) or "count(*)"
            con.execute(f'SELECT count(*), {sums} FROM "{table}"').fetchall()
    except duckdb.Error as e:
        raise open_error(path, e) from e


def identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file a path names now, None when there is none."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    tables = _tables(con)
    if "esp_meta" not in tables:
        if tables:
            raise DatabaseInvalid(path="", reason="foreign")
        return 0
    rows = con.execute("SELECT value FROM esp_meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall():
        out.setdefault(table, set()).add(column)
    return out


def migrate(con: duckdb.DuckDBPyConnection, found: int) -> None:
    """Bring the schema from version ``found`` to the current one, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(migrations.META_TABLE)
        for script in migrations.MIGRATIONS[found:]:
            for statement in migrations.statements(script):
                con.execute(statement)
        for statement in migrations.sheet_tables(_columns(con)):
            con.execute(statement)
        con.execute(
            "INSERT OR REPLACE INTO esp_meta VALUES ('schema_version', ?), ('migrated_at', ?)",
            [str(migrations.SCHEMA_VERSION), clock.now().isoformat()],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


class _Transaction:
    """A write on its own cursor; ``provisional`` (a preview) takes no version or id for real."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, provisional: bool = False) -> None:
        self.con = con
        self._provisional = provisional

    def _take(self, name: str) -> int:
        if self._provisional:
            rows = self.con.execute("SELECT value + 1 FROM esp_counters WHERE name = ?", [name]).fetchall()
        else:
            rows = self.con.execute(
                "UPDATE esp_counters SET value = value + 1 WHERE name = ? RETURNING value", [name]
            ).fetchall()
        return int(rows[0][0])

    def next_version(self) -> int:
        return self._take("data_version")

    def next_submission_id(self) -> int:
        return self._take("submission_id")

    def insert(self, table: str, rows: pd.DataFrame | pa.Table) -> None:
        self.con.register("_esp_rows", rows)
        try:
            names = rows.column_names if isinstance(rows, pa.Table) else rows.columns
            cols = ", ".join(f'"{c}"' for c in names)
            self.con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _esp_rows')
        finally:
            self.con.unregister("_esp_rows")

    def replace(self, table: str, rows: pd.DataFrame | pa.Table) -> None:
        self.con.execute(f'DELETE FROM "{table}"')
        self.insert(table, rows)


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back; a transaction DuckDB already aborted (a conflict) has nothing left to undo."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


@contextmanager
def scratch(con: duckdb.DuckDBPyConnection) -> Iterator[_Transaction]:
    """A write that is always rolled back: what a commit would do, seen and then undone."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield _Transaction(con, provisional=True)
    finally:
        con.execute("ROLLBACK")


class DuckDBStore:
    """The ledger in one DuckDB file (or in memory)."""

    kind = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None) -> None:
        self._con = con
        self.path = path
        self.label = str(path) if path else ":memory:"
        self._identity = identity(path) if path else None
        self._write_turn = threading.Lock()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        create: bool = False,
        read_only: bool = False,
        lock_wait: float | None = None,
        migrate_schema: bool = True,
    ) -> DuckDBStore:
        """Open and migrate the file; only ``create`` (init) makes a new one.

        A missing file, a file that is not DuckDB, someone else's DuckDB, a newer schema,
        damage anywhere in it, a read-only place and a stale write-ahead log are each
        refused with their own error, before anything is written to the file.
        """
        if lock_wait is None:
            lock_wait = float(os.environ.get("ESP_LOCK_WAIT", "5"))
        if path.exists():
            if not path.is_file() or not _looks_like_duckdb(path):
                raise DatabaseInvalid(path=str(path), reason="not_duckdb")
            if not read_only:
                _check_writable(path)
        elif not create or read_only:
            raise DatabaseMissing(path=str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            _check_writable(path)
        con = _connect_waiting(path, read_only, lock_wait)
        try:
            try:
                found = schema_version(con)
            except DatabaseInvalid as e:
                raise DatabaseInvalid(path=str(path), reason=e.params.get("reason", "foreign")) from e
            except duckdb.Error as e:
                raise open_error(path, e) from e
            if found > migrations.SCHEMA_VERSION:
                raise DatabaseTooNew(path=str(path), found=found, known=migrations.SCHEMA_VERSION)
            verify(con, path)
            if migrate_schema and found < migrations.SCHEMA_VERSION and not read_only:
                migrate(con, found)
        except BaseException:
            con.close()
            raise
        return cls(con, path)

    @classmethod
    def memory(cls) -> DuckDBStore:
        """A fresh in-memory store with the schema (tests, benchmarks)."""
        con = connect_raw(":memory:")
        migrate(con, 0)
        return cls(con, None)

    def reader(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def version(self) -> int:
        rows = (
            self._con.cursor()
            .execute("SELECT value FROM esp_counters WHERE name = 'data_version'")
            .fetchall()
        )
        return int(rows[0][0])

    def check_in_place(self) -> None:
        """Raise ``DatabaseVanished`` if the path no longer names the file this process opened."""
        if self.path is not None and identity(self.path) != self._identity:
            raise DatabaseVanished(path=str(self.path))

    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        with self._write_turn:
            self.check_in_place()
            con = self._con.cursor()
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield _Transaction(con)
                    self.check_in_place()
                except BaseException:
                    _rollback_quietly(con)
                    raise
                con.execute("COMMIT")
            except _CONFLICTS as e:
                if "permission denied" in str(e).lower() and self.path is not None:
                    raise DatabaseReadOnly(path=str(self.path), where=str(self.path.parent)) from e
                raise WriteConflict() from e
            finally:
                con.close()

    @contextmanager
    def snapshot(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Every table, raw files included, as of one moment (one read transaction)."""
        con = self._con.cursor()
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        finally:
            _rollback_quietly(con)
            con.close()

    def raw_file(self, submission_id: int) -> tuple[str, bytes]:
        rows = (
            self._con.cursor()
            .execute("SELECT file_name, raw FROM submissions WHERE id = ?", [submission_id])
            .fetchall()
        )
        if not rows:
            raise NotFound(what="submission", id=submission_id)
        return rows[0][0], bytes(rows[0][1])

    def close(self) -> None:
        self._con.close()

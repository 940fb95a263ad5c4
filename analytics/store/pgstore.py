"""The shared store: the ledger in PostgreSQL (15+), read through DuckDB.

Any number of app processes and command-line runs use one database at once. Each
process keeps an in-memory DuckDB copy of the ledger (``mirror``) and brings it up
to date whenever the store's counters or reference stamp move (one round trip to
ask), so every read is the same DuckDB SQL as with a DuckDB file.

Writes are serialised across processes by a row lock on the data version's counter,
taken first by every write and held until it commits: a write therefore sees every
earlier one, takes the next version and submission id in turn, and can never collide
with another. A write that waits longer than ``WRITE_WAIT`` seconds, or that
PostgreSQL aborts (deadlock, serialisation), raises ``WriteConflict``, which the
ledger's write path (``ledger.write``) retries and otherwise reports plainly. psycopg 3 is the driver.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd
import psycopg
import pyarrow as pa
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict

from analytics import clock
from analytics.errors import (
    DatabaseDamaged,
    DatabaseInvalid,
    DatabaseMissing,
    DatabaseTooNew,
    DatabaseUnreachable,
    NotFound,
    WriteConflict,
)
from analytics.store import migrations
from analytics.store.mirror import COUNTERS, Mirror

WRITE_WAIT = 30  # seconds a write waits for its turn
REFERENCE_STAMP = "reference_stamp"
_MIGRATION_LOCK = 7_361_024  # pg_advisory_xact_lock key: one migration at a time
_CONFLICTS = (
    pgerrors.LockNotAvailable,
    pgerrors.DeadlockDetected,
    pgerrors.SerializationFailure,
    pgerrors.UniqueViolation,
    pgerrors.QueryCanceled,
)
_STAMP_SQL = (
    "SELECT name, value::text FROM esp_counters "
    f"UNION ALL SELECT key, value FROM esp_meta WHERE key = '{REFERENCE_STAMP}'"
)


def label(url: str) -> str:
    """The store as messages name it: host, port and database, never a user or password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://?"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    return f"postgresql://{host}:{port}/{parts.get('dbname') or ''}"


def _unreachable(url: str, error: Exception) -> Exception:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if "does not exist" in text and "database" in text:
        return DatabaseMissing("db_no_database", path=label(url))
    return DatabaseUnreachable(path=label(url), reason=text[:300])


class _Pool:
    """A few idle connections kept for reuse; each one is used by one thread at a time."""

    def __init__(self, url: str, keep: int = 4) -> None:
        self.url = url
        self._keep = keep
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    def _connect(self) -> psycopg.Connection:
        try:
            conn = psycopg.connect(
                self.url, autocommit=True, connect_timeout=10, application_name="esp-monitor"
            )
        except psycopg.Error as e:
            raise _unreachable(self.url, e) from e
        conn.execute("SET TimeZone = 'UTC'")
        return conn

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None or conn.closed:
            conn = self._connect()
        try:
            yield conn
        except psycopg.OperationalError as e:
            conn.close()
            raise _unreachable(self.url, e) from e
        except BaseException:
            _rollback_quietly(conn)
            if conn.broken or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.close()
            raise
        with self._lock:
            if len(self._idle) < self._keep and not conn.closed:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _rollback_quietly(conn: psycopg.Connection) -> None:
    if conn.closed or conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        return
    try:
        conn.execute("ROLLBACK")
    except psycopg.Error:
        conn.close()


def _tables(conn: psycopg.Connection) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table, column in conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
    ).fetchall():
        out.setdefault(table, set()).add(column)
    return out


def schema_version(conn: psycopg.Connection, where: str) -> int:
    """The schema version found (0: no ESP Monitor tables); someone else's tables are refused."""
    tables = _tables(conn)
    if "esp_meta" not in tables:
        if tables:
            raise DatabaseInvalid(path=where, reason="foreign")
        return 0
    rows = conn.execute("SELECT value FROM esp_meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def migrate(conn: psycopg.Connection, where: str) -> None:
    """Bring the schema to the current version in one transaction, one process at a time."""
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATION_LOCK])
        found = schema_version(conn, where)
        if found < migrations.SCHEMA_VERSION:
            conn.execute(migrations.dialect(migrations.META_TABLE, "postgresql"))
            for script in migrations.MIGRATIONS[found:]:
                for statement in migrations.statements(migrations.dialect(script, "postgresql")):
                    conn.execute(statement)
            for statement in migrations.sheet_tables(_tables(conn)):
                conn.execute(migrations.dialect(statement, "postgresql"))
            for key, value in (
                ("schema_version", str(migrations.SCHEMA_VERSION)),
                ("migrated_at", clock.now().isoformat()),
                (REFERENCE_STAMP, uuid.uuid4().hex),
            ):
                _put_meta(conn, key, value)
        conn.execute("COMMIT")
    except BaseException:
        _rollback_quietly(conn)
        raise


def _put_meta(conn: psycopg.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO esp_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [key, value],
    )


def python_rows(rows: pd.DataFrame | pa.Table) -> tuple[list[str], Iterator[tuple]]:
    """Column names and plain Python rows (None for missing) of a frame, for COPY."""
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pandas(rows, preserve_index=False)
    columns = []
    for col in table.columns:
        if pa.types.is_timestamp(col.type) and col.type.unit == "ns":
            col = col.cast(pa.timestamp("us", tz=col.type.tz), safe=False)
        columns.append(col.to_pylist())
    return list(table.column_names), zip(*columns)


class _PgTransaction:
    """A write holding the version counter's row lock; ``con`` reads the mirror, up to date."""

    def __init__(self, conn: psycopg.Connection, con: duckdb.DuckDBPyConnection) -> None:
        self._conn = conn
        self.con = con

    def _take(self, name: str) -> int:
        rows = self._conn.execute(
            "UPDATE esp_counters SET value = value + 1 WHERE name = %s RETURNING value", [name]
        ).fetchall()
        return int(rows[0][0])

    def next_version(self) -> int:
        return self._take("data_version")

    def next_submission_id(self) -> int:
        return self._take("submission_id")

    def insert(self, table: str, rows: pd.DataFrame | pa.Table) -> None:
        if len(rows) == 0:
            return
        names, values = python_rows(rows)
        cols = ", ".join(f'"{c}"' for c in names)
        with self._conn.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in values:
                copy.write_row(row)

    def replace(self, table: str, rows: pd.DataFrame | pa.Table) -> None:
        self._conn.execute(f'DELETE FROM "{table}"')
        self.insert(table, rows)
        if table in migrations.REFERENCE_TABLES:
            _put_meta(self._conn, REFERENCE_STAMP, uuid.uuid4().hex)


class PgStore:
    """The ledger in a PostgreSQL database; reads through a DuckDB mirror of it."""

    kind = "postgresql"

    def __init__(self, url: str, pool: _Pool) -> None:
        self.url = url
        self.label = label(url)
        self._pool = pool
        self._mirror = Mirror()

    @classmethod
    def open(cls, url: str, *, create: bool = False, **_options: object) -> PgStore:
        """Open the store in the database ``url`` names; only ``create`` (init) makes its tables.

        A database holding someone else's tables or a newer schema is refused untouched.
        """
        pool = _Pool(url)
        where = label(url)
        try:
            with pool.connection() as conn:
                found = schema_version(conn, where)
                if found > migrations.SCHEMA_VERSION:
                    raise DatabaseTooNew(path=where, found=found, known=migrations.SCHEMA_VERSION)
                if found == 0 and not create:
                    raise DatabaseMissing(path=where)
                if found < migrations.SCHEMA_VERSION:
                    migrate(conn, where)
            store = cls(url, pool)
            store.refresh()
        except BaseException:
            pool.close()
            raise
        return store

    def _stamp(self, conn: psycopg.Connection) -> tuple:
        counters, reference = [], ""
        for name, value in conn.execute(_STAMP_SQL).fetchall():
            if name == REFERENCE_STAMP:
                reference = value
            else:
                counters.append((name, value))
        return tuple(sorted(counters)), reference

    def refresh(self) -> None:
        """Bring the mirror up to date if the store moved (one round trip when it did not)."""
        mirror = self._mirror
        with self._pool.connection() as conn:
            if self._stamp(conn) == mirror.stamp:
                return
            with mirror.lock:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    stamp = self._stamp(conn)
                    if stamp != mirror.stamp:
                        mirror.apply(lambda sql, params: conn.execute(sql, params).fetchall(), stamp)
                    conn.execute("COMMIT")
                except psycopg.DatabaseError as e:
                    if isinstance(e, psycopg.OperationalError):
                        raise
                    raise DatabaseDamaged(path=self.label, detail=str(e).splitlines()[0][:300]) from e

    def reader(self) -> duckdb.DuckDBPyConnection:
        self.refresh()
        return self._mirror.reader()

    def version(self) -> int:
        self.refresh()
        cur = self._mirror.reader()
        try:
            rows = cur.execute(f"SELECT value FROM {COUNTERS} WHERE name = 'data_version'").fetchall()
        finally:
            cur.close()
        return int(rows[0][0]) if rows else 0

    @contextmanager
    def transaction(self) -> Iterator[_PgTransaction]:
        with self._pool.connection() as conn:
            try:
                conn.execute("BEGIN")
                conn.execute(f"SET LOCAL lock_timeout = '{WRITE_WAIT}s'")
                conn.execute("SELECT value FROM esp_counters WHERE name = 'data_version' FOR UPDATE")
                self.refresh()
                con = self._mirror.reader()
                try:
                    yield _PgTransaction(conn, con)
                finally:
                    con.close()
                conn.execute("COMMIT")
            except _CONFLICTS as e:
                _rollback_quietly(conn)
                raise WriteConflict() from e
        self.refresh()

    def check_in_place(self) -> None:
        """A database cannot vanish under its server's clients the way a file can: nothing to check."""

    def raw_file(self, submission_id: int) -> tuple[str, bytes]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT file_name, raw FROM submissions WHERE id = %s", [submission_id]
            ).fetchall()
        if not rows:
            raise NotFound(what="submission", id=submission_id)
        return rows[0][0], bytes(rows[0][1])

    @contextmanager
    def snapshot(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Every table, raw files included, as of one moment, in a DuckDB of its own."""
        copy = Mirror(raw=True)
        try:
            with self._pool.connection() as conn:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    copy.apply(lambda sql, params: conn.execute(sql, params).fetchall(), self._stamp(conn))
                finally:
                    conn.execute("COMMIT")
            yield copy.reader()
        finally:
            copy.close()

    def close(self) -> None:
        self._pool.close()
        self._mirror.close()

"""The DuckDB store: open, create, migrate.

One file (``ESP_DB`` or ``data/esp.duckdb``). DuckDB lets one process hold a file
for writing and then refuses every other process outright, so opening retries
for a short while and then raises :class:`DatabaseInUse` with a plain message.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .errors import DatabaseInUse, DatabaseInvalid, DatabaseTooNew

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "data" / "esp.duckdb"
DUCKDB_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

MIGRATIONS: list[str] = [
    # 1: reference facts, submissions with their rows, rollbacks.
    """
    CREATE TABLE countries (
        iso3 VARCHAR PRIMARY KEY, iso2 VARCHAR, m49 VARCHAR, name_en VARCHAR, name_es VARCHAR,
        subregion VARCHAR, main_language VARCHAR, joined VARCHAR, joined_year INTEGER,
        joined_date DATE, entry_route VARCHAR, spotlight BOOLEAN, member BOOLEAN,
        source VARCHAR);
    CREATE TABLE modules (
        code VARCHAR PRIMARY KEY, number INTEGER, name_en VARCHAR, name_es VARCHAR,
        reportable BOOLEAN, unit_en VARCHAR, unit_es VARCHAR, source VARCHAR);
    CREATE TABLE services (
        module VARCHAR, ord INTEGER, level VARCHAR, name_en VARCHAR, name_es VARCHAR,
        verified BOOLEAN, source VARCHAR);
    CREATE TABLE milestones (
        date VARCHAR, countries VARCHAR, event_en VARCHAR, event_es VARCHAR, source VARCHAR);
    CREATE TABLE context_indicator (
        iso3 VARCHAR, country_un VARCHAR, series VARCHAR, age_group VARCHAR,
        reference_year INTEGER, time_detail VARCHAR, value_pct DOUBLE, lower_bound DOUBLE,
        upper_bound DOUBLE, nature VARCHAR, source_year INTEGER, source VARCHAR);
    CREATE TABLE vocab (
        domain VARCHAR, code VARCHAR, ord INTEGER, label_en VARCHAR, label_es VARCHAR,
        description_en VARCHAR, description_es VARCHAR, source VARCHAR,
        PRIMARY KEY (domain, code));
    CREATE TABLE aliases (domain VARCHAR, code VARCHAR, alias VARCHAR, source VARCHAR);

    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY, file_name VARCHAR, sha256 VARCHAR, uploaded_by VARCHAR,
        source VARCHAR, committed_at TIMESTAMP, version INTEGER, rows INTEGER,
        raw BLOB, findings VARCHAR, kind VARCHAR);
    CREATE TABLE rollbacks (
        submission_id INTEGER PRIMARY KEY, rolled_back_at TIMESTAMP,
        rolled_back_by VARCHAR, reason VARCHAR, version INTEGER);
    CREATE TABLE blocks (
        submission_id INTEGER, country VARCHAR, period VARCHAR, sheet VARCHAR,
        replaced_submission_id INTEGER);
    CREATE TABLE progress (
        submission_id INTEGER, row_number INTEGER, country VARCHAR, period VARCHAR,
        period_start DATE, period_end DATE, module VARCHAR, stage INTEGER,
        coverage_pct DOUBLE, trained_staff BIGINT, notes VARCHAR);
    CREATE TABLE challenges (
        submission_id INTEGER, row_number INTEGER, country VARCHAR, period VARCHAR,
        period_start DATE, period_end DATE, module VARCHAR, category VARCHAR,
        severity VARCHAR, status VARCHAR, description VARCHAR);
    CREATE TABLE practices (
        submission_id INTEGER, row_number INTEGER, country VARCHAR, period VARCHAR,
        period_start DATE, period_end DATE, module VARCHAR, title VARCHAR,
        description VARCHAR, url VARCHAR);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("ESP_DB") or DEFAULT_PATH)


def utcnow() -> datetime:
    """Naive UTC, the form every TIMESTAMP column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def _looks_like_duckdb(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(12)
    return len(head) == 12 and head[8:12] == b"DUCK"


def _raw_connect(path: Path, read_only: bool, lock_wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=DUCKDB_CONFIG)
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise DatabaseInvalid(path=path.name, reason="unreadable") from e
            if time.monotonic() >= deadline:
                raise DatabaseInUse(path=path.name) from e
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as e:
            raise DatabaseInvalid(path=path.name, reason="unreadable") from e


def connect(
    path: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    lock_wait: float | None = None,
    migrate: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open (creating if absent) and migrate the database.

    A file that is not DuckDB, is someone else's DuckDB, or has a newer schema is
    refused before anything is written to it.
    """
    p = db_path(path)
    if lock_wait is None:
        lock_wait = float(os.environ.get("ESP_LOCK_WAIT", "5"))
    if p.exists():
        if not p.is_file() or not _looks_like_duckdb(p):
            raise DatabaseInvalid(path=p.name, reason="not_duckdb")
    elif read_only:
        raise DatabaseInvalid(path=p.name, reason="missing")
    else:
        p.parent.mkdir(parents=True, exist_ok=True)
    con = _raw_connect(p, read_only, lock_wait)
    try:
        found = schema_version(con)
        if found > SCHEMA_VERSION:
            raise DatabaseTooNew(path=p.name, found=found, known=SCHEMA_VERSION)
        if migrate and found < SCHEMA_VERSION and not read_only:
            _migrate(con, found)
    except BaseException:
        con.close()
        raise
    return con


def connect_memory() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory database with the schema (tests, previews)."""
    con = duckdb.connect(":memory:", config=DUCKDB_CONFIG)
    _migrate(con, 0)
    return con


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()}
    if "esp_meta" not in tables:
        if tables:
            raise DatabaseInvalid(path="", reason="foreign")
        return 0
    rows = con.execute("SELECT value FROM esp_meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def _migrate(con: duckdb.DuckDBPyConnection, found: int) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        if found == 0:
            con.execute("CREATE TABLE IF NOT EXISTS esp_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        for script in MIGRATIONS[found:]:
            con.execute(script)
        con.execute(
            "INSERT OR REPLACE INTO esp_meta VALUES ('schema_version', ?), ('migrated_at', ?)",
            [str(SCHEMA_VERSION), utcnow().isoformat()],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


class transaction:
    """``with transaction(con):`` — one transaction, rolled back on any error."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.con.execute("COMMIT")
        else:
            self.con.execute("ROLLBACK")

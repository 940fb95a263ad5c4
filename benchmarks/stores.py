"""The PostgreSQL side of ``make bench``: the same synthetic data in a PostgreSQL store
(moved there by backup → restore, the documented way), backup and restore times, and the
URL the page measurements then run against.

The server is ``ESP_BENCH_PG`` (a URL to a database whose user may create databases) or a
throwaway cluster started for the run (``tests/pgcluster.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from analytics.store import backup
from analytics.store.duckstore import DuckDBStore
from analytics.store.pgstore import PgStore


def available() -> str | None:
    """Why PostgreSQL cannot be measured here, or None."""
    import os

    if os.environ.get("ESP_BENCH_PG"):
        return None
    from tests import pgcluster

    return pgcluster.available()


@contextmanager
def server() -> Iterator[str]:
    """A URL to a PostgreSQL database from which others can be created."""
    import os

    given = os.environ.get("ESP_BENCH_PG")
    if given:
        yield given
        return
    from tests import pgcluster

    root, url = pgcluster.start()
    try:
        yield url
    finally:
        pgcluster.stop(root)


def _database(server_url: str, name: str) -> str:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = conninfo_to_dict(server_url)
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"postgresql://{user}{parts.get('host', '127.0.0.1')}:{parts.get('port', 5432)}/{name}"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def measure(db: Path, size: str, server_url: str, scratch: Path) -> dict:
    """Back the DuckDB file up, restore it into a fresh DuckDB file and into PostgreSQL, back
    PostgreSQL up; times, sizes, and the PostgreSQL URL (``url``) for the page runs."""
    out: dict = {}
    source = DuckDBStore.open(db, read_only=True)
    zip_path = scratch / f"bench-{size}.zip"
    t = time.perf_counter()
    written = backup.write(source, zip_path)
    out["backup_duckdb_ms"] = _ms(t)
    source.close()
    out["backup_bytes"] = zip_path.stat().st_size
    out["rows"] = written.rows

    restored_file = scratch / f"bench-{size}-restored.duckdb"
    for stale in (restored_file, Path(f"{restored_file}.wal")):
        stale.unlink(missing_ok=True)
    target = DuckDBStore.open(restored_file, create=True)
    t = time.perf_counter()
    backup.restore(target, zip_path)
    out["restore_duckdb_ms"] = _ms(t)
    target.close()
    restored_file.unlink()

    url = _database(server_url, f"esp_bench_{size.lower()}")
    t = time.perf_counter()
    pg = PgStore.open(url, create=True)
    out["open_pg_empty_ms"] = _ms(t)
    t = time.perf_counter()
    backup.restore(pg, zip_path)
    out["restore_pg_ms"] = _ms(t)
    t = time.perf_counter()
    backup.write(pg, scratch / f"bench-{size}-pg.zip")
    out["backup_pg_ms"] = _ms(t)
    pg.close()
    t = time.perf_counter()
    PgStore.open(url).close()  # what an app process pays to start: the whole mirror read once
    out["open_pg_ms"] = _ms(t)
    out["url"] = url
    return out

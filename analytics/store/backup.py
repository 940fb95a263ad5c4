"""Backups and restores: a portable copy of the whole store, restorable into either kind.

A backup is a zip of one Parquet file per table (ledger with the raw files, reference,
counters) and ``manifest.json``: the schema version, the data version, and for each
table its rows, the SHA-256 of its file and a digest of its content (the SHA-256 of
its rows' SHA-256s in order, computed by DuckDB, so the same content gives the same
digest whichever store it sits in). It is read from one consistent view of the store
(``Store.snapshot``), so it holds every commit made before it began and none after.

A restore checks every file against the manifest, loads the tables into a staging
DuckDB at the backup's schema, checks their content, brings them to the current schema,
writes them into an empty store in one transaction, then reads the store back and
compares: only then does it report success. That is also how a DuckDB deployment
moves to PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics import __version__, clock
from analytics.errors import EspError
from analytics.store import migrations
from analytics.store.duckstore import connect_raw, migrate
from analytics.store.mirror import COUNTERS, copied_tables
from analytics.store.protocol import Store

FORMAT = "esp-monitor-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
NAME_PREFIX = "esp-backup-"
_LEDGER_EVENTS = ("submissions", "rollbacks", "reviews")


@dataclass(frozen=True)
class Summary:
    """What a backup holds, or what a restore wrote."""

    path: Path
    data_version: int
    tables: int
    rows: int
    created_at: str


def content_digest(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    """(rows, digest) of a table's content: independent of row order and of the store it came from."""
    cols = con.execute(f'DESCRIBE "{table}"').fetchall()
    fields = ", ".join(
        f'"{name}" := sha256("{name}")' if typ == "BLOB" else f'"{name}" := "{name}"'
        for name, typ, *_ in cols
    )
    rows = con.execute(
        f"""SELECT count(*), coalesce(sha256(string_agg(h, '' ORDER BY h)), '')
            FROM (SELECT sha256(CAST(struct_pack({fields}) AS VARCHAR)) AS h FROM "{table}")"""
    ).fetchall()
    return int(rows[0][0]), rows[0][1]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _data_version(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute(f"SELECT value FROM {COUNTERS} WHERE name = 'data_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def write(store: Store, out: Path) -> Summary:
    """Write a backup of ``store`` to ``out`` (replaced only once the new file is complete)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    created = clock.now().isoformat()
    with tempfile.TemporaryDirectory(prefix="esp-backup-") as tmp, store.snapshot() as con:
        tables: dict[str, dict] = {}
        for table in copied_tables():
            path = Path(tmp) / f"{table}.parquet"
            con.execute(f"COPY (SELECT * FROM \"{table}\") TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
            rows, digest = content_digest(con, table)
            tables[table] = {
                "file": f"tables/{table}.parquet",
                "rows": rows,
                "sha256": _file_sha256(path),
                "content": digest,
            }
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": migrations.SCHEMA_VERSION,
            "data_version": _data_version(con),
            "created_at": created,
            "store_kind": store.kind,
            "store": store.label,
            "app_version": __version__,
            "tables": tables,
        }
        partial = out.with_name(f".{out.name}.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as z:
            z.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
            for table, entry in tables.items():
                z.write(Path(tmp) / f"{table}.parquet", entry["file"])
        os.replace(partial, out)
    return Summary(
        out, manifest["data_version"], len(tables), sum(t["rows"] for t in tables.values()), created
    )


def read_manifest(path: Path) -> dict:
    """The manifest of a backup file; ``backup_invalid`` when it is not one."""
    try:
        with zipfile.ZipFile(path) as z:
            manifest = json.loads(z.read(MANIFEST))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise EspError("backup_invalid", path=str(path)) from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise EspError("backup_invalid", path=str(path))
    if (
        int(manifest.get("format_version", 0)) > FORMAT_VERSION
        or int(manifest.get("schema_version", 0)) > migrations.SCHEMA_VERSION
    ):
        raise EspError("backup_too_new", path=str(path), found=manifest.get("schema_version"))
    return manifest


def _extract(path: Path, manifest: dict, into: Path) -> dict[str, Path]:
    """Every table's file, checked against the manifest's SHA-256."""
    files = {}
    with zipfile.ZipFile(path) as z:
        for table, entry in manifest["tables"].items():
            target = into / f"{len(files)}.parquet"
            try:
                with z.open(entry["file"]) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except (KeyError, zipfile.BadZipFile, OSError) as e:
                raise EspError("backup_damaged", path=str(path), table=table) from e
            if _file_sha256(target) != entry["sha256"]:
                raise EspError("backup_damaged", path=str(path), table=table)
            files[table] = target
    return files


def _stage(path: Path, manifest: dict, files: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    """The backup in an in-memory DuckDB at its own schema, content checked, then migrated
    to the current schema."""
    found = int(manifest["schema_version"])
    con = connect_raw(":memory:")
    con.execute(migrations.META_TABLE)
    for script in migrations.MIGRATIONS[:found]:
        for statement in migrations.statements(script):
            con.execute(statement)
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for table in existing & set(files):  # rows the migrations seed (the counters) come from the backup
        con.execute(f'DELETE FROM "{table}"')
    for table, file in files.items():
        source = f"read_parquet('{file}')"
        if table not in existing:  # a sheet table, made from its declaration at that schema
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM {source} LIMIT 0')
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM {source}')
    for table, entry in manifest["tables"].items():
        if content_digest(con, table) != (int(entry["rows"]), entry["content"]):
            raise EspError("backup_damaged", path=str(path), table=table)
    migrate(con, found)
    return con


def _is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    if _data_version(con) != 0:
        return False
    return all(con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] == 0 for t in _LEDGER_EVENTS)


def restore(store: Store, path: Path) -> Summary:
    """Load the backup at ``path`` into ``store``, which must hold no submission yet.

    Raises ``EspError`` (``backup_invalid``, ``backup_damaged``, ``backup_too_new``,
    ``restore_not_empty``, ``restore_mismatch``); on any of them before the write,
    nothing is written.
    """
    path = Path(path)
    manifest = read_manifest(path)
    with tempfile.TemporaryDirectory(prefix="esp-restore-") as tmp:
        staged = _stage(path, manifest, _extract(path, manifest, Path(tmp)))
    try:
        expected = {t: content_digest(staged, t) for t in copied_tables()}
        with store.transaction() as tx:
            if not _is_empty(tx.con):
                raise EspError("restore_not_empty", path=store.label)
            for table in copied_tables():
                rows = staged.sql(f'SELECT * FROM "{table}"').to_arrow_table()
                if table in migrations.LEDGER_TABLES:
                    tx.insert(table, rows)
                else:
                    tx.replace(table, rows)
    finally:
        staged.close()
    with store.snapshot() as con:
        for table, want in expected.items():
            if content_digest(con, table) != want:
                raise EspError("restore_mismatch", path=store.label, table=table)
        version = _data_version(con)
    return Summary(path, version, len(expected), sum(r for r, _ in expected.values()), manifest["created_at"])

"""Backup → restore gives the same snapshot tables, for both kinds of store and from a DuckDB
file into PostgreSQL; a restore is verified before it reports success, refuses a store that
already holds submissions and a damaged backup, and writes nothing then."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from analytics.errors import EspError
from analytics.exports import snapshot
from analytics.ledger import reads, review, workflow
from analytics.ledger.permissions import Principal
from analytics.store import backup, facts
from analytics.store.duckstore import DuckDBStore
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, progress_rows, workbook

ROOT = Path(__file__).resolve().parents[2]
STORE_KINDS = BOTH_KINDS
REVIEWER = Principal("revisora@example.org", "reviewer")
GENERATED = datetime(2026, 12, 1, 12, 0)
CHALLENGE = pd.DataFrame(
    [
        {
            "country": "PER",
            "period": "2024",
            "module": "CROSS",
            "category": "DATA",
            "severity": "LOW",
            "description": '=HYPERLINK("http://x","y") y texto con ñ',
        }
    ]
)


def fill(store) -> None:
    """Commits, a review, a return, a rollback: every ledger table holds something."""
    os.environ["ESP_REVIEW"] = "on"
    try:
        files = [
            workbook(progress=progress_rows(stages=(1, 1, 1, 1)), challenges=CHALLENGE),
            workbook(progress=progress_rows(stages=(2, 3, 1, 0), coverage_pct=45.5, notes="nota")),
            workbook(progress=progress_rows("GTM", "2023", stages=(2, 2, 2, 2))),
        ]
        ids = []
        for i, data in enumerate(files):
            _, out = workflow.load(store, data, f"f{i}.xlsx", principal=ADMIN)
            ids.append(out.submission_id)
        review.approve(store, ids[:2], principal=REVIEWER, comment="bien")
        review.return_(store, ids[2], principal=REVIEWER, comment="falta cobertura")
        workflow.rollback(store, ids[1], principal=ADMIN, reason="archivo equivocado")
    finally:
        del os.environ["ESP_REVIEW"]


def tables(store) -> dict[str, pd.DataFrame]:
    """Every snapshot table (awaiting review included) and the raw files, comparable."""
    con = store.reader()
    out = dict(snapshot.build(con, generated_at=GENERATED, scope=reads.WORKING).tables)
    out["history"] = reads.history(con)
    out["raw"] = pd.DataFrame({"raw": [store.raw_file(i)[1] for i in out["history"]["id"]]})
    return out


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)


def empty_store(kind: str, request, tmp_path: Path):
    if kind == "postgresql":
        from analytics.store.pgstore import PgStore

        s = PgStore.open(request.getfixturevalue("pg_databases").new(), create=True)
    else:
        s = DuckDBStore.open(tmp_path / f"restored-{kind}.duckdb", create=True)
    facts.load(s)
    return s


@pytest.mark.parametrize("into", BOTH_KINDS)
def test_backup_then_restore_gives_identical_snapshot_tables(store, store_kind, into, request, tmp_path):
    fill(store)
    before = tables(store)
    out = tmp_path / "b.zip"
    written = backup.write(store, out)
    assert written.data_version == reads.data_version(store.reader()) == 6
    target = empty_store(into, request, tmp_path)
    try:
        done = backup.restore(target, out)
        assert done.data_version == 6 and done.rows == written.rows
        assert_same(tables(target), before)
        assert target.version() == 6
        # the restored store goes on: the next commit takes the next id and version
        _, nxt = workflow.load(target, workbook(progress=progress_rows("URY")), "n.xlsx", principal=ADMIN)
        assert (nxt.submission_id, nxt.version) == (4, 7)
    finally:
        target.close()


def test_restore_into_a_store_with_submissions_is_refused_and_writes_nothing(store, tmp_path):
    fill(store)
    out = tmp_path / "b.zip"
    backup.write(store, out)
    before = tables(store)
    with pytest.raises(EspError) as e:
        backup.restore(store, out)
    assert e.value.code == "restore_not_empty"
    assert_same(tables(store), before)


def _damage(src: Path, dst: Path, member: str) -> None:
    with zipfile.ZipFile(src) as z:
        entries = {i.filename: z.read(i.filename) for i in z.infolist()}
    data = bytearray(entries[member])
    data[len(data) // 2] ^= 0xFF
    entries[member] = bytes(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in entries.items():
            z.writestr(name, content)
    dst.write_bytes(buf.getvalue())


def test_a_damaged_backup_is_refused_before_anything_is_written(store, request, tmp_path, store_kind):
    fill(store)
    good = tmp_path / "b.zip"
    backup.write(store, good)
    bad = tmp_path / "damaged.zip"
    _damage(good, bad, "tables/submissions.parquet")
    target = empty_store(store_kind, request, tmp_path)
    try:
        with pytest.raises(EspError) as e:
            backup.restore(target, bad)
        assert (e.value.code, e.value.params["table"]) == ("backup_damaged", "submissions")
        assert target.version() == 0 and reads.history(target.reader()).empty
        (tmp_path / "not-a-backup.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
        with pytest.raises(EspError) as e:
            backup.restore(target, tmp_path / "not-a-backup.zip")
        assert e.value.code == "backup_invalid"
    finally:
        target.close()


def _cli(target: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ESP_DB": target, "ESP_USERS": "/nonexistent/users.toml", "ESP_LOCK_WAIT": "0"}
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_moving_from_a_duckdb_file_to_postgresql_on_the_command_line(tmp_path, pg_url):
    """The documented move: backup the file, init the PostgreSQL database, restore into it."""
    source = str(tmp_path / "esp.duckdb")
    assert _cli(source, "init").returncode == 0
    upload = tmp_path / "u.xlsx"
    upload.write_bytes(workbook(progress=progress_rows(), challenges=CHALLENGE))
    assert _cli(source, "load", str(upload)).returncode == 0
    r = _cli(source, "backup", str(tmp_path / "move.zip"))
    assert r.returncode == 0 and "Backup written" in r.stdout, r.stderr
    assert _cli(pg_url, "init").returncode == 0
    r = _cli(pg_url, "restore", str(tmp_path / "move.zip"))
    assert r.returncode == 0 and "every table matches" in r.stdout, r.stderr
    for target in (source, pg_url):
        snap = tmp_path / f"snap-{'pg' if target == pg_url else 'duck'}.zip"
        assert (
            _cli(target, "snapshot", "--format", "csv", "--as-of", "2030-01-01", "-o", str(snap)).returncode
            == 0
        )
    with zipfile.ZipFile(tmp_path / "snap-duck.zip") as a, zipfile.ZipFile(tmp_path / "snap-pg.zip") as b:
        names = [n for n in a.namelist() if n not in ("metadata.csv", "README.txt")]  # generated_at
        assert names == [n for n in b.namelist() if n not in ("metadata.csv", "README.txt")]
        for name in names:
            assert a.read(name) == b.read(name), name
    again = _cli(pg_url, "restore", str(tmp_path / "move.zip"))
    assert again.returncode == 1 and "already holds submissions" in again.stderr
    assert "Traceback" not in again.stderr

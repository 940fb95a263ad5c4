import subprocess
import sys
import textwrap

import duckdb
import pandas as pd
import pytest

from analytics.errors import DatabaseDamaged, DatabaseInUse, DatabaseInvalid, DatabaseTooNew
from analytics.store import duckstore, facts, migrations
from analytics.store.duckstore import DuckDBStore


def test_connect_creates_the_schema_and_records_its_version(db_file):
    store = DuckDBStore.open(db_file, create=True)
    con = store.reader()
    assert duckstore.schema_version(con) == migrations.SCHEMA_VERSION
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"submissions", "rollbacks", "blocks", "progress", "challenges", "practices"} <= tables
    store.close()


def test_reopening_keeps_the_data(db_file):
    store = DuckDBStore.open(db_file, create=True)
    facts.load(store)
    store.close()
    store = DuckDBStore.open(db_file)
    assert store.reader().execute("SELECT count(*) FROM countries").fetchall()[0][0] == 15
    store.close()


def test_a_file_that_is_not_duckdb_is_refused_and_left_untouched(db_file):
    db_file.write_bytes(b"PK\x03\x04 this is a spreadsheet, not a database" * 10)
    before = db_file.read_bytes()
    with pytest.raises(DatabaseInvalid) as e:
        DuckDBStore.open(db_file)
    assert e.value.params["reason"] == "not_duckdb"
    assert db_file.read_bytes() == before


def test_a_corrupted_duckdb_file_is_refused_and_left_untouched(db_file):
    DuckDBStore.open(db_file, create=True).close()
    data = bytearray(db_file.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)
    db_file.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged):
        DuckDBStore.open(db_file)
    assert db_file.read_bytes() == bytes(data)


def test_someone_elses_duckdb_database_is_refused_and_left_untouched(db_file):
    other = duckdb.connect(str(db_file))
    other.execute("CREATE TABLE invoices (id INTEGER)")
    other.close()
    before = db_file.read_bytes()
    with pytest.raises(DatabaseInvalid) as e:
        DuckDBStore.open(db_file)
    assert e.value.params["reason"] == "foreign"
    assert db_file.read_bytes() == before


def test_a_newer_schema_is_refused_and_left_untouched(db_file):
    store = DuckDBStore.open(db_file, create=True)
    store.reader().execute("UPDATE esp_meta SET value = '99' WHERE key = 'schema_version'")
    store.close()
    before = db_file.read_bytes()
    with pytest.raises(DatabaseTooNew):
        DuckDBStore.open(db_file)
    assert db_file.read_bytes() == before


def test_an_older_schema_is_migrated_forward(db_file, monkeypatch):
    DuckDBStore.open(db_file, create=True).close()
    monkeypatch.setattr(
        migrations, "MIGRATIONS", migrations.MIGRATIONS + ["CREATE TABLE later_feature (x INTEGER)"]
    )
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", migrations.SCHEMA_VERSION + 1)
    store = DuckDBStore.open(db_file)
    con = store.reader()
    assert duckstore.schema_version(con) == migrations.SCHEMA_VERSION
    con.execute("SELECT count(*) FROM later_feature").fetchall()
    store.close()


def test_a_schema_3_database_gains_the_capacity_sheet_and_its_practices_stay_as_they_were(db_file):
    """Schema 3 had no capacity table and practices without adopted_from or replicable: a
    database from then is brought forward by migration 4, its practices read as not replicable
    (as a blank cell now stores), so uploading them again changes nothing."""
    from analytics.ledger import reads, workflow
    from tests.helpers import ADMIN, workbook

    store = DuckDBStore.open(db_file, create=True)
    facts.load(store)
    old_practice = pd.DataFrame(
        [{"country": "GTM", "period": "2023", "module": "JUSTICE", "title": "Fiscalías", "description": "d"}]
    )
    data = workbook(practices=old_practice)
    workflow.load(store, data, "old.xlsx", principal=ADMIN)
    con = store.reader()
    con.execute("DROP TABLE capacity")
    con.execute("ALTER TABLE practices DROP COLUMN adopted_from")
    con.execute("ALTER TABLE practices DROP COLUMN replicable")
    con.execute("UPDATE esp_meta SET value = '3' WHERE key = 'schema_version'")
    store.close()

    store = DuckDBStore.open(db_file)
    con = store.reader()
    assert duckstore.schema_version(con) == migrations.SCHEMA_VERSION >= 4
    assert con.execute("SELECT count(*) FROM capacity").fetchall() == [(0,)]
    practices = reads.current(con, "practices")
    assert practices["replicable"].tolist() == [False] and practices["adopted_from"].isna().all()
    chk = workflow.check(con, data, "again.xlsx", principal=ADMIN)
    assert chk.changes_nothing
    store.close()


def test_a_file_held_by_another_process_gives_the_in_use_error(db_file):
    DuckDBStore.open(db_file, create=True).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(db_file)!r})
        print("ready", flush=True)
        time.sleep(30)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseInUse):
            DuckDBStore.open(db_file, lock_wait=0.3)
    finally:
        holder.kill()
        holder.wait()
    DuckDBStore.open(db_file).close()

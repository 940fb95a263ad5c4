"""No silent empty store, and a true message for each way a store can be wrong: missing or
mistyped (only ``init`` creates one), removed or replaced under a running app, damaged
anywhere, in a read-only place, beside a stale write-ahead log, or out of reach. Each one
names the store, writes nothing, and never shows a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import duckdb
import pytest

from analytics.errors import DatabaseVanished
from analytics.ledger import workflow
from analytics.store import facts
from analytics.store.duckstore import DuckDBStore
from tests.helpers import ADMIN, progress_rows, workbook

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    ["history"],
    ["check", "{file}"],
    ["load", "{file}"],
    ["snapshot", "--format", "csv", "-o", "{out}"],
    ["template", "--country", "PER", "--period", "2024", "-o", "{out}"],
    ["rollback", "1"],
    ["review", "list"],
]


def cli(target: str, *args: str, lang: str = "en", user: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ESP_DB": target, "ESP_LOCK_WAIT": "0", "ESP_USERS": "/nonexistent/users.toml"}
    command = [sys.executable, "-m", "analytics", "--lang", lang, *args]
    if user:
        command = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", *command]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def refused(r: subprocess.CompletedProcess, *words: str) -> str:
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout, r.stderr
    for word in words:
        assert word in r.stderr, (word, r.stderr)
    return r.stderr


@pytest.fixture
def upload(tmp_path) -> Path:
    f = tmp_path / "upload.xlsx"
    f.write_bytes(workbook(progress=progress_rows()))
    return f


def _args(command: list[str], upload: Path, tmp_path: Path) -> list[str]:
    return [a.format(file=upload, out=tmp_path / "out.bin") for a in command]


def _tree(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- missing or mistyped -------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_but_init_refuses_a_missing_file_and_creates_nothing(command, tmp_path, upload):
    target = tmp_path / "data" / "esp.duckdb"
    r = cli(str(target), *_args(command, upload, tmp_path))
    refused(r, str(target), "python -m analytics init")
    assert not target.parent.exists() and not (tmp_path / "out.bin").exists()


def test_a_mistyped_path_beside_the_real_database_is_refused_in_both_languages(tmp_path, upload):
    real = tmp_path / "esp.duckdb"
    assert cli(str(real), "init").returncode == 0
    assert cli(str(real), "load", str(upload)).returncode == 0
    before = _tree(tmp_path)
    typo = tmp_path / "esp.duckbd"
    refused(cli(str(typo), "snapshot", "--format", "csv", "-o", str(tmp_path / "s.zip")), str(typo), "init")
    refused(cli(str(typo), "history", lang="es"), str(typo), "No hay ninguna base de datos")
    assert _tree(tmp_path) == before


def test_the_app_refuses_a_missing_store_and_creates_nothing(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    target = tmp_path / "nada" / "esp.duckdb"
    monkeypatch.setenv("ESP_DB", str(target))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert any(str(target) in e.value and "init" in e.value for e in at.error), [e.value for e in at.error]
    assert not target.parent.exists()


def test_postgresql_without_the_schema_is_refused_and_left_empty(pg_url, tmp_path, upload):
    import psycopg

    r = cli(pg_url, "load", str(upload))
    refused(r, "python -m analytics init")
    assert "@" not in r.stderr, "messages never carry the user or a password"
    with psycopg.connect(pg_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    assert tables == [(0,)]


def test_postgresql_database_or_server_missing_each_get_their_message(pg_url):
    no_database = pg_url.rsplit("/", 1)[0] + "/no_such_database"
    refused(cli(no_database, "history"), "does not exist", "createdb")
    refused(cli("postgresql://esp@127.0.0.1:1/esp", "history"), "Cannot reach the PostgreSQL database")


# --- removed or replaced under a running process --------------------------------------------


def _store_with_one_commit(path: Path) -> DuckDBStore:
    store = DuckDBStore.open(path, create=True)
    facts.load(store)
    workflow.load(store, workbook(progress=progress_rows()), "a.xlsx", principal=ADMIN)
    return store


def test_a_file_removed_under_a_running_process_refuses_writes(tmp_path):
    path = tmp_path / "esp.duckdb"
    store = _store_with_one_commit(path)
    path.unlink()
    data = workbook(progress=progress_rows(stages=(3, 3, 3, 3)))
    with pytest.raises(DatabaseVanished):
        workflow.load(store, data, "b.xlsx", principal=ADMIN)
    store.close()
    assert not path.exists(), "nothing was created in its place"


def test_a_file_replaced_under_a_running_process_refuses_writes_and_leaves_the_new_one_alone(tmp_path):
    path = tmp_path / "esp.duckdb"
    store = _store_with_one_commit(path)
    other = _store_with_one_commit(tmp_path / "other.duckdb")
    other.close()
    shutil.copy(tmp_path / "other.duckdb", tmp_path / "incoming.duckdb")
    os.replace(tmp_path / "incoming.duckdb", path)
    before = path.read_bytes()
    with pytest.raises(DatabaseVanished):
        workflow.rollback(store, 1, principal=ADMIN, reason="r")
    store.close()
    assert path.read_bytes() == before


def test_the_app_says_so_and_refuses_the_upload_when_its_file_is_removed(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "esp.duckdb"
    _store_with_one_commit(path).close()
    monkeypatch.setenv("ESP_DB", str(path))
    monkeypatch.setenv("ESP_USERS", str(tmp_path / "no-users.toml"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.session_state["_esp_start_page"] = "upload"
    at.run()
    path.unlink()
    at.file_uploader[0].set_value(("b.xlsx", workbook(progress=progress_rows(stages=(4, 4, 4, 4))), "x"))
    at.run()
    for box in [c for c in at.checkbox if c.key == "report_ack"]:
        box.check()
    at.button(key="report_confirm").click().run()
    assert not at.exception
    assert any("removed or replaced" in w.value for w in at.warning), [w.value for w in at.warning]
    assert any("Nothing was saved" in e.value for e in at.error), [e.value for e in at.error]
    assert not any("Saved" in s.value for s in at.success)
    assert not path.exists()


# --- damaged, read-only, stale log ---------------------------------------------------------


def test_damage_near_the_end_of_the_file_is_found_at_open_and_the_file_left_untouched(tmp_path, upload):
    path = tmp_path / "esp.duckdb"
    store = DuckDBStore.open(path, create=True)
    facts.load(store)
    rows = progress_rows().to_csv(index=False).encode()
    for year in range(2016, 2026):
        data = rows.replace(b"2024", str(year).encode())
        workflow.load(store, data + b"\n" * (year % 3), f"{year}.csv", principal=ADMIN)
    store.close()
    data = bytearray(path.read_bytes())
    con = duckdb.connect(str(path), read_only=True)
    size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    last = max(
        con.execute(f"SELECT coalesce(max(block_id), -1) FROM pragma_storage_info('{t}')").fetchall()[0][0]
        for t in tables
    )
    con.close()
    assert last > 5
    data[4096 * 3 + last * size + 100] ^= 0xFF  # the last block holding table data, past the headers
    path.write_bytes(bytes(data))
    for command in (["history"], ["load", str(upload)], ["snapshot", "--format", "csv", "-o", "x.zip"]):
        err = refused(cli(str(path), *command), str(path), "damaged", "restore")
        assert "not an ESP Monitor database" not in err
    assert path.read_bytes() == bytes(data)


@pytest.fixture
def shared_dir():
    """A directory every user may enter (pytest's own are private to root)."""
    d = Path(tempfile.mkdtemp(prefix="esp-ro-"))
    d.chmod(0o755)
    yield d
    for p in d.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    shutil.rmtree(d)


def test_a_read_only_directory_gets_its_own_message(shared_dir, upload):
    path = shared_dir / "ro" / "esp.duckdb"
    assert cli(str(path), "init").returncode == 0
    path.chmod(0o644)
    path.parent.chmod(0o555)
    shutil.copy(upload, shared_dir / "upload.xlsx")
    (shared_dir / "upload.xlsx").chmod(0o644)
    before = path.read_bytes()
    user = None
    if os.geteuid() == 0:  # root may write anywhere: run as a user the permissions apply to
        if not shutil.which("setpriv"):
            pytest.skip("root without setpriv cannot run as an unprivileged user")
        user = "nobody"
    err = refused(cli(str(path), "load", str(shared_dir / "upload.xlsx"), user=user), "read-only", str(path))
    assert "not an ESP Monitor database" not in err and "damaged" not in err
    assert path.read_bytes() == before and _tree(path.parent) == ["esp.duckdb"]


STALE = textwrap.dedent(
    """
    import sys, time
    from analytics.store.duckstore import connect_raw
    con = connect_raw(sys.argv[1])
    con.execute("SET checkpoint_threshold = '1TB'")
    con.execute("INSERT INTO esp_meta VALUES ('written_by_the_other_copy', 'yes')")
    print("written", flush=True)
    time.sleep(60)
    """
)


def test_a_write_ahead_log_left_by_another_copy_gets_its_own_message(tmp_path):
    path = tmp_path / "esp.duckdb"
    assert cli(str(path), "init").returncode == 0
    (tmp_path / "other").mkdir()
    other = tmp_path / "other" / "esp.duckdb"
    assert cli(str(other), "init").returncode == 0
    writer = subprocess.Popen(
        [sys.executable, "-c", STALE, str(other)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert writer.stdout.readline().strip() == "written"
    writer.send_signal(signal.SIGKILL)  # a crash: its log stays beside its file
    writer.wait()
    shutil.copy(Path(f"{other}.wal"), Path(f"{path}.wal"))
    before = (path.read_bytes(), Path(f"{path}.wal").read_bytes())
    err = refused(cli(str(path), "history"), "write-ahead log", f"{path}.wal")
    assert "damaged" not in err and "not an ESP Monitor database" not in err
    assert (path.read_bytes(), Path(f"{path}.wal").read_bytes()) == before

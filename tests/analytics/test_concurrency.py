"""Simultaneous writers: every commit succeeds (or is told plainly to retry), each file is
committed once, versions and ids are taken in turn, nothing is lost.

With PostgreSQL, several processes share one store: two app processes (the real upload
page, through AppTest) and two command-line loads commit at the same moment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from analytics import reference
from analytics.errors import WriteConflict
from analytics.ledger import reads, workflow
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, progress_rows

ROOT = Path(__file__).resolve().parents[2]
STORE_KINDS = BOTH_KINDS
TODAY = date(2026, 11, 28)
COUNTRIES = ["PER", "GTM", "URY", "PAN", "DOM", "ECU", "SLV", "ARG", "PRY", "BOL"]


def csv_file(country: str, period: str, stage: int) -> bytes:
    rows = progress_rows(country, period, stages=(stage,) * 4)
    return rows.to_csv(index=False).encode()


def test_a_hundred_simultaneous_commits_all_succeed_in_turn(store, con):
    files = [
        (f"{c}-{year}.csv", csv_file(c, str(year), (year + i) % 6))
        for i, c in enumerate(COUNTRIES)
        for year in range(2016, 2026)
    ]
    known = set(reference.build(con).countries["iso3"])
    assert len(files) == 100 and set(COUNTRIES) <= known
    checks = [workflow.check(con, data, name, principal=ADMIN, today=TODAY) for name, data in files]
    assert all(c.ok for c in checks), [f.code for c in checks for f in c.findings if f.is_error][:5]
    start = threading.Barrier(len(checks))
    outcomes: list[object] = [None] * len(checks)

    def commit(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = workflow.commit(store, checks[i], principal=ADMIN)
        except WriteConflict as e:  # allowed by SPEC: a clear message, never an internal error
            outcomes[i] = e
        except Exception as e:  # noqa: BLE001 - any other error is what this test exists to catch
            outcomes[i] = e

    threads = [threading.Thread(target=commit, args=(i,)) for i in range(len(checks))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    internal = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, WriteConflict)]
    assert internal == [], internal[:3]
    committed = [o for o in outcomes if isinstance(o, workflow.Outcome)]
    assert len(committed) == 100, f"{100 - len(committed)} were told to retry"
    hist = reads.history(store.reader())
    assert sorted(hist["id"]) == list(range(1, 101))
    assert sorted(hist["version"]) == list(range(1, 101))
    assert sorted(o.submission_id for o in committed) == list(range(1, 101))
    assert len(reads.current(store.reader(), "progress")) == 400


APP_DRIVER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from streamlit.testing.v1 import AppTest

    root, data_path, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    at = AppTest.from_file(root + "/app.py", default_timeout=120)
    at.query_params["lang"] = "en"
    at.session_state["_esp_start_page"] = "upload"
    at.run()
    at.file_uploader[0].set_value((data_path.name, data_path.read_bytes(), "text/csv"))
    at.run()
    ready = [b for b in at.button if b.key == "report_confirm"]
    print(json.dumps({"ready": bool(ready), "errors": [e.value for e in at.error]}), flush=True)
    while not go.exists():
        time.sleep(0.01)
    ready[0].click().run()
    saved = [s.value for s in at.success if "Saved" in s.value]
    print(json.dumps({"saved": saved, "errors": [e.value for e in at.error],
                      "exception": [str(e.value) for e in at.exception]}), flush=True)
    """
)


def test_two_app_processes_and_two_command_line_loads_commit_at_once(pg_url, tmp_path):
    """PostgreSQL: four processes commit at the same moment; each file once, nothing lost."""
    env = {
        **os.environ,
        "ESP_DB": pg_url,
        "ESP_USERS": str(tmp_path / "no-users.toml"),
        "PYTHONPATH": str(ROOT),
        "ESP_REVIEW": "off",
    }
    init = subprocess.run(
        [sys.executable, "-m", "analytics", "init"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    files = {}
    for country in ("PER", "GTM", "URY", "MEX"):
        files[country] = tmp_path / f"{country}.csv"
        files[country].write_bytes(csv_file(country, "2024", 3))
    go = tmp_path / "go"
    apps = [
        subprocess.Popen(
            [sys.executable, "-c", APP_DRIVER, str(ROOT), str(files[c]), str(go)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in ("PER", "GTM")
    ]
    for app in apps:
        line = app.stdout.readline()
        assert json.loads(line)["ready"], (line, app.stderr.read() if app.poll() is not None else "")
    go.touch()
    loads = [
        subprocess.Popen(
            [sys.executable, "-m", "analytics", "--lang", "en", "load", str(files[c]), "--json"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in ("URY", "MEX")
    ]
    for load in loads:
        out, err = load.communicate(timeout=180)
        assert load.returncode == 0 and json.loads(out)["status"] == "committed", (out, err)
    for app in apps:
        out, err = app.communicate(timeout=180)
        result = json.loads(out.strip().splitlines()[-1])
        assert result["saved"] and not result["errors"] and not result["exception"], (result, err[-2000:])
    from analytics.store.pgstore import PgStore

    store = PgStore.open(pg_url)
    try:
        hist = reads.history(store.reader())
        assert sorted(hist["file_name"]) == sorted(f.name for f in files.values())
        assert sorted(hist["version"]) == [1, 2, 3, 4] and hist["sha256"].is_unique
        cur = reads.current(store.reader(), "progress")
        assert sorted(cur["country"].unique()) == ["GTM", "MEX", "PER", "URY"] and len(cur) == 16
    finally:
        store.close()


@pytest.fixture
def pg_store(pg_databases, pg_template):
    from analytics.store.pgstore import PgStore

    s = PgStore.open(pg_databases.new(pg_template))
    yield s
    s.close()


def test_a_writer_waiting_past_its_turn_is_told_plainly(pg_store, monkeypatch):
    """PostgreSQL: a write that cannot take its turn becomes WriteConflict ('db_busy')."""
    from analytics.store import pgstore

    store = pg_store
    monkeypatch.setattr(pgstore, "WRITE_WAIT", 1)
    holder_ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.transaction():
            holder_ready.set()
            release.wait(10)

    th = threading.Thread(target=hold)
    th.start()
    holder_ready.wait(10)
    started = time.monotonic()
    with pytest.raises(WriteConflict):
        with store.transaction():
            pass
    release.set()
    th.join()
    assert time.monotonic() - started < 5

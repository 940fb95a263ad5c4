"""Crash safety and concurrent writers on a real database file."""

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analytics.ledger import reads, workflow
from analytics.store import facts
from analytics.store.duckstore import DuckDBStore
from tests.helpers import ADMIN, progress_rows, workbook

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import sys
    from datetime import date
    from pathlib import Path
    from analytics.intake import validate
    from analytics.ledger import workflow
    from analytics.store.duckstore import DuckDBStore
    from analytics.intake.reading import ReadResult, ReadSheet
    from analytics.ledger.permissions import LOCAL_ADMIN
    from analytics.reference import build

    store = DuckDBStore.open(Path(sys.argv[1]))
    ref = build(store.reader())
    head = ["country", "period", "module", "category", "severity", "status", "description"]
    rows = [head] + [["PER", "2024", "HEALTH", "DATA", "LOW", "OPEN", f"challenge {i}"] for i in range(20000)]
    v = validate.validate(ReadResult("csv", [ReadSheet("challenges", rows)], []), ref, today=date(2026, 11, 28))
    chk = workflow.Check("big.csv", b"big-" + sys.argv[2].encode(), "sha-" + sys.argv[2], v)
    print("committing", flush=True)
    workflow.commit(store, chk, principal=LOCAL_ADMIN)
    print("done", flush=True)
""")


def _seed(path: Path) -> None:
    store = DuckDBStore.open(path, create=True)
    facts.load(store)
    chk, out = workflow.load(store, workbook(progress=progress_rows()), "seed.xlsx", principal=ADMIN)
    assert out and out.submission_id == 1
    store.close()


@pytest.mark.slow
def test_a_writer_killed_mid_commit_leaves_the_previous_state_or_the_whole_commit(tmp_path):
    path = tmp_path / "esp.duckdb"
    _seed(path)
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outcomes = []
    for i in range(20):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(i)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        assert child.stdout.readline().strip() == "committing"
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        store = DuckDBStore.open(path)
        con = store.reader()
        hist = reads.history(con)
        assert 1 in set(hist["id"])
        assert len(reads.current(con, "progress")) == 4
        counts = dict(con.execute("SELECT submission_id, count(*) FROM challenges GROUP BY ALL").fetchall())
        for sid in set(hist["id"]) - {1}:
            assert counts.get(sid) == 20000, "a submission is visible with only part of its rows"
        assert set(counts) <= set(hist["id"]), "rows without their submission"
        assert reads.data_version(con) == len(hist)
        outcomes.append(len(hist) - 1)
        store.close()
    assert outcomes == sorted(outcomes)


def _load(path: Path, file: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ESP_DB": str(path), "ESP_LOCK_WAIT": "0", "ESP_USERS": str(path) + ".none"}
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", "load", str(file)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_two_processes_loading_at_once_both_commit_or_one_is_told_to_retry(tmp_path):
    path = tmp_path / "esp.duckdb"
    _seed(path)
    files = []
    for country in ("GTM", "URY"):
        f = tmp_path / f"{country}.xlsx"
        f.write_bytes(workbook(progress=progress_rows(country=country, period="2023")))
        files.append(f)
    env = {**os.environ, "ESP_DB": str(path), "ESP_LOCK_WAIT": "0", "ESP_USERS": str(path) + ".none"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "analytics", "--lang", "en", "load", str(f)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for f in files
    ]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for (code, out, err), f in zip(results, files):
        if code != 0:
            assert code == 1 and "in use by another program" in err, (out, err)
            retry = _load(path, f)
            assert retry.returncode == 0, retry.stderr
    store = DuckDBStore.open(path)
    con = store.reader()
    hist = reads.history(con)
    assert len(hist) == 3
    cur = reads.current(con, "progress")
    assert sorted(cur["country"].unique()) == ["GTM", "PER", "URY"] and len(cur) == 12
    store.close()

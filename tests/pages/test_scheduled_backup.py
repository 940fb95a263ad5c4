"""The serving app backs its store up on a schedule (ESP_BACKUP_DIR): only when the data
changed, keeping the last ESP_BACKUP_KEEP; each backup restores every commit made before
it; administrators see when the last one was taken."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest

from analytics.ledger import reads, workflow
from analytics.store import backup, facts, schedule
from analytics.store.duckstore import DuckDBStore
from tests.helpers import ADMIN, progress_rows, workbook

ROOT = Path(__file__).resolve().parents[2]


def wait_for_backup(directory: Path, version: int, seconds: float = 60) -> schedule.Latest:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        newest = schedule.latest(directory)
        if newest is not None and newest.data_version >= version:
            return newest
        time.sleep(0.2)
    raise AssertionError(f"no backup of version {version} in {directory}: {schedule.backups(directory)}")


@pytest.fixture
def stop_schedules():
    yield
    schedule.stop_all()


@pytest.mark.usefixtures("stop_schedules")
def test_the_app_backs_up_while_serving_and_the_backup_holds_every_earlier_commit(
    open_app, demo_db, tmp_path, monkeypatch
):
    backups = tmp_path / "backups"
    monkeypatch.setenv("ESP_BACKUP_DIR", str(backups))
    monkeypatch.setenv("ESP_BACKUP_EVERY", "1")
    app = open_app("upload", "en")
    app.file_uploader[0].set_value(
        ("new.xlsx", workbook(progress=progress_rows(period="2025", stages=(5,) * 4)), "x")
    )
    app.run()
    for box in [c for c in app.checkbox if c.key == "report_ack"]:
        box.check()
    app.button(key="report_confirm").click().run()
    done = next(s.value for s in app.success if "Saved" in s.value)
    committed = int(re.search(r"submission (\d+)", done).group(1))
    live = DuckDBStore.open(demo_db)  # the app's own database instance, in this process
    version = live.version()
    newest = wait_for_backup(backups, version)
    assert newest.data_version == version
    expected = reads.history(live.reader())
    assert committed in set(expected["id"])

    target = DuckDBStore.open(tmp_path / "restored.duckdb", create=True)
    facts.load(target)
    backup.restore(target, newest.path)
    pd.testing.assert_frame_equal(reads.history(target.reader()), expected, check_dtype=False)
    for sheet in ("progress", "challenges", "practices"):
        pd.testing.assert_frame_equal(
            reads.current(target.reader(), sheet, scope=reads.WORKING),
            reads.current(live.reader(), sheet, scope=reads.WORKING),
            check_dtype=False,
        )
    target.close()

    admin = open_app("submissions", "en")
    shown = [c.value for c in admin.caption if c.value.startswith("Last backup:")]
    assert (
        shown and f"data version {version}" in shown[0] and f"{newest.created_at:%Y-%m-%d %H:%M}" in shown[0]
    )
    live.close()


def test_the_submissions_page_says_when_scheduled_backups_are_off(open_app, monkeypatch):
    monkeypatch.delenv("ESP_BACKUP_DIR", raising=False)
    admin = open_app("submissions", "es")
    assert any("ESP_BACKUP_DIR" in c.value and "desactivadas" in c.value for c in admin.caption)


@pytest.fixture
def small_store():
    s = DuckDBStore.memory()
    facts.load(s)
    yield s
    s.close()


def test_a_backup_is_written_only_when_the_data_changed_and_the_last_ones_are_kept(small_store, tmp_path):
    plan = schedule.Settings(tmp_path, every=1, keep=2)
    first = schedule.run_once(small_store, plan)
    assert first is not None and schedule.run_once(small_store, plan) is None, "unchanged: no new file"
    written = [first]
    for i, country in enumerate(("PER", "GTM", "URY")):
        workflow.load(small_store, workbook(progress=progress_rows(country)), f"{i}.xlsx", principal=ADMIN)
        written.append(schedule.run_once(small_store, plan))
    assert schedule.backups(tmp_path) == written[-2:]
    assert schedule.latest(tmp_path).data_version == small_store.version() == 3


def test_settings_come_from_the_environment_with_the_spec_defaults(monkeypatch, tmp_path):
    for name in ("ESP_BACKUP_DIR", "ESP_BACKUP_EVERY", "ESP_BACKUP_KEEP"):
        monkeypatch.delenv(name, raising=False)
    assert schedule.settings() == schedule.Settings(None, 3600.0, 14)
    monkeypatch.setenv("ESP_BACKUP_DIR", str(tmp_path))
    monkeypatch.setenv("ESP_BACKUP_EVERY", "600")
    monkeypatch.setenv("ESP_BACKUP_KEEP", "3")
    assert schedule.settings() == schedule.Settings(tmp_path, 600.0, 3)


def test_two_stores_sharing_a_folder_each_count_and_keep_their_own(tmp_path):
    plan = schedule.Settings(tmp_path, every=1, keep=1)
    stores = []
    for name in ("a", "b"):
        s = DuckDBStore.open(tmp_path / f"{name}.duckdb", create=True)
        facts.load(s)
        stores.append(s)
    try:
        workflow.load(stores[0], workbook(progress=progress_rows()), "a.xlsx", principal=ADMIN)
        first_a = schedule.run_once(stores[0], plan)
        first_b = schedule.run_once(stores[1], plan)
        assert first_a and first_b, "b's data version 0 is not a's backup of version 1"
        assert schedule.latest(tmp_path, stores[1].label).path == first_b
        assert schedule.latest(tmp_path, stores[0].label).path == first_a
        assert set(schedule.backups(tmp_path)) == {first_a, first_b}, "keep=1 each, not 1 in all"
    finally:
        for s in stores:
            s.close()


def test_processes_sharing_a_store_and_a_folder_write_one_backup_per_change(small_store, tmp_path):
    """Several app processes on one PostgreSQL store take turns: the second finds the first's backup."""
    import threading

    plan = schedule.Settings(tmp_path, every=1, keep=14)
    start = threading.Barrier(4)
    written = []

    def run() -> None:
        start.wait()
        written.append(schedule.run_once(small_store, plan))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len([w for w in written if w]) == 1 and len(schedule.backups(tmp_path)) == 1

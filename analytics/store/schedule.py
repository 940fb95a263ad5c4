"""Backups the serving app writes itself, so a DuckDB deployment (whose file the app holds
alone) is backed up while it serves.

``ESP_BACKUP_DIR`` turns them on; every ``ESP_BACKUP_EVERY`` seconds (default 3600) a
backup is written there when the data version differs from the newest backup's, and the
newest ``ESP_BACKUP_KEEP`` (default 14) are kept. Files are named
``esp-backup-<UTC time>-v<data version>.zip`` and each is a complete ``backup`` file.
"""

from __future__ import annotations

import logging
import os
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from analytics import clock
from analytics.errors import EspError
from analytics.store import backup
from analytics.store.protocol import Store

DEFAULT_EVERY = 3600.0
DEFAULT_KEEP = 14
log = logging.getLogger(__name__)
_running: list[Scheduler] = []


@dataclass(frozen=True)
class Settings:
    directory: Path | None
    every: float = DEFAULT_EVERY
    keep: int = DEFAULT_KEEP


def _number(name: str, default: float, minimum: float) -> float:
    text = (os.environ.get(name) or "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        log.warning("%s=%r is not a number; using %s", name, text, default)
        return default
    return max(value, minimum)


def settings() -> Settings:
    """The schedule from ``ESP_BACKUP_DIR``, ``ESP_BACKUP_EVERY`` and ``ESP_BACKUP_KEEP``."""
    directory = (os.environ.get("ESP_BACKUP_DIR") or "").strip()
    return Settings(
        Path(directory) if directory else None,
        _number("ESP_BACKUP_EVERY", DEFAULT_EVERY, 1.0),
        int(_number("ESP_BACKUP_KEEP", DEFAULT_KEEP, 1)),
    )


def backups(directory: Path) -> list[Path]:
    """The scheduled backups in ``directory``, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob(f"{backup.NAME_PREFIX}*.zip") if p.is_file())


@dataclass(frozen=True)
class Latest:
    path: Path
    created_at: datetime
    data_version: int


def _of_store(directory: Path, label: str | None) -> list[tuple[Path, dict]]:
    """Readable backups in ``directory`` (of the store ``label`` when given), oldest first."""
    out = []
    for path in backups(directory):
        try:
            manifest = backup.read_manifest(path)
        except (EspError, OSError, zipfile.BadZipFile):
            continue
        if label is None or manifest.get("store") == label:
            out.append((path, manifest))
    return out


def latest(directory: Path, label: str | None = None) -> Latest | None:
    """The newest readable backup in ``directory`` (of the store ``label`` when given)."""
    found = _of_store(directory, label)
    if not found:
        return None
    path, manifest = found[-1]
    return Latest(path, datetime.fromisoformat(manifest["created_at"]), int(manifest["data_version"]))


@contextmanager
def _one_writer(directory: Path) -> Iterator[None]:
    """One process at a time per folder: app processes sharing a store take turns, and the
    second finds the backup the first just wrote (no lock where fcntl is missing: Windows)."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:
        yield
        return
    with (directory / ".esp-backup.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_once(store: Store, plan: Settings) -> Path | None:
    """Write a backup if the data changed since the newest one; prune to ``plan.keep``."""
    if plan.directory is None:
        return None
    with _one_writer(plan.directory):
        return _write_if_changed(store, plan, plan.directory)


def _write_if_changed(store: Store, plan: Settings, directory: Path) -> Path | None:
    newest = latest(directory, store.label)
    if newest is not None and newest.data_version == store.version():
        return None
    now = clock.now()
    name = f"{backup.NAME_PREFIX}{now:%Y%m%dT%H%M%S%fZ}-v{store.version()}.zip"
    written = backup.write(store, directory / name).path
    for old, _ in _of_store(directory, store.label)[: -plan.keep]:
        old.unlink(missing_ok=True)
    return written


class Scheduler:
    """A daemon thread that runs ``run_once`` now and then every ``plan.every`` seconds."""

    def __init__(self, store: Store, plan: Settings) -> None:
        self.store = store
        self.plan = plan
        self.last_error: EspError | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="esp-backups", daemon=True)

    def start(self) -> Scheduler:
        _running.append(self)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                written = run_once(self.store, self.plan)
                self.last_error = None
                if written:
                    log.info("backup written: %s", written)
            except EspError as e:
                self.last_error = e
                log.warning("scheduled backup failed: %s", e)
            except Exception as e:  # noqa: BLE001 - the schedule must outlive one bad attempt
                self.last_error = EspError("unexpected", kind=type(e).__name__, detail=str(e)[:200])
                log.exception("scheduled backup failed")
            self._stop.wait(self.plan.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)


def stop_all() -> None:
    """Stop every schedule this process started (a server shutting down; tests)."""
    while _running:
        _running.pop().stop()

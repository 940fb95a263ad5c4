"""The app's store: opened once per process, a reader of its own for every run; and with
``ESP_BACKUP_DIR`` set, the process's scheduled backups of it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st

from analytics.store import factory, facts, schedule
from analytics.store.protocol import Store
from analytics.store.schedule import Latest, Scheduler, Settings


@st.cache_resource(show_spinner=False)
def _store(target: str) -> Store:
    opened = factory.open_store(target)
    facts.ensure_loaded(opened)
    return opened


def current_store() -> Store:
    return _store(factory.target())


def source() -> str:
    """What the caches are keyed by besides the data version: the store's name."""
    return factory.target()


def cursor() -> duckdb.DuckDBPyConnection:
    return current_store().reader()


@st.cache_resource(show_spinner=False)
def _scheduler(target: str, directory: str, every: float, keep: int) -> Scheduler:
    return Scheduler(_store(target), Settings(Path(directory), every, keep)).start()


def scheduled_backups() -> Scheduler | None:
    """The process's backup schedule, started on first use; None when ESP_BACKUP_DIR is unset."""
    plan = schedule.settings()
    if plan.directory is None:
        return None
    return _scheduler(factory.target(), str(plan.directory), plan.every, plan.keep)


def last_backup() -> tuple[Scheduler | None, Latest | None]:
    """The schedule (None when off) and the newest backup in its directory."""
    scheduler = scheduled_backups()
    if scheduler is None or scheduler.plan.directory is None:
        return scheduler, None
    return scheduler, schedule.latest(scheduler.plan.directory, scheduler.store.label)

"""Which store ``ESP_DB`` names, and opening it (the implementations are imported only
here, so the protocol imports none of them)."""

from __future__ import annotations

import os
from pathlib import Path

from analytics.paths import DEFAULT_DB
from analytics.store.protocol import Store


def target(value: str | os.PathLike | None = None) -> str:
    """The store named by ``value``, else ``ESP_DB``, else the default DuckDB file."""
    return str(value or os.environ.get("ESP_DB") or DEFAULT_DB)


def is_postgresql(value: str) -> bool:
    return value.startswith(("postgresql://", "postgres://"))


def describe(value: str | os.PathLike | None = None) -> str:
    """The store as messages name it (a URL without its user or password)."""
    name = target(value)
    if is_postgresql(name):
        from .pgstore import label

        return label(name)
    return name


def open_store(value: str | os.PathLike | None = None, *, create: bool = False, **options: object) -> Store:
    """Open the store ``target(value)`` names; only ``create`` (``init``) makes a new one."""
    name = target(value)
    if is_postgresql(name):
        from .pgstore import PgStore

        return PgStore.open(name, create=create, **options)
    from .duckstore import DuckDBStore

    return DuckDBStore.open(Path(name), create=create, **options)

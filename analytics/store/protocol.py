"""The seam between the product and its system of record.

A store keeps the ledger (reference facts, submissions with their rows and raw
files, rollbacks) and hands out DuckDB connections to read it: DuckDB is the
analytic engine whatever the store, so every read (``ledger``, ``queries``,
snapshots) is the same DuckDB SQL. Writes go through ``transaction()``, one
transaction each, with the data version and submission ids taken in turn.

``ESP_DB`` names the store: a file path (the embedded default, a DuckDB file,
``duckstore``) or a ``postgresql://`` URL (the shared store, ``pgstore``). Only
``init`` creates a store (``open_store(create=True)``); everything else refuses a
missing one with a message that names it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

import duckdb
import pandas as pd
import pyarrow as pa


class Transaction(Protocol):
    """One write in progress.

    ``con`` reads the ledger as it stood when this write took its turn (no other write
    can commit in between); callers must not rely on it showing this write's own rows.
    """

    con: duckdb.DuckDBPyConnection

    def next_version(self) -> int:
        """The data version this write creates (each write takes the next, in turn)."""
        ...

    def next_submission_id(self) -> int: ...

    def insert(self, table: str, rows: pd.DataFrame | pa.Table) -> None:
        """Append ``rows`` (columns named as the table's) to ``table``."""
        ...

    def replace(self, table: str, rows: pd.DataFrame | pa.Table) -> None:
        """Make ``rows`` the whole content of a reference table (never a ledger table)."""
        ...


class Store(Protocol):
    kind: str
    label: str  # what to call it in messages: a file name, never a password

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection of one's own over the ledger as it stands now."""
        ...

    def version(self) -> int:
        """The current data version (cheap: asked on every page run)."""
        ...

    def transaction(self) -> AbstractContextManager[Transaction]:
        """One write: committed when the block ends, rolled back on any error.
        Raises ``errors.WriteConflict`` when another write got there first."""
        ...

    def raw_file(self, submission_id: int) -> tuple[str, bytes]:
        """(file name, the bytes received) of a submission."""
        ...

    def check_in_place(self) -> None:
        """Raise ``errors.DatabaseVanished`` if the store this process opened is no longer
        where ``ESP_DB`` points (a file removed or replaced under a running app)."""
        ...

    def snapshot(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A DuckDB connection reading every table, raw files included, as of one moment
        (backups)."""
        ...

    def close(self) -> None: ...

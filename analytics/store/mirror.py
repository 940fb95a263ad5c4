"""An in-memory DuckDB copy of a ledger kept elsewhere (PostgreSQL), for reading.

DuckDB stays the analytic engine whatever the store: every read (``ledger``,
``queries``, snapshots) is the same DuckDB SQL over tables of the same types. The
copy's tables are made by the same migrations as a DuckDB file's, without their
keys (a preview's scratch rows must never collide with rows arriving from the
store). The ledger only grows, each table by the column ``migrations.LEDGER_TABLES``
names, so bringing the copy up to date reads only the rows it lacks; reference
tables are read whole when their stamp changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

import duckdb
import pyarrow as pa

from analytics.store import migrations

COUNTERS = "esp_counters"
RAW_COLUMN = ("submissions", "raw")

# A function that runs one SQL query against the store and returns its rows.
Query = Callable[[str, Sequence[object]], list[tuple]]


def schema_connection() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB holding the current schema, with keys (as a file has it)."""
    from analytics.store.duckstore import connect_raw, migrate

    con = connect_raw(":memory:")
    migrate(con, 0)
    return con


def copied_tables() -> list[str]:
    """Every table a copy (a mirror, a backup) holds: ledger, reference, counters."""
    return sorted({*migrations.LEDGER_TABLES, *migrations.REFERENCE_TABLES, COUNTERS})


def empty_copy() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with every copied table, typed as in a DuckDB file, no keys."""
    from analytics.store.duckstore import connect_raw

    source = schema_connection()
    con = connect_raw(":memory:")
    for table in copied_tables():
        shape = source.sql(f'SELECT * FROM "{table}" LIMIT 0').to_arrow_table()
        con.register("_esp_shape", shape)
        con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _esp_shape')
        con.unregister("_esp_shape")
    source.close()
    return con


def arrow_schema(con: duckdb.DuckDBPyConnection, table: str) -> pa.Schema:
    return con.sql(f'SELECT * FROM "{table}" LIMIT 0').to_arrow_table().schema


def to_arrow(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    """Rows from the store as an Arrow table of the copy's types."""
    columns = list(zip(*rows)) if rows else [() for _ in schema]
    return pa.Table.from_arrays(
        [pa.array(list(col), type=field.type) for col, field in zip(columns, schema)], schema=schema
    )


def read_columns(schema: pa.Schema, table: str, *, raw: bool) -> str:
    """The select list that reads ``table`` from the store in the copy's column order."""
    out = []
    for name in schema.names:
        if (table, name) == RAW_COLUMN and not raw:
            out.append('NULL AS "raw"')
        else:
            out.append(f'"{name}"')
    return ", ".join(out)


class Mirror:
    """The copy and how far it has read: the store's stamp and each ledger table's high mark."""

    def __init__(self, *, raw: bool = False) -> None:
        """Without ``raw`` the submissions' file bytes stay NULL (they are read one at a time)."""
        self.con = empty_copy()
        self.raw = raw
        self.stamp: tuple | None = None
        self.high = {table: -1 for table in migrations.LEDGER_TABLES}
        self.lock = threading.Lock()
        self._schemas = {t: arrow_schema(self.con, t) for t in copied_tables()}

    def reader(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    def apply(self, query: Query, stamp: tuple) -> None:
        """Bring the copy to ``stamp``, reading through ``query`` (one consistent view of the store)."""
        reference_changed = self.stamp is None or _reference_part(stamp) != _reference_part(self.stamp)
        fresh: dict[str, pa.Table] = {}
        replace: set[str] = {COUNTERS}
        for table, column in migrations.LEDGER_TABLES.items():
            select = read_columns(self._schemas[table], table, raw=self.raw)
            rows = query(
                f'SELECT {select} FROM "{table}" WHERE "{column}" > %s ORDER BY "{column}"',
                [self.high[table]],
            )
            fresh[table] = to_arrow(rows, self._schemas[table])
        if reference_changed:
            replace.update(migrations.REFERENCE_TABLES)
        for table in replace:
            select = read_columns(self._schemas[table], table, raw=self.raw)
            fresh[table] = to_arrow(query(f'SELECT {select} FROM "{table}"', []), self._schemas[table])
        self._write(fresh, replace)
        for table, column in migrations.LEDGER_TABLES.items():
            values = fresh[table].column(column).to_pylist()
            if values:
                self.high[table] = max(self.high[table], max(v for v in values if v is not None))
        self.stamp = stamp

    def _write(self, fresh: dict[str, pa.Table], replace: Iterable[str]) -> None:
        """Every change in one DuckDB transaction: a reader sees the copy before or after it."""
        cur = self.con.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            for table, rows in fresh.items():
                if table in replace:
                    cur.execute(f'DELETE FROM "{table}"')
                if rows.num_rows:
                    cur.register("_esp_rows", rows)
                    cur.execute(f'INSERT INTO "{table}" SELECT * FROM _esp_rows')
                    cur.unregister("_esp_rows")
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()

    def close(self) -> None:
        self.con.close()


def _reference_part(stamp: tuple) -> object:
    """A stamp is (the counters, the reference tables' stamp)."""
    return stamp[1]

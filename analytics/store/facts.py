"""The shipped facts (``data/reference``) written into a store: loaded by ``init``, and
again whenever a newer version of the app ships a code the store lacks."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.reference import _frames
from analytics.store.protocol import Store


def load(store: Store, *, extra_countries: pd.DataFrame | None = None) -> None:
    """Replace the reference tables with the shipped facts (one transaction).

    ``extra_countries`` (same columns as ``countries``, ``member`` false) is for
    benchmarks that need more reporting units than the 15 members.
    """
    frames = _frames()
    if extra_countries is not None:
        frames["countries"] = pd.concat([frames["countries"], extra_countries], ignore_index=True)
    with store.transaction() as tx:
        for table, df in frames.items():
            cols = [
                r[0]
                for r in tx.con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [table],
                ).fetchall()
            ]
            tx.replace(table, df[cols])


def is_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) FROM countries").fetchall()[0][0] > 0


def _behind(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store lacks a code the shipped facts hold (a newer version of the app
    added a vocabulary, a country or a module since the store's reference was loaded)."""
    frames = _frames()
    stored = {
        "vocab": set(con.execute("SELECT domain || '/' || code FROM vocab").fetchall()),
        "countries": set(con.execute("SELECT iso3 FROM countries").fetchall()),
        "modules": set(con.execute("SELECT code FROM modules").fetchall()),
    }
    shipped = {
        "vocab": {(f"{d}/{c}",) for d, c in zip(frames["vocab"]["domain"], frames["vocab"]["code"])},
        "countries": {(c,) for c in frames["countries"]["iso3"]},
        "modules": {(c,) for c in frames["modules"]["code"]},
    }
    return any(shipped[k] - stored[k] for k in shipped)


def ensure_loaded(store: Store) -> None:
    """Load the shipped facts into a store that has none, or older ones."""
    con = store.reader()
    if not is_loaded(con) or _behind(con):
        load(store)

"""The promising practices reported."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from analytics.ledger import reads
from analytics.ledger.reads import PUBLISHED, Scope


def practices(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
) -> pd.DataFrame:
    df = reads.current(con, "practices", as_of=as_of, scope=scope, countries=countries)
    df["year"] = df["period"].str[:4].astype(int)
    return df.sort_values(["period_start", "country"], ascending=[False, True]).reset_index(drop=True)

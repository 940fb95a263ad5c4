"""Who reported what, and when: completeness by country and year, each country's latest
report and its history."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from analytics import clock, periods
from analytics.ledger import reads
from analytics.ledger.reads import PUBLISHED, Scope
from analytics.reference import Reference


def completeness(
    con: duckdb.DuckDBPyConnection,
    ref: Reference,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
    until: int | None = None,
) -> pd.DataFrame:
    """year × member country: expected (had joined), which sheets were reported, and when.

    Columns: year, country, expected, progress, challenges, practices, reported_at, awaiting
    (some of the year's reports await review; only in a scope that includes them).
    """
    blocks = reads.current_blocks(con, as_of=as_of, scope=scope)
    blocks["year"] = blocks["period"].str[:4].astype(int)
    members = ref.countries[ref.countries["member"]]
    if countries is not None:
        members = members[members["iso3"].isin(countries)]
    until = until or (as_of or clock.now()).year
    sheets = blocks.groupby(["year", "country"])["sheet"].agg(set).to_dict()
    when = blocks.groupby(["year", "country"])["committed_at"].max().to_dict()
    waiting = blocks.groupby(["year", "country"])["awaiting"].any().to_dict()
    rows = []
    for y in range(2017, until + 1):
        for c in members.itertuples():
            got = sheets.get((y, c.iso3), set())
            rows.append(
                {
                    "year": y,
                    "country": c.iso3,
                    "expected": bool(c.joined_year <= y),
                    "progress": "progress" in got,
                    "challenges": "challenges" in got,
                    "practices": "practices" in got,
                    "reported_at": when.get((y, c.iso3), pd.NaT),
                    "awaiting": bool(waiting.get((y, c.iso3), False)),
                }
            )
    return pd.DataFrame(rows)


def last_reported(
    con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None, scope: Scope = PUBLISHED
) -> pd.DataFrame:
    """country, last_period (latest period with any live report), last_committed_at."""
    blocks = reads.current_blocks(con, as_of=as_of, scope=scope)
    if blocks.empty:
        return pd.DataFrame(columns=["country", "last_period", "last_committed_at"])
    blocks["k"] = blocks["period"].map(periods.sort_key)
    g = blocks.sort_values("k").groupby("country")
    return pd.DataFrame(
        {"last_period": g["period"].last(), "last_committed_at": g["committed_at"].max()}
    ).reset_index()


def country_history(
    con: duckdb.DuckDBPyConnection, iso3: str, *, as_of: datetime | None = None
) -> pd.DataFrame:
    """Submissions that touched a country: who, when, which periods and sheets, rolled back or not."""
    h = reads.history(con, as_of=as_of)
    return h[h["countries"].fillna("").str.split(",").map(lambda cs: iso3 in cs)].reset_index(drop=True)

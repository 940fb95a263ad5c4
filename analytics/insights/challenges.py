"""The challenges reported: by category and module, over time, by severity and status, and
those shared by several countries."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from analytics.ledger import reads
from analytics.ledger.reads import PUBLISHED, Scope


def challenges(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
) -> pd.DataFrame:
    df = reads.current(con, "challenges", as_of=as_of, scope=scope, countries=countries)
    df["year"] = df["period"].str[:4].astype(int)
    if year_from is not None:
        df = df[df["year"] >= year_from]
    if year_to is not None:
        df = df[df["year"] <= year_to]
    return df.reset_index(drop=True)


def challenge_heatmap(ch: pd.DataFrame) -> pd.DataFrame:
    """category × module counts (long form: category, module, count)."""
    if ch.empty:
        return pd.DataFrame(columns=["category", "module", "count"])
    return ch.groupby(["category", "module"], as_index=False).size().rename(columns={"size": "count"})


def challenge_trend(ch: pd.DataFrame) -> pd.DataFrame:
    if ch.empty:
        return pd.DataFrame(columns=["year", "category", "count"])
    return ch.groupby(["year", "category"], as_index=False).size().rename(columns={"size": "count"})


def challenge_severity_status(ch: pd.DataFrame) -> pd.DataFrame:
    if ch.empty:
        return pd.DataFrame(columns=["severity", "status", "count"])
    return ch.groupby(["severity", "status"], as_index=False).size().rename(columns={"size": "count"})


def shared_challenges(ch: pd.DataFrame, *, min_countries: int = 2) -> pd.DataFrame:
    """Challenges (category × module) reported by ``min_countries`` or more countries,
    most shared first."""
    if ch.empty:
        return pd.DataFrame(columns=["category", "module", "countries", "n_countries", "example"])
    g = ch.sort_values("period").groupby(["category", "module"])
    out = g.agg(
        countries=("country", lambda s: ", ".join(sorted(set(s)))),
        n_countries=("country", "nunique"),
        example=("description", "last"),
    ).reset_index()
    out = out[out["n_countries"] >= min_countries]
    return out.sort_values(["n_countries", "category"], ascending=[False, True]).reset_index(drop=True)

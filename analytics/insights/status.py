"""The status engine: each country-module's stage as it stood at the end of a year, carried
forward from earlier reports, compared with the year before. One basis for every status
number of a view (KPIs, map, matrix, ranking).

Time series are yearly: a year's value is the latest report whose period falls in that year
(a 2026-Q2 report stands for 2026 until the year's report comes)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from analytics.insights.refperiod import reference_year
from analytics.ledger import reads
from analytics.ledger.reads import PUBLISHED, Scope
from analytics.reference import Reference

PILOT_STAGE = 3


def reported_progress(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime | None,
    countries: list[str] | None,
    scope: Scope = PUBLISHED,
) -> pd.DataFrame:
    df = reads.current(con, "progress", as_of=as_of, scope=scope, countries=countries)
    df["year"] = df["period"].str[:4].astype(int)
    df["period_end"] = pd.to_datetime(df["period_end"])
    return df


def yearly_progress(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
) -> pd.DataFrame:
    """country, module, year → the year's latest stage, coverage and trained staff."""
    df = reported_progress(con, as_of, countries, scope)
    if df.empty:
        return df.assign(year=pd.Series(dtype=int))
    df = df.sort_values(["country", "module", "year", "period_end"])
    return df.groupby(["country", "module", "year"], as_index=False).tail(1).reset_index(drop=True)


def stage_at(yearly: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each country-module's stage as it stood at the end of ``year`` (carried forward)."""
    upto = yearly[yearly["year"] <= year]
    return upto.sort_values("year").groupby(["country", "module"], as_index=False).tail(1)


def status_at(yearly: pd.DataFrame, year: int) -> pd.DataFrame:
    """``stage_at`` with ``carried_from``: the year of the report a value comes from when
    that is before ``year`` (the value is carried forward), else missing."""
    at = stage_at(yearly, year)
    carried = at["year"].where(at["year"] < year).astype("Int64")
    return at.assign(carried_from=carried)


STATUS_COLUMNS = [
    "country",
    "module",
    "stage",
    "period",
    "carried_from",
    "previous_stage",
    "change",
    "awaiting",
]


def stage_status(
    con: duckdb.DuckDBPyConnection,
    *,
    year: int,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
) -> pd.DataFrame:
    """Each country-module's stage at the end of ``year`` and a year before, one basis
    for every status number of a view (KPIs, map, matrix, ranking).

    Columns: country, module, stage, period (of the report it comes from), carried_from
    (that report's year when before ``year``), previous_stage (at the end of the year
    before), change (+1, 0, -1; missing when there was none), awaiting.
    """
    yearly = yearly_progress(con, as_of=as_of, scope=scope, countries=countries)
    if yearly.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    now = status_at(yearly, year)
    before = stage_at(yearly, year - 1)[["country", "module", "stage"]]
    out = now.merge(before.rename(columns={"stage": "previous_stage"}), on=["country", "module"], how="left")
    diff = out["stage"] - out["previous_stage"]
    out["change"] = diff.map(lambda d: pd.NA if pd.isna(d) else int((d > 0) - (d < 0))).astype("Int64")
    out["previous_stage"] = out["previous_stage"].astype("Int64")
    if "awaiting" not in out:
        out["awaiting"] = False
    return out[STATUS_COLUMNS].reset_index(drop=True)


def kpis(
    con: duckdb.DuckDBPyConnection,
    ref: Reference,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """The overview's four numbers for the latest year and the year before.

    Columns: kpi, value, previous, year.
    """
    yearly = yearly_progress(con, as_of=as_of, scope=scope, countries=countries)
    y = year or reference_year(as_of, None).year
    members = ref.countries[ref.countries["member"]]
    if countries is not None:
        members = members[members["iso3"].isin(countries)]
    rows = []
    for kpi in ("members", "pilot_or_beyond", "average_stage", "reported"):
        vals = []
        for yy in (y, y - 1):
            if kpi == "members":
                vals.append(int((members["joined_year"] <= yy).sum()))
                continue
            at = stage_at(yearly, yy)
            if kpi == "pilot_or_beyond":
                vals.append(int((at["stage"] >= PILOT_STAGE).sum()))
            elif kpi == "average_stage":
                vals.append(round(float(at["stage"].mean()), 2) if len(at) else None)
            else:
                vals.append(int(yearly[yearly["year"] == yy]["country"].nunique()))
        rows.append({"kpi": kpi, "value": vals[0], "previous": vals[1], "year": y})
    return pd.DataFrame(rows, dtype=object)


def map_values(
    con: duckdb.DuckDBPyConnection,
    ref: Reference,
    *,
    lang: str,
    measure: str = "average",
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """One value per member country at the end of ``year`` (default: the latest full
    year): its average stage, or one module's stage; ``carried`` counts the values
    carried forward from an earlier year, ``carried_from`` the earliest of them."""
    y = year or reference_year(as_of, None).year
    m = stage_status(con, as_of=as_of, scope=scope, countries=countries, year=y)
    members = ref.countries[ref.countries["member"]]
    if countries is not None:
        members = members[members["iso3"].isin(countries)]
    if measure != "average":
        m = m[m["module"] == measure]
    g = m.groupby("country")
    vals = g["stage"].mean().round(1)
    waiting = g["awaiting"].any()
    carried = g["carried_from"].count()
    earliest = g["carried_from"].min()
    out = pd.DataFrame({"country": members["iso3"].to_numpy(), "name": members[f"name_{lang}"].to_numpy()})
    out["value"] = out["country"].map(vals).astype(float)
    out["carried"] = out["country"].map(carried).fillna(0).astype(int)
    out["carried_from"] = out["country"].map(earliest).astype("Int64")
    out["awaiting"] = out["country"].map(lambda c: bool(waiting.get(c, False)))
    return out

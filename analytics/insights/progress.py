"""Progress across the region over the years: stages per module, the modules' ranking,
cohorts compared, the average stage's trend."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from analytics.insights.membership import cohort_of
from analytics.insights.refperiod import reference_year
from analytics.insights.status import reported_progress, stage_at, stage_status, status_at, yearly_progress
from analytics.ledger.reads import PUBLISHED, Scope
from analytics.reference import Reference


def module_distribution(
    con: duckdb.DuckDBPyConnection,
    module: str,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
    years: range | None = None,
) -> pd.DataFrame:
    """year, stage, countries, carried: how many countries stood at each stage at the end
    of each year, and how many of those values were carried forward from an earlier year."""
    yearly = yearly_progress(con, as_of=as_of, scope=scope, countries=countries)
    yearly = yearly[yearly["module"] == module]
    if yearly.empty:
        return pd.DataFrame(columns=["year", "stage", "countries", "carried"])
    years = years or range(int(yearly["year"].min()), int(yearly["year"].max()) + 1)
    rows = []
    for y in years:
        at = status_at(yearly, y)
        for stage, grp in at.groupby("stage"):
            carried = int(grp["carried_from"].notna().sum())
            rows.append({"year": y, "stage": int(stage), "countries": len(grp), "carried": carried})
    return pd.DataFrame(rows, columns=["year", "stage", "countries", "carried"])


def module_ranking(
    con: duckdb.DuckDBPyConnection,
    module: str,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Countries by their stage in ``module`` at the end of ``year`` (default: the latest
    full year), with the coverage and trained staff of the report it comes from."""
    y = year or reference_year(as_of, None).year
    m = stage_status(con, as_of=as_of, scope=scope, countries=countries, year=y)
    m = m[m["module"] == module]
    cur = reported_progress(con, as_of, countries, scope)
    cur = cur[cur["module"] == module][["country", "period", "coverage_pct", "trained_staff"]]
    out = m.merge(cur, on=["country", "period"], how="left")
    return out.sort_values(["stage", "coverage_pct"], ascending=False).reset_index(drop=True)


def cohort_comparison(
    con: duckdb.DuckDBPyConnection,
    ref: Reference,
    module: str,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
) -> pd.DataFrame:
    """year, entry_route, average_stage, countries."""
    yearly = yearly_progress(con, as_of=as_of, scope=scope, countries=countries)
    yearly = yearly[yearly["module"] == module]
    if yearly.empty:
        return pd.DataFrame(columns=["year", "entry_route", "average_stage", "countries"])
    cohorts = cohort_of(ref)
    rows = []
    for y in range(int(yearly["year"].min()), int(yearly["year"].max()) + 1):
        at = stage_at(yearly, y).assign(entry_route=lambda d: d["country"].map(cohorts))
        for route, grp in at.groupby("entry_route"):
            rows.append(
                {
                    "year": y,
                    "entry_route": route,
                    "average_stage": round(float(grp["stage"].mean()), 2),
                    "countries": int(grp["country"].nunique()),
                }
            )
    return pd.DataFrame(rows)


def average_stage_trend(
    con: duckdb.DuckDBPyConnection,
    ref: Reference,
    *,
    by: str,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
) -> pd.DataFrame:
    """year, ``by`` (module or entry_route), average_stage: the stage carried forward each year."""
    yearly = yearly_progress(con, as_of=as_of, scope=scope, countries=countries)
    if yearly.empty:
        return pd.DataFrame(columns=["year", by, "average_stage"])
    yearly["entry_route"] = yearly["country"].map(cohort_of(ref))
    rows = []
    for y in range(int(yearly["year"].min()), int(yearly["year"].max()) + 1):
        at = stage_at(yearly, y)
        at = at.assign(entry_route=at["country"].map(cohort_of(ref)))
        for key, grp in at.groupby(by):
            rows.append({"year": y, by: key, "average_stage": round(float(grp["stage"].mean()), 2)})
    return pd.DataFrame(rows)

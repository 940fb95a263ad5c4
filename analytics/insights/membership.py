"""The community's facts as views: cohorts, membership over time, milestones, each module's
essential services, the SDG 5.2.1 context of a country."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.reference import Reference


def cohort_of(ref: Reference) -> dict[str, str]:
    return dict(zip(ref.countries["iso3"], ref.countries["entry_route"]))


def membership_growth(ref: Reference, *, until: int, countries: list[str] | None = None) -> pd.DataFrame:
    """year, entry_route, joined (that year), members (cumulative, all routes), for the
    member countries among ``countries`` (all when None)."""
    members = ref.countries[ref.countries["member"]]
    if countries is not None:
        members = members[members["iso3"].isin(countries)]
    joined = list(zip(members["entry_route"], members["joined_year"].astype(int)))
    rows = [
        {
            "year": year,
            "entry_route": route,
            "joined": sum(1 for r, y in joined if r == route and y == year),
            "members": sum(1 for r, y in joined if r == route and y <= year),
        }
        for year in range(2017, until + 1)
        for route in sorted({r for r, _ in joined})
    ]
    return pd.DataFrame(rows, columns=["year", "entry_route", "joined", "members"])


def milestones(con: duckdb.DuckDBPyConnection, countries: list[str] | None = None) -> pd.DataFrame:
    """The community's milestones in date order: those of the whole community, and, with
    ``countries``, only those that concern one of them."""
    ms = con.execute("SELECT * FROM milestones ORDER BY date").df()
    if countries is None:
        return ms
    wanted = set(countries)
    keep = [not c or bool(set(c.split(";")) & wanted) for c in ms["countries"].fillna("")]
    return ms[keep].reset_index(drop=True)


def services(con: duckdb.DuckDBPyConnection, module: str) -> pd.DataFrame:
    return con.execute("SELECT * FROM services WHERE module = ? ORDER BY ord", [module]).df()


def context_indicator(con: duckdb.DuckDBPyConnection, iso3: str) -> pd.DataFrame:
    return con.execute("SELECT * FROM context_indicator WHERE iso3 = ? ORDER BY age_group", [iso3]).df()

"""Questions the views ask. Each takes a connection first and returns a data frame.

Time series are yearly: a year's value is the latest report whose period falls
in that year (a 2026-Q2 report stands for 2026 until the year's report comes).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from . import clock, ledger
from .ledger import PUBLISHED, Scope
from .periods import sort_key
from .reference import Reference
from .refperiod import reference_year
from .spelling import normalise

PILOT_STAGE = 3


def _progress(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime | None,
    countries: list[str] | None,
    scope: Scope = PUBLISHED,
) -> pd.DataFrame:
    df = ledger.current(con, "progress", as_of=as_of, scope=scope, countries=countries)
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
    df = _progress(con, as_of, countries, scope)
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
    cur = _progress(con, as_of, countries, scope)
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


def challenges(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
) -> pd.DataFrame:
    df = ledger.current(con, "challenges", as_of=as_of, scope=scope, countries=countries)
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


def search(df: pd.DataFrame, text: str, columns: list[str]) -> pd.DataFrame:
    """Rows whose ``columns`` contain ``text`` (case- and accent-insensitive)."""
    needle = normalise(text or "")
    if not needle or df.empty:
        return df
    # pandas 3 keeps missing values as NaN in string columns: fill them before joining.
    hay = df[columns].fillna("").astype(str).agg(" ".join, axis=1).map(normalise)
    return df[hay.str.contains(needle, regex=False)]


def practices(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
) -> pd.DataFrame:
    df = ledger.current(con, "practices", as_of=as_of, scope=scope, countries=countries)
    df["year"] = df["period"].str[:4].astype(int)
    return df.sort_values(["period_start", "country"], ascending=[False, True]).reset_index(drop=True)


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
    blocks = ledger.current_blocks(con, as_of=as_of, scope=scope)
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
    blocks = ledger.current_blocks(con, as_of=as_of, scope=scope)
    if blocks.empty:
        return pd.DataFrame(columns=["country", "last_period", "last_committed_at"])
    blocks["k"] = blocks["period"].map(sort_key)
    g = blocks.sort_values("k").groupby("country")
    return pd.DataFrame(
        {"last_period": g["period"].last(), "last_committed_at": g["committed_at"].max()}
    ).reset_index()


def country_history(
    con: duckdb.DuckDBPyConnection, iso3: str, *, as_of: datetime | None = None
) -> pd.DataFrame:
    """Submissions that touched a country: who, when, which periods and sheets, rolled back or not."""
    h = ledger.history(con, as_of=as_of)
    return h[h["countries"].fillna("").str.split(",").map(lambda cs: iso3 in cs)].reset_index(drop=True)


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

"""Capacity development: who was trained, in which course, workshop or exchange, from
which kind of institution (the ``capacity`` sheet as it stood at a time T).

Counts are taken as reported, never inferred: a row without a women/men split adds its
participants to "not reported", and completion rates use only the rows that report
completions. Every function after ``capacity`` is a pure function of its frame, so the
app can cache it.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from analytics.i18n import t
from analytics.ledger import reads
from analytics.ledger.reads import PUBLISHED, Scope
from analytics.reference import Reference
from analytics.sheets.schema import SHEETS
from analytics.spelling import normalise

GENDER_GROUPS = ("women", "men", "not_reported")
COURSE = "COURSE"
# The community's virtual course is reported under each country's own name for it; a course
# whose name holds this word, in either language, is taken for it unless the reader chooses.
VIRTUAL_WORD = "virtual"


def capacity(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: datetime | None = None,
    scope: Scope = PUBLISHED,
    countries: list[str] | None = None,
) -> pd.DataFrame:
    """Every capacity row standing at ``as_of`` (default now), with its ``year``."""
    df = reads.current(con, "capacity", as_of=as_of, scope=scope, countries=countries)
    df["year"] = df["period"].str[:4].astype(int)
    return df.reset_index(drop=True)


def _count(series: pd.Series) -> int:
    return int(pd.to_numeric(series, errors="coerce").fillna(0).sum())


def totals(cap: pd.DataFrame) -> dict:
    """The page's headline numbers: participants, activities, countries, completion and split."""
    with_completion = cap[cap["completed"].notna()]
    with_split = cap[cap["participants_women"].notna() | cap["participants_men"].notna()]
    reported = _count(with_completion["participants_total"])
    return {
        "participants": _count(cap["participants_total"]),
        "activities": int(cap[["country", "period", "activity"]].drop_duplicates().shape[0]),
        "countries": int(cap["country"].nunique()),
        "completion_pct": round(100 * _count(with_completion["completed"]) / reported, 1)
        if reported
        else None,
        "split_participants": _count(with_split["participants_total"]),
    }


def by_country_year(cap: pd.DataFrame) -> pd.DataFrame:
    """country, year, participants, activities."""
    if cap.empty:
        return pd.DataFrame(columns=["country", "year", "participants", "activities"])
    g = cap.groupby(["country", "year"])
    out = pd.DataFrame(
        {
            "participants": g["participants_total"].sum().astype(int),
            "activities": g["activity"].nunique(),
        }
    ).reset_index()
    return out.sort_values(["country", "year"]).reset_index(drop=True)


def by_institution(cap: pd.DataFrame) -> pd.DataFrame:
    """institution_type, participants, pct (of all participants), most first."""
    if cap.empty:
        return pd.DataFrame(columns=["institution_type", "participants", "pct"])
    out = cap.groupby("institution_type", as_index=False)["participants_total"].sum()
    out = out.rename(columns={"participants_total": "participants"}).astype({"participants": int})
    total = out["participants"].sum()
    out["pct"] = (100 * out["participants"] / total).round(1) if total else 0.0
    return out.sort_values(["participants", "institution_type"], ascending=[False, True]).reset_index(
        drop=True
    )


def by_kind(cap: pd.DataFrame) -> pd.DataFrame:
    """kind, activities, participants, completed (where reported), completion_pct."""
    cols = ["kind", "activities", "participants", "completed", "completion_pct"]
    if cap.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for kind, g in cap.groupby("kind"):
        known = g[g["completed"].notna()]
        base = _count(known["participants_total"])
        rows.append(
            {
                "kind": kind,
                "activities": int(g[["country", "period", "activity"]].drop_duplicates().shape[0]),
                "participants": _count(g["participants_total"]),
                "completed": _count(known["completed"]) if len(known) else None,
                "completion_pct": round(100 * _count(known["completed"]) / base, 1) if base else None,
            }
        )
    return (
        pd.DataFrame(rows, columns=cols).sort_values("participants", ascending=False).reset_index(drop=True)
    )


def completion_by_country(cap: pd.DataFrame) -> pd.DataFrame:
    """country, participants (in rows that report completions), completed, completion_pct,
    highest first; countries that report no completions are left out."""
    cols = ["country", "participants", "completed", "completion_pct"]
    known = cap[cap["completed"].notna()]
    if known.empty:
        return pd.DataFrame(columns=cols)
    g = known.groupby("country")
    out = pd.DataFrame(
        {
            "participants": g["participants_total"].sum().astype(int),
            "completed": g["completed"].sum().astype(int),
        }
    ).reset_index()
    out = out[out["participants"] > 0]
    out["completion_pct"] = (100 * out["completed"] / out["participants"]).round(1)
    return (
        out[cols].sort_values(["completion_pct", "country"], ascending=[False, True]).reset_index(drop=True)
    )


def gender_by_year(cap: pd.DataFrame) -> pd.DataFrame:
    """year, group (women, men, not_reported), participants: women and men as reported, and
    every participant a row does not place in either ("not reported", never split by guess)."""
    if cap.empty:
        return pd.DataFrame(columns=["year", "group", "participants"])
    women = pd.to_numeric(cap["participants_women"], errors="coerce").fillna(0)
    men = pd.to_numeric(cap["participants_men"], errors="coerce").fillna(0)
    rest = pd.to_numeric(cap["participants_total"], errors="coerce").fillna(0) - women - men
    parts = pd.DataFrame(
        {"year": cap["year"], "women": women, "men": men, "not_reported": rest.clip(lower=0)}
    )
    out = (
        parts.groupby("year", as_index=False)
        .sum()
        .melt(id_vars="year", var_name="group", value_name="participants")
    )
    out["participants"] = out["participants"].astype(int)
    out["order"] = out["group"].map({g: i for i, g in enumerate(GENDER_GROUPS)})
    return out.sort_values(["year", "order"]).drop(columns="order").reset_index(drop=True)


def course_names(cap: pd.DataFrame) -> pd.DataFrame:
    """The courses reported (kind COURSE), one row per name as written: activity, countries,
    participants; most countries first."""
    cols = ["activity", "countries", "participants"]
    courses = cap[cap["kind"] == COURSE]
    if courses.empty:
        return pd.DataFrame(columns=cols)
    g = courses.groupby("activity")
    out = pd.DataFrame(
        {"countries": g["country"].nunique(), "participants": g["participants_total"].sum().astype(int)}
    ).reset_index()
    return out.sort_values(
        ["countries", "participants", "activity"], ascending=[False, False, True]
    ).reset_index(drop=True)


def virtual_course_names(names: pd.DataFrame) -> list[str]:
    """The course names taken for the community's virtual course (the word "virtual" in them)."""
    return [a for a in names["activity"] if VIRTUAL_WORD in normalise(a).split()]


def course_reach(cap: pd.DataFrame, activities: list[str], members: pd.DataFrame) -> pd.DataFrame:
    """Per member country (``members``: iso3, joined_year): participants and completions in the
    chosen courses, and the first year it took part (none when it has not)."""
    courses = cap[(cap["kind"] == COURSE) & cap["activity"].isin(activities)]
    g = courses.groupby("country")
    got = pd.DataFrame(
        {
            "participants": g["participants_total"].sum(),
            "completed": g["completed"].sum(min_count=1),
            "first_year": g["year"].min(),
        }
    )
    out = pd.DataFrame({"country": members["iso3"].to_numpy()}).merge(
        got, left_on="country", right_index=True, how="left"
    )
    out["participants"] = out["participants"].fillna(0).astype(int)
    out["first_year"] = out["first_year"].astype("Int64")
    out["completed"] = out["completed"].astype("Int64")
    return out.sort_values(["participants", "country"], ascending=[False, True]).reset_index(drop=True)


def course_by_year(cap: pd.DataFrame, activities: list[str]) -> pd.DataFrame:
    """year, participants, countries (that year), countries_so_far (reached by then)."""
    cols = ["year", "participants", "countries", "countries_so_far"]
    courses = cap[(cap["kind"] == COURSE) & cap["activity"].isin(activities)]
    if courses.empty:
        return pd.DataFrame(columns=cols)
    rows, seen = [], set()
    for year, g in courses.groupby("year"):
        seen |= set(g["country"])
        rows.append(
            {
                "year": int(year),
                "participants": _count(g["participants_total"]),
                "countries": int(g["country"].nunique()),
                "countries_so_far": len(seen),
            }
        )
    return pd.DataFrame(rows, columns=cols)


# --- sentences -----------------------------------------------------------------------------


def trained_sentence(per: pd.DataFrame, ref: Reference, lang: str) -> str:
    """People trained per country and year, in one sentence."""
    if per.empty:
        return t("ui.no_data", lang)
    by_country = per.groupby("country")["participants"].sum().sort_values(ascending=False)
    return t(
        "capacity.trained_summary",
        lang,
        n=int(per["participants"].sum()),
        countries=int(per["country"].nunique()),
        first=int(per["year"].min()),
        last=int(per["year"].max()),
        top=ref.country_name(str(by_country.index[0]), lang),
        top_n=int(by_country.iloc[0]),
    )


def institution_sentence(inst: pd.DataFrame, ref: Reference, lang: str) -> str:
    if inst.empty or not inst["participants"].sum():
        return t("ui.no_data", lang)
    top = inst.iloc[0]
    return t(
        "capacity.institution_summary",
        lang,
        institution=ref.labels("institution_type", lang).get(
            top["institution_type"], top["institution_type"]
        ),
        pct=f"{top['pct']:.0f}",
        n=int(top["participants"]),
    )


def kind_sentence(kinds: pd.DataFrame, ref: Reference, lang: str) -> str:
    if kinds.empty:
        return t("ui.no_data", lang)
    top = kinds.iloc[0]
    return t(
        "capacity.kind_summary",
        lang,
        kind=ref.labels("activity_kind", lang).get(top["kind"], top["kind"]),
        n=int(top["participants"]),
        activities=int(top["activities"]),
    )


def completion_sentence(comp: pd.DataFrame, total_participants: int, ref: Reference, lang: str) -> str:
    if comp.empty:
        return t("capacity.completion_none", lang)
    known = int(comp["participants"].sum())
    return t(
        "capacity.completion_summary",
        lang,
        pct=f"{100 * comp['completed'].sum() / known:.0f}",
        known=known,
        total=total_participants,
        top=ref.country_name(str(comp.iloc[0]["country"]), lang),
        top_pct=f"{comp.iloc[0]['completion_pct']:.0f}",
    )


def gender_sentence(gender: pd.DataFrame, lang: str) -> str:
    if gender.empty or not gender["participants"].sum():
        return t("ui.no_data", lang)
    sums = gender.groupby("group")["participants"].sum()
    total = int(sums.sum())
    return t(
        "capacity.gender_summary",
        lang,
        women=int(sums.get("women", 0)),
        men=int(sums.get("men", 0)),
        not_reported=int(sums.get("not_reported", 0)),
        pct=f"{100 * sums.get('not_reported', 0) / total:.0f}",
    )


def reach_sentence(reach: pd.DataFrame, per_year: pd.DataFrame, lang: str) -> str:
    reached = reach[reach["participants"] > 0]
    if reached.empty or per_year.empty:
        return t("capacity.reach_none", lang)
    return t(
        "capacity.reach_summary",
        lang,
        countries=len(reached),
        members=len(reach),
        n=int(reached["participants"].sum()),
        first=int(per_year["year"].min()),
        last=int(per_year["year"].max()),
    )


# --- what the charts and tables show -------------------------------------------------------------


def completion_bars(comp: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """label (country), value (%), text ("78 %"), hover ("78 % (410 of 527)"), highest first."""
    return pd.DataFrame(
        {
            "label": [ref.country_name(c, lang) for c in comp["country"]],
            "value": comp["completion_pct"].astype(float),
            "text": [f"{p:.0f} %" if lang == "es" else f"{p:.0f}%" for p in comp["completion_pct"]],
            "hover": [
                t("capacity.completion_text", lang, pct=f"{p:.0f}", completed=int(d), participants=int(n))
                for p, d, n in zip(comp["completion_pct"], comp["completed"], comp["participants"])
            ],
        }
    )


def institution_bars(inst: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """label (institution type), value (participants), text ("6,344 · 79 %"), most first."""
    labels = ref.labels("institution_type", lang)
    return pd.DataFrame(
        {
            "label": [labels.get(k, k) for k in inst["institution_type"]],
            "value": inst["participants"].astype(float),
            "text": [
                t("capacity.institution_text", lang, n=int(n), pct=f"{p:.0f}")
                for n, p in zip(inst["participants"], inst["pct"])
            ],
        }
    )


def reach_bars(reach: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """label (country), value (participants), text (how many, since when; or none reported)."""
    return pd.DataFrame(
        {
            "label": [ref.country_name(c, lang) for c in reach["country"]],
            "value": reach["participants"].astype(float),
            "text": [
                t("capacity.reach_country_text", lang, n=int(n), year=int(y))
                if n
                else t("capacity.reach_country_never", lang)
                for n, y in zip(reach["participants"], reach["first_year"].fillna(0))
            ],
        }
    )


def kind_bars(kinds: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """label (kind of activity), value (participants), text ("4,919 · 82 activities"), most first."""
    labels = ref.labels("activity_kind", lang)
    return pd.DataFrame(
        {
            "label": [labels.get(k, k) for k in kinds["kind"]],
            "value": kinds["participants"].astype(float),
            "text": [
                t("capacity.kind_text", lang, n=int(n), activities=int(a))
                for n, a in zip(kinds["participants"], kinds["activities"])
            ],
        }
    )


def year_sentence(per_year: pd.DataFrame, lang: str) -> str:
    if per_year.empty:
        return t("capacity.reach_none", lang)
    last = per_year.iloc[-1]
    return t(
        "capacity.reach_year_summary",
        lang,
        year=int(last["year"]),
        n=int(last["participants"]),
        countries=int(last["countries"]),
        so_far=int(last["countries_so_far"]),
    )


def gender_labels(lang: str) -> dict[str, str]:
    return {g: t(f"capacity.group_{g}", lang) for g in GENDER_GROUPS}


def activity_list(cap: pd.DataFrame) -> pd.DataFrame:
    """The rows as the page lists them: newest first, the sheet's columns (its declaration)."""
    columns = SHEETS["capacity"].value_columns
    return cap.sort_values(["period_start", "country"], ascending=[False, True], kind="stable")[
        columns
    ].reset_index(drop=True)

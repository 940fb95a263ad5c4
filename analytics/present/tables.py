"""Tables as the pages show them: codes turned into labels in the reader's language,
rows in reading order. Pure functions of frames, so the app can cache them."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.i18n import t
from analytics.reference import Reference
from analytics.sheets.kinds import KINDS, show
from analytics.sheets.schema import SHEETS


def _labelled(df: pd.DataFrame, ref: Reference, lang: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """``df`` with each of ``columns`` (named as its vocabulary domain) shown as its label."""
    return df.assign(**{col: df[col].map(ref.labels(col, lang)) for col in columns})


def challenges(ch: pd.DataFrame, ref: Reference, lang: str, *, with_country: bool = True) -> pd.DataFrame:
    """Newest first, every code as its label."""
    view = ch.sort_values("period_start", ascending=False, kind="stable")
    view = _labelled(view, ref, lang, ("module", "category", "severity", "status"))
    view = view.assign(country=[ref.country_name(x, lang) for x in view["country"]])
    columns = ["country", "period", "module", "category", "severity", "status", "description"]
    return view[columns[0 if with_country else 1 :] + _kept_awaiting(view)].reset_index(drop=True)


def practices(pr: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    return _labelled(pr, ref, lang, ("module",))[
        ["period", "module", "title", "description", "url", *_kept_awaiting(pr)]
    ].reset_index(drop=True)


def _kept_awaiting(df: pd.DataFrame) -> list[str]:
    """The ``awaiting`` column, where the rows have one (views that include what awaits review)."""
    return ["awaiting"] if "awaiting" in df else []


def awaiting_count(df: pd.DataFrame) -> int:
    """How many rows come from submissions awaiting review."""
    return int(df["awaiting"].fillna(False).astype(bool).sum()) if "awaiting" in df else 0


def mark_awaiting(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A table's ``awaiting`` column (by that name or its label) in words, or gone when no
    row awaits review (so tables of published data look as they always did)."""
    for name in ("awaiting", t("col.awaiting", lang)):
        if name in df and pd.api.types.is_bool_dtype(df[name].infer_objects()):
            flags = df[name].fillna(False).astype(bool)
            if not flags.any():
                return df.drop(columns=name)
            word = t("review.awaiting_cell", lang)
            return df.assign(**{name: [word if f else "" for f in flags]})
    return df


def country_history(hist: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A country's submissions, newest first, each with its state (awaiting review, published,
    returned, rolled back)."""
    view = hist[
        [
            "id",
            "committed_at",
            "uploaded_by",
            "file_name",
            "periods",
            "sheets",
            "rows",
            "rolled_back_at",
            "status",
        ]
    ].sort_values("id", ascending=False)
    return view.assign(status=[t(f"review.status_{s}", lang) for s in view["status"]]).reset_index(drop=True)


def shared_challenges(
    shared: pd.DataFrame, ref: Reference, lang: str, module_labels: dict[str, str]
) -> pd.DataFrame:
    return shared.assign(
        category=shared["category"].map(ref.labels("category", lang)),
        module=shared["module"].map(module_labels),
    ).reset_index(drop=True)


def labelled_rows(df: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """Rows of any sheet with each coded column shown as its label (countries by name)."""
    kinds_by_key = {col.key: col for spec in SHEETS.values() for col in spec.columns}
    out = df.copy()
    for name in out.columns:
        col = kinds_by_key.get(name)
        if col is None or not KINDS[col.kind].labelled:
            continue
        out[name] = [show(v, col, ref, lang) for v in out[name].tolist()]
    return out


def changed_values(changed: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """A preview's changed values with the row key in words: the module (and for a
    challenge its category, for a capacity activity its institution type) as labels, not codes."""
    mods, cats = ref.labels("module", lang), ref.labels("category", lang)
    institutions = ref.labels("institution_type", lang)

    def key(sheet: str, text: str) -> str:
        parts = str(text).split(" / ", 2 if sheet == "challenges" else 1)
        parts[0] = mods.get(parts[0], parts[0])
        if sheet == "challenges" and len(parts) > 1:
            parts[1] = cats.get(parts[1], parts[1])
        if sheet == "capacity" and len(parts) > 1:  # module / activity (may hold " / ") / institution
            activity, _, institution = parts[1].rpartition(" / ")
            parts[1] = f"{activity} / {institutions.get(institution, institution)}"
        return " / ".join(parts)

    return changed.assign(key=[key(s, k) for s, k in zip(changed["sheet"], changed["key"])])


def members(ref: Reference, lang: str) -> pd.DataFrame:
    """Member countries in alphabetical order of their name in ``lang``, indexed by ISO3."""
    return ref.members(lang).set_index("iso3", drop=False)


def within_years(df: pd.DataFrame, year_from: int | None, year_to: int | None) -> pd.DataFrame:
    if year_from:
        df = df[df["year"] >= year_from]
    if year_to:
        df = df[df["year"] <= year_to]
    return df


def latest_by_module(yearly: pd.DataFrame) -> dict:
    """The year of the newest report and, per module at its latest year, mean coverage
    and total trained staff (the country page's two sentences). Both columns are optional:
    a measure no module reported is ``None``, never 0."""
    latest = yearly.sort_values("year").groupby("module").tail(1)
    coverage = latest["coverage_pct"].dropna()
    staff = latest["trained_staff"].dropna()
    return {
        "year": int(yearly["year"].max()),
        "coverage": float(coverage.mean()) if len(coverage) else None,
        "staff": int(staff.sum()) if len(staff) else None,
    }


def filter_history(
    hist: pd.DataFrame,
    *,
    countries: list[str],
    uploaders: list[str],
    period: str,
    days: tuple[date, date] | None,
    status: str,
) -> pd.DataFrame:
    """The submissions list narrowed by the administrator's filters (empty filters keep all)."""
    view = hist
    if countries:
        wanted = set(countries)
        view = view[view["countries"].fillna("").map(lambda s: bool(set(s.split(",")) & wanted))]
    if uploaders:
        view = view[view["uploaded_by"].isin(uploaders)]
    if period.strip():
        view = view[view["periods"].fillna("").str.contains(period.strip(), regex=False)]
    if days is not None:
        day = view["committed_at"].dt.date
        view = view[(day >= days[0]) & (day <= days[1])]
    if status != "all":
        view = view[view["status"] == status]
    return view


def rollback_effect(effect: pd.DataFrame, submission_id: int, ref: Reference, lang: str) -> pd.DataFrame:
    """What rolling ``submission_id`` back does to each of its reports, in words."""

    def shown(value: object) -> str:
        return t("admin.report_none", lang) if pd.isna(value) else f"#{int(value)}"

    def outcome(now: object, after: object) -> str:
        if pd.isna(now):
            return t("admin.effect_none_shown", lang)
        if int(now) > submission_id:
            return t("admin.effect_replaced", lang, id=shown(now))
        if int(now) != submission_id:
            return t("admin.effect_other_shown", lang, id=shown(now))
        return (
            t("admin.effect_back", lang, id=shown(after))
            if pd.notna(after)
            else t("admin.effect_empty", lang)
        )

    return pd.DataFrame(
        {
            "country": [ref.country_name(c, lang) for c in effect["country"]],
            "period": effect["period"],
            "sheet": [t(f"snapshot.table.{s}", lang) for s in effect["sheet"]],
            "shown_now": [shown(v) for v in effect["shown_now"]],
            "after": [outcome(n, a) for n, a in zip(effect["shown_now"], effect["shown_after"])],
        }
    )


def review_by_period(states: pd.DataFrame, year: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """One year's review state per country and period: whether the country was expected to
    report, how many submissions await review, were approved or returned, and the date of
    the last action. ``year`` is that year's completeness rows (country, year, expected);
    an expected country with no submission that year gets a row of zeros."""
    y = int(year["year"].iloc[0]) if len(year) else None
    expected = dict(zip(year["country"], year["expected"]))
    got = states[(states["year"] == y) & states["country"].isin(list(expected))]
    missing = [c for c, e in expected.items() if e and c not in set(got["country"])]
    blank = pd.DataFrame({"country": missing, "period": str(y), "submitted": 0, "approved": 0, "returned": 0})
    rows = pd.concat([got, blank], ignore_index=True) if missing else got
    rows = rows.assign(name=[ref.country_name(c, lang) for c in rows["country"]]).sort_values(
        ["name", "period"]
    )
    yes, no = t("completeness.yes", lang), t("completeness.not_member", lang)
    return pd.DataFrame(
        {
            "country": rows["name"],
            "period": rows["period"],
            "expected": [yes if expected.get(c) else no for c in rows["country"]],
            "submitted": rows["submitted"].astype(int),
            "approved": rows["approved"].astype(int),
            "returned": rows["returned"].astype(int),
            "last_action_at": rows.get("last_action_at", pd.Series(pd.NaT, index=rows.index)),
        }
    ).reset_index(drop=True)

"""View filters shared by every page and export: which countries, modules, years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.i18n import lang_or_default
from analytics.spelling import normalise

SPOTLIGHT_CHOICES = ("all", "yes", "no")


@dataclass(frozen=True)
class Filters:
    """What a snapshot or view is restricted to; empty means everything."""

    countries: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    period_from: int | None = None
    period_to: int | None = None

    def describe(self) -> str:
        parts = []
        if self.countries:
            parts.append("countries=" + ",".join(self.countries))
        if self.modules:
            parts.append("modules=" + ",".join(self.modules))
        if self.period_from is not None or self.period_to is not None:
            parts.append(f"years={self.period_from or ''}-{self.period_to or ''}")
        return "; ".join(parts) or "none"

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        if df.empty:
            return df
        mask = pd.Series(True, index=df.index)
        if self.countries and "country" in df:
            mask &= df["country"].isin(self.countries)
        if self.modules and "module" in df:
            mask &= df["module"].isin(self.modules + ("CROSS",))
        if "period" in df and (self.period_from is not None or self.period_to is not None):
            years = df["period"].astype(str).str[:4].astype(int)
            if self.period_from is not None:
                mask &= years >= self.period_from
            if self.period_to is not None:
                mask &= years <= self.period_to
        return df[mask]


@dataclass(frozen=True)
class ViewState:
    """Everything the sidebar sets; round-trips through the URL."""

    lang: str = "es"
    as_of: str | None = None  # ISO date, None = now
    year_from: int | None = None
    year_to: int | None = None
    countries: tuple[str, ...] = ()
    subregions: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()
    spotlight: str = "all"
    pending: bool = False  # include submissions awaiting review (only for those allowed)


def resolve_countries(countries: pd.DataFrame, state: ViewState) -> list[str]:
    """Member ISO3 codes that pass the country, sub-region, cohort and Spotlight filters."""
    spotlight = {"yes": True, "no": False}.get(state.spotlight)
    return sorted(
        iso3
        for iso3, member, subregion, route, spot in zip(
            countries["iso3"].tolist(),
            countries["member"].tolist(),
            countries["subregion"].tolist(),
            countries["entry_route"].tolist(),
            countries["spotlight"].tolist(),
            strict=True,
        )
        if member
        and (not state.countries or iso3 in state.countries)
        and (not state.subregions or subregion in state.subregions)
        and (not state.cohorts or route in state.cohorts)
        and (spotlight is None or spot == spotlight)
    )


def to_filters(countries: pd.DataFrame, state: ViewState, chosen: list[str] | None = None) -> Filters:
    """The query filters of ``state``; ``chosen``: its countries (``resolve_countries``),
    where the caller has them already."""
    all_members = sorted(
        i for i, m in zip(countries["iso3"].tolist(), countries["member"].tolist(), strict=True) if m
    )
    chosen = resolve_countries(countries, state) if chosen is None else chosen
    return Filters(
        countries=tuple(chosen) if chosen != all_members else (),
        period_from=state.year_from,
        period_to=state.year_to,
    )


def to_query_params(state: ViewState) -> dict[str, str]:
    out: dict[str, str] = {"lang": state.lang}
    if state.as_of:
        out["as_of"] = state.as_of
    if state.year_from is not None:
        out["from"] = str(state.year_from)
    if state.year_to is not None:
        out["to"] = str(state.year_to)
    for key, values in (
        ("countries", state.countries),
        ("subregion", state.subregions),
        ("cohort", state.cohorts),
    ):
        if values:
            out[key] = ",".join(values)
    if state.spotlight != "all":
        out["spotlight"] = state.spotlight
    if state.pending:
        out["pending"] = "1"
    return out


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def from_query_params(
    params: dict[str, str], *, known_countries: set[str], known_subregions: set[str], known_cohorts: set[str]
) -> ViewState:
    """Parse URL parameters, dropping anything unknown (links are user input)."""

    def listed(key: str, allowed: set[str]) -> tuple[str, ...]:
        raw = params.get(key) or ""
        return tuple(v for v in (x.strip() for x in raw.split(",")) if v in allowed)

    lang = lang_or_default(params.get("lang"))
    as_of = params.get("as_of")
    if as_of:
        try:
            as_of = date.fromisoformat(as_of).isoformat()
        except ValueError:
            as_of = None
    spotlight = params.get("spotlight") if params.get("spotlight") in SPOTLIGHT_CHOICES else "all"
    return ViewState(
        lang=lang,
        as_of=as_of or None,
        year_from=_int(params.get("from")),
        year_to=_int(params.get("to")),
        countries=listed("countries", known_countries),
        subregions=listed("subregion", known_subregions),
        cohorts=listed("cohort", known_cohorts),
        spotlight=spotlight,
        pending=(params.get("pending") or "").strip().lower() in ("1", "true", "yes"),
    )


def search(df: pd.DataFrame, text: str, columns: list[str]) -> pd.DataFrame:
    """Rows whose ``columns`` contain ``text`` (case- and accent-insensitive)."""
    needle = normalise(text or "")
    if not needle or df.empty:
        return df
    # pandas 3 keeps missing values as NaN in string columns: fill them before joining.
    hay = df[columns].fillna("").astype(str).agg(" ".join, axis=1).map(normalise)
    return df[hay.str.contains(needle, regex=False)]

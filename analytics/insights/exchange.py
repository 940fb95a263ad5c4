"""Exchange between countries: which promising practices were adapted from which countries.

A practice's ``adopted_from`` names the countries whose practice it adapts (ISO3 codes
joined by ";"); each (source country, adopting country) pair is one adaptation, an edge
of "who learned from whom". The sheet names the source country, not its practice: the
source's practice is taken to be its practice in the same module (the closest title when
it has several), else its practice with a close title (``CLOSE_TITLE``); when there is
none, the adaptation stays an edge between countries and appears on no practice card. A
practice that names its own country is not an exchange between countries and is left out.
Pure functions of the ``queries.practices`` frame, so the app can cache them.
"""

from __future__ import annotations

import difflib

import pandas as pd

from analytics.i18n import sort_key, t
from analytics.reference import Reference
from analytics.sheets.kinds import COUNTRY_SEPARATOR
from analytics.spelling import normalise

CLOSE_TITLE = 0.6
EDGE_COLUMNS = [
    "source",
    "adopter",
    "module",
    "title",
    "period",
    "year",
    "submission_id",
    "row_number",
    "source_submission_id",
    "source_row_number",
    "source_title",
]


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b)).ratio()


def _source_practice(candidates: pd.DataFrame, module: str, title: str) -> pd.Series | None:
    """The source country's practice an adaptation most likely came from (see the module doc)."""
    same = candidates[candidates["module"] == module]
    pool = same if len(same) else candidates
    if pool.empty:
        return None
    scores = [_similarity(title, other) for other in pool["title"]]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if same.empty and scores[best] < CLOSE_TITLE:
        return None
    return pool.iloc[best]


def edges(pr: pd.DataFrame) -> pd.DataFrame:
    """One row per (adopting practice, source country): who adapted what from whom, and the
    source's practice it came from where one can be told (``source_*`` columns, else empty)."""
    if pr.empty or "adopted_from" not in pr:
        return pd.DataFrame(columns=EDGE_COLUMNS)
    by_country = {c: g for c, g in pr.groupby("country")}
    rows = []
    for r in pr[pr["adopted_from"].notna()].to_dict("records"):
        for source in str(r["adopted_from"]).split(COUNTRY_SEPARATOR):
            if not source or source == r["country"]:
                continue
            match = _source_practice(by_country.get(source, pr.iloc[0:0]), r["module"], r["title"])
            rows.append(
                {
                    "source": source,
                    "adopter": r["country"],
                    "module": r["module"],
                    "title": r["title"],
                    "period": r["period"],
                    "year": int(str(r["period"])[:4]),
                    "submission_id": r["submission_id"],
                    "row_number": r["row_number"],
                    "source_submission_id": None if match is None else match["submission_id"],
                    "source_row_number": None if match is None else match["row_number"],
                    "source_title": None if match is None else match["title"],
                }
            )
    out = pd.DataFrame(rows, columns=EDGE_COLUMNS)
    for col in ("source_submission_id", "source_row_number"):
        out[col] = out[col].astype("Int64")
    return out.sort_values(["year", "source", "adopter"]).reset_index(drop=True)


def within(
    edge: pd.DataFrame, countries: list[str] | None, year_from: int | None, year_to: int | None
) -> pd.DataFrame:
    """Adaptations that touch one of ``countries`` (as source or adopter; None = all), made
    (the adopting practice's year) within the years."""
    out = edge
    if countries is not None:
        out = out[out["source"].isin(countries) | out["adopter"].isin(countries)]
    if year_from:
        out = out[out["year"] >= year_from]
    if year_to:
        out = out[out["year"] <= year_to]
    return out.reset_index(drop=True)


def flows(edge: pd.DataFrame) -> pd.DataFrame:
    """source, adopter, practices (how many adaptations), titles (the adopting practices')."""
    cols = ["source", "adopter", "practices", "titles"]
    if edge.empty:
        return pd.DataFrame(columns=cols)
    g = edge.groupby(["source", "adopter"])
    out = pd.DataFrame(
        {"practices": g.size(), "titles": g["title"].agg(lambda s: "; ".join(dict.fromkeys(s)))}
    ).reset_index()
    return (
        out[cols]
        .sort_values(["practices", "source", "adopter"], ascending=[False, True, True])
        .reset_index(drop=True)
    )


def adopters_by_practice(edge: pd.DataFrame) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """(submission_id, row_number) of a source practice → [(adopting country, period), …],
    earliest first: the countries that adapted it."""
    out: dict[tuple[int, int], list[tuple[str, str]]] = {}
    known = edge[edge["source_submission_id"].notna()].sort_values(["year", "period", "adopter"])
    for r in known.itertuples():
        key = (int(r.source_submission_id), int(r.source_row_number))
        if (r.adopter, r.period) not in out.setdefault(key, []):
            out[key].append((r.adopter, r.period))
    return out


def took_and_gave(edge: pd.DataFrame, iso3: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What ``iso3`` took from others (its practices' sources) and gave to others (who adapted
    its practices): two frames of edges, newest first."""
    took = edge[edge["adopter"] == iso3].sort_values(["year", "period"], ascending=False)
    gave = edge[edge["source"] == iso3].sort_values(["year", "period"], ascending=False)
    return took.reset_index(drop=True), gave.reset_index(drop=True)


# --- tables and sentences --------------------------------------------------------------------


def flows_table(flow: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """The flows as the page shows them: learned_from, adapted_by (country names), practices, titles."""
    return pd.DataFrame(
        {
            "learned_from": [ref.country_name(c, lang) for c in flow["source"]],
            "adapted_by": [ref.country_name(c, lang) for c in flow["adopter"]],
            "practices": flow["practices"],
            "titles": flow["titles"],
        }
    )


def exchange_table(edge: pd.DataFrame, ref: Reference, lang: str, *, side: str) -> pd.DataFrame:
    """A country's adaptations: the other country (``side``: ``source`` for what it took, shown
    as learned_from; ``adopter`` for what it gave, shown as adapted_by), the module, the
    adapting practice's title, the original practice's and the period."""
    mods = ref.labels("module", lang)
    return pd.DataFrame(
        {
            ("learned_from" if side == "source" else "adapted_by"): [
                ref.country_name(c, lang) for c in edge[side]
            ],
            "module": [mods.get(m, m) for m in edge["module"]],
            "title": edge["title"],
            "source_title": edge["source_title"],
            "period": edge["period"],
        }
    )


def flow_sentence(flow: pd.DataFrame, ref: Reference, lang: str) -> str:
    if flow.empty:
        return t("exchange.none", lang)
    taught = flow.groupby("source")["adopter"].nunique()
    most = sorted(
        (ref.country_name(c, lang) for c in taught[taught == taught.max()].index),
        key=lambda n: sort_key(n, lang),
    )
    countries = set(flow["source"]) | set(flow["adopter"])
    return t(
        "exchange.flow_summary",
        lang,
        n=int(flow["practices"].sum()),
        countries=len(countries),
        top=", ".join(most),
        top_n=int(taught.max()),
    )


def country_sentence(took: pd.DataFrame, gave: pd.DataFrame, name: str, ref: Reference, lang: str) -> str:
    """What a country took from others and gave to others, in two sentences."""

    def countries(codes: pd.Series) -> str:
        return ", ".join(ref.country_name(c, lang) for c in dict.fromkeys(codes))

    first = (
        t("exchange.country_took", lang, country=name, sources=countries(took["source"]), n=len(took))
        if len(took)
        else t("exchange.country_took_none", lang, country=name)
    )
    second = (
        t("exchange.country_gave", lang, country=name, adopters=countries(gave["adopter"]), n=len(gave))
        if len(gave)
        else t("exchange.country_gave_none", lang, country=name)
    )
    return f"{first} {second}"

"""Reporting completeness: who was expected each year, who reported what, and when."""

import pandas as pd
import streamlit as st

from analytics import charts, clock, pending, queries, summaries, tables
from webui import cache, widgets
from webui.context import ctx


def render() -> None:
    """The page; returns early where the flow cannot go on (so the frame's footer still draws)."""
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.completeness"))
    st.caption(c.t("completeness.intro"))

    comp = cache.derived(
        tables.within_years,
        cache.cached(queries.completeness, ref, as_of=c.as_of, scope=c.scope, countries=c.countries),
        c.state.year_from,
        c.state.year_to,
    )
    if comp.empty:
        widgets.no_data(c)
        return

    # 1. Year × country grid
    last_full = (
        int(comp["year"].max()) - 1 if (c.as_of or clock.now()).month < 12 else int(comp["year"].max())
    )
    last_full = max(last_full, int(comp["year"].min()))
    fig = cache.figure(charts.completeness, comp, ref, lang, open_year=(c.as_of or clock.now()).year)
    widgets.chart_block(
        c,
        fig,
        comp,
        summaries.completeness_sentence(comp, last_full, lang),
        key="completeness_grid",
        awaiting=tables.awaiting_count(comp),
    )

    # 2. One year in detail
    years = sorted(comp["year"].unique(), reverse=True)
    year = st.selectbox(
        c.t("completeness.year"), years, index=years.index(last_full) if last_full in years else 0
    )
    detail = comp[comp["year"] == year].copy()
    yes = c.t("completeness.yes")
    view = pd.DataFrame(
        {
            "country": detail["country"].map(lambda x: ref.country_name(x, lang)),
            "expected": detail["expected"].map({True: yes, False: c.t("completeness.not_member")}),
            "progress": detail["progress"].map({True: "✓", False: "✗"}),
            "challenges": detail["challenges"].map({True: "✓", False: "✗"}),
            "practices": detail["practices"].map({True: "✓", False: "✗"}),
            "reported_at": detail["reported_at"].map(lambda d: "" if pd.isna(d) else str(d)[:16]),
            "awaiting": detail["awaiting"],
        }
    )
    widgets.show_table(
        view.rename(columns=lambda x: c.t(f"col.{x}")),
        key="completeness_year",
        file_name=f"completeness_{year}",
    )

    # 3. Review: per country and period of that year, what awaits review, was approved or returned
    st.subheader(c.t("completeness.review_title"))
    st.caption(c.t("completeness.review_intro"))
    states = cache.cached(pending.status_by_period, as_of=c.as_of)
    widgets.show_table(
        cache.derived(tables.review_by_period, states, detail, ref, lang).rename(
            columns=lambda x: c.t(f"col.{x}")
        ),
        key="completeness_review",
        file_name=f"review_{year}",
    )

    # 4. Last report per country (the badge the overview and profiles reuse)
    st.subheader(c.t("completeness.last_title"))
    last = cache.cached(queries.last_reported, as_of=c.as_of, scope=c.scope)
    last = last[last["country"].isin(c.countries)].assign(
        country=lambda d: d["country"].map(lambda x: ref.country_name(x, lang)),
        last_committed_at=lambda d: d["last_committed_at"].map(lambda x: str(x)[:16]),
    )
    widgets.show_table(
        last.rename(columns=lambda x: c.t(f"col.{x}")), key="completeness_last", file_name="last_reported"
    )


render()

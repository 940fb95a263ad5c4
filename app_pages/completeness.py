"""Reporting completeness: who was expected each year, who reported what, and when."""

import pandas as pd
import streamlit as st

from analytics import clock
from analytics.figures import charts
from analytics.i18n import sort_key
from analytics.insights import completeness
from analytics.ledger import pending
from analytics.present import summaries, tables
from webui import cache, urlstate, widgets
from webui.context import ctx


def render() -> None:
    """The page; returns early where the flow cannot go on (so the frame's footer still draws)."""
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.completeness"))
    st.caption(c.t("completeness.intro"))

    comp = cache.derived(
        tables.within_years,
        cache.cached(completeness.completeness, ref, as_of=c.as_of, scope=c.scope, countries=c.countries),
        c.state.year_from,
        c.state.year_to,
    )
    if comp.empty:
        widgets.no_data(c)
        return

    # 1. The year in detail: the latest full year unless the reader picks another (in the URL)
    open_year = (c.as_of or clock.now()).year
    years = sorted((int(y) for y in comp["year"].unique()), reverse=True)
    default = c.year.year if c.year.year in years else years[0]
    wanted = urlstate.page_param("year")
    year = st.selectbox(
        c.t("completeness.year"),
        years,
        index=years.index(int(wanted) if wanted and wanted.isdigit() and int(wanted) in years else default),
        format_func=lambda y: c.t("completeness.year_under_way", year=y) if y >= open_year else str(y),
        key="completeness_year_pick",
    )
    urlstate.sync_url({"year": str(year) if year != default else ""})

    # 2. Year × country grid (the year under way says so: its reports are not all in yet)
    fig = cache.figure(charts.completeness, comp, ref, lang, open_year=open_year)
    widgets.chart_block(
        c,
        fig,
        comp,
        summaries.completeness_sentence(comp, year, lang, under_way=year >= open_year),
        key="completeness_grid",
        awaiting=tables.awaiting_count(comp),
    )

    # 3. That year, country by country
    st.subheader(c.t("completeness.detail_title", year=year))
    detail = comp[comp["year"] == year].copy()
    yes = c.t("completeness.yes")
    pending_mark = c.t("completeness.pending_mark") if year >= open_year else "✗"
    view = pd.DataFrame(
        {
            "country": detail["country"].map(lambda x: ref.country_name(x, lang)),
            "expected": detail["expected"].map({True: yes, False: c.t("completeness.not_member")}),
            **{
                sheet: [
                    "✓" if got else (pending_mark if exp else "")
                    for got, exp in zip(detail[sheet], detail["expected"])
                ]
                for sheet in ("progress", "challenges", "practices")
            },
            "reported_at": detail["reported_at"],
            "awaiting": detail["awaiting"],
        }
    ).sort_values("country", key=lambda names: names.map(lambda n: sort_key(n, lang)))
    if year >= open_year:
        st.caption(c.t("completeness.under_way_note", year=year))
    widgets.show_table(view, key="completeness_year", file_name=f"completeness_{year}")

    # 4. Review: per country and period of that year, what awaits review, was approved or returned
    st.subheader(c.t("completeness.review_title"))
    st.caption(c.t("completeness.review_intro"))
    states = cache.cached(pending.status_by_period, as_of=c.as_of)
    widgets.show_table(
        cache.derived(tables.review_by_period, states, detail, ref, lang),
        key="completeness_review",
        file_name=f"review_{year}",
    )

    # 5. Last report per country (the badge the overview and profiles reuse)
    st.subheader(c.t("completeness.last_title"))
    last = cache.cached(completeness.last_reported, as_of=c.as_of, scope=c.scope)
    last = last[last["country"].isin(c.countries)]
    last = last.iloc[last["country"].map(lambda x: sort_key(ref.country_name(x, lang), lang)).argsort()]
    widgets.show_table(last, key="completeness_last", file_name="last_reported")


render()

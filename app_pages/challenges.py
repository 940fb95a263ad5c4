"""Challenges: category × module, trend, severity and status, shared challenges, searchable list."""

import streamlit as st

from analytics import clock
from analytics.figures import charts
from analytics.insights import challenges, filters
from analytics.present import summaries, tables
from analytics.reference import short_module_names
from webui import cache, urlstate, widgets
from webui.context import ctx


def render() -> None:
    """The page; returns early where the flow cannot go on (so the frame's footer still draws)."""
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.challenges"))

    ch = cache.cached(
        challenges.challenges,
        as_of=c.as_of,
        scope=c.scope,
        countries=c.countries,
        year_from=c.state.year_from,
        year_to=c.state.year_to,
    )
    if ch.empty:
        widgets.no_data(c)
        return
    cats = ref.labels("category", lang)
    mods = short_module_names(lang)
    waiting = tables.awaiting_count(ch)  # challenges awaiting review (the charts' notes)
    st.markdown(widgets.md_escape(cache.derived(summaries.challenges_sentence, ch, ref, lang)))

    # 1. Category × module
    hm = cache.derived(challenges.challenge_heatmap, ch)
    fig = cache.figure(
        charts.heatmap,
        hm,
        lang=lang,
        x="module",
        y="category",
        value="count",
        x_labels=mods,
        y_labels=cats,
        title=c.t("challenges.heatmap_title"),
        colorbar=c.t("col.count"),
    )
    top = hm.sort_values("count", ascending=False).iloc[0]
    widgets.chart_block(
        c,
        fig,
        hm,
        c.t(
            "challenges.heatmap_summary",
            category=cats[top["category"]],
            module=mods[top["module"]],
            n=int(top["count"]),
        ),
        key="challenges_heatmap",
        awaiting=waiting,
    )

    # 2. Over time: one small chart per category, on one scale (no ten-line tangle)
    tr = cache.derived(challenges.challenge_trend, ch)
    fig = cache.figure(
        charts.small_multiples,
        tr,
        x="year",
        y="count",
        facet="category",
        labels=cats,
        title=c.t("challenges.trend_title"),
        y_title=c.t("col.count"),
        lang=lang,
        open_year=(c.as_of or clock.now()).year,
    )
    full = tr[tr["year"] < (c.as_of or clock.now()).year]
    per_year = (full if len(full) else tr).groupby("year")["count"].sum()
    widgets.chart_block(
        c,
        fig,
        tr,
        c.t("challenges.trend_summary", year=int(per_year.idxmax()), n=int(per_year.max())),
        key="challenges_trend",
        awaiting=waiting,
    )

    # 3. Severity × status
    ss = cache.derived(challenges.challenge_severity_status, ch)
    fig = cache.figure(
        charts.bars,
        ss,
        lang=lang,
        x="severity",
        y="count",
        series="status",
        x_labels=ref.labels("severity", lang),
        series_labels=ref.labels("status", lang),
        title=c.t("challenges.severity_title"),
        y_title=c.t("col.count"),
    )
    open_high = int(ss[(ss["severity"] == "HIGH") & (ss["status"] != "RESOLVED")]["count"].sum())
    left, _ = st.columns([3, 2])
    with left:
        widgets.chart_block(
            c,
            fig,
            ss,
            c.t("challenges.severity_summary", n=open_high),
            key="challenges_severity",
            awaiting=waiting,
        )

    # 4. Challenges shared by several countries
    st.subheader(c.t("challenges.shared_title"))
    shared = cache.derived(challenges.shared_challenges, ch)
    if shared.empty:
        st.caption(c.t("challenges.shared_none"))
    else:
        view = cache.derived(tables.shared_challenges, shared, ref, lang, mods)
        widgets.show_table(
            view,
            key="challenges_shared",
            file_name="shared_challenges",
        )

    # 5. Search the descriptions (shown as plain data, never as markup)
    st.subheader(c.t("challenges.search_title"))
    text = st.text_input(
        c.t("challenges.search"),
        value=urlstate.page_param("q", "") or "",
        key="challenge_q",
        placeholder=c.t("challenges.search_placeholder"),
    )
    urlstate.sync_url({"q": text})
    found = (
        cache.derived(filters.search, ch, text, ["description", "country", "category"])
        if text.strip()
        else ch
    )
    view = cache.derived(tables.challenges, found, ref, lang)
    st.caption(c.t("challenges.found", n=len(view)))
    widgets.show_table(view, key="challenges_table", file_name="challenges")


render()

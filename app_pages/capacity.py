"""Capacity: people trained by country and year, by institution type and kind of activity,
completion, women and men as reported, the virtual course's reach, and every activity."""

import streamlit as st

from analytics.figures import charts
from analytics.i18n import number, sort_key
from analytics.insights import capacity, filters
from analytics.present import tables
from webui import cache, urlstate, widgets
from webui.context import ctx


def render() -> None:
    """The page; returns early where there is nothing to show (so the frame's footer still draws)."""
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.capacity"))
    st.caption(c.t("capacity.intro"))
    cap = cache.derived(
        tables.within_years,
        cache.cached(capacity.capacity, as_of=c.as_of, countries=c.countries),
        c.state.year_from,
        c.state.year_to,
    )
    if cap.empty:
        widgets.no_data(c)
        return

    # 1. Headline numbers
    k = cache.derived(capacity.totals, cap)
    cols = st.columns(5)
    cols[0].metric(c.t("capacity.kpi_participants"), number(k["participants"], lang), border=True)
    cols[1].metric(c.t("capacity.kpi_activities"), number(k["activities"], lang), border=True)
    cols[2].metric(c.t("capacity.kpi_countries"), k["countries"], border=True)
    cols[3].metric(
        c.t("capacity.kpi_completion"),
        "—" if k["completion_pct"] is None else f"{number(k['completion_pct'], lang, 0)} %",
        help=c.t("capacity.kpi_completion_help"),
        border=True,
    )
    cols[4].metric(
        c.t("capacity.kpi_split"),
        number(k["split_participants"], lang),
        help=c.t("capacity.kpi_split_help"),
        border=True,
    )

    # 2. People trained per country and year
    per = cache.derived(capacity.by_country_year, cap)
    names = {
        i: ref.country_name(i, lang)
        for i in sorted(per["country"].unique(), key=lambda i: sort_key(ref.country_name(i, lang), lang))
    }
    years = {y: str(y) for y in range(int(per["year"].min()), int(per["year"].max()) + 1)}
    fig = cache.figure(
        charts.heatmap,
        per,
        lang=lang,
        x="year",
        y="country",
        value="participants",
        x_labels=years,
        y_labels=names,
        title=c.t("capacity.trained_title"),
        colorbar=c.t("capacity.participants_axis"),
    )
    widgets.chart_block(
        c,
        fig,
        _labelled(per),
        cache.derived(capacity.trained_sentence, per, ref, lang),
        key="capacity_trained",
    )

    # 3. By institution type and by kind of activity
    left, right = st.columns(2)
    with left:
        inst = cache.derived(capacity.by_institution, cap)
        fig = cache.figure(
            charts.hbars,
            cache.derived(capacity.institution_bars, inst, ref, lang),
            lang=lang,
            title=c.t("capacity.institution_title"),
            x_title=c.t("capacity.participants_axis"),
            x_range=(0, max(1.0, float(inst["participants"].max())) * 1.35),
        )
        sentence = cache.derived(capacity.institution_sentence, inst, ref, lang)
        widgets.chart_block(c, fig, _labelled(inst), sentence, key="capacity_institution")
    with right:
        kinds = cache.derived(capacity.by_kind, cap)
        fig = cache.figure(
            charts.hbars,
            cache.derived(capacity.kind_bars, kinds, ref, lang),
            lang=lang,
            title=c.t("capacity.kind_title"),
            x_title=c.t("capacity.participants_axis"),
            x_range=(0, max(1.0, float(kinds["participants"].max())) * 1.35),
        )
        sentence = cache.derived(capacity.kind_sentence, kinds, ref, lang)
        widgets.chart_block(c, fig, _labelled(kinds), sentence, key="capacity_kind")

    # 4. Completion, and women and men as reported (never inferred)
    left, right = st.columns(2)
    with left:
        comp = cache.derived(capacity.completion_by_country, cap)
        sentence = cache.derived(capacity.completion_sentence, comp, k["participants"], ref, lang)
        if comp.empty:
            st.info(sentence)
        else:
            bars = cache.derived(capacity.completion_bars, comp, ref, lang)
            fig = cache.figure(
                charts.hbars,
                bars,
                lang=lang,
                title=c.t("capacity.completion_title"),
                x_title=c.t("capacity.completion_axis"),
                x_range=(0, 112),
            )
            widgets.chart_block(c, fig, _labelled(comp), sentence, key="capacity_completion")
    with right:
        gender = cache.derived(capacity.gender_by_year, cap)
        groups = capacity.gender_labels(lang)
        fig = cache.figure(
            charts.stacked_bars,
            gender,
            lang=lang,
            x="year",
            y="participants",
            series="group",
            series_labels=groups,
            title=c.t("capacity.gender_title"),
            x_title=c.t("chart.year"),
            y_title=c.t("capacity.participants_axis"),
            colors={"not_reported": charts.NO_DATA_COLOR},
        )
        widgets.chart_block(
            c,
            fig,
            _labelled(gender.assign(group=gender["group"].map(groups))),
            cache.derived(capacity.gender_sentence, gender, lang),
            key="capacity_gender",
        )

    # 5. The virtual course's reach across the region
    course_section(cap)

    # 6. Every activity (user text shown as data, never as markup)
    st.subheader(c.t("capacity.list_title"))
    text = st.text_input(
        c.t("capacity.list_search"), value=urlstate.page_param("q", "") or "", key="capacity_q"
    )
    urlstate.sync_url({"q": text})
    rows = cache.derived(capacity.activity_list, cap)
    if text.strip():
        rows = cache.derived(filters.search, rows, text, ["activity", "notes", "country"])
    widgets.show_table(_labelled(rows), key="capacity_table", file_name="capacity")


def course_section(cap) -> None:
    """Which courses count as the virtual course (names as reported), and how far it reached."""
    c = ctx()
    ref, lang = c.ref, c.lang
    st.subheader(c.t("capacity.reach_title"))
    names = cache.derived(capacity.course_names, cap)
    options = list(names["activity"])
    chosen = st.multiselect(
        c.t("capacity.reach_pick"),
        options,
        default=capacity.virtual_course_names(names),
        help=c.t("capacity.reach_pick_help"),
        key="capacity_courses",
        placeholder=c.t("ui.all"),
    )
    members = cache.derived(tables.members, ref, lang)
    members = members[members["iso3"].isin(c.countries)]
    reach = cache.derived(capacity.course_reach, cap, chosen, members)
    per_year = cache.derived(capacity.course_by_year, cap, chosen)
    if per_year.empty:
        st.info(c.t("capacity.reach_none"))
        return
    left, right = st.columns(2)
    with left:
        fig = cache.figure(
            charts.hbars,
            cache.derived(capacity.reach_bars, reach, ref, lang),
            lang=lang,
            title=c.t("capacity.reach_country_title"),
            x_title=c.t("capacity.participants_axis"),
            x_range=(0, max(1.0, float(reach["participants"].max())) * 1.6),
        )
        sentence = cache.derived(capacity.reach_sentence, reach, per_year, lang)
        widgets.chart_block(c, fig, _labelled(reach), sentence, key="capacity_reach")
    with right:
        fig = cache.figure(
            charts.bars,
            per_year,
            lang=lang,
            x="year",
            y="participants",
            series=None,
            x_labels={y: str(y) for y in per_year["year"]},
            series_labels=None,
            title=c.t("capacity.reach_year_title"),
            y_title=c.t("capacity.participants_axis"),
        )
        sentence = cache.derived(capacity.year_sentence, per_year, lang)
        widgets.chart_block(c, fig, _labelled(per_year), sentence, key="capacity_reach_year")


def _labelled(df):
    """A frame as a table: codes as labels, countries by name, headers in the reader's language."""
    c = ctx()
    return cache.derived(tables.labelled_rows, df, c.ref, c.lang)


render()

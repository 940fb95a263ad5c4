"""Regional overview: KPIs, the map, the stage matrix, membership and milestones."""

import streamlit as st

from analytics import clock
from analytics.figures import charts, vega
from analytics.i18n import number
from analytics.insights import completeness, membership, status
from analytics.present import stage_cells, summaries
from analytics.reference import MODULES, short_module_names
from webui import cache, urlstate, widgets
from webui.context import Context, ctx


@st.fragment
def map_section() -> None:
    """The map: a fragment, so changing its measure or view reruns only the map."""
    c = ctx()
    ref, lang, year = c.ref, c.lang, c.year.year
    mods = short_module_names(lang)
    measures = ["average", *MODULES]
    wanted = urlstate.page_param("measure", "average")
    # One row of controls: a horizontal container is one element where columns are three.
    controls = st.container(horizontal=True, vertical_alignment="bottom")
    measure = controls.selectbox(
        c.t("overview.measure"),
        measures,
        index=measures.index(wanted) if wanted in measures else 0,
        format_func=lambda m: c.t("overview.average_stage") if m == "average" else mods[m],
        width=280,  # its longest name whole; on a phone the switch then goes below it
    )
    view = urlstate.page_param("view", "map")
    mode = (
        controls.segmented_control(
            c.t("overview.map_mode"),
            ["map", "tiles"],
            default=view if view in ("map", "tiles") else "map",
            format_func=lambda m: c.t(f"overview.mode_{m}"),
            key="map_mode",
        )
        or "map"
    )
    urlstate.sync_url(
        {"measure": measure if measure != "average" else "", "view": mode if mode != "map" else ""}
    )
    values = cache.cached(
        status.map_values,
        ref,
        lang=lang,
        measure=measure,
        as_of=c.as_of,
        scope=c.scope,
        countries=c.countries,
        year=year,
    )
    if not values["value"].notna().any():
        widgets.no_data(c)
        return
    last = cache.cached(completeness.last_reported, as_of=c.as_of, scope=c.scope)
    values = cache.derived(vega.map_hover, values, last, lang)
    label = c.t("overview.average_stage") if measure == "average" else mods[measure]
    spec = vega.map_spec(
        cache.derived(vega.map_data, values, mode),
        title=c.t("chart.map_title", measure=label, when=c.year.at_end(lang)),
        colour_title=c.t("chart.stage"),
        stage_names=None if measure == "average" else ref.labels("stage", lang),
        mode=mode,
        shapes_url=cache.shapes_url(),
    )
    event = widgets.vega_block(
        c,
        spec,
        values,
        cache.derived(summaries.map_sentence, values, year, lang),
        key="overview_map",
        columns=["country", "value", "carried_from", "awaiting"],
    )
    if values["value"].isna().any():
        st.caption(c.t("chart.no_data_grey"))
    open_profile(widgets.picked(event, *vega.MAP_CLICKS))


def open_profile(iso3: str | None) -> None:
    """A country clicked on the map or the matrix: its profile, in the same view."""
    if iso3:
        st.session_state["profile_country"] = iso3
        st.switch_page("app_pages/country.py", query_params={"country": iso3, **urlstate.base_params()})


def render() -> None:
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.overview"))
    st.caption(c.t("overview.intro"))

    year = c.year.year
    # 1. KPI cards: the end of the reference year, against the end of the year before
    kpis = cache.cached(status.kpis, ref, as_of=c.as_of, scope=c.scope, countries=c.countries, year=year)
    k = {r.kpi: (r.value, r.previous) for r in kpis.itertuples(index=False)}
    row = st.container(horizontal=True)  # one element where four columns are five
    for key in ["members", "pilot_or_beyond", "average_stage", "reported"]:
        v, p = k[key]
        delta = None if v is None or p is None else round(v - p, 2)
        row.metric(
            c.t(f"overview.kpi_{key}"),
            "—" if v is None else number(v, lang, 2 if key == "average_stage" else 0),
            delta=None if delta is None else number(delta, lang, 2 if key == "average_stage" else 0),
            help=c.t(f"overview.kpi_{key}_help"),
            border=True,
        )
    # What the cards say in words, which year they show, and (pending) that they count what
    # awaits review: one caption, one element less to send and draw on every filter change.
    said = [
        cache.derived(summaries.kpi_sentence, kpis, lang),
        c.t("overview.kpi_year", when=c.year.at_end(lang), previous=year - 1),
    ]
    st.caption(" ".join(said + ([c.t("review.kpi_note")] if c.pending else [])))

    # 2. The map and the stage matrix, one at a time: each of them drawn again on every filter
    # change cost the browser more than the two side by side were worth (measured: make felt).
    tabs = {"map": c.t("overview.tab_map"), "matrix": c.t("overview.tab_matrix")}
    wanted = tabs.get(urlstate.page_param("tab", "map") or "map", tabs["map"])
    on_map, on_matrix = st.tabs(list(tabs.values()), default=wanted, key="overview_tab", on_change="rerun")
    urlstate.sync_url({"tab": "matrix" if on_matrix.open else ""})
    if on_matrix.open:
        with on_matrix:
            matrix_section(c)
    else:
        with on_map:
            map_section()  # a fragment: its measure and view rerun only the map
    scale = st.expander(c.t("overview.stage_scale"), key="overview_stage_scale", on_change="rerun")
    if scale.open:  # written once opened, as the tables
        with scale:
            st.markdown(c.t("overview.stage_scale_text"))

    # 3. The community: membership and milestones, for the countries the sidebar chose. Drawn
    # only once opened: two more charts on every first load and filter change cost more than
    # their place on the overview is worth (measured: make felt).
    box = st.expander(c.t("overview.community"), key="overview_community", on_change="rerun")
    if box.open:
        with box:
            community(c)


def matrix_section(c: Context) -> None:
    """The stage of every country in every module, with its change since the year before."""
    ref, lang, year = c.ref, c.lang, c.year.year
    matrix = cache.cached(status.stage_status, as_of=c.as_of, scope=c.scope, countries=c.countries, year=year)
    if matrix.empty:
        widgets.no_data(c)
        return
    cells = cache.derived(stage_cells.matrix_cells, matrix, ref, lang, year)
    spec = vega.stage_matrix_spec(
        cache.derived(vega.matrix_data, cells),
        title=c.t("chart.matrix_title", when=c.year.at_end(lang), previous=year - 1),
        stage_title=c.t("chart.stage"),
        stage_names=ref.labels("stage", lang),
    )
    event = widgets.vega_block(
        c,
        spec,
        matrix,
        cache.derived(summaries.matrix_sentence, matrix, year, lang),
        key="overview_matrix",
    )
    if cells["carried_from"].notna().any():
        st.caption(c.t("chart.carried_legend"))
    open_profile(widgets.picked(event, *vega.MATRIX_CLICKS))
    # On a phone the heatmap's 4 × 15 cells are unreadable: the same values as a list.
    with st.container(key="matrix_narrow"):
        widgets.swap_on_narrow_screens("overview_matrix", "matrix_narrow")
        lines = cache.derived(stage_cells.matrix_lines, cells)
        st.markdown("\n".join(f"- {widgets.md_escape(line)}" for line in lines))


def community(c: Context) -> None:
    """Membership growth and the milestones (inside the community section)."""
    ref, lang = c.ref, c.lang
    filtered = len(c.countries) < len(ref.members(lang))
    chosen = c.countries if filtered else None
    growth = membership.membership_growth(ref, until=(c.as_of or clock.now()).year, countries=chosen)
    left, _ = st.columns([3, 2])
    with left:
        widgets.chart_block(
            c,
            cache.figure(charts.membership, growth, ref, lang),
            growth,
            c.t("overview.membership_summary", n=int(growth.groupby("year")["members"].sum().max() or 0)),
            key="overview_membership",
        )
    ms = cache.cached(membership.milestones, chosen)
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    widgets.chart_block(
        c,
        cache.figure(charts.milestones, ms, lang, names),
        ms[["date", "countries", f"event_{lang}", "source"]].rename(columns={f"event_{lang}": "event"}),
        c.t("overview.milestones_summary", n=len(ms))
        + (" " + c.t("overview.milestones_filtered") if filtered else ""),
        key="overview_milestones",
    )


render()

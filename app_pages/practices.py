"""Promising practices: who learned from whom (practices adapted between countries), and the
practices themselves, searchable by module and country, marked replicable, each with the
countries it came from and the countries that adapted it."""

import pandas as pd
import streamlit as st

from analytics.figures import charts
from analytics.insights import exchange, filters, practices
from analytics.present import tables
from analytics.reference import MODULES, short_module_names
from webui import cache, urlstate, widgets
from webui.context import ctx

PER_PAGE = 20  # cards drawn at a time; the table below holds every match


def render() -> None:
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.practices"))
    st.caption(c.t("practices.intro"))

    pr = cache.derived(
        tables.within_years,
        cache.cached(practices.practices, as_of=c.as_of, scope=c.scope, countries=c.countries),
        c.state.year_from,
        c.state.year_to,
    )
    mods = {m: short_module_names(lang)[m] for m in MODULES}

    # 1. Exchange between countries: every country's practices count, so that an adaptation
    # shows whichever side of it the filters keep
    edges = cache.derived(exchange.edges, cache.cached(practices.practices, as_of=c.as_of))
    exchange_section(edges)

    # 2. Filters
    st.subheader(c.t("practices.list_title"))
    left, right = st.columns([2, 3])
    # The filters, the search and the page live in the URL, so a link reproduces the list.
    wanted = [m for m in (urlstate.page_param("modules", "") or "").split(",") if m in mods]
    chosen = left.multiselect(
        c.t("col.module"),
        list(mods),
        default=wanted,
        format_func=lambda m: mods[m],
        key="practice_modules",
        placeholder=c.t("ui.all"),
    )
    text = right.text_input(
        c.t("practices.search"), value=urlstate.page_param("q", "") or "", key="practice_q"
    )
    replicable = st.checkbox(
        c.t("practices.replicable_only"),
        value=urlstate.page_param("replicable") == "1",
        key="practice_replicable",
    )
    if replicable:
        pr = pr[pr["replicable"].fillna(False).astype(bool)]
    if chosen:
        pr = pr[pr["module"].isin(chosen)]
    if text.strip():
        pr = cache.derived(filters.search, pr, text, ["title", "description", "country"])

    # 3. The list: title, country, module, period, description and the link, all as plain text
    st.caption(
        c.t("practices.found", n=len(pr), countries=pr["country"].nunique() if len(pr) else 0)
        + " "
        + c.t("practices.replicable_count", n=int(pr["replicable"].fillna(False).astype(bool).sum()))
    )
    if pr.empty:
        widgets.no_data(c)
    pages = max(1, -(-len(pr) // PER_PAGE))
    page = 1
    if pages > 1:
        asked = urlstate.page_param("page", "1") or "1"
        page = int(
            st.number_input(
                c.t("practices.page", pages=pages),
                min_value=1,
                max_value=pages,
                value=min(pages, max(1, int(asked))) if asked.isdigit() else 1,
                step=1,
                key="practice_page",
            )
        )
        st.caption(
            c.t(
                "practices.showing",
                first=(page - 1) * PER_PAGE + 1,
                last=min(page * PER_PAGE, len(pr)),
                n=len(pr),
            )
        )
    urlstate.sync_url(
        {
            "q": text,
            "modules": ",".join(chosen),
            "replicable": "1" if replicable else "",
            "page": str(page) if page > 1 else "",
        }
    )
    adopters = cache.derived(exchange.adopters_by_practice, edges)
    for r in pr.iloc[(page - 1) * PER_PAGE : page * PER_PAGE].itertuples():
        with st.container(border=True, key=f"practice_card_{int(r.submission_id)}_{int(r.row_number)}"):
            st.markdown(f"**{widgets.md_escape(r.title)}**")
            if pd.notna(r.replicable) and bool(r.replicable):
                st.badge(c.t("practices.replicable_badge"), icon=":material/autorenew:", color="green")
            st.caption(f"{ref.country_name(r.country, lang)} · {mods.get(r.module, r.module)} · {r.period}")
            if getattr(r, "awaiting", False):
                st.caption(f":material/pending_actions: {c.t('col.awaiting')}")
            st.text(r.description)
            exchange_lines(r.adopted_from, adopters.get((int(r.submission_id), int(r.row_number)), []))
            if isinstance(r.url, str) and r.url.lower().startswith(("http://", "https://")):
                st.link_button(c.t("practices.open_link"), r.url, icon=":material/open_in_new:")
    if len(pr):
        columns = ["country", "period", "module", "title", "description", "url", "adopted_from", "replicable"]
        widgets.table_view(
            c,
            cache.derived(tables.labelled_rows, pr[[*columns, "awaiting"]], ref, lang),
            key="practices_table",
            file_name="practices",
        )


def exchange_section(edges) -> None:
    """Who learned from whom: a flow from the countries whose practices were adapted to the
    countries that adapted them, within the sidebar's countries and years."""
    c = ctx()
    st.subheader(c.t("exchange.title"))
    st.caption(c.t("exchange.method"))
    shown = cache.derived(exchange.within, edges, c.countries, c.state.year_from, c.state.year_to)
    flow = cache.derived(exchange.flows, shown)
    sentence = cache.derived(exchange.flow_sentence, flow, c.ref, c.lang)
    if flow.empty:
        st.info(sentence)
        return
    fig = cache.figure(charts.exchange_flow, flow, c.ref, c.lang, c.t("exchange.flow_title"))
    table = cache.derived(exchange.flows_table, flow, c.ref, c.lang)
    widgets.chart_block(c, fig, table, sentence, key="practices_exchange")


def exchange_lines(adopted_from: object, adopted_by: list[tuple[str, str]]) -> None:
    """On a practice's card: the countries it was adapted from, and those that adapted it."""
    c = ctx()
    if isinstance(adopted_from, str) and adopted_from:
        names = ", ".join(c.ref.country_name(x, c.lang) for x in adopted_from.split(";"))
        st.caption(widgets.md_escape(c.t("practices.adopted_from", countries=names)))
    if adopted_by:
        names = ", ".join(f"{c.ref.country_name(x, c.lang)} ({period})" for x, period in adopted_by)
        st.caption(widgets.md_escape(c.t("practices.adopted_by", countries=names)))


render()

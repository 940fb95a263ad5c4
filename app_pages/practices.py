"""Promising practices: searchable by module and country."""

import streamlit as st

from analytics import charts, queries, tables
from analytics.reference import MODULES
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
        cache.cached(queries.practices, as_of=c.as_of, scope=c.scope, countries=c.countries),
        c.state.year_from,
        c.state.year_to,
    )
    mods = {m: charts.short_modules(lang)[m] for m in MODULES}

    # 1. Filters
    left, right = st.columns([2, 3])
    chosen = left.multiselect(
        c.t("col.module"),
        list(mods),
        format_func=lambda m: mods[m],
        key="practice_modules",
        placeholder=c.t("ui.all"),
    )
    text = right.text_input(
        c.t("practices.search"), value=urlstate.page_param("q", "") or "", key="practice_q"
    )
    urlstate.sync_url({"q": text})
    if chosen:
        pr = pr[pr["module"].isin(chosen)]
    if text.strip():
        pr = cache.derived(queries.search, pr, text, ["title", "description", "country"])

    # 2. The list: title, country, module, period, description and the link, all as plain text
    st.caption(c.t("practices.found", n=len(pr), countries=pr["country"].nunique() if len(pr) else 0))
    if pr.empty:
        widgets.no_data(c)
    pages = max(1, -(-len(pr) // PER_PAGE))
    page = 1
    if pages > 1:
        page = int(
            st.number_input(
                c.t("practices.page", pages=pages),
                min_value=1,
                max_value=pages,
                value=1,
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
    for r in pr.iloc[(page - 1) * PER_PAGE : page * PER_PAGE].itertuples():
        with st.container(border=True):
            st.markdown(f"**{widgets.md_escape(r.title)}**")
            st.caption(f"{ref.country_name(r.country, lang)} · {mods.get(r.module, r.module)} · {r.period}")
            if getattr(r, "awaiting", False):
                st.caption(f":material/pending_actions: {c.t('col.awaiting')}")
            st.text(r.description)
            if isinstance(r.url, str) and r.url.lower().startswith(("http://", "https://")):
                st.link_button(c.t("practices.open_link"), r.url, icon=":material/open_in_new:")
    if len(pr):
        widgets.table_view(
            c,
            pr[["country", "period", "module", "title", "description", "url", "awaiting"]].rename(
                columns=lambda x: c.t(f"col.{x}")
            ),
            key="practices_table",
            file_name="practices",
        )


render()

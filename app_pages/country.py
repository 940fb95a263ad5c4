"""Country profile: stages over time, coverage and staff, challenges, practices, exchange with
other countries, history, context."""

import streamlit as st

from analytics.figures import charts
from analytics.i18n import datetime_text
from analytics.insights import challenges, completeness, exchange, membership, practices, status
from analytics.present import summaries, tables
from analytics.reference import MODULES, short_module_names
from webui import cache, urlstate, widgets
from webui.context import ctx


def render() -> None:
    c = ctx()
    ref, lang = c.ref, c.lang
    members = cache.derived(tables.members, ref, lang)
    names = dict(zip(members["iso3"], members[f"name_{lang}"]))
    st.title(c.t("nav.country"))

    # 1. Which country (URL, a click on the map or matrix, or the picker): the sidebar's
    # countries come first, and the profile opens on the first of them
    chosen = [x for x in names if x in set(c.countries)]
    options = chosen + [x for x in names if x not in set(chosen)]
    wanted = urlstate.page_param("country") or st.session_state.get("profile_country")
    if wanted not in options or (
        len(chosen) < len(names) and wanted not in chosen and not urlstate.page_param("country")
    ):
        wanted = options[0]
    iso3 = st.selectbox(
        c.t("country.pick"),
        options,
        index=options.index(wanted) if wanted in options else 0,
        format_func=lambda x: names[x],
        key="profile_pick",
    )
    st.session_state["profile_country"] = iso3
    urlstate.sync_url({"country": iso3})
    info = members.loc[iso3]
    name = names[iso3]

    # 2. Facts
    routes = ref.labels("entry_route", lang)
    joined = info["joined"] or c.t("country.joined_later")
    last = cache.cached(completeness.last_reported, as_of=c.as_of, scope=c.scope)
    last_row = last[last["country"] == iso3]
    cols = st.columns(4)
    cols[0].metric(c.t("country.joined"), joined, border=True)
    for col, label, value in (
        (cols[1], c.t("country.route"), routes.get(info["entry_route"], info["entry_route"])),
        (cols[2], c.t("country.subregion"), ref.labels("subregion", lang).get(info["subregion"])),
    ):
        box = col.container(border=True, height="stretch")
        box.caption(label)
        box.markdown(f"**{widgets.md_escape(value)}**")
    cols[3].metric(
        c.t("country.last_reported"),
        last_row.iloc[0]["last_period"] if len(last_row) else c.t("country.never"),
        help=(
            c.t("country.last_committed", at=datetime_text(last_row.iloc[0]["last_committed_at"], lang))
            if len(last_row)
            else None
        ),
        border=True,
    )
    st.caption(
        c.t(
            "country.facts_source",
            source=info["source"],
            spotlight=c.t("country.spotlight_yes" if info["spotlight"] else "country.spotlight_no"),
        )
    )

    # 3. Stages over time
    yearly = cache.derived(
        tables.within_years,
        cache.cached(status.yearly_progress, as_of=c.as_of, scope=c.scope, countries=[iso3]),
        c.state.year_from,
        c.state.year_to,
    )
    if yearly.empty:
        widgets.no_data(c)
    else:
        fig = cache.figure(charts.stage_steps, yearly, ref, lang, c.t("country.stages_title", country=name))
        widgets.chart_block(
            c,
            fig,
            yearly[["module", "year", "period", "stage", "coverage_pct", "trained_staff", "awaiting"]],
            cache.derived(summaries.country_sentence, yearly, name, lang),
            key="country_stages",
            awaiting=tables.awaiting_count(yearly),
        )
        mods = {m: short_module_names(lang)[m] for m in MODULES}
        left, right = st.columns(2)
        with left:
            fig = cache.figure(
                charts.lines,
                yearly,
                x="year",
                y="coverage_pct",
                series="module",
                labels=mods,
                title=c.t("country.coverage_title"),
                x_title=c.t("chart.year"),
                y_title=c.t("country.coverage_axis"),
                lang=lang,
            )
            latest = cache.derived(tables.latest_by_module, yearly)
            widgets.chart_block(
                c,
                fig,
                yearly[["module", "year", "coverage_pct", "awaiting"]],
                (
                    c.t("country.coverage_summary", year=latest["year"], value=round(latest["coverage"]))
                    if latest["coverage"] is not None
                    else c.t("country.coverage_none", year=latest["year"])
                ),
                key="country_coverage",
                awaiting=tables.awaiting_count(yearly),
            )
        with right:
            fig = cache.figure(
                charts.lines,
                yearly,
                x="year",
                y="trained_staff",
                series="module",
                labels=mods,
                title=c.t("country.staff_title"),
                x_title=c.t("chart.year"),
                y_title=c.t("country.staff_axis"),
                lang=lang,
            )
            widgets.chart_block(
                c,
                fig,
                yearly[["module", "year", "trained_staff", "awaiting"]],
                (
                    c.t("country.staff_summary", value=latest["staff"], year=latest["year"])
                    if latest["staff"] is not None
                    else c.t("country.staff_none", year=latest["year"])
                ),
                key="country_staff",
                awaiting=tables.awaiting_count(yearly),
            )

    # 4. Context: SDG 5.2.1
    st.subheader(c.t("country.context_title"))
    ctx_df = cache.cached(membership.context_indicator, iso3)
    ctx_df = ctx_df[ctx_df["value_pct"].notna()]
    if ctx_df.empty:
        st.info(c.t("country.context_none", country=name))
    else:
        cols = st.columns(len(ctx_df))
        for col, r in zip(cols, ctx_df.itertuples()):
            col.metric(
                c.t(f"country.age_{r.age_group}"),
                f"{r.value_pct:.1f} %",
                help=c.t("country.context_bounds", low=r.lower_bound, high=r.upper_bound),
                border=True,
            )
        first = ctx_df.iloc[0]
        st.caption(
            c.t(
                "country.context_source",
                year=int(first["reference_year"]),
                nature=first["nature"],
                source_year=int(first["source_year"]),
                source=first["source"],
            )
        )

    # 5. Challenges and practices (user text shown as data, never as markup)
    st.subheader(c.t("country.challenges_title"))
    ch = cache.cached(
        challenges.challenges,
        as_of=c.as_of,
        scope=c.scope,
        countries=[iso3],
        year_from=c.state.year_from,
        year_to=c.state.year_to,
    )
    if ch.empty:
        widgets.no_data(c)
    else:
        view = cache.derived(tables.challenges, ch, ref, lang, with_country=False)
        widgets.show_table(
            view,
            key="country_challenges",
            file_name=f"{iso3}_challenges",
        )
    st.subheader(c.t("country.practices_title"))
    pr = cache.cached(practices.practices, as_of=c.as_of, scope=c.scope, countries=[iso3])
    if pr.empty:
        widgets.no_data(c)
    else:
        view = cache.derived(tables.practices, pr, ref, lang)
        widgets.show_table(
            view,
            key="country_practices",
            file_name=f"{iso3}_practices",
        )

    # 6. Exchange: what the country took from others and gave to others
    exchange_section(iso3, name)

    # 7. Submission history
    st.subheader(c.t("country.history_title"))
    hist = cache.cached(completeness.country_history, iso3, as_of=c.as_of)
    if hist.empty:
        widgets.no_data(c)
    else:
        view = cache.derived(tables.country_history, hist, lang)
        widgets.show_table(
            view,
            key="country_history",
            file_name=f"{iso3}_submissions",
        )


def exchange_section(iso3: str, name: str) -> None:
    """Practices the country adapted from others, and adaptations elsewhere of its practices."""
    c = ctx()
    st.subheader(c.t("exchange.country_title"))
    edges = cache.derived(exchange.edges, cache.cached(practices.practices, as_of=c.as_of))
    edges = cache.derived(exchange.within, edges, [iso3], c.state.year_from, c.state.year_to)
    took, gave = cache.derived(exchange.took_and_gave, edges, iso3)
    st.markdown(widgets.md_escape(cache.derived(exchange.country_sentence, took, gave, name, c.ref, c.lang)))
    for frame, side, title, key in (
        (took, "source", "exchange.took_title", "took"),
        (gave, "adopter", "exchange.gave_title", "gave"),
    ):
        if frame.empty:
            continue
        st.markdown(f"**{widgets.md_escape(c.t(title))}**")
        view = cache.derived(exchange.exchange_table, frame, c.ref, c.lang, side=side)
        widgets.show_table(
            view,
            key=f"country_exchange_{key}",
            file_name=f"{iso3}_exchange_{key}",
        )


render()

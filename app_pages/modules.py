"""Modules: stage distribution over time, country ranking, cohorts, and what each module covers."""

import streamlit as st

from analytics.figures import charts
from analytics.i18n import number
from analytics.insights import membership, progress
from analytics.present import summaries, tables
from analytics.reference import MODULES, short_module_names
from webui import cache, urlstate, widgets
from webui.context import ctx


def render() -> None:
    c = ctx()
    ref, lang = c.ref, c.lang
    mods = {m: short_module_names(lang)[m] for m in MODULES}
    st.title(c.t("nav.modules"))

    # 1. Which module
    wanted = urlstate.page_param("module", "HEALTH")
    module = (
        st.segmented_control(
            c.t("modules.pick"),
            list(mods),
            default=wanted if wanted in mods else "HEALTH",
            format_func=lambda m: mods[m],
            key="module_pick",
        )
        or "HEALTH"
    )
    urlstate.sync_url({"module": module})
    label = mods[module]

    rank = cache.cached(
        progress.module_ranking,
        module,
        as_of=c.as_of,
        scope=c.scope,
        countries=c.countries,
        year=c.year.year,
    )
    waiting = tables.awaiting_count(rank)  # latest stages awaiting review (the notes below)

    # 2. Distribution of stages over time
    dist = cache.derived(
        tables.within_years,
        cache.cached(
            progress.module_distribution, module, as_of=c.as_of, scope=c.scope, countries=c.countries
        ),
        c.state.year_from,
        c.state.year_to,
    )
    if dist.empty:
        widgets.no_data(c)
    else:
        fig = cache.figure(
            charts.stage_distribution,
            dist,
            ref,
            lang,
            c.t("modules.distribution_title", module=label),
            open_year=c.year.year + 1,
        )
        widgets.chart_block(
            c,
            fig,
            dist,
            summaries.distribution_sentence(dist, label, c.year.year, lang),
            key="module_distribution",
            awaiting=waiting,
        )

    # 3. Ranking and cohorts
    left, right = st.columns(2)
    with left:
        if rank.empty:
            widgets.no_data(c)
        else:
            top = rank.iloc[0]
            fig = cache.figure(
                charts.ranking,
                rank,
                ref,
                lang,
                c.t("modules.ranking_title", module=label, when=c.year.at_end(lang)),
            )
            widgets.chart_block(
                c,
                fig,
                rank[
                    [
                        "country",
                        "stage",
                        "period",
                        "carried_from",
                        "coverage_pct",
                        "trained_staff",
                        "awaiting",
                    ]
                ],
                c.t(
                    "modules.ranking_summary",
                    country=ref.country_name(top["country"], lang),
                    stage=int(top["stage"]),
                    n=len(rank),
                    year=c.year.year,
                ),
                key="module_ranking",
                awaiting=waiting,
            )
    with right:
        coh = cache.cached(
            progress.cohort_comparison, ref, module, as_of=c.as_of, scope=c.scope, countries=c.countries
        )
        if coh.empty:
            widgets.no_data(c)
        else:
            routes = ref.labels("entry_route", lang)
            fig = cache.figure(
                charts.lines,
                coh,
                x="year",
                y="average_stage",
                series="entry_route",
                labels=routes,
                title=c.t("modules.cohort_title", module=label),
                x_title=c.t("chart.year"),
                y_title=c.t("col.average_stage"),
                y_range=(0, 5.2),
                lang=lang,
                open_year=c.year.year + 1,
            )
            at = coh[coh["year"] == min(c.year.year, int(coh["year"].max()))]
            last = at.sort_values("average_stage", ascending=False).iloc[0]
            widgets.chart_block(
                c,
                fig,
                coh,
                c.t(
                    "modules.cohort_summary",
                    cohort=routes[last["entry_route"]],
                    value=number(last["average_stage"], lang, 2),
                    year=int(last["year"]),
                ),
                key="module_cohorts",
                awaiting=waiting,
            )

    # 4. What the module covers (reference facts)
    st.subheader(c.t("modules.services_title", module=label))
    svc = cache.cached(membership.services, module)
    st.caption(c.t("modules.services_note"))
    view = svc.assign(service=svc[f"name_{lang}"], verified=svc["verified"].map({True: "✓", False: ""}))[
        ["ord", "level", "service", "verified", "source"]
    ]
    if module != "COORD":
        view = view.drop(columns=["level"])
    widgets.show_table(
        view.rename(columns=lambda x: c.t(f"col.{x}") if x != "ord" else "#"),
        key="module_services",
        file_name=f"{module}_services",
    )


render()

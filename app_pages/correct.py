"""Correct in place: edit the current report of one country and period in a table.

Saving builds a workbook from the table and sends it through exactly the same
check → preview → commit as an uploaded file (source "editor").
"""

import streamlit as st

from analytics import clock, periods
from analytics.ledger import reads, workflow
from analytics.ledger.permissions import writable_countries
from analytics.present import tables
from analytics.reference import MODULES
from analytics.sheets.schema import SHEETS
from webui import cache, submit
from webui.context import ctx


def render() -> None:
    """The page; returns early where the flow cannot go on (so the frame's footer still draws)."""
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.correct"))
    st.caption(c.t("correct.intro"))

    # 1. Which report
    members = ref.members(lang)
    allowed = writable_countries(c.principal)
    options = [i for i in members["iso3"] if allowed is None or i in allowed]
    names = dict(zip(members["iso3"], members[f"name_{lang}"]))
    left, right = st.columns(2)
    country = left.selectbox(c.t("col.country"), options, format_func=lambda x: names[x], key="edit_country")
    period_text = right.text_input(
        c.t("col.period"),
        value=str(clock.today().year - 1),
        key="edit_period",
        help=c.t("report.period_help"),
    )
    period = periods.parse(period_text)
    if period is None:
        st.error(c.t("report.bad_period", value=period_text))
        return

    # 2. The current rows, editable (codes shown as labels in the page language)
    mods = ref.labels("module", lang)
    stage_labels = ref.labels("stage", lang)
    current = {s: cache.cached(reads.current, s, countries=[country]) for s in SHEETS}
    rows = cache.derived(tables.editor_rows, current, period.code, ref, lang, list(MODULES))
    reported = dict(zip(rows["reported"]["sheet"], rows["reported"]["rows"]))
    base = rows["progress"]
    st.caption(
        c.t("correct.status", n=reported["progress"], period=period.code)
        if reported["progress"]
        else c.t("correct.empty")
    )
    stage_opts = [f"{k} {v}" for k, v in stage_labels.items()]
    tab_p, tab_c, tab_r, tab_k = st.tabs(
        [
            c.t("snapshot.table.progress"),
            c.t("snapshot.table.challenges"),
            c.t("snapshot.table.practices"),
            c.t("snapshot.table.capacity"),
        ]
    )
    with tab_p:
        edited_p = st.data_editor(
            base,
            hide_index=True,
            width="stretch",
            num_rows="fixed",
            key=f"ed_p_{country}_{period.code}",
            column_config={
                "module": st.column_config.TextColumn(c.t("col.module"), disabled=True),
                "stage": st.column_config.SelectboxColumn(c.t("col.stage"), options=stage_opts),
                "coverage_pct": st.column_config.NumberColumn(
                    c.t("col.coverage_pct"), min_value=0, max_value=100
                ),
                "trained_staff": st.column_config.NumberColumn(c.t("col.trained_staff"), min_value=0, step=1),
                "notes": st.column_config.TextColumn(c.t("col.notes"), max_chars=2000),
            },
        )
    cats, sevs, stats = ref.labels("category", lang), ref.labels("severity", lang), ref.labels("status", lang)
    with tab_c:
        edited_c = st.data_editor(
            rows["challenges"],
            hide_index=True,
            width="stretch",
            num_rows="dynamic",
            key=f"ed_c_{country}_{period.code}",
            column_config={
                "module": st.column_config.SelectboxColumn(c.t("col.module"), options=list(mods.values())),
                "category": st.column_config.SelectboxColumn(
                    c.t("col.category"), options=list(cats.values())
                ),
                "severity": st.column_config.SelectboxColumn(
                    c.t("col.severity"), options=list(sevs.values())
                ),
                "status": st.column_config.SelectboxColumn(c.t("col.status"), options=list(stats.values())),
                "description": st.column_config.TextColumn(c.t("col.description"), max_chars=2000),
            },
        )
    with tab_r:
        edited_r = st.data_editor(
            rows["practices"],
            hide_index=True,
            width="stretch",
            num_rows="dynamic",
            key=f"ed_r_{country}_{period.code}",
            column_config={
                "module": st.column_config.SelectboxColumn(
                    c.t("col.module"), options=[v for k, v in mods.items() if k != "CROSS"]
                ),
                "title": st.column_config.TextColumn(c.t("col.title"), max_chars=200),
                "description": st.column_config.TextColumn(c.t("col.description"), max_chars=4000),
                "url": st.column_config.TextColumn(c.t("col.url")),
                "adopted_from": st.column_config.TextColumn(
                    c.t("col.adopted_from"), help=c.t("correct.countries_help")
                ),
                "replicable": st.column_config.SelectboxColumn(
                    c.t("col.replicable"), options=list(ref.labels("yes_no", lang).values())
                ),
            },
        )
    with tab_k:
        edited_k = st.data_editor(
            rows["capacity"],
            hide_index=True,
            width="stretch",
            num_rows="dynamic",
            key=f"ed_k_{country}_{period.code}",
            column_config={
                "module": st.column_config.SelectboxColumn(c.t("col.module"), options=list(mods.values())),
                "activity": st.column_config.TextColumn(c.t("col.activity"), max_chars=200),
                "kind": st.column_config.SelectboxColumn(
                    c.t("col.kind"), options=list(ref.labels("activity_kind", lang).values())
                ),
                "institution_type": st.column_config.SelectboxColumn(
                    c.t("col.institution_type"), options=list(ref.labels("institution_type", lang).values())
                ),
                **{
                    key: st.column_config.NumberColumn(c.t(f"col.{key}"), min_value=0, step=1)
                    for key in ("participants_total", "participants_women", "participants_men", "completed")
                },
                "notes": st.column_config.TextColumn(c.t("col.notes"), max_chars=2000),
            },
        )

    # 3. Check what was typed, through the same rules as a file
    if st.button(c.t("correct.check"), type="secondary", key="edit_check", icon=":material/rule:"):
        frames = tables.editor_frames(
            {"progress": edited_p, "challenges": edited_c, "practices": edited_r, "capacity": edited_k},
            country,
            period.code,
        )
        st.session_state["edit_check_result"] = workflow.check_frames(
            c.con, frames, file_name=f"editor_{country}_{period.code}.xlsx", principal=c.principal
        )
        st.session_state.pop("edit_preview", None)
    chk = st.session_state.get("edit_check_result")
    if chk is None:
        return

    # 4. Findings, what it changes, and the confirm
    submit.after_check(chk, key="edit", source="editor", headings=False)


render()

"""Correct in place: edit the current report of one country and period in a table.

Saving builds a workbook from the table and sends it through exactly the same
check → preview → commit as an uploaded file (source "editor").
"""

import streamlit as st

from analytics import clock, periods
from analytics.ledger import reads, workflow
from analytics.ledger.permissions import writable_countries
from analytics.present import editor
from analytics.sheets.schema import SHEETS
from webui import cache, submit
from webui import editor as editor_ui
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

    # 2. The current rows, editable (codes shown as labels in the page language), a tab per sheet
    current = {s: cache.cached(reads.current, s, countries=[country]) for s in SHEETS}
    rows = cache.derived(editor.rows, current, period.code, ref, lang)
    reported = dict(zip(rows["reported"]["sheet"], rows["reported"]["rows"]))
    st.caption(
        c.t("correct.status", n=reported["progress"], period=period.code)
        if reported["progress"]
        else c.t("correct.empty")
    )
    edited = editor_ui.edit(rows, ref, lang, key=f"{country}_{period.code}")

    # 3. Check what was typed, through the same rules as a file
    if st.button(c.t("correct.check"), type="secondary", key="edit_check", icon=":material/rule:"):
        frames = editor.frames(edited, country, period.code)
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

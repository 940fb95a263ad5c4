"""Report progress: template → upload → findings → preview → confirm."""

import streamlit as st

from analytics import clock, periods
from analytics.exports.template import template
from analytics.intake import reading
from analytics.ledger import workflow
from analytics.ledger.permissions import writable_countries
from webui import connection, reports_ui, submit
from webui.context import ctx


def render() -> None:
    """The page; returns early where the flow cannot go on (so the frame's footer still draws)."""
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.upload"))
    st.caption(c.t("report.intro"))
    reports_ui.latest_panel(c)  # where the files already sent stand

    # 1. Country and period → the pre-filled template
    st.subheader(c.t("report.step1"))
    members = ref.members(lang)
    allowed = writable_countries(c.principal)
    options = [i for i in members["iso3"] if allowed is None or i in allowed]
    names = dict(zip(members["iso3"], members[f"name_{lang}"]))
    left, right = st.columns(2)
    country = left.selectbox(
        c.t("col.country"), options, format_func=lambda x: names[x], key="report_country"
    )
    today = clock.today()
    period_text = right.text_input(
        c.t("col.period"), value=str(today.year - 1), key="report_period", help=c.t("report.period_help")
    )
    period = periods.parse(period_text)
    if period is None or period.year < periods.EARLIEST_YEAR or period.start > today:
        st.error(c.t("report.bad_period", value=period_text))
    else:
        st.download_button(
            c.t("report.download_template"),
            data=lambda: template(connection.cursor(), country=country, period=period.code, lang=lang),
            file_name=f"esp_{country}_{period.code}_{lang}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
            icon=":material/download:",
            key="dl_template",
        )

    # 2. Upload
    st.subheader(c.t("report.step2"))
    nonce = st.session_state.setdefault("upload_nonce", 0)
    upload = st.file_uploader(
        c.t("report.upload_label", mb=reading.MAX_BYTES // (1024 * 1024)),
        type=["xlsx", "ods", "csv"],
        key=f"uploader_{nonce}",
    )
    if upload is None:
        return

    # 3. Findings (checked once per file and data version, kept for this session)
    data = upload.getvalue()
    digest = workflow.sha256(data)
    if not submit.committed("report", digest):
        st.subheader(c.t("report.step3"))
    chk = st.session_state.get("report_check")
    stale = chk is None or chk.sha256 != digest or st.session_state.get("report_check_version") != c.version
    if stale and not submit.committed("report", digest):
        with st.spinner(c.t("report.checking")):
            chk = workflow.check(c.con, data, upload.name, principal=c.principal)
        st.session_state["report_check"] = chk
        st.session_state["report_check_version"] = c.version
        st.session_state.pop("report_preview", None)

    # 4-5. What it changes, and the confirm
    submit.after_check(chk, key="report", source="upload", headings=True)
    if submit.committed("report", chk.sha256):
        if st.button(c.t("report.another"), key="report_another"):
            st.session_state["upload_nonce"] = nonce + 1
            for k in ("report_check", "report_preview", "report_done"):
                st.session_state.pop(k, None)
            st.rerun()


render()

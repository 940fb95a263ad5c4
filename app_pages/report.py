"""Report progress: template → upload → findings → preview → confirm."""

from datetime import date

import streamlit as st

import submit_ui
import ui
from analytics import ingest, periods, submissions
from analytics.permissions import writable_countries
from analytics.template import template


def render() -> None:
    """The page; returns early where the flow cannot go on (so the frame's footer still draws)."""

    c = ui.ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.upload"))
    st.caption(c.t("report.intro"))

    # 1. Country and period → the pre-filled template
    st.subheader(c.t("report.step1"))
    members = ref.countries[ref.countries["member"]].sort_values(f"name_{lang}")
    allowed = writable_countries(c.principal)
    options = [i for i in members["iso3"] if allowed is None or i in allowed]
    names = dict(zip(members["iso3"], members[f"name_{lang}"]))
    left, right = st.columns(2)
    country = left.selectbox(c.t("col.country"), options, format_func=lambda x: names[x], key="report_country")
    period_text = right.text_input(c.t("col.period"), value=str(date.today().year - 1), key="report_period",
                                   help=c.t("report.period_help"))
    period = periods.parse(period_text)
    if period is None or period.year < periods.EARLIEST_YEAR or period.start > date.today():
        st.error(c.t("report.bad_period", value=period_text))
    else:
        st.download_button(
            c.t("report.download_template"),
            data=lambda: template(ui.cursor(), country=country, period=period.code, lang=lang),
            file_name=f"esp_{country}_{period.code}_{lang}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore", icon=":material/download:", key="dl_template")

    # 2. Upload
    st.subheader(c.t("report.step2"))
    nonce = st.session_state.setdefault("upload_nonce", 0)
    upload = st.file_uploader(c.t("report.upload_label", mb=ingest.MAX_BYTES // (1024 * 1024)),
                              type=["xlsx", "ods", "csv"], key=f"uploader_{nonce}")
    if upload is None:
        return

    # 3. Findings (checked once per file, kept for this session)
    st.subheader(c.t("report.step3"))
    data = upload.getvalue()
    digest = submissions.sha256(data)
    cached = st.session_state.get("report_check")
    if cached is None or cached.sha256 != digest or st.session_state.get("report_check_version") != c.version:
        with st.spinner(c.t("report.checking")):
            cached = submissions.check(c.con, data, upload.name, principal=c.principal)
        st.session_state["report_check"] = cached
        st.session_state["report_check_version"] = c.version
        st.session_state.pop("report_preview", None)
    chk = cached
    if not submit_ui.show_findings(chk):
        st.error(c.t("report.nothing_saved"), icon=":material/block:")
        return
    done = st.session_state.get("report_done")
    if chk.duplicate_of is not None and not (done and done["sha256"] == chk.sha256):
        st.info(c.t("report.identical", id=chk.duplicate_of), icon=":material/content_copy:")
        return

    # 4. Preview of the change
    st.subheader(c.t("report.step4"))
    if not (done and done["sha256"] == chk.sha256):
        prev = st.session_state.get("report_preview")
        if prev is None or prev[0] != chk.sha256:
            prev = (chk.sha256, submissions.preview(c.con, chk, principal=c.principal))
            st.session_state["report_preview"] = prev
        submit_ui.show_preview(prev[1], title=False)  # under the page's own step 4 heading

    # 5. Confirm
    st.subheader(c.t("report.step5"))
    submit_ui.confirm_and_commit(chk, source="upload", key="report")
    if st.session_state.get("report_done", {}).get("sha256") == chk.sha256:
        if st.button(c.t("report.another"), key="report_another"):
            st.session_state["upload_nonce"] = nonce + 1
            for k in ("report_check", "report_preview", "report_done"):
                st.session_state.pop(k, None)
            st.rerun()


render()

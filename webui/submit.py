"""Shared steps of the upload and editor pages: findings, preview, confirm.

Both doors go through the same analytics calls (check → preview → commit), so a
file and an edited table are judged and written exactly alike.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import tables, workflow
from analytics.cells import csv_bytes
from analytics.errors import EspError
from analytics.findings import Finding, collapse, counts
from analytics.i18n import error_message, finding_message

from .context import ctx
from .urlstate import base_params


def findings_frame(findings: list[Finding], lang: str) -> pd.DataFrame:
    """Every finding, one row each, in the user's language (for the CSV download)."""
    return pd.DataFrame(
        [
            {
                "severity": ctx().t(f"report.sev_{f.severity}"),
                "sheet": f.sheet or "",
                "row": f.row,
                "column": f.column or "",
                "value": f.value or "",
                "code": f.code,
                "message": finding_message(f, lang),
            }
            for f in findings
        ],
        columns=["severity", "sheet", "row", "column", "value", "code", "message"],
    )


def show_findings(chk: workflow.Check) -> bool:
    """Verdict, counts and the findings table; True when the file may go on."""
    c = ctx()
    n = counts(chk.findings)
    errors, warnings = n.get("error", 0), n.get("warning", 0)
    if errors:
        st.error(c.t("report.verdict_rejected", errors=errors, warnings=warnings), icon=":material/block:")
    elif warnings:
        st.warning(
            c.t("report.verdict_warnings", warnings=warnings, rows=chk.validation.row_count),
            icon=":material/warning:",
        )
    else:
        st.success(c.t("report.verdict_ok", rows=chk.validation.row_count), icon=":material/check_circle:")
    if chk.findings:
        rows = []
        for f, count, where in collapse(chk.findings):
            rows.append(
                {
                    c.t("report.col_severity"): c.t(f"report.sev_{f.severity}"),
                    c.t("report.col_sheet"): f.sheet or "",
                    c.t("report.col_row"): _rows_text(where),
                    c.t("report.col_column"): f.column or "",
                    c.t("report.col_value"): f.value or "",
                    c.t("report.col_message"): finding_message(
                        f.__class__(f.severity, f.code, f.sheet, None, f.column, f.value, f.params), c.lang
                    ),
                    c.t("report.col_count"): count,
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        all_rows = csv_bytes(findings_frame(chk.findings, c.lang))
        st.download_button(
            c.t("report.download_findings"),
            all_rows,
            file_name="findings.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key="dl_findings",
        )
    return errors == 0


def _rows_text(rows: list[int]) -> str:
    if not rows:
        return ""
    if len(rows) <= 6:
        return ", ".join(map(str, rows))
    return ", ".join(map(str, rows[:5])) + f" … (+{len(rows) - 5})"


def show_preview(p: workflow.Preview, *, title: bool = True) -> None:
    c = ctx()
    if title:
        st.subheader(c.t("report.preview_title"))
    sheets = {
        "progress": c.t("snapshot.table.progress"),
        "challenges": c.t("snapshot.table.challenges"),
        "practices": c.t("snapshot.table.practices"),
    }
    cols = st.columns(4)
    cols[0].metric(c.t("report.blocks_replaced"), len(p.replaced), border=True)
    cols[1].metric(c.t("report.rows_added"), len(p.added), border=True)
    cols[2].metric(c.t("report.values_changed"), len(p.changed), border=True)
    cols[3].metric(c.t("report.rows_removed"), len(p.removed), border=True)
    if p.empty:
        st.info(c.t("report.nothing_changes"))
    if len(p.replaced):
        st.markdown(c.t("report.replaced_title"))
        view = p.replaced.assign(
            sheet=p.replaced["sheet"].map(sheets),
            committed_at=p.replaced["committed_at"].astype(str).str[:16],
        )
        st.dataframe(
            view[["country", "period", "sheet", "submission_id", "uploaded_by", "committed_at"]].rename(
                columns=lambda x: c.t(f"report.pcol_{x}")
            ),
            hide_index=True,
            width="stretch",
        )
    if len(p.changed):
        st.markdown(c.t("report.changed_title"))
        view = tables.changed_values(p.changed, c.ref, c.lang)
        view = view.assign(
            sheet=view["sheet"].map(sheets), field=p.changed["field"].map(lambda f: c.t(f"col.{f}"))
        )
        st.dataframe(view.rename(columns=lambda x: c.t(f"report.pcol_{x}")), hide_index=True, width="stretch")
    if len(p.added):
        st.markdown(c.t("report.added_title"))
        view = p.added.assign(sheet=p.added["sheet"].map(sheets))
        view = view.dropna(axis=1, how="all")
        st.dataframe(view.rename(columns=lambda x: c.t(f"col.{x}")), hide_index=True, width="stretch")
    if len(p.removed):
        st.markdown(c.t("report.removed_title"))
        st.dataframe(
            p.removed.assign(sheet=p.removed["sheet"].map(sheets)).rename(columns=lambda x: c.t(f"col.{x}")),
            hide_index=True,
            width="stretch",
        )


def confirm_and_commit(chk: workflow.Check, *, source: str, key: str) -> None:
    """The explicit confirm step. The commit runs once, even on a double click:
    the button is a callback guarded by the file's hash, and a second commit of the
    same bytes is recognised by the core as identical and changes nothing."""
    c = ctx()
    done = st.session_state.get(f"{key}_done")
    if done and done["sha256"] == chk.sha256:
        _show_success(done)
        return
    warnings = [f for f in chk.findings if not f.is_error]
    ack = True
    if warnings:
        ack = st.checkbox(c.t("report.ack_warnings", n=len(warnings)), key=f"{key}_ack")
    st.button(
        c.t("report.confirm"),
        type="primary",
        disabled=not ack,
        key=f"{key}_confirm",
        on_click=_commit,
        args=(chk, source, key),
        icon=":material/cloud_upload:",
    )
    err = st.session_state.pop(f"{key}_error", None)
    if err:
        st.error(err)


def _commit(chk: workflow.Check, source: str, key: str) -> None:
    c = ctx()
    if st.session_state.get(f"{key}_busy") == chk.sha256:
        return
    st.session_state[f"{key}_busy"] = chk.sha256
    try:
        out = workflow.commit(c.store, chk, principal=c.principal, source=source)
        countries = sorted({b[0] for b in chk.validation.blocks()})
        st.session_state[f"{key}_done"] = {
            "sha256": chk.sha256,
            "id": out.submission_id,
            "duplicate_of": out.duplicate_of,
            "version": out.version,
            "countries": countries,
        }
    except EspError as e:
        st.session_state[f"{key}_error"] = error_message(e, c.lang)
    finally:
        st.session_state.pop(f"{key}_busy", None)


def _show_success(done: dict) -> None:
    c = ctx()
    if done["id"] is None:
        st.info(c.t("report.identical", id=done["duplicate_of"]), icon=":material/content_copy:")
    else:
        st.success(
            c.t("report.committed", id=done["id"], version=done["version"]), icon=":material/check_circle:"
        )
        if done["countries"]:
            iso3 = done["countries"][0]
            st.session_state["profile_country"] = iso3
            st.page_link(
                "app_pages/country.py",
                label=c.t("report.see_profile", country=c.ref.country_name(iso3, c.lang)),
                icon=":material/flag:",
                query_params={"country": iso3, **base_params()},
            )


def after_check(chk: workflow.Check, *, key: str, source: str, headings: bool) -> None:
    """Findings, then, for a file that may go on, what it would change and the confirm.

    ``key`` names this door's state in the session (its preview, its committed file);
    ``headings`` draws the report page's numbered step titles.
    """
    c = ctx()
    if not show_findings(chk):
        st.error(c.t("report.nothing_saved"), icon=":material/block:")
        return
    done = st.session_state.get(f"{key}_done")
    committed = bool(done and done["sha256"] == chk.sha256)
    if chk.duplicate_of is not None and not committed:
        st.info(c.t("report.identical", id=chk.duplicate_of), icon=":material/content_copy:")
        return
    if headings:
        st.subheader(c.t("report.step4"))
    if not committed:
        prev = st.session_state.get(f"{key}_preview")
        if prev is None or prev[0] != chk.sha256:
            prev = (chk.sha256, workflow.preview(c.con, chk, principal=c.principal, source=source))
            st.session_state[f"{key}_preview"] = prev
        show_preview(prev[1], title=not headings)
    if headings:
        st.subheader(c.t("report.step5"))
    confirm_and_commit(chk, source=source, key=key)

"""Shared steps of the upload and editor pages: findings, preview, confirm.

Both doors go through the same analytics calls (check → preview → commit), so a
file and an edited table are judged and written exactly alike.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.errors import EspError
from analytics.findings import Finding, collapse, counts
from analytics.i18n import error_message, finding_message, t
from analytics.ledger import workflow
from analytics.ledger.changes import Diff
from analytics.present.readable import csv_for_people, finding_in_words, sheet_names

from .context import ctx
from .diff_view import show_diff
from .urlstate import base_params
from .widgets import md_escape, people_table

FINDING_COLUMNS = ["severity", "sheet", "row", "column", "value", "message", "code"]


def findings_frame(findings: list[Finding], lang: str) -> pd.DataFrame:
    """Every finding, one row each, in the user's language and under the headers the page
    uses (the CSV download, the review and submissions pages)."""
    ref = ctx().ref
    findings = [finding_in_words(f, ref, lang) for f in findings]
    frame = pd.DataFrame(
        [
            {
                "severity": t(f"report.sev_{f.severity}", lang),
                "sheet": sheet_names(f.sheet, lang),
                "row": "" if f.row is None else str(f.row),
                "column": f.column or "",
                "value": f.value or "",
                "message": finding_message(f, lang),
                "code": f.code,
            }
            for f in findings
        ],
        columns=FINDING_COLUMNS,
    )
    return frame.rename(columns=lambda x: t(f"report.col_{x}", lang))


def show_findings(chk: workflow.Check) -> bool:
    """Verdict, counts and the findings table (the same finding in many rows once, with
    where), every message whole below it, and the CSV of every finding; True when the file
    may go on."""
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
        grouped = collapse([finding_in_words(f, c.ref, c.lang) for f in chk.findings])
        rows, messages = [], []
        for f, count, where in grouped:
            message = finding_message(
                f.__class__(f.severity, f.code, f.sheet, None, f.column, f.value, f.params), c.lang
            )
            rows.append(
                {
                    c.t("report.col_severity"): c.t(f"report.sev_{f.severity}"),
                    c.t("report.col_sheet"): f.sheet or "",
                    c.t("report.col_row"): _rows_text(where),
                    c.t("report.col_column"): f.column or "",
                    c.t("report.col_value"): f.value or "",
                    c.t("report.col_message"): message,
                    c.t("report.col_count"): count,
                }
            )
            messages.append((f, where, message))
        people_table(
            pd.DataFrame(rows),
            column_config={c.t("report.col_message"): st.column_config.TextColumn(width="large")},
        )
        with st.expander(c.t("report.messages_whole", n=len(messages)), expanded=len(messages) <= 3):
            for f, where, message in messages[:MESSAGES_SHOWN]:
                place = " · ".join(
                    x
                    for x in (f.sheet or "", c.t("report.rows_at", rows=_rows_text(where)) if where else "")
                    if x
                )
                st.markdown(
                    f"- **{md_escape(place)}** {md_escape(message)}" if place else f"- {md_escape(message)}"
                )
            if len(messages) > MESSAGES_SHOWN:
                st.caption(c.t("report.more_in_csv", n=len(messages) - MESSAGES_SHOWN))
        st.download_button(
            c.t("report.download_findings"),
            data=lambda: csv_for_people(findings_frame(chk.findings, c.lang), c.lang),
            file_name="findings.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key="dl_findings",
        )
    return errors == 0


MESSAGES_SHOWN = 100


def _rows_text(rows: list[int]) -> str:
    if not rows:
        return ""
    if len(rows) <= 6:
        return ", ".join(map(str, rows))
    return ", ".join(map(str, rows[:5])) + f" … (+{len(rows) - 5})"


def confirm_and_commit(chk: workflow.Check, preview: Diff, *, source: str, key: str) -> None:
    """The explicit confirm step: rows the file removes, and any other warning, acknowledged
    first. The commit runs once, even on a double click: the button is a callback guarded by
    the file's hash, and a second commit of the same bytes changes nothing in the core."""
    c = ctx()
    removals = [f for f in chk.findings if f.code == "rows_removed"]
    # A block the file leaves as stored (no_change) is news, not a risk: nothing to acknowledge.
    others = [f for f in chk.findings if not f.is_error and f.code not in ("rows_removed", "no_change")]
    ack = True
    if removals:
        ack &= st.checkbox(c.t("report.ack_removals", n=len(removals)), key=f"{key}_ack_removed")
    if others:
        ack &= st.checkbox(c.t("report.ack_warnings", n=len(others)), key=f"{key}_ack")
    st.button(
        c.t("report.confirm"),
        type="primary",
        disabled=not ack,
        key=f"{key}_confirm",
        on_click=_commit,
        args=(chk, preview, source, key),
        icon=":material/cloud_upload:",
    )
    err = st.session_state.pop(f"{key}_error", None)
    if err:
        st.error(err)


def _commit(chk: workflow.Check, preview: Diff, source: str, key: str) -> None:
    c = ctx()
    if st.session_state.get(f"{key}_busy") == chk.sha256:
        return
    st.session_state[f"{key}_busy"] = chk.sha256
    try:
        out = workflow.commit(c.store, chk, principal=c.principal, source=source)
        st.session_state[f"{key}_done"] = {
            "sha256": chk.sha256,
            "id": out.submission_id,
            "duplicate_of": out.duplicate_of,
            "version": out.version,
            "countries": sorted({country for country, _ in chk.validation.pairs()}),
            "changes": {
                "replaced": len(preview.replaced),
                "added": len(preview.added),
                "changed": len(preview.changed),
                "removed": len(preview.removed),
            },
        }
    except EspError as e:
        st.session_state[f"{key}_error"] = error_message(e, c.lang)
    finally:
        st.session_state.pop(f"{key}_busy", None)


def show_success(done: dict) -> None:
    """The committed file: its submission, what it changed, where to see it. Nothing is re-checked."""
    c = ctx()
    if done["id"] is None:
        st.info(
            c.t("report.identical", id=done["duplicate_of"])
            if done["duplicate_of"]
            else c.t("report.changes_nothing"),
            icon=":material/content_copy:",
        )
        return
    st.success(
        c.t("report.committed", id=done["id"], version=done["version"]), icon=":material/check_circle:"
    )
    n = done["changes"]
    st.caption(
        c.t(
            "report.committed_changes",
            replaced=n["replaced"],
            added=n["added"],
            changed=n["changed"],
            removed=n["removed"],
        )
    )
    for iso3 in done["countries"][:3]:
        st.page_link(
            "app_pages/country.py",
            label=c.t("report.see_profile", country=c.ref.country_name(iso3, c.lang)),
            icon=":material/flag:",
            query_params={"country": iso3, **base_params()},
        )


def committed(key: str, sha256: str) -> dict | None:
    """What this door committed for the file with ``sha256`` in this session, if it did."""
    done = st.session_state.get(f"{key}_done")
    return done if done and done["sha256"] == sha256 else None


def after_check(chk: workflow.Check, *, key: str, source: str, headings: bool) -> None:
    """Findings, then, for a file that may go on, what it would change and the confirm;
    once committed, only the outcome.

    ``key`` names this door's state in the session (its preview, its committed file);
    ``headings`` draws the report page's numbered step titles.
    """
    c = ctx()
    done = committed(key, chk.sha256)
    if done:
        show_success(done)
        return
    if not show_findings(chk):
        st.error(c.t("report.nothing_saved"), icon=":material/block:")
        return
    if chk.duplicate_of is not None:
        st.info(c.t("report.identical", id=chk.duplicate_of), icon=":material/content_copy:")
        return
    if chk.changes_nothing:
        st.info(c.t("report.changes_nothing"), icon=":material/content_copy:")
        return
    if headings:
        st.subheader(c.t("report.step4"))
    prev = st.session_state.get(f"{key}_preview")
    if prev is None or prev[0] != chk.sha256:
        prev = (chk.sha256, workflow.preview(c.con, chk, principal=c.principal, source=source))
        st.session_state[f"{key}_preview"] = prev
    show_diff(prev[1], title=not headings)
    if headings:
        st.subheader(c.t("report.step5"))
    confirm_and_commit(chk, prev[1], source=source, key=key)

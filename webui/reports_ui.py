"""Where a focal point's files stand: the panel on the report page and the cards of
"My reports" (state, the reviewer's comment, what to do next, templates to start again)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.exports.template import template
from analytics.i18n import datetime_text
from analytics.ledger import reads

from . import cache, connection
from .context import Context
from .urlstate import base_params
from .widgets import md_escape

STATE_ICONS = {
    reads.SUBMITTED: ":material/hourglass_top:",
    reads.APPROVED: ":material/task_alt:",
    reads.RETURNED: ":material/assignment_return:",
    reads.ROLLED_BACK: ":material/undo:",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def my_files(c: Context) -> pd.DataFrame:
    """The files this person sent, newest first."""
    h = cache.cached(reads.history)
    email = c.principal.email if c.principal else ""
    return h[h["uploaded_by"] == email].sort_values("id", ascending=False).reset_index(drop=True)


def answered_by(mine: pd.DataFrame, row: pd.Series) -> int | None:
    """A later file of the same person for one of the same countries and periods, if any."""
    countries, periods = set(_split(row["countries"])), set(_split(row["periods"]))
    later = mine[
        (mine["id"] > row["id"])
        & mine["countries"].map(lambda s: bool(countries & set(_split(s))))
        & mine["periods"].map(lambda s: bool(periods & set(_split(s))))
    ]
    return int(later["id"].min()) if len(later) else None


def _split(text: object) -> list[str]:
    return [x for x in str(text or "").split(",") if x]


def latest_panel(c: Context, most: int = 3) -> None:
    """The report page's summary: the newest files and their state, returned ones first named."""
    mine = my_files(c)
    if mine.empty:
        return
    with st.container(border=True):
        st.markdown(f"**{c.t('myreports.panel_title')}**")
        returned = mine[mine["status"] == reads.RETURNED]
        open_returns = [r for r in returned.itertuples() if answered_by(mine, mine.loc[r.Index]) is None]
        if open_returns:
            st.warning(
                c.t(
                    "myreports.panel_returned",
                    n=len(open_returns),
                    ids=", ".join(f"#{r.id}" for r in open_returns),
                ),
                icon=":material/assignment_return:",
            )
        for r in mine.head(most).itertuples():
            st.caption(
                c.t(
                    "myreports.panel_line",
                    id=r.id,
                    file=md_escape(r.file_name),
                    at=datetime_text(r.committed_at, c.lang),
                    state=c.t(f"review.status_{r.status}"),
                )
            )
        st.page_link(
            "app_pages/my_reports.py",
            label=c.t("myreports.see_all", n=len(mine)),
            icon=":material/list_alt:",
            query_params=base_params(),
        )


def report_card(c: Context, mine: pd.DataFrame, row: pd.Series) -> None:
    """One file: what it is, its state, the reviewer's word, and what to do next."""
    status = row["status"]
    with st.container(border=True, key=f"mr_card_{row['id']}"):
        st.markdown(f"**#{row['id']} · {c.t(f'review.status_{status}')}**")
        st.caption(
            c.t(
                "myreports.meta",
                file=md_escape(row["file_name"]),
                at=datetime_text(row["committed_at"], c.lang),
                countries=md_escape(
                    ", ".join(c.ref.country_name(x, c.lang) for x in _split(row["countries"]))
                ),
                periods=md_escape(", ".join(_split(row["periods"]))),
            )
        )
        if isinstance(row["reviewed_by"], str) and status in (reads.APPROVED, reads.RETURNED):
            st.caption(
                c.t(
                    "myreports.reviewed",
                    who=md_escape(row["reviewed_by"]),
                    at=datetime_text(row["reviewed_at"], c.lang),
                )
            )
            if isinstance(row["review_comment"], str) and row["review_comment"]:
                st.caption(c.t("myreports.comment"))
                st.text(row["review_comment"])
        if status == reads.ROLLED_BACK:
            st.caption(
                c.t(
                    "myreports.rolled_back",
                    who=row["rolled_back_by"],
                    at=datetime_text(row["rolled_back_at"], c.lang),
                )
            )
            st.text(row["rollback_reason"] or "")
        later = answered_by(mine, row)
        next_key = f"myreports.next_{status}"
        if status == reads.RETURNED and later is not None:
            next_key = "myreports.next_answered"
        st.info(c.t(next_key, id=later or ""), icon=STATE_ICONS.get(status))
        if status == reads.RETURNED and later is None:
            fix_again(c, int(row["id"]))


def fix_again(c: Context, sid: int) -> None:
    """Templates to correct a returned file: from the file itself, or from the published report."""
    blocks = cache.cached(reads.submission_blocks, sid)
    pairs = sorted(set(zip(blocks["country"], blocks["period"])))
    if not pairs:
        return
    pick = pairs[0]
    if len(pairs) > 1:
        pick = st.selectbox(
            c.t("myreports.which_report"),
            pairs,
            key=f"mr_pair_{sid}",
            format_func=lambda p: f"{c.ref.country_name(p[0], c.lang)} {p[1]}",
        )
    country, period = pick
    left, right = st.columns(2)
    left.download_button(
        c.t("myreports.template_returned", id=sid),
        data=lambda: template(
            connection.cursor(), country=country, period=period, lang=c.lang, from_submission=sid
        ),
        file_name=f"esp_{country}_{period}_{c.lang}_from_{sid}.xlsx",
        mime=XLSX,
        on_click="ignore",
        icon=":material/assignment_return:",
        key=f"mr_tpl_returned_{sid}",
        width="stretch",
    )
    left.caption(c.t("myreports.template_returned_what"))
    right.download_button(
        c.t("myreports.template_published"),
        data=lambda: template(connection.cursor(), country=country, period=period, lang=c.lang),
        file_name=f"esp_{country}_{period}_{c.lang}.xlsx",
        mime=XLSX,
        on_click="ignore",
        icon=":material/public:",
        key=f"mr_tpl_published_{sid}",
        width="stretch",
    )
    right.caption(c.t("myreports.template_published_what"))
    st.page_link(
        "app_pages/report.py",
        label=c.t("myreports.go_upload"),
        icon=":material/upload_file:",
        query_params=base_params(),
    )

"""My reports (focal points): every file I sent, where it stands, the reviewer's comment,
and what to do next (a returned file: fix it and upload it again, from a template)."""

import streamlit as st

from analytics.ledger import reads
from webui import reports_ui, widgets
from webui.context import ctx

SHOWN = 30  # cards drawn; the table above lists every file


def render() -> None:
    """The page; returns early where the flow cannot go on (so the frame's footer still draws)."""
    c = ctx()
    st.title(c.t("nav.my_reports"))
    st.caption(c.t("myreports.intro"))

    # 1. My files, newest first (returned ones that still need an answer come first below)
    mine = reports_ui.my_files(c)
    if mine.empty:
        st.info(c.t("myreports.none"), icon=":material/inbox:")
        st.page_link("app_pages/report.py", label=c.t("myreports.go_upload"), icon=":material/upload_file:")
        return
    counts = mine["status"].value_counts()
    cols = st.columns(4)
    for col, status in zip(cols, reads.STATUSES):
        col.metric(c.t(f"review.status_{status}"), int(counts.get(status, 0)), border=True)
    widgets.show_table(
        mine.assign(
            status=mine["status"].map(lambda s: c.t(f"review.status_{s}")),
            committed_at=mine["committed_at"],
            reviewed_by=mine["reviewed_by"].fillna(""),
            review_comment=mine["review_comment"].fillna(""),
        )[
            [
                "id",
                "committed_at",
                "file_name",
                "countries",
                "periods",
                "status",
                "reviewed_by",
                "review_comment",
            ]
        ],
        headers="myreports.col_",
        key="my_reports",
        file_name="my_reports",
    )

    # 2. Each file: its state, the reviewer's word, what to do next
    needs = mine["status"].eq(reads.RETURNED) & mine.apply(
        lambda r: reports_ui.answered_by(mine, r) is None, axis=1
    )
    ordered = mine.loc[needs].index.tolist() + mine.loc[~needs].index.tolist()
    for i in ordered[:SHOWN]:
        reports_ui.report_card(c, mine, mine.loc[i])
    if len(mine) > SHOWN:
        st.caption(c.t("myreports.more", n=len(mine) - SHOWN))


render()

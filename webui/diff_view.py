"""What a file changes (``analytics.ledger.changes.Diff``), drawn the same way wherever it is
asked: the upload and "Correct in place" previews before the confirm, and the Review page
before an approval."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.ledger.changes import Diff
from analytics.present import tables

from .context import Context, ctx
from .widgets import ids_text, people_table


def show_diff(d: Diff, *, approving: bool = False, title: bool = True) -> None:
    """Rows it takes out first, then the counts, the reports it replaces, values changed
    (old → new) and new rows.

    ``approving``: for a reviewer, against what is published: how many changes approving it
    publishes (or that it publishes none, a later file being published), and for each report
    it holds, the one published now and the one shown once approved. Otherwise for the person
    sending it, before the confirm (``title``: the section's own heading).
    """
    c = ctx()
    if approving:
        st.markdown(f"**{c.t('review.changes_title', n=d.count)}**")
        if not d.visible:
            later = sorted({int(i) for i in d.blocks["shown_now"].dropna()})
            st.warning(c.t("review.nothing_visible", ids=ids_text(later)), icon=":material/visibility_off:")
        elif d.empty:
            st.info(c.t("review.same_as_published"), icon=":material/info:")
    elif title:
        st.subheader(c.t("report.preview_title"))
    if len(d.removed):
        st.warning(c.t("report.removed_title", n=len(d.removed)), icon=":material/delete:")
        people_table(tables.labelled_rows(d.removed, c.ref, c.lang).dropna(axis=1, how="all"))
    cols = st.columns(4)
    if approving:
        blocks = d.blocks
        cols[0].metric(
            c.t("review.metric_blocks"), f"{int(blocks['takes_effect'].sum())} / {len(blocks)}", border=True
        )
    else:
        cols[0].metric(c.t("report.blocks_replaced"), len(d.replaced), border=True)
    cols[1].metric(c.t("report.rows_added"), len(d.added), border=True)
    cols[2].metric(c.t("report.values_changed"), len(d.changed), border=True)
    cols[3].metric(c.t("report.rows_removed"), len(d.removed), border=True)
    if approving:
        people_table(_before_and_after(c, d.blocks), headers="review.ecol_")
    else:
        if d.empty:
            st.info(c.t("report.nothing_changes"))
        if len(d.replaced):
            st.markdown(c.t("report.replaced_title"))
            people_table(
                d.replaced[["country", "period", "sheet", "shown_now", "uploaded_by", "committed_at"]],
                headers="report.pcol_",
            )
    if len(d.changed):
        st.markdown(c.t("report.changed_title"))
        view = tables.changed_values(d.changed, c.ref, c.lang)
        people_table(
            view.assign(field=d.changed["field"].map(lambda f: c.t(f"col.{f}"))), headers="report.pcol_"
        )
    if len(d.added):
        st.markdown(c.t("report.added_title"))
        people_table(tables.labelled_rows(d.added, c.ref, c.lang).dropna(axis=1, how="all"))


def _before_and_after(c: Context, blocks: pd.DataFrame) -> pd.DataFrame:
    """Each report the file holds: the submission published there now, and the one shown once
    it is approved (itself, or a later one that stays)."""
    return pd.DataFrame(
        {
            "country": blocks["country"],
            "period": blocks["period"],
            "sheet": blocks["sheet"],
            "published_now": [
                c.t("admin.report_none") if pd.isna(v) else f"#{int(v)}" for v in blocks["shown_now"]
            ],
            "after": [
                c.t("review.after_this") if p else c.t("review.after_stays", id=f"#{int(v)}")
                for p, v in zip(blocks["takes_effect"], blocks["shown_now"])
            ],
        }
    )

"""Review (reviewers and administrators): the submissions awaiting review, what each would
change against what is published now, its warnings and original file; approve (one, or
every one the filters show, after a confirmation) or return it with a comment."""

import streamlit as st

from analytics.ledger import pending, reads
from analytics.ledger.permissions import allowed
from webui import cache, diff_view, review_ui
from webui.context import ctx

STATUSES = (reads.SUBMITTED, reads.RETURNED, reads.APPROVED)
OPENABLE = 200  # the newest submissions of the filtered list can be opened
COUNTED = 50  # the newest of them show their count of changes in the list (each is a diff)


def render() -> None:
    """The page; returns early where the flow cannot go on (so the frame's footer still draws)."""
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.review"))
    st.caption(c.t("review.intro"))
    if not allowed(c.principal, "review"):
        st.error(c.t("error.permission_denied", action="review"))
        return
    review_ui.show_notice()

    # 1. Filters: state, country, period, uploader
    every = cache.cached(pending.listing)
    a, b, d, e = st.columns(4)
    status = a.selectbox(
        c.t("col.status"), STATUSES, key="rv_status", format_func=lambda s: c.t(f"review.status_{s}")
    )
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    listed = sorted({x for cs in every["country"] for x in cs}, key=lambda x: names.get(x, x))
    country = b.selectbox(
        c.t("col.country"),
        [None, *listed],
        key="rv_country",
        format_func=lambda x: names.get(x, x) if x else c.t("ui.all"),
    )
    period = d.text_input(c.t("col.period"), key="rv_period", placeholder="2024").strip()
    uploader = e.selectbox(
        c.t("col.uploaded_by"),
        [None, *sorted(every["uploaded_by"].unique())],
        key="rv_uploader",
        format_func=lambda x: x or c.t("ui.all"),
    )
    view = cache.cached(
        pending.listing, status=status, country=country, period=period or None, uploader=uploader
    )

    # 2. The list, with what approving each would change
    st.caption(c.t("review.count", n=len(view), state=c.t(f"review.status_{status}").lower()))
    if view.empty:
        st.info(c.t("review.none" if status == reads.SUBMITTED else "review.none_filtered"))
        return
    recent = view.head(OPENABLE)
    changes = (
        {int(i): cache.cached(pending.change, int(i)) for i in recent["id"].head(COUNTED)}
        if status == reads.SUBMITTED
        else {}
    )
    review_ui.show_queue(c, review_ui.queue_table(recent, changes, ref, lang))

    # 3. Approve every submission the filters show (not one's own), after a confirmation
    if status == reads.SUBMITTED:
        review_ui.approve_shown(c, view)

    # 4. One submission: what it changes, its warnings, the original file, approve or return
    st.divider()
    files = dict(zip(recent["id"], recent["uploaded_by"]))
    sid = int(
        st.selectbox(
            c.t("review.open"),
            list(recent["id"]),
            key="rv_open",
            format_func=lambda i: f"#{i} · {files.get(i, '')}",
        )
    )
    if len(view) > OPENABLE:
        st.caption(c.t("review.open_recent", n=OPENABLE))
    row = view.set_index("id").loc[sid]
    review_ui.submission_header(c, sid, row)
    if status == reads.SUBMITTED:
        diff_view.show_diff(cache.cached(pending.change, sid), approving=True)
    review_ui.show_warnings(c, cache.cached(reads.submission_findings, sid))
    review_ui.original_file(c, sid)
    if status == reads.SUBMITTED:
        review_ui.decide(c, sid, own=row["uploaded_by"] == c.principal.email)


render()

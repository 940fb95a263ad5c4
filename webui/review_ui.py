"""The review page's parts: the queue, what a submission would change, and the decisions.

Every decision goes through ``analytics.ledger.review`` (which checks the role, the state and
that nobody reviews their own file) from a button callback. A second click on the same
decision in this session does nothing: the first has already been recorded, and the core
would refuse it anyway (the submission no longer awaits review).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from analytics.errors import EspError
from analytics.findings import Finding
from analytics.i18n import datetime_text, error_message, t
from analytics.ledger import reads, review
from analytics.ledger.changes import Diff
from analytics.reference import Reference

from . import cache, connection
from .context import Context, ctx
from .submit import findings_frame
from .widgets import ids_text, md_escape, people_table

NOTICE, DONE = "rv_notice", "rv_done"
BULK = "bulk"


def show_notice() -> None:
    """What the last decision did, at the top of the page, for as long as it is the latest
    change (a second click of a double click reruns the page: the notice stays)."""
    notice = st.session_state.get(NOTICE)
    if notice and notice[1] == ctx().now_version:
        st.success(notice[0], icon=":material/task_alt:")


def _error_key(origin: str) -> str:
    return f"rv_error_{origin}"


def _show_error(origin: str) -> None:
    err = st.session_state.pop(_error_key(origin), None)
    if err:
        st.error(err, icon=":material/error:")


def _decide(action: str, ids: tuple[int, ...], comment_key: str, origin: str) -> None:
    """Approve or return (a button's callback): once per decision, whatever the clicks."""
    c = ctx()
    done = st.session_state.setdefault(DONE, set())
    if (action, ids) in done:
        return
    comment = st.session_state.get(comment_key) or ""
    try:
        if action == review.APPROVED:
            version = review.approve(c.store, ids, principal=c.principal, comment=comment)
        else:
            version = review.return_(c.store, ids[0], principal=c.principal, comment=comment)
    except EspError as e:
        st.session_state[_error_key(origin)] = error_message(e, c.lang)
        return
    done.add((action, ids))
    st.session_state[comment_key] = ""
    st.session_state[NOTICE] = (
        c.t(f"review.done_{action}", n=len(ids), ids=ids_text(ids), version=version),
        version,
    )


def queue_table(view: pd.DataFrame, changes: dict[int, Diff], ref: Reference, lang: str) -> pd.DataFrame:
    """The filtered list as shown: countries by name, and for files awaiting review how many
    changes approving each would publish (and when it would publish none)."""

    def effect(i: int) -> str:
        change = changes.get(int(i))
        if change is None:
            return ""
        return (
            t("review.count_changes", lang, n=change.count)
            if change.visible
            else t("review.changes_hidden", lang)
        )

    return pd.DataFrame(
        {
            "id": view["id"],
            "countries": [", ".join(ref.country_name(x, lang) for x in cs) for cs in view["country"]],
            "periods": [", ".join(ps) for ps in view["periods"]],
            "uploaded_by": view["uploaded_by"],
            "committed_at": view["committed_at"],
            "changes": [effect(i) for i in view["id"]],
            "reviewed_by": view["reviewed_by"].fillna(""),
            "comment": view["comment"].fillna(""),
        }
    )


def show_queue(c: Context, table: pd.DataFrame) -> None:
    if not table["changes"].astype(bool).any():
        table = table.drop(columns="changes")
    if not table["reviewed_by"].astype(bool).any():
        table = table.drop(columns=["reviewed_by", "comment"])
    people_table(
        table,
        headers="review.qcol_",
        hide_index=True,
        width="stretch",
        height=min(38 * (len(table) + 1) + 4, 420),
    )


def approve_shown(c: Context, view: pd.DataFrame) -> None:
    """Approve every submission the filters show, but one's own, after ticking a box that
    names how many and which."""
    own = view["uploaded_by"] == c.principal.email
    ids = tuple(int(i) for i in view.loc[~own, "id"])
    with st.container(border=True):
        st.markdown(f"**{c.t('review.bulk_title')}**")
        if own.any():
            st.caption(c.t("review.bulk_own_left_out", n=int(own.sum())))
        if not ids:
            return
        digest = hashlib.sha1(repr(ids).encode()).hexdigest()[:10]
        st.text_input(c.t("review.comment_optional"), key="rv_bulk_comment", max_chars=2000)
        sure = st.checkbox(
            c.t("review.bulk_confirm", n=len(ids), ids=ids_text(ids)), key=f"rv_bulk_sure_{digest}"
        )
        st.button(
            c.t("review.bulk_button", n=len(ids)),
            type="primary",
            disabled=not sure,
            key=f"rv_bulk_{digest}",
            on_click=_decide,
            args=(review.APPROVED, ids, "rv_bulk_comment", BULK),
            icon=":material/done_all:",
        )
        _show_error(BULK)


def submission_header(c: Context, sid: int, row: pd.Series) -> None:
    st.subheader(c.t("review.detail", id=sid))
    st.caption(
        c.t(
            "review.meta",
            who=md_escape(row["uploaded_by"]),
            at=datetime_text(row["committed_at"], c.lang),
            countries=md_escape(", ".join(c.ref.country_name(x, c.lang) for x in row["country"])),
            periods=md_escape(", ".join(row["periods"])),
        )
    )
    if isinstance(row["reviewed_by"], str) and row["reviewed_by"]:
        st.caption(
            c.t(
                "review.last_decision",
                state=c.t(f"review.status_{row['status']}"),
                who=md_escape(row["reviewed_by"]),
                at=datetime_text(row["reviewed_at"], c.lang),
            )
        )
        if isinstance(row["comment"], str) and row["comment"]:
            st.text(row["comment"])


def show_warnings(c: Context, found: list[Finding]) -> None:
    st.markdown(f"**{c.t('review.warnings_title', n=len(found))}**")
    if found:
        people_table(findings_frame(found, c.lang))
    else:
        st.caption(c.t("review.no_warnings"))


def original_file(c: Context, sid: int) -> None:
    """The file exactly as the focal point sent it."""
    name = cache.cached(reads.history).set_index("id").loc[sid, "file_name"]
    st.download_button(
        c.t("review.download_original", name=name),
        data=lambda: connection.current_store().raw_file(sid)[1],
        file_name=name,
        on_click="ignore",
        icon=":material/download:",
        key=f"rv_raw_{sid}",
    )


def decide(c: Context, sid: int, *, own: bool) -> None:
    """Approve (comment optional) or return (comment required) one submission."""
    st.markdown(f"**{c.t('review.decide_title')}**")
    if own:
        st.info(c.t("review.own_file"), icon=":material/person:")
        return
    key = f"rv_comment_{sid}"
    st.text_area(c.t("review.comment"), key=key, max_chars=2000, help=c.t("review.comment_help"))
    left, right = st.columns(2)
    left.button(
        c.t("review.approve"),
        type="primary",
        key=f"rv_approve_{sid}",
        on_click=_decide,
        args=(review.APPROVED, (sid,), key, str(sid)),
        icon=":material/check_circle:",
        width="stretch",
    )
    right.button(
        c.t("review.return"),
        key=f"rv_return_{sid}",
        on_click=_decide,
        args=(review.RETURNED, (sid,), key, str(sid)),
        icon=":material/undo:",
        width="stretch",
    )
    _show_error(str(sid))

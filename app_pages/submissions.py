"""Submissions (administrators): every file received, its rows, findings and what it
replaced; the original file; rollback with a reason."""

import pandas as pd
import streamlit as st

from analytics.errors import EspError
from analytics.i18n import datetime_text, error_message
from analytics.ledger import reads, workflow
from analytics.ledger.permissions import allowed
from analytics.present import tables
from analytics.present.readable import origin
from webui import cache, connection, submit, widgets
from webui.context import Context, ctx

OPENABLE = 200  # the most recent submissions in the list can be opened; filters reach older ones


def render() -> None:
    """The page; returns early where the flow cannot go on (so the frame's footer still draws)."""
    c = ctx()
    ref, lang = c.ref, c.lang
    st.title(c.t("nav.submissions"))
    if not allowed(c.principal, "view_submissions"):
        st.error(c.t("error.permission_denied", action="view_submissions"))
        return

    backup_status(c)
    notice = st.session_state.pop("adm_notice", None)
    if notice:
        st.success(notice, icon=":material/undo:")
    hist = cache.cached(reads.history)
    if hist.empty:
        st.info(c.t("admin.none"))
        return

    # 1. Filters
    hist = hist.assign(status=hist["rolled_back_at"].notna().map({True: "rolled_back", False: "live"}))
    a, b, d, e, f = st.columns(5)
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    countries = a.multiselect(
        c.t("col.country"),
        sorted(names),
        format_func=lambda x: names[x],
        key="adm_c",
        placeholder=c.t("ui.all"),
    )
    uploaders = b.multiselect(
        c.t("col.uploaded_by"), sorted(hist["uploaded_by"].unique()), key="adm_u", placeholder=c.t("ui.all")
    )
    period = d.text_input(c.t("col.period"), key="adm_p", placeholder="2024")
    dates = e.date_input(c.t("admin.dates"), value=(), key="adm_d", format="YYYY-MM-DD")
    status = f.selectbox(
        c.t("col.status"),
        ["all", "live", "rolled_back"],
        key="adm_s",
        format_func=lambda x: c.t(f"admin.status_{x}"),
    )
    view = tables.filter_history(
        hist,
        countries=countries,
        uploaders=uploaders,
        period=period,
        days=tuple(dates) if len(dates) == 2 else None,
        status=status,
    )
    view = view.sort_values("id", ascending=False)
    shown = view.assign(
        status=view["status"].map({s: c.t(f"admin.status_{s}") for s in ("live", "rolled_back")}),
        origin=view["source"],
    )[
        [
            "id",
            "committed_at",
            "uploaded_by",
            "origin",
            "file_name",
            "countries",
            "periods",
            "sheets",
            "rows",
            "status",
        ]
    ]
    st.caption(c.t("admin.count", n=len(view), total=len(hist)))
    widgets.show_table(
        shown,
        key="admin_list",
        file_name="submissions",
    )
    if view.empty:
        return

    # 2. One submission in detail
    recent = view.head(OPENABLE)
    files = dict(zip(recent["id"], recent["file_name"]))
    sid = st.selectbox(
        c.t("admin.open"),
        list(recent["id"]),
        key="adm_open",
        format_func=lambda i: f"#{i} · {files.get(i, '')}",
    )
    if len(view) > OPENABLE:
        st.caption(c.t("admin.open_recent", n=OPENABLE))
    row = hist.set_index("id").loc[sid]
    st.subheader(c.t("admin.detail", id=sid))
    st.caption(
        c.t(
            "admin.meta",
            who=row["uploaded_by"],
            at=datetime_text(row["committed_at"], lang),
            sha=row["sha256"][:16],
            source=origin(row["source"], lang),
        )
    )
    if pd.notna(row["rolled_back_at"]):
        st.warning(
            c.t(
                "admin.was_rolled_back",
                at=datetime_text(row["rolled_back_at"], lang),
                who=row["rolled_back_by"],
                reason=row["rollback_reason"],
            ),
            icon=":material/undo:",
        )
    tab_rows, tab_find, tab_rep = st.tabs([c.t("admin.rows"), c.t("admin.findings"), c.t("admin.replaced")])
    with tab_rows:
        for sheet, df in cache.cached(reads.submission_rows, int(sid)).items():
            if len(df):
                st.markdown(f"**{c.t(f'snapshot.table.{sheet}')}**")
                widgets.people_table(
                    df.drop(columns=["submission_id", "period_start", "period_end"]),
                    hide_index=True,
                    width="stretch",
                )
    with tab_find:
        found = cache.cached(reads.submission_findings, int(sid))
        if found:
            widgets.people_table(submit.findings_frame(found, lang))
        else:
            st.caption(c.t("admin.no_findings"))
    with tab_rep:
        rep = cache.cached(reads.submission_blocks, int(sid))
        widgets.people_table(rep, headers="admin.bcol_")
    name = row["file_name"]
    st.download_button(
        c.t("admin.download_original"),
        data=lambda: connection.current_store().raw_file(int(sid))[1],
        file_name=name,
        on_click="ignore",
        icon=":material/download:",
        key=f"adm_raw_{sid}",
    )

    # 3. Roll back (reason and confirmation required; history is kept)
    if pd.isna(row["rolled_back_at"]) and allowed(c.principal, "rollback"):
        rollback_form(c, int(sid))


def backup_status(c: Context) -> None:
    """When the serving app last backed the data up (ESP_BACKUP_DIR), or that it does not."""
    scheduler, newest = connection.last_backup()
    if scheduler is None:
        st.caption(c.t("admin.backup_off"))
        return
    if newest is None:
        st.caption(c.t("admin.backup_none_yet", dir=scheduler.plan.directory))
    else:
        st.caption(
            c.t(
                "admin.backup_last",
                at=f"{newest.created_at:%Y-%m-%d %H:%M:%S} UTC",
                version=newest.data_version,
                dir=scheduler.plan.directory,
                every=int(scheduler.plan.every),
                keep=scheduler.plan.keep,
            )
        )
    if scheduler.last_error is not None:
        st.warning(c.t("admin.backup_failed", reason=error_message(scheduler.last_error, c.lang)))


def rollback_form(c: Context, sid: int) -> None:
    """Rolling a submission back: what each of its reports will show afterwards, then a reason
    and a ticked confirmation, or nothing happens."""
    effect = cache.cached(reads.rollback_effect, sid)
    st.markdown(c.t("admin.rollback_title", id=sid))
    if not (effect["shown_now"] == sid).any():
        st.info(c.t("admin.rollback_changes_nothing", id=sid), icon=":material/info:")
    widgets.people_table(
        cache.derived(tables.rollback_effect, effect, sid, c.ref, c.lang), headers="admin.ecol_"
    )
    with st.form(f"rollback_{sid}"):
        reason = st.text_area(c.t("admin.reason"), max_chars=2000)
        sure = st.checkbox(c.t("admin.confirm_rollback", id=sid))
        go = st.form_submit_button(c.t("admin.rollback"), type="primary", icon=":material/undo:")
    if not go:
        return
    if not reason.strip():
        st.error(c.t("error.reason_required"))
    elif not sure:
        st.error(c.t("admin.tick_confirm"))
    else:
        try:
            v = workflow.rollback(c.store, sid, principal=c.principal, reason=reason)
        except EspError as err:
            st.error(error_message(err, c.lang))
            return
        st.session_state["adm_notice"] = c.t("admin.rolled_back", id=sid, version=v)
        st.rerun()


render()

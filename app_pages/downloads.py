"""Downloads: the region's snapshot as it stands now or stood at a past time."""

from datetime import date, datetime, time

import streamlit as st

from analytics import clock
from analytics.exports import writers
from analytics.i18n import LANGUAGES
from analytics.ledger import reads, review
from analytics.ledger.permissions import allowed
from analytics.present.readable import filters_in_words
from webui import connection
from webui.context import ctx
from webui.sidebar import LANGUAGE_NAMES


def render() -> None:
    c = ctx()
    st.title(c.t("nav.downloads"))
    st.caption(c.t("downloads.intro"))

    # 1. As of when, in which language (the sidebar's filters apply)
    left, mid, right = st.columns(3)
    today = clock.today()
    default_day = c.as_of.date() if c.as_of else today
    day = left.date_input(
        c.t("downloads.as_of_date"),
        value=default_day,
        min_value=date(2015, 12, 1),
        max_value=today,
        key="dl_day",
        format="YYYY-MM-DD",
    )
    at = mid.time_input(c.t("downloads.as_of_time"), value=time(23, 59), key="dl_time", step=60)
    lang = right.radio(
        c.t("downloads.language"),
        list(LANGUAGES),
        index=list(LANGUAGES).index(c.lang),
        horizontal=True,
        format_func=LANGUAGE_NAMES.get,
        key="dl_lang",
    )
    as_of = clock.utc(datetime.combine(day, at))
    if as_of >= clock.now():
        as_of = None
    version = reads.data_version(c.con, as_of)
    # Published data, unless someone who may see what awaits review asks for it too.
    unreviewed = allowed(c.principal, "unreviewed") and st.checkbox(
        c.t("downloads.include_unreviewed"),
        value=c.pending,
        key="dl_unreviewed",
        help=c.t("downloads.include_unreviewed_help"),
    )
    scope = review.scope_for(c.principal, unreviewed)
    st.info(
        c.t(
            "downloads.summary",
            filters=filters_in_words(c.filters, c.ref, c.lang, as_of, clock.today().year),
            at=c.t("downloads.at_time", time=as_of.strftime("%H:%M")) if as_of else "",
            version=version,
        )
        + " "
        + c.t("downloads.holds_unreviewed" if unreviewed else "downloads.holds_published"),
        icon=":material/info:",
    )

    # 2. One button per format; each file is built only when its button is pressed
    for fmt, spec in writers.FORMATS.items():
        with st.container(border=True):
            a, b = st.columns([3, 1])
            a.markdown(f"**{c.t(f'downloads.{fmt}_title')}**")
            a.caption(c.t(f"downloads.{fmt}_what"))
            b.download_button(
                c.t("downloads.button"),
                data=lambda fmt=fmt: writers.write(
                    connection.cursor(), fmt, as_of=as_of, lang=lang, filters=c.filters, scope=scope
                )[1],
                file_name=writers.file_name(fmt, at=as_of or clock.now(), version=version),
                mime=spec.mime,
                on_click="ignore",
                icon=":material/download:",
                key=f"dl_{fmt}",
                width="stretch",
            )


render()

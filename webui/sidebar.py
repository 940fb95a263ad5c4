"""The frame's shared parts: the sidebar (language, as-of, filters), notices and footer."""

from __future__ import annotations

from datetime import date

import streamlit as st

from analytics import clock
from analytics.i18n import LANGUAGES, date_text, datetime_text
from analytics.insights.filters import SPOTLIGHT_CHOICES, ViewState
from analytics.ledger.permissions import allowed
from analytics.periods import EARLIEST_YEAR

from .context import STATE_KEY, Context, restate

LANGUAGE_NAMES = {"es": "Español", "en": "English"}


def sidebar(c: Context) -> Context:
    """Language, as-of and filters: shared by every page, mirrored in the URL. Returns the
    run's context, rebuilt when a filter changed (the page then reads the new view in this
    same run: a rerun would run every page twice per click). A new language reruns, since
    the navigation above is already drawn in the old one."""
    s = c.state
    ref = c.ref
    members = ref.members(c.lang)
    today = clock.today()
    with st.sidebar:
        lang = st.radio(
            "Idioma / Language",
            list(LANGUAGES),
            index=list(LANGUAGES).index(s.lang),
            format_func=LANGUAGE_NAMES.get,
            horizontal=True,
            key="w_lang",
        )
        as_of = st.date_input(
            c.t("ui.as_of"),
            value=date.fromisoformat(s.as_of) if s.as_of else today,
            min_value=date(2015, 12, 1),
            max_value=today,
            key="w_as_of",
            help=c.t("ui.as_of_help"),
            format="YYYY-MM-DD",
        )
        years = st.slider(
            c.t("ui.years"),
            EARLIEST_YEAR,
            today.year,
            (s.year_from or EARLIEST_YEAR, s.year_to or today.year),
            key="w_years",
        )
        names = dict(zip(members["iso3"], members[f"name_{c.lang}"]))
        countries = st.multiselect(
            c.t("ui.countries"),
            list(names),
            default=list(s.countries),
            format_func=lambda x: names.get(x, x),
            key="w_countries",
            placeholder=c.t("ui.all"),
        )
        sub_labels = ref.labels("subregion", c.lang)
        subregions = st.multiselect(
            c.t("ui.subregion"),
            list(sub_labels),
            default=list(s.subregions),
            format_func=lambda x: sub_labels.get(x, x),
            key="w_sub",
            placeholder=c.t("ui.all"),
        )
        coh_labels = ref.labels("entry_route", c.lang)
        cohorts = st.multiselect(
            c.t("ui.cohort"),
            list(coh_labels),
            default=list(s.cohorts),
            format_func=lambda x: coh_labels.get(x, x),
            key="w_cohort",
            placeholder=c.t("ui.all"),
        )
        spotlight = st.selectbox(
            c.t("ui.spotlight"),
            list(SPOTLIGHT_CHOICES),
            index=SPOTLIGHT_CHOICES.index(s.spotlight),
            format_func=lambda x: c.t(f"ui.spotlight_{x}"),
            key="w_spot",
        )
        # Only those who may see what awaits review get the switch; for anyone else a
        # ?pending=1 in a link is dropped from the URL at once.
        pending = allowed(c.principal, "unreviewed") and st.toggle(
            c.t("review.include_pending"),
            value=s.pending,
            key="w_pending",
            help=c.t("review.include_pending_help"),
        )
    new = ViewState(
        lang=lang,
        as_of=None if as_of >= today else as_of.isoformat(),
        year_from=None if years[0] == EARLIEST_YEAR else years[0],
        year_to=None if years[1] == today.year else years[1],
        countries=tuple(countries),
        subregions=tuple(subregions),
        cohorts=tuple(cohorts),
        spotlight=spotlight,
        pending=pending,
    )
    if new == s:
        return c
    st.session_state[STATE_KEY] = new
    if new.lang != s.lang:
        st.rerun()
    return restate(c.store, c.con, c.source, c.now_version, c.ref, c.principal, new)


def notices(c: Context) -> None:
    if c.illustrative:
        st.warning(c.t("ui.illustrative_notice"), icon=":material/science:")
    if c.pending:
        st.info(
            c.t("review.pending_notice_all" if c.scope.pending_all else "review.pending_notice_own"),
            icon=":material/pending_actions:",
        )
    if c.as_of is not None:
        st.info(
            c.t("ui.as_of_notice", date=date_text(c.as_of, c.lang), version=c.version),
            icon=":material/history:",
        )


def footer(c: Context) -> None:
    st.divider()
    last = datetime_text(c.last_update, c.lang) if c.last_update else "—"
    st.caption(c.t("ui.footer", version=c.version, last=last))

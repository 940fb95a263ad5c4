"""The run's context: who is reading, what they chose in the sidebar, and the data
version they read. Built once per script run by the frame (``app.py``)."""

from __future__ import annotations

import gc
import json
import os
import threading
import time as clock_time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import streamlit as st

from analytics import clock, reference
from analytics.errors import EspError
from analytics.i18n import DEFAULT_LANGUAGE, error_message, t
from analytics.insights.filters import Filters, ViewState, from_query_params, resolve_countries, to_filters
from analytics.insights.refperiod import ReferenceYear, reference_year
from analytics.ledger import reads, review
from analytics.ledger.permissions import Principal
from analytics.ledger.reads import PUBLISHED, Scope
from analytics.reference import Reference
from analytics.store.protocol import Store

from . import auth, connection

# The imports above leave ~150,000 long-lived objects (Plotly, pandas, Streamlit); a
# full collection walking them cost 90-170 ms in the middle of a page run. Frozen,
# collections skip them. Once per process: this module is imported once.
gc.freeze()

STATE_KEY = "_esp_state"
# One context per script run: Streamlit runs each rerun in a thread of its own.
_run = threading.local()
_run_log_lock = threading.Lock()


@dataclass
class Context:
    store: Store
    con: duckdb.DuckDBPyConnection
    lang: str
    state: ViewState
    as_of: datetime | None
    version: int
    ref: Reference
    filters: Filters
    countries: list[str]
    principal: Principal | None
    illustrative: bool
    last_update: datetime | None
    session_id: str = ""
    source: str = ""  # the store: caches are per store and data version
    origins: dict[int, tuple[Any, str]] = field(
        default_factory=dict
    )  # id(frame) -> (frame, the call that made it)
    now_version: int = 0  # the version today, whatever the as-of date
    # Published data, or also what awaits review (pass it to every cached query: it is
    # part of the cache key, and the caches are shared by every session).
    scope: Scope = PUBLISHED
    # The one year the view's status numbers describe (KPIs, map, matrix, "in YEAR").
    year: ReferenceYear | None = None

    @property
    def pending(self) -> bool:
        """Whether this run's views include submissions awaiting review (and mark them)."""
        return not self.scope.published_only

    @property
    def data_key(self) -> str:
        """The data this run reads (as of the chosen date)."""
        return f"{self.source}#{self.version}"

    @property
    def now_key(self) -> str:
        """The data as it stands now (the editor, the submissions list)."""
        return f"{self.source}#{self.now_version}"

    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    run = get_script_run_ctx()
    return run.session_id if run else ""


def session_lang() -> str:
    """The reader's language before the context exists (the URL's, else the default)."""
    if STATE_KEY in st.session_state:
        return st.session_state[STATE_KEY].lang
    wanted = st.query_params.get("lang")
    return wanted if wanted in ("es", "en") else DEFAULT_LANGUAGE


def end_run(page: str = "", started: float | None = None) -> None:
    """Forget this run's context (threads may be reused by other sessions), and with
    ``ESP_RUN_LOG`` set, append the run's script time to that file (one JSON line)."""
    _run.ctx = None
    log = os.environ.get("ESP_RUN_LOG")
    if log and started is not None:
        line = json.dumps(
            {
                "at": round(clock_time.time(), 3),
                "session": _session_id()[:8],
                "page": page,
                "ms": round((clock_time.perf_counter() - started) * 1000, 1),
            }
        )
        with _run_log_lock, open(log, "a", encoding="utf-8") as f:
            f.write(line + "\n")


@st.cache_resource(show_spinner=False, max_entries=8)
def _reference(data_key: str, _con: duckdb.DuckDBPyConnection) -> Reference:
    """Shared, read-only lookups (a resource: copying it on every run cost ~100 ms)."""
    return reference.build(_con)


@st.cache_data(show_spinner=False, max_entries=64)
def _status(
    data_key: str, _con: duckdb.DuckDBPyConnection, _as_of: datetime | None
) -> tuple[bool, datetime | None]:
    """Whether illustrative data is live, and the last change: fixed by the data version
    (every as-of with the same version sees the same commits and rollbacks)."""
    return reads.has_demo_data(_con, _as_of), reads.last_update(_con, _as_of)


def clear_status() -> None:
    _status.clear()


def as_of_datetime(as_of: str | None) -> datetime | None:
    """The end of the chosen day (UTC); None for today (= now)."""
    if not as_of:
        return None
    d = date.fromisoformat(as_of)
    if d >= clock.today():
        return None
    return clock.end_of_day(d)


def _view_state(ref: Reference) -> ViewState:
    if STATE_KEY not in st.session_state:
        members = ref.countries[ref.countries["member"]]
        params = {k: st.query_params.get(k) for k in st.query_params.keys()}
        st.session_state[STATE_KEY] = from_query_params(
            params,
            known_countries=set(members["iso3"]),
            known_subregions=set(members["subregion"]),
            known_cohorts=set(members["entry_route"]),
        )
    return st.session_state[STATE_KEY]


def start(principal: Principal | None) -> Context:
    """Open the run's reader, read the URL, build the run's context (called by app.py)."""
    try:
        store = connection.current_store()
        con = store.reader()
        now_version = store.version()
    except EspError as e:
        st.error(error_message(e, session_lang()), icon=":material/database:")
        st.stop()
    try:
        store.check_in_place()
    except EspError as e:  # the file went away under the app: reads go on, writes are refused
        st.warning(error_message(e, session_lang()), icon=":material/database:")
    connection.scheduled_backups()
    source = connection.source()
    ref = _reference(f"{source}#{now_version}", con)
    return restate(store, con, source, now_version, ref, principal, _view_state(ref))


def restate(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    source: str,
    now_version: int,
    ref: Reference,
    principal: Principal | None,
    state: ViewState,
) -> Context:
    """The run's context for the view ``state`` (what the sidebar changes), on a store
    already opened this run: a filter change rebuilds only this part."""
    as_of = as_of_datetime(state.as_of)
    version = now_version if as_of is None else reads.data_version(con, as_of)
    illustrative, last_update = _status(f"{source}#{version}", con, as_of)
    countries = resolve_countries(ref.countries, state)
    c = Context(
        session_id=_session_id(),
        store=store,
        con=con,
        lang=state.lang,
        state=state,
        as_of=as_of,
        version=version,
        ref=ref,
        filters=to_filters(ref.countries, state, countries),
        countries=countries,
        principal=principal,
        illustrative=illustrative,
        last_update=last_update,
        source=source,
        now_version=now_version,
        scope=review.scope_for(principal, state.pending),
        year=reference_year(as_of, state.year_to),
    )
    _run.ctx = c
    return c


def ctx() -> Context:
    """This run's context, built by app.py's frame; a fragment rerun runs without
    the frame, and gets one built here (nothing drawn)."""
    c = getattr(_run, "ctx", None)
    if c is None or c.session_id != _session_id():
        c = start(auth.identify(session_lang()))
    return c

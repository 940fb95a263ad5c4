"""The Streamlit side of the frame: connection, per-run context, cached calls,
the shared sidebar and notices. Pages import this; ``analytics`` never does.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import threading
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import db, reference, submissions
from analytics.errors import EspError
from analytics.i18n import error_message, t
from analytics.permissions import Principal
from analytics.reference import Reference
from analytics.snapshot import Filters
from analytics.views import ViewState, from_query_params, to_filters, to_query_params

# The imports above leave ~150,000 long-lived objects (Plotly, pandas, Streamlit); a
# full collection walking them cost 90-170 ms in the middle of a page run. Frozen,
# collections skip them. Once per process: this module is imported once.
gc.freeze()

# One context per script run: Streamlit runs each rerun in a thread of its own.
_run = threading.local()


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    """The app's one connection; each run works on its own cursor."""
    con = db.connect(path)
    reference.ensure_loaded(con)
    return con


@dataclass
class Context:
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
    source: str = ""  # the database file: caches are per file and data version
    origins: dict[int, tuple[Any, str]] = field(default_factory=dict)  # id(frame) -> (frame, the call that made it)

    now_version: int = 0  # the version today, whatever the as-of date

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


def end_run(page: str = "", started: float | None = None) -> None:
    """Forget this run's context (threads may be reused by other sessions), and with
    ``ESP_RUN_LOG`` set, append the run's script time to that file (one JSON line)."""
    _run.ctx = None
    log = os.environ.get("ESP_RUN_LOG")
    if log and started is not None:
        line = json.dumps({"at": round(clock.time(), 3), "session": _session_id()[:8], "page": page,
                           "ms": round((clock.perf_counter() - started) * 1000, 1)})
        with _run_log_lock, open(log, "a", encoding="utf-8") as f:
            f.write(line + "\n")


_run_log_lock = threading.Lock()


def cursor() -> duckdb.DuckDBPyConnection:
    return _connection(str(db.db_path())).cursor()


@st.cache_resource(show_spinner=False, max_entries=8)
def _reference(data_key: str, _con: duckdb.DuckDBPyConnection) -> Reference:
    """Shared, read-only lookups (a resource: copying it on every run cost ~100 ms)."""
    return reference.build(_con)


@st.cache_resource(show_spinner=False, max_entries=512)
def _call(name: str, data_key: str, key: str, _fn: Callable, _con: duckdb.DuckDBPyConnection,
          _args: tuple, _kwargs: dict) -> Any:
    return _fn(_con, *_args, **_kwargs)


def cached(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """``fn(con, *args, **kwargs)`` cached by the data version and the arguments.

    Nothing user-specific goes in: the cache is shared by every session. The frame
    is shared, not copied (``st.cache_data`` unpickled a copy on every hit, 5-10 ms
    each); each caller gets a shallow copy, and pandas' copy-on-write keeps any change
    a page makes to it from reaching the shared frame.
    """
    c = ctx()
    name, key = _name_and_key(c, fn, args, kwargs)
    # A call without as_of reads today's data, whatever date the reader chose.
    data_key = c.data_key if "as_of" in kwargs else c.now_key
    value = _call(name, data_key, key, fn, c.con, args, kwargs)
    return _remember(c, _shallow_copy(value), f"{data_key}|{name}{key}")


def _name_and_key(c: Context, fn: Callable, args: tuple, kwargs: dict) -> tuple[str, str]:
    return f"{fn.__module__}.{fn.__qualname__}", repr(_fingerprint((args, kwargs), c.origins))


def _remember(c: Context, value: Any, origin: str) -> Any:
    """Note where a frame came from, so a later ``derived`` call keys on that instead
    of hashing its rows (pages never change a frame in place: see the architecture tests)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        c.origins[id(value)] = (value, origin)
    return value


def _shallow_copy(value: Any) -> Any:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return {k: _shallow_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shallow_copy(v) for v in value]
    return value


def clear_caches() -> None:
    """Forget every cached query, figure and status (the benchmark's cold runs)."""
    for fn in (_call, _derived, _status):
        fn.clear()


class SharedFigure(go.Figure):
    """A cached figure, shared read-only by every session, whose dict is made once.

    ``st.plotly_chart`` serialises ``figure.to_dict()`` (a deep copy) on every run;
    for the map that alone was ~30 ms. Nothing may change the figure once shared.
    """

    _esp_dict: dict

    def to_dict(self) -> dict:
        return self._esp_dict


def _fingerprint(value: Any, origins: dict[int, tuple[Any, str]]) -> Any:
    """A small, exact stand-in for an argument, for a cache key: a frame this run got
    from ``cached``/``derived`` stands for the call that made it; any other frame for
    a hash of its rows."""
    if isinstance(value, pd.DataFrame | pd.Series):
        known = origins.get(id(value))
        if known is not None and known[0] is value:
            return ("from", known[1])
        return ("rows", _frame_digest(value))
    if isinstance(value, Reference):
        return "reference"  # one per data version, which is part of the key
    if isinstance(value, dict):
        return tuple(sorted((k, _fingerprint(v, origins)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_fingerprint(v, origins) for v in value)
    return repr(value)


def _frame_digest(frame: pd.DataFrame | pd.Series) -> str:
    frame = frame.to_frame() if isinstance(frame, pd.Series) else frame
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((list(frame.columns), [str(d) for d in frame.dtypes], frame.shape)).encode())
    try:
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists): pickle may differ for equal frames (a miss, not a wrong hit)
        digest.update(pickle.dumps(frame))
    return digest.hexdigest()


@st.cache_resource(show_spinner=False, max_entries=512)
def _derived(name: str, data_key: str, key: str, _fn: Callable, _args: tuple, _kwargs: dict) -> Any:
    value = _fn(*_args, **_kwargs)
    if isinstance(value, go.Figure):
        frozen = value.to_dict()
        value.__class__ = SharedFigure
        value._esp_dict = frozen
    return value


def derived(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` for a pure ``fn`` of frames and labels (a summary, a
    labelled table, a figure), computed once per data version and inputs, and shared.

    Figures come back as ``SharedFigure``s; frames as shallow copies (see ``cached``).
    """
    c = ctx()
    name, key = _name_and_key(c, fn, args, kwargs)
    return _remember(c, _shallow_copy(_derived(name, c.data_key, key, fn, args, kwargs)), f"{c.data_key}|{name}{key}")


def figure(fn: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """A figure built once per data version and inputs, and shared: building one
    validates every property (50-100 ms for the map or the matrix at S1)."""
    return derived(fn, *args, **kwargs)


def ctx() -> Context:
    """This run's context, built by app.py's frame; a fragment rerun runs without
    the frame, and gets one built here (nothing drawn)."""
    c = getattr(_run, "ctx", None)
    if c is None or c.session_id != _session_id():
        import auth

        state = st.session_state.get("_esp_state")
        c = start(auth.identify(state.lang if state else "es"))
    return c


def as_of_datetime(as_of: str | None) -> datetime | None:
    """The end of the chosen day (UTC); None for today (= now)."""
    if not as_of:
        return None
    d = date.fromisoformat(as_of)
    if d >= date.today():
        return None
    return datetime.combine(d, time.max)


@st.cache_data(show_spinner=False, max_entries=64)
def _status(data_key: str, _con: duckdb.DuckDBPyConnection, _as_of: datetime | None) -> tuple[bool, datetime | None]:
    """Whether illustrative data is live, and the last change: fixed by the data version
    (every as-of with the same version sees the same commits and rollbacks)."""
    return submissions.has_demo_data(_con, _as_of), submissions.last_update(_con, _as_of)


def start(principal: Principal | None) -> Context:
    """Open the cursor, read the URL, build the run's context (called by app.py)."""
    try:
        con = cursor()
    except EspError as e:
        lang = st.session_state["_esp_state"].lang if "_esp_state" in st.session_state else "es"
        st.error(error_message(e, lang), icon=":material/database:")
        st.stop()
    version = submissions.data_version(con)
    source = str(db.db_path())
    now_version = version
    ref = _reference(f"{source}#{version}", con)
    members = ref.countries[ref.countries["member"]]
    if "_esp_state" not in st.session_state:
        params = {k: st.query_params.get(k) for k in st.query_params.keys()}
        st.session_state["_esp_state"] = from_query_params(
            params, known_countries=set(members["iso3"]),
            known_subregions=set(members["subregion"]),
            known_cohorts=set(members["entry_route"]))
    state: ViewState = st.session_state["_esp_state"]
    as_of = as_of_datetime(state.as_of)
    if as_of is not None:
        version = submissions.data_version(con, as_of)
    illustrative, last_update = _status(f"{source}#{version}", con, as_of)
    c = Context(session_id=_session_id(), con=con, lang=state.lang, state=state, as_of=as_of, version=version, ref=ref,
                filters=to_filters(ref.countries, state),
                countries=sorted(members["iso3"]), principal=principal,
                illustrative=illustrative, last_update=last_update, source=source,
                now_version=now_version)
    from analytics.views import resolve_countries
    c.countries = resolve_countries(ref.countries, state)
    _run.ctx = c
    return c


def set_state(**changes: Any) -> None:
    st.session_state["_esp_state"] = replace(st.session_state["_esp_state"], **changes)


def sync_url(extra: dict[str, str] | None = None) -> None:
    """Write the view state (plus page-specific keys) into the URL."""
    current = {k: st.query_params.get(k) for k in st.query_params.keys()}
    params = {k: v for k, v in current.items() if k not in BASE_KEYS}
    params.update(to_query_params(st.session_state["_esp_state"]))
    for k, v in (extra or {}).items():
        if v:
            params[k] = v
        else:
            params.pop(k, None)
    if current != params:
        st.query_params.from_dict(params)


BASE_KEYS = {"lang", "as_of", "from", "to", "countries", "subregion", "cohort", "spotlight"}


def page_param(key: str, default: str | None = None) -> str | None:
    return st.query_params.get(key, default)


def sidebar(c: Context) -> None:
    """Language, as-of and filters: shared by every page, mirrored in the URL."""
    s = c.state
    ref = c.ref
    members = ref.countries[ref.countries["member"]].sort_values(f"name_{c.lang}")
    with st.sidebar:
        lang = st.radio("Idioma / Language", ["es", "en"], index=["es", "en"].index(s.lang),
                        format_func=lambda x: {"es": "Español", "en": "English"}[x],
                        horizontal=True, key="w_lang")
        today = date.today()
        as_of = st.date_input(c.t("ui.as_of"), value=date.fromisoformat(s.as_of) if s.as_of else today,
                              min_value=date(2015, 12, 1), max_value=today, key="w_as_of",
                              help=c.t("ui.as_of_help"), format="YYYY-MM-DD")
        this_year = today.year
        years = st.slider(c.t("ui.years"), 2015, this_year,
                          (s.year_from or 2015, s.year_to or this_year), key="w_years")
        names = dict(zip(members["iso3"], members[f"name_{c.lang}"]))
        countries = st.multiselect(c.t("ui.countries"), list(names), default=list(s.countries),
                                   format_func=lambda x: names.get(x, x), key="w_countries",
                                   placeholder=c.t("ui.all"))
        sub_labels = ref.labels("subregion", c.lang)
        subregions = st.multiselect(c.t("ui.subregion"), list(sub_labels), default=list(s.subregions),
                                    format_func=lambda x: sub_labels.get(x, x), key="w_sub",
                                    placeholder=c.t("ui.all"))
        coh_labels = ref.labels("entry_route", c.lang)
        cohorts = st.multiselect(c.t("ui.cohort"), list(coh_labels), default=list(s.cohorts),
                                 format_func=lambda x: coh_labels.get(x, x), key="w_cohort",
                                 placeholder=c.t("ui.all"))
        spotlight = st.selectbox(c.t("ui.spotlight"), ["all", "yes", "no"],
                                 index=["all", "yes", "no"].index(s.spotlight),
                                 format_func=lambda x: c.t(f"ui.spotlight_{x}"), key="w_spot")
    new = ViewState(lang=lang, as_of=None if as_of >= today else as_of.isoformat(),
                    year_from=None if years[0] == 2015 else years[0],
                    year_to=None if years[1] == this_year else years[1],
                    countries=tuple(countries), subregions=tuple(subregions),
                    cohorts=tuple(cohorts), spotlight=spotlight)
    if new != s:
        st.session_state["_esp_state"] = new
        st.rerun()


def notices(c: Context) -> None:
    if c.illustrative:
        st.warning(c.t("ui.illustrative_notice"), icon=":material/science:")
    if c.as_of is not None:
        st.info(c.t("ui.as_of_notice", date=c.as_of.date().isoformat(), version=c.version),
                icon=":material/history:")


def footer(c: Context) -> None:
    st.divider()
    last = c.last_update.strftime("%Y-%m-%d %H:%M UTC") if c.last_update else "—"
    st.caption(c.t("ui.footer", version=c.version, last=last))


def show_table(df: pd.DataFrame, *, key: str, file_name: str, height: int | None = None) -> None:
    """A table and its CSV download (formula-like text neutralised; built only when clicked)."""
    from analytics.snapshot import neutralise

    st.dataframe(df, hide_index=True, width="stretch", height=height or "auto")
    st.download_button(ctx().t("ui.download_csv"),
                       data=lambda: (df.map(neutralise) if len(df) else df).to_csv(index=False).encode("utf-8"),
                       file_name=f"{file_name}.csv", mime="text/csv", key=f"dl_{key}",
                       on_click="ignore", icon=":material/download:")


def no_data(c: Context) -> None:
    st.info(c.t("ui.no_data"), icon=":material/filter_alt_off:")


def chart_block(c: Context, fig, data: pd.DataFrame, summary: str, *, key: str,
                on_select: str | Callable = "ignore", config: dict | None = None):
    """A chart with its one-sentence summary, and a table view + CSV of exactly what it shows."""
    st.markdown(f"**{_md_escape(summary)}**" if summary else "")
    event = st.plotly_chart(fig, width="stretch", key=key, on_select=on_select,
                            config=config or {"displaylogo": False},
                            selection_mode=("points",) if on_select != "ignore" else ("points", "box", "lasso"))
    table_view(c, data, key=key)
    return event


def table_view(c: Context, data: pd.DataFrame, *, key: str, file_name: str | None = None) -> None:
    """The chart's data in a closed expander, drawn only once opened (a rerun): every
    closed table would otherwise be serialised and sent on every run."""
    box = st.expander(c.t("ui.table_view"), key=f"tv_{key}", on_change="rerun")
    if box.open:
        with box:
            show_table(data, key=key, file_name=file_name or key)


_MD_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"


def _md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _MD_SPECIALS else ch for ch in str(text))


def md_escape(text: str) -> str:
    """Escape text for st.markdown so user text never becomes markup."""
    return _md_escape(text)


def base_params() -> dict[str, str]:
    """The shared view state as URL parameters (to carry across page switches)."""
    return to_query_params(st.session_state["_esp_state"])


def now() -> datetime:
    return datetime.now()

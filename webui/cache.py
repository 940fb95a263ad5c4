"""Cached calls into the core, keyed by the store and data version, shared by every session.

Nothing user-specific goes in: the caches are shared by every session.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.figures import geo, vega
from analytics.reference import Reference

from .context import Context, clear_status, ctx


@st.cache_resource(show_spinner=False, max_entries=512)
def _call(
    name: str,
    data_key: str,
    key: str,
    _fn: Callable,
    _con: duckdb.DuckDBPyConnection,
    _args: tuple,
    _kwargs: dict,
) -> Any:
    return _fn(_con, *_args, **_kwargs)


def cached(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """``fn(con, *args, **kwargs)`` cached by the data version and the arguments.

    The frame is shared, not copied (``st.cache_data`` unpickled a copy on every hit,
    5-10 ms each); each caller gets a shallow copy, and pandas' copy-on-write keeps any
    change a page makes to it from reaching the shared frame.
    """
    c = ctx()
    name, key = _name_and_key(c, fn, args, kwargs)
    # A call without as_of reads today's data, whatever date the reader chose.
    data_key = c.data_key if "as_of" in kwargs else c.now_key
    # By keyword: Streamlit reads a positional argument's name from the signature (slow).
    value = _call(name=name, data_key=data_key, key=key, _fn=fn, _con=c.con, _args=args, _kwargs=kwargs)
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


@st.cache_resource(show_spinner=False)
def shapes_url() -> str | None:
    """Where browsers fetch the map's country shapes (published once per process), or None
    when the app cannot write its static folder: the map then carries them inside."""
    return vega.SHAPES_URL if geo.publish_geojson() else None


def clear_caches() -> None:
    """Forget every cached query, figure and status (the benchmark's cold runs)."""
    _call.clear()
    _derived.clear()
    clear_status()


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
    except (
        TypeError
    ):  # unhashable cells (lists): pickle may differ for equal frames (a miss, not a wrong hit)
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
    value = _derived(name=name, data_key=c.data_key, key=key, _fn=fn, _args=args, _kwargs=kwargs)
    return _remember(c, _shallow_copy(value), f"{c.data_key}|{name}{key}")


def figure(fn: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """A figure built once per data version and inputs, and shared: building one
    validates every property (50-100 ms for the map or the matrix at S1)."""
    return derived(fn, *args, **kwargs)

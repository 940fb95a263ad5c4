"""The app's store: opened once per process, a reader of its own for every run."""

from __future__ import annotations

import duckdb
import streamlit as st

from analytics import reference, store
from analytics.store import Store


@st.cache_resource(show_spinner=False)
def _store(target: str) -> Store:
    opened = store.open_store(target)
    reference.ensure_loaded(opened)
    return opened


def current_store() -> Store:
    return _store(store.target())


def source() -> str:
    """What the caches are keyed by besides the data version: the store's name."""
    return store.target()


def cursor() -> duckdb.DuckDBPyConnection:
    return current_store().reader()

"""The view in the URL: the sidebar's state and each page's own keys, so a link reproduces it."""

from __future__ import annotations

import streamlit as st

from analytics.insights.filters import to_query_params

from .context import STATE_KEY

BASE_KEYS = {"lang", "as_of", "from", "to", "countries", "subregion", "cohort", "spotlight", "pending"}


def sync_url(extra: dict[str, str] | None = None) -> None:
    """Write the view state (plus page-specific keys) into the URL."""
    current = {k: st.query_params.get(k) for k in st.query_params.keys()}
    params = {k: v for k, v in current.items() if k not in BASE_KEYS}
    params.update(to_query_params(st.session_state[STATE_KEY]))
    for k, v in (extra or {}).items():
        if v:
            params[k] = v
        else:
            params.pop(k, None)
    if current != params:
        st.query_params.from_dict(params)


def page_param(key: str, default: str | None = None) -> str | None:
    return st.query_params.get(key, default)


def base_params() -> dict[str, str]:
    """The shared view state as URL parameters (to carry across page switches)."""
    return to_query_params(st.session_state[STATE_KEY])

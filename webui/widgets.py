"""Display helpers every page shares: a chart with its sentence and table, a table with
its CSV, escaped Markdown for text that came from users."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics.i18n import has, t
from analytics.present.readable import csv_for_people, readable
from analytics.present.tables import awaiting_count, mark_awaiting

from . import cache
from .context import Context, ctx

_MD_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"


def md_escape(text: object) -> str:
    """Escape text for st.markdown so user text never becomes markup."""
    return "".join("\\" + ch if ch in _MD_SPECIALS else ch for ch in str(text))


def show_table(
    df: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    height: int | None = None,
    column_config: dict | None = None,
    headers: str | None = None,
) -> None:
    """A table for people and its CSV download: codes as labels, headers in words, numbers
    and dates the reader's way, empty cells empty (``analytics.present.readable``); rows awaiting
    review say so in a column of their own. The CSV holds the same table, opens right in
    the reader's spreadsheet (UTF-8 with BOM; ``;`` in Spanish) and is neutralised; it is
    built only when clicked. ``headers``: the prefix of the page's own texts for its
    columns (``<prefix><column>``), where it names them its own way."""
    c = ctx()
    view = cache.derived(readable, mark_awaiting(df, c.lang), c.ref, c.lang, own_headers(df, headers, c.lang))
    st.dataframe(view, hide_index=True, width="stretch", height=height or "auto", column_config=column_config)
    st.download_button(
        c.t("ui.download_csv"),
        data=lambda: csv_for_people(view, c.lang),
        file_name=f"{file_name}.csv",
        mime="text/csv",
        key=f"dl_{key}",
        on_click="ignore",
        icon=":material/download:",
    )


def ids_text(ids: tuple[int, ...] | list[int], most: int = 12) -> str:
    """Submission ids as people read them: ``#3, #7 … (+2)``."""
    shown = ", ".join(f"#{i}" for i in ids[:most])
    return shown + (f" … (+{len(ids) - most})" if len(ids) > most else "")


def own_headers(df: pd.DataFrame, prefix: str | None, lang: str) -> dict[str, str] | None:
    """The page's own header texts (``<prefix><column>``) for the columns that have one."""
    if prefix is None:
        return None
    return {str(x): t(f"{prefix}{x}", lang) for x in df.columns if has(f"{prefix}{x}")}


def people_table(df: pd.DataFrame, headers: str | None = None, **kwargs: object) -> None:
    """``st.dataframe`` of a table for people (``analytics.present.readable``), without a CSV;
    ``df``'s columns keep their codes (``headers`` as in ``show_table``)."""
    c = ctx()
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(readable(df, c.ref, c.lang, own_headers(df, headers, c.lang)), **kwargs)


def no_data(c: Context) -> None:
    st.info(c.t("ui.no_data"), icon=":material/filter_alt_off:")


def chart_block(
    c: Context,
    fig,
    data: pd.DataFrame,
    summary: str,
    *,
    key: str,
    on_select: str | Callable = "ignore",
    config: dict | None = None,
    awaiting: int = 0,
    headers: str | None = None,
):
    """A chart with its one-sentence summary, and a table view + CSV of exactly what it shows.

    ``awaiting``: how many of the values shown await review; the sentence then says so.
    """
    _summary(c, summary, awaiting)
    event = st.plotly_chart(
        fig,
        width="stretch",
        key=key,
        on_select=on_select,
        config=config or {"displaylogo": False},
        selection_mode=("points",) if on_select != "ignore" else ("points", "box", "lasso"),
    )
    table_view(c, data, key=key, headers=headers)
    return event


def vega_block(
    c: Context,
    spec: dict,
    data: pd.DataFrame,
    summary: str,
    *,
    key: str,
    headers: str | None = None,
    columns: list[str] | None = None,
):
    """``chart_block`` for a Vega-Lite chart (``analytics.figures.vega``): with a key and selections,
    Streamlit keeps the chart and swaps only its data when a filter changes. Its title (the
    spec's ``description``) is printed above it, and how many of ``data``'s rows await review.
    ``columns``: those of ``data`` its table shows (picked only once the table is opened).
    Returns the selection event (clicks rerun)."""
    _summary(c, summary, awaiting_count(data), title=spec.get("description", ""))
    event = st.vega_lite_chart(spec=spec, key=key, on_select="rerun", width="stretch")
    table_view(c, data, key=key, headers=headers, columns=columns)
    return event


def picked(event, *params: str) -> str | None:
    """The first value of the first point a selection ``params`` holds (a Vega-Lite
    chart's click), else None."""
    selection = (event or {}).get("selection", {}) if event else {}
    for name in params:
        for point in selection.get(name) or []:
            if isinstance(point, dict) and point:
                return next(iter(point.values()))
    return None


def _summary(c: Context, summary: str, awaiting: int, title: str = "") -> None:
    """The chart's sentence in bold and (Vega-Lite charts) its title: one element, where two
    would each be sent and drawn again on every rerun."""
    if awaiting:
        summary = f"{summary} {c.t('review.chart_note', n=awaiting)}".strip()
    parts = ([f"**{md_escape(summary)}**"] if summary else []) + ([md_escape(title)] if title else [])
    st.markdown("\n\n".join(parts))


def table_view(
    c: Context,
    data: pd.DataFrame,
    *,
    key: str,
    file_name: str | None = None,
    headers: str | None = None,
    columns: list[str] | None = None,
) -> None:
    """The chart's data (its ``columns``, or all) in a closed expander, drawn only once
    opened (a rerun): every closed table would otherwise be serialised and sent on every run."""
    box = st.expander(c.t("ui.table_view"), key=f"tv_{key}", on_change="rerun")
    if box.open:
        with box:
            shown = data if columns is None else data[columns]
            show_table(shown, key=key, file_name=file_name or key, headers=headers)


NARROW_PX = 640
_KEY = re.compile(r"[a-z][a-z0-9_]*")


def swap_on_narrow_screens(wide_key: str, narrow_key: str) -> None:
    """On a screen narrower than ``NARROW_PX`` (a phone), hide the element keyed
    ``wide_key`` and show the one keyed ``narrow_key`` instead; elsewhere the reverse.
    Call it inside the narrow element, which it keeps out of sight until then. Our own
    stylesheet, no user text. Markdown, not ``st.html``: the browser loads st.html's code on
    demand, and until it came both elements showed (a flash of the list on every first load)."""
    if not (_KEY.fullmatch(wide_key) and _KEY.fullmatch(narrow_key)):  # only our own keys reach the HTML
        raise ValueError(f"not a widget key: {wide_key!r}, {narrow_key!r}")
    st.markdown(
        f"<style>.st-key-{narrow_key}{{display:none}}"
        f"@media (max-width:{NARROW_PX}px){{.st-key-{narrow_key}{{display:block}}"
        f".st-key-{wide_key}{{display:none}}}}</style>",
        unsafe_allow_html=True,
    )

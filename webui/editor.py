"""The in-app editor's controls, from the sheet declarations: one tab per sheet, and for
each column the control its kind calls for (a select box for a coded column, a number
input within a number's bounds, text up to its length), labelled with its ``col.KEY`` text."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.i18n import has, t
from analytics.reference import Reference
from analytics.sheets.kinds import KINDS, choices
from analytics.sheets.schema import SHEETS, Column, Sheet


def column_config(spec: Sheet, ref: Reference, lang: str) -> dict[str, object]:
    """``st.data_editor``'s ``column_config`` for a sheet's rows (``Sheet.row_columns``)."""
    return {col.key: _control(spec, col, ref, lang) for col in spec.row_columns}


def _control(spec: Sheet, col: Column, ref: Reference, lang: str) -> object:
    label = t(f"col.{col.key}", lang)
    kind = KINDS[col.kind]
    if col.key == spec.row_per:  # every code has its row already: shown, not chosen
        return st.column_config.TextColumn(label, disabled=True)
    options = choices(col, ref, lang)
    if options is not None:
        return st.column_config.SelectboxColumn(label, options=options)
    if kind.minimum is not None:
        return st.column_config.NumberColumn(
            label, min_value=kind.minimum, max_value=kind.maximum, step=1 if kind.whole else None
        )
    # How to write a value of this kind, where the editor has no control to help (a list of countries).
    hint = f"correct.{col.kind}_help"
    return st.column_config.TextColumn(
        label, max_chars=col.max_len, help=t(hint, lang) if has(hint) else None
    )


def edit(rows: dict[str, pd.DataFrame], ref: Reference, lang: str, *, key: str) -> dict[str, pd.DataFrame]:
    """A tab per sheet, each an editable table of ``rows`` (``analytics.present.editor.rows``);
    what the person left in each. A sheet with ``row_per`` keeps its rows, the others may
    gain and lose rows. ``key`` names the report being edited (its tables' state)."""
    tabs = st.tabs([t(f"snapshot.table.{s}", lang) for s in SHEETS])
    edited = {}
    for tab, spec in zip(tabs, SHEETS.values()):
        with tab:
            edited[spec.key] = st.data_editor(
                rows[spec.key],
                hide_index=True,
                width="stretch",
                num_rows="fixed" if spec.row_per else "dynamic",
                key=f"ed_{spec.key}_{key}",
                column_config=column_config(spec, ref, lang),
            )
    return edited

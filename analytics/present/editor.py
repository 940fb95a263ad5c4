"""The in-app editor ("Correct in place") from the sheet declarations: one report (country,
period) as it shows it, a tab per sheet, and what it saves. Pure functions of frames.

Values are shown as people type them in the upload workbook (labels, country names,
"3 Piloto"), so that what the editor saves goes through the same check as a file.
"""

from __future__ import annotations

import pandas as pd

from analytics.reference import Reference
from analytics.sheets.kinds import KINDS, show
from analytics.sheets.schema import SHEETS, Sheet


def rows(current: dict[str, pd.DataFrame], period: str, ref: Reference, lang: str) -> dict[str, pd.DataFrame]:
    """Each sheet of ``current`` (the stored rows of one country) for ``period`` as the editor
    shows it; a sheet with ``row_per`` has a row for every code of that column (progress: one
    per module), empty where none was reported. ``reported`` counts the stored rows per sheet."""
    own = {s: df[df["period"] == period] for s, df in current.items()}
    out = {s: sheet_rows(_every_code(SHEETS[s], df, ref, lang), s, ref, lang) for s, df in own.items()}
    out["reported"] = pd.DataFrame({"sheet": list(own), "rows": [len(v) for v in own.values()]})
    return out


def _every_code(spec: Sheet, df: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    """For a sheet with ``row_per``, its rows with one for each code that has none."""
    if spec.row_per is None:
        return df
    col = spec.column(spec.row_per)
    domain = KINDS[col.kind].domain
    assert domain is not None, f"{spec.key}.{col.key}: row_per needs a coded column"
    codes = [k for k in ref.labels(domain, lang) if col.allow_cross or k != "CROSS"]
    return pd.DataFrame({col.key: codes}).merge(df, on=col.key, how="left")


def sheet_rows(df: pd.DataFrame, sheet: str, ref: Reference, lang: str) -> pd.DataFrame:
    """A sheet's stored rows as the editor shows them: every column after country and period,
    coded values as people type them (labels, country names), numbers as numbers."""
    out = pd.DataFrame(index=df.index)
    for col in SHEETS[sheet].row_columns:
        values = df[col.key] if col.key in df else pd.Series(None, index=df.index, dtype=object)
        if KINDS[col.kind].labelled:
            values = [show(v, col, ref, lang) for v in values]
        # The editor's column types need these dtypes even with no rows (an empty or
        # all-blank column would otherwise come as float, or as text).
        sql_type = KINDS[col.kind].sql_type
        if sql_type == "BIGINT":
            out[col.key] = pd.Series(values, index=df.index, dtype="Int64")
        elif sql_type == "DOUBLE":
            out[col.key] = pd.to_numeric(pd.Series(values, index=df.index, dtype=object)).astype(float)
        else:
            texts = ["" if v is None or (isinstance(v, float) and v != v) else v for v in values]
            out[col.key] = pd.Series(texts, index=df.index, dtype=object)
    return out.reset_index(drop=True)


def frames(edited: dict[str, pd.DataFrame], country: str, period: str) -> dict[str, pd.DataFrame]:
    """What the in-app editor saves: every sheet it shows, for one country and period.

    A tab left empty is saved empty, which clears that report (as an empty sheet does in
    a file); a row with nothing but its ``row_per`` code is not reported.
    """
    out = {}
    for sheet, df in edited.items():
        kept = df.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
        values = [c for c in kept.columns if c != SHEETS[sheet].row_per]
        kept = kept.dropna(how="all", subset=values)
        out[sheet] = kept.assign(country=country, period=period)
    return out

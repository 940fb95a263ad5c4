"""Upload workbooks written by the product itself (the editor's saves, the illustrative
dataset, tests): every cell as text, so what is read back is exactly what was written."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import xlsxwriter

from analytics.sheets.schema import SHEETS

_FIXED_DATE = datetime(2015, 12, 1)  # stable document properties → stable bytes


# Text stays text in every workbook the product writes: left on, xlsxwriter would store
# "=…" as a live formula, "http…" as a link and "1e5" as a number.
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def new_workbook(
    buf: io.BytesIO, properties: dict[str, object] | None = None, **options: object
) -> xlsxwriter.Workbook:
    """An in-memory xlsxwriter workbook that never turns text into formulas, links or numbers
    (``options``: xlsxwriter's others); ``properties`` default to fixed ones, for stable bytes."""
    wb = xlsxwriter.Workbook(buf, {**options, "in_memory": True, **SAFE_OPTIONS})
    wb.set_properties(properties or {"created": _FIXED_DATE, "author": "ESP Monitor"})
    return wb


def _float_text(x: float) -> str:
    return str(int(x)) if float(x) == int(x) else str(x)


def frames_to_workbook(tables: dict[str, pd.DataFrame], lang: str = "en") -> bytes:
    """Rows (keyed by column key) as an upload workbook, every cell written as text."""
    buf = io.BytesIO()
    wb = new_workbook(buf)
    for key, df in tables.items():
        spec = SHEETS[key]
        ws = wb.add_worksheet(spec.name(lang))
        for j, col in enumerate(spec.columns):
            ws.write_string(0, j, col.header(lang))
        for i, rec in enumerate(df.to_dict("records"), start=1):
            for j, col in enumerate(spec.columns):
                v = rec.get(col.key)
                if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
                    continue
                ws.write_string(i, j, _float_text(v) if isinstance(v, float) else str(v))
    wb.close()
    return buf.getvalue()

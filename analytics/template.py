"""The downloadable upload template, pre-filled for one country and period."""

from __future__ import annotations

import io
from datetime import datetime

import duckdb
import pandas as pd
import xlsxwriter

from . import periods, submissions
from .i18n import t
from .reference import Reference
from .reference import build as build_reference
from .schema import SHEETS, SheetSpec

LIST_SHEET = {"es": "listas", "en": "lists"}
VALIDATED_ROWS = 1000
_FIXED_DATE = datetime(2015, 12, 1)  # stable document properties → stable bytes


def _workbook(buf: io.BytesIO) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"created": _FIXED_DATE, "author": "ESP Monitor"})
    return wb


def _choices(ref: Reference, lang: str) -> dict[str, list[str]]:
    countries = [str(r[f"name_{lang}"]) for _, r in ref.countries[ref.countries["member"]].sort_values(
        f"name_{lang}").iterrows()]
    stage = ref.labels("stage", lang)
    return {
        "country": countries,
        "module": [v for k, v in ref.labels("module", lang).items() if k != "CROSS"],
        "module_cross": list(ref.labels("module", lang).values()),
        "stage": [f"{k} {v}" for k, v in stage.items()],
        "category": list(ref.labels("category", lang).values()),
        "severity": list(ref.labels("severity", lang).values()),
        "status": list(ref.labels("status", lang).values()),
    }


def _list_key(col) -> str | None:
    if col.kind == "module":
        return "module_cross" if col.allow_cross else "module"
    return col.kind if col.kind in ("country", "stage", "category", "severity", "status") else None


def template(con: duckdb.DuckDBPyConnection, *, country: str, period: str, lang: str = "es",
             ref: Reference | None = None) -> bytes:
    """An xlsx with instructions, one progress row per module, drop-down lists."""
    ref = ref or build_reference(con)
    buf = io.BytesIO()
    wb = _workbook(buf)
    bold = wb.add_format({"bold": True, "bg_color": "#dbe9f0", "border": 1, "text_wrap": True,
                          "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    title = wb.add_format({"bold": True, "font_size": 14})
    text = wb.add_format({"num_format": "@"})

    choices = _choices(ref, lang)
    ws_i = wb.add_worksheet(t("template.instructions_sheet", lang))
    ws_i.set_column(0, 0, 110)
    ws_i.write_string(0, 0, t("template.title", lang, country=ref.country_name(country, lang),
                              period=period), title)
    for i, line in enumerate(t("template.instructions", lang).split("\n"), start=2):
        ws_i.write_string(i, 0, line, wrap)

    name = ref.country_name(country, lang)
    module_labels = ref.labels("module", lang)
    stage_labels = ref.labels("stage", lang)
    prefill = []
    basis = _prefill_basis(submissions.current(con, "progress", countries=[country]), period)
    for code in [c for c in ref.codes("module") if c != "CROSS"]:
        row = {"country": name, "period": period, "module": module_labels[code],
               "stage": "", "coverage_pct": "", "trained_staff": "", "notes": ""}
        found = basis[basis["module"] == code]
        if len(found):
            r = found.iloc[0]
            row["stage"] = f"{int(r['stage'])} {stage_labels[str(int(r['stage']))]}"
            if pd.notna(r["coverage_pct"]):
                row["coverage_pct"] = _num(r["coverage_pct"])
            if pd.notna(r["trained_staff"]):
                row["trained_staff"] = str(int(r["trained_staff"]))
            if r["period"] == period and pd.notna(r["notes"]):
                row["notes"] = str(r["notes"])
        prefill.append(row)

    lists_name = LIST_SHEET[lang]
    for spec in SHEETS.values():
        rows = prefill if spec.key == "progress" else []
        _data_sheet(wb, spec, lang, rows, bold, text, lists_name, choices)
    ws_l = wb.add_worksheet(lists_name)
    for j, (key, values) in enumerate(choices.items()):
        ws_l.write_string(0, j, key)
        for i, v in enumerate(values, start=1):
            ws_l.write_string(i, j, v)
    ws_l.hide()
    wb.worksheets()[1].activate()
    wb.close()
    return buf.getvalue()


def _prefill_basis(stored: pd.DataFrame, period: str) -> pd.DataFrame:
    """Per module, the row the template starts from: the chosen period's own report
    when one is live (a correction), else the latest report that began before it.

    Later periods never leak backwards, so re-uploading an untouched template changes
    nothing. Notes belong to their period and are carried only from the same period.
    """
    chosen = periods.parse(period)
    same = stored[stored["period"] == period]
    if chosen is None:
        return same
    earlier = stored[(pd.to_datetime(stored["period_start"]).dt.date < chosen.start)
                     & ~stored["module"].isin(same["module"])]
    earlier = earlier.sort_values(["period_start", "period"]).groupby("module").tail(1)
    return pd.concat([same, earlier], ignore_index=True)


def _num(x: float) -> str:
    return str(int(x)) if float(x) == int(x) else str(x)


def _data_sheet(wb, spec: SheetSpec, lang: str, rows: list[dict], bold, text, lists_name: str,
                choices: dict[str, list[str]]) -> None:
    ws = wb.add_worksheet(spec.name(lang))
    keys = list(choices)
    for j, col in enumerate(spec.columns):
        header = col.header(lang) + (" *" if col.required else "")
        ws.write_string(0, j, header, bold)
        width = 40 if col.kind in ("text", "url") else (24 if col.kind in ("country", "module",
                                                                           "category") else 16)
        ws.set_column(j, j, width, text)
        key = _list_key(col)
        if key:
            letter = xlsxwriter.utility.xl_col_to_name(keys.index(key))
            n = len(choices[key])
            ws.data_validation(1, j, VALIDATED_ROWS, j, {
                "validate": "list",
                "source": f"={lists_name}!${letter}$2:${letter}${n + 1}",
                "error_type": "warning",
                "error_title": t("template.list_error_title", lang),
                "error_message": t("template.list_error", lang),
            })
        elif col.kind == "percent":
            ws.data_validation(1, j, VALIDATED_ROWS, j, {
                "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "error_type": "warning", "error_message": t("template.percent_error", lang)})
        elif col.kind == "count":
            ws.data_validation(1, j, VALIDATED_ROWS, j, {
                "validate": "integer", "criteria": ">=", "value": 0,
                "error_type": "warning", "error_message": t("template.count_error", lang)})
    for i, row in enumerate(rows, start=1):
        for j, col in enumerate(spec.columns):
            value = row.get(col.key, "")
            if value != "":
                ws.write_string(i, j, str(value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(spec.columns) - 1)


def frames_to_workbook(tables: dict[str, pd.DataFrame], lang: str = "en") -> bytes:
    """Rows (keyed by column key) as an upload workbook, every cell written as text."""
    buf = io.BytesIO()
    wb = _workbook(buf)
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
                ws.write_string(i, j, _num(v) if isinstance(v, float) else str(v))
    wb.close()
    return buf.getvalue()

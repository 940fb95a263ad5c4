"""The downloadable upload template, pre-filled for one country and period.

Its sheets, headers and drop-down lists come from the sheet declarations
(``schema``) and the kinds' vocabularies (``kinds``).
"""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import xlsxwriter

from . import ledger, periods
from .i18n import t
from .kinds import KINDS
from .reference import MODULES, Reference
from .reference import build as build_reference
from .schema import SHEETS, Column, Sheet
from .workbook import new_workbook, number_text

LIST_SHEET = {"es": "listas", "en": "lists"}
VALIDATED_ROWS = 1000
_WIDE_KINDS = {"text": 40, "url": 40, "country": 24, "module": 24, "category": 24}


def _list_key(col: Column) -> str | None:
    """Which drop-down list a column offers (the module list with or without CROSS)."""
    domain = KINDS[col.kind].domain
    if domain == "module" and col.allow_cross:
        return "module_cross"
    return domain


def _choices(ref: Reference, lang: str) -> dict[str, list[str]]:
    """Each drop-down list, in the order the template's hidden list sheet holds them."""
    members = ref.countries[ref.countries["member"]].sort_values(f"name_{lang}")
    out: dict[str, list[str]] = {"country": [str(n) for n in members[f"name_{lang}"]]}
    for spec in SHEETS.values():
        for col in spec.columns:
            key = _list_key(col)
            if key is None or key in out:
                continue
            labels = ref.labels(KINDS[col.kind].domain, lang)
            if key == "module":
                out[key] = [v for k, v in labels.items() if k != "CROSS"]
            elif key == "stage":
                out[key] = [f"{k} {v}" for k, v in labels.items()]
            else:
                out[key] = list(labels.values())
    return out


def template(
    con: duckdb.DuckDBPyConnection,
    *,
    country: str,
    period: str,
    lang: str = "es",
    ref: Reference | None = None,
) -> bytes:
    """An xlsx with instructions, one progress row per module, drop-down lists."""
    ref = ref or build_reference(con)
    buf = io.BytesIO()
    wb = new_workbook(buf)
    formats = {
        "bold": wb.add_format(
            {"bold": True, "bg_color": "#dbe9f0", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        "text": wb.add_format({"num_format": "@"}),
    }
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    title = wb.add_format({"bold": True, "font_size": 14})

    choices = _choices(ref, lang)
    ws_i = wb.add_worksheet(t("template.instructions_sheet", lang))
    ws_i.set_column(0, 0, 110)
    ws_i.write_string(
        0, 0, t("template.title", lang, country=ref.country_name(country, lang), period=period), title
    )
    for i, line in enumerate(t("template.instructions", lang).split("\n"), start=2):
        ws_i.write_string(i, 0, line, wrap)

    prefill = _progress_rows(con, ref, country, period, lang)
    lists_name = LIST_SHEET[lang]
    for spec in SHEETS.values():
        rows = prefill if spec.key == "progress" else []
        _data_sheet(wb, spec, lang, rows, formats, lists_name, choices)
    ws_l = wb.add_worksheet(lists_name)
    for j, (key, values) in enumerate(choices.items()):
        ws_l.write_string(0, j, key)
        for i, v in enumerate(values, start=1):
            ws_l.write_string(i, j, v)
    ws_l.hide()
    wb.worksheets()[1].activate()
    wb.close()
    return buf.getvalue()


def _progress_rows(
    con: duckdb.DuckDBPyConnection, ref: Reference, country: str, period: str, lang: str
) -> list[dict]:
    """One progress row per module, from the report the template starts from."""
    name = ref.country_name(country, lang)
    module_labels = ref.labels("module", lang)
    stage_labels = ref.labels("stage", lang)
    basis = _prefill_basis(ledger.current(con, "progress", countries=[country]), period)
    rows = []
    for code in MODULES:
        row = {
            "country": name,
            "period": period,
            "module": module_labels[code],
            "stage": "",
            "coverage_pct": "",
            "trained_staff": "",
            "notes": "",
        }
        found = basis[basis["module"] == code]
        if len(found):
            r = found.iloc[0]
            row["stage"] = f"{int(r['stage'])} {stage_labels[str(int(r['stage']))]}"
            if pd.notna(r["coverage_pct"]):
                row["coverage_pct"] = number_text(r["coverage_pct"])
            if pd.notna(r["trained_staff"]):
                row["trained_staff"] = str(int(r["trained_staff"]))
            if r["period"] == period and pd.notna(r["notes"]):
                row["notes"] = str(r["notes"])
        rows.append(row)
    return rows


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
    earlier = stored[
        (pd.to_datetime(stored["period_start"]).dt.date < chosen.start)
        & ~stored["module"].isin(same["module"])
    ]
    earlier = earlier.sort_values(["period_start", "period"]).groupby("module").tail(1)
    return pd.concat([same, earlier], ignore_index=True)


def _validation(col: Column, lang: str, lists_name: str, choices: dict[str, list[str]]) -> dict | None:
    """The data validation a column's cells get: its drop-down list, or a number range."""
    key = _list_key(col)
    if key:
        letter = xlsxwriter.utility.xl_col_to_name(list(choices).index(key))
        return {
            "validate": "list",
            "source": f"={lists_name}!${letter}$2:${letter}${len(choices[key]) + 1}",
            "error_type": "warning",
            "error_title": t("template.list_error_title", lang),
            "error_message": t("template.list_error", lang),
        }
    if col.kind == "percent":
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 0,
            "maximum": 100,
            "error_type": "warning",
            "error_message": t("template.percent_error", lang),
        }
    if col.kind == "count":
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_type": "warning",
            "error_message": t("template.count_error", lang),
        }
    return None


def _data_sheet(
    wb: xlsxwriter.Workbook,
    spec: Sheet,
    lang: str,
    rows: list[dict],
    formats: dict,
    lists_name: str,
    choices: dict[str, list[str]],
) -> None:
    ws = wb.add_worksheet(spec.name(lang))
    for j, col in enumerate(spec.columns):
        ws.write_string(0, j, col.header(lang) + (" *" if col.required else ""), formats["bold"])
        ws.set_column(j, j, _WIDE_KINDS.get(col.kind, 16), formats["text"])
        rule = _validation(col, lang, lists_name, choices)
        if rule:
            ws.data_validation(1, j, VALIDATED_ROWS, j, rule)
    for i, row in enumerate(rows, start=1):
        for j, col in enumerate(spec.columns):
            value = row.get(col.key, "")
            if value != "":
                ws.write_string(i, j, str(value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(spec.columns) - 1)

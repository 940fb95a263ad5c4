"""The downloadable upload template, pre-filled for one country and period.

Its sheets, headers and drop-down lists come from the sheet declarations
(``schema``) and the kinds' vocabularies (``kinds``).
"""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import xlsxwriter

from analytics import periods
from analytics.errors import NotFound
from analytics.i18n import t
from analytics.ledger import reads
from analytics.reference import MODULES, Reference
from analytics.reference import build as build_reference
from analytics.sheets.kinds import KINDS, choices, show
from analytics.sheets.schema import SHEETS, Column, Sheet
from analytics.sheets.workbook import new_workbook

LIST_SHEET = {"es": "listas", "en": "lists"}
VALIDATED_ROWS = 1000


def _list_key(col: Column) -> str | None:
    """Which drop-down list a column offers (the module list with or without CROSS)."""
    domain = KINDS[col.kind].domain
    if domain == "module" and col.allow_cross:
        return "module_cross"
    return domain


def _lists(ref: Reference, lang: str) -> dict[str, list[str]]:
    """Each drop-down list, in the order the template's hidden list sheet holds them."""
    out: dict[str, list[str]] = {}
    for spec in SHEETS.values():
        for col in spec.columns:
            key = _list_key(col)
            if key is not None and key not in out:
                out[key] = choices(col, ref, lang) or []
    return out


def template(
    con: duckdb.DuckDBPyConnection,
    *,
    country: str,
    period: str,
    lang: str = "es",
    ref: Reference | None = None,
    from_submission: int | None = None,
) -> bytes:
    """An xlsx holding the whole current report of ``country`` and ``period`` (every sheet),
    with instructions that say what it was pre-filled from, and drop-down lists.

    ``from_submission`` pre-fills it from that submission's rows instead (a returned file,
    to fix and send again); the sheets the submission did not report hold the published report.
    """
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

    if from_submission is None:
        rows, contents = prefill(con, ref, country=country, period=period, lang=lang)
    else:
        rows, contents = prefill_from_submission(
            con, ref, from_submission, country=country, period=period, lang=lang
        )
    lists = _lists(ref, lang)
    ws_i = wb.add_worksheet(t("template.instructions_sheet", lang))
    ws_i.set_column(0, 0, 110)
    ws_i.write_string(
        0, 0, t("template.title", lang, country=ref.country_name(country, lang), period=period), title
    )
    ws_i.write_string(1, 0, contents, wrap)
    for i, line in enumerate(t("template.instructions", lang).split("\n"), start=3):
        ws_i.write_string(i, 0, line, wrap)

    lists_name = LIST_SHEET[lang]
    for spec in SHEETS.values():
        _data_sheet(wb, spec, lang, rows[spec.key], formats, lists_name, lists)
    ws_l = wb.add_worksheet(lists_name)
    for j, (key, values) in enumerate(lists.items()):
        ws_l.write_string(0, j, key)
        for i, v in enumerate(values, start=1):
            ws_l.write_string(i, j, v)
    ws_l.hide()
    wb.worksheets()[1].activate()
    wb.close()
    return buf.getvalue()


def prefill(
    con: duckdb.DuckDBPyConnection, ref: Reference, *, country: str, period: str, lang: str
) -> tuple[dict[str, list[dict[str, str]]], str]:
    """Each sheet's rows as the template writes them, and the sentence saying where they came from.

    The period's own report when there is one: every sheet, in the order stored, so an
    untouched template changes nothing. Otherwise progress starts from each module's
    latest earlier report (never a later one; notes are not carried) and the rest is empty.
    """
    stored = {s: reads.current(con, s, countries=[country]) for s in SHEETS}
    own = {s: df[df["period"] == period].sort_values("row_number") for s, df in stored.items()}
    name = ref.country_name(country, lang)
    if any(len(df) for df in own.values()):
        ids = sorted({int(i) for df in own.values() for i in df["submission_id"]})
        note = t(
            "template.prefill_current",
            lang,
            country=name,
            period=period,
            submissions=", ".join(f"#{i}" for i in ids),
        )
        return {s: _as_text(s, own[s], ref, lang) for s in SHEETS}, note
    earlier = _earlier_progress(stored["progress"], period)
    rows: dict[str, list[dict[str, str]]] = {s: [] for s in SHEETS}
    module_labels = ref.labels("module", lang)
    found = {r["module"]: r for r in _as_text("progress", earlier, ref, lang, keep_code="module")}
    for code in MODULES:
        row = found.get(code) or {"country": name, "module": code}
        rows["progress"].append({**row, "period": period, "notes": "", "module": module_labels[code]})
    if earlier.empty:
        return rows, t("template.prefill_none", lang, country=name, period=period)
    periods_used = ", ".join(sorted(set(earlier["period"]), key=periods.sort_key))
    return rows, t("template.prefill_earlier", lang, country=name, period=period, periods=periods_used)


def prefill_from_submission(
    con: duckdb.DuckDBPyConnection,
    ref: Reference,
    submission_id: int,
    *,
    country: str,
    period: str,
    lang: str,
) -> tuple[dict[str, list[dict[str, str]]], str]:
    """Like ``prefill``, from the rows one submission holds for ``country`` and ``period``
    (in the order sent); sheets it did not report come from the published report.
    ``NotFound`` when the submission holds nothing for that country and period."""
    blocks = reads.submission_blocks(con, submission_id)
    held = sorted(set(blocks[(blocks["country"] == country) & (blocks["period"] == period)]["sheet"]))
    if not held:
        raise NotFound(what="submission", id=submission_id)
    rows, _ = prefill(con, ref, country=country, period=period, lang=lang)
    sent = reads.submission_rows(con, submission_id)
    for sheet in held:
        df = sent[sheet]
        rows[sheet] = _as_text(sheet, df[(df["country"] == country) & (df["period"] == period)], ref, lang)
    note = t(
        "template.prefill_submission",
        lang,
        country=ref.country_name(country, lang),
        period=period,
        submission=f"#{submission_id}",
        sheets=", ".join(SHEETS[s].name(lang) for s in held),
    )
    return rows, note


def _as_text(
    sheet: str, df: pd.DataFrame, ref: Reference, lang: str, keep_code: str | None = None
) -> list[dict]:
    """Stored rows as a person would type them (labels in ``lang``); ``keep_code`` leaves one column as stored."""
    columns = SHEETS[sheet].columns
    return [
        {
            col.key: (rec[col.key] if col.key == keep_code else show(rec[col.key], col, ref, lang))
            for col in columns
        }
        for rec in df.to_dict("records")
    ]


def _earlier_progress(stored: pd.DataFrame, period: str) -> pd.DataFrame:
    """Per module, the latest report that began before ``period`` (later periods never leak backwards)."""
    chosen = periods.parse(period)
    if chosen is None or stored.empty:
        return stored.iloc[0:0]
    earlier = stored[pd.to_datetime(stored["period_start"]).dt.date < chosen.start]
    return earlier.sort_values(["period_start", "period"]).groupby("module").tail(1)


def _validation(col: Column, lang: str, lists_name: str, lists: dict[str, list[str]]) -> dict | None:
    """The data validation a column's cells get: its drop-down list, or a number range."""
    key = _list_key(col)
    if key:
        letter = xlsxwriter.utility.xl_col_to_name(list(lists).index(key))
        return {
            "validate": "list",
            "source": f"={lists_name}!${letter}$2:${letter}${len(lists[key]) + 1}",
            "error_type": "warning",
            "error_title": t("template.list_error_title", lang),
            "error_message": t("template.list_error", lang),
        }
    kind = KINDS[col.kind]
    if kind.minimum is None:
        return None
    bounds: dict[str, object] = (
        {"criteria": ">=", "value": kind.minimum}
        if kind.maximum is None
        else {"criteria": "between", "minimum": kind.minimum, "maximum": kind.maximum}
    )
    return {
        "validate": "integer" if kind.whole else "decimal",
        **bounds,
        "error_type": "warning",
        "error_message": t(f"template.{col.kind}_error", lang),
    }


def _data_sheet(
    wb: xlsxwriter.Workbook,
    spec: Sheet,
    lang: str,
    rows: list[dict],
    formats: dict,
    lists_name: str,
    lists: dict[str, list[str]],
) -> None:
    ws = wb.add_worksheet(spec.name(lang))
    for j, col in enumerate(spec.columns):
        ws.write_string(0, j, col.header(lang) + (" *" if col.required else ""), formats["bold"])
        ws.set_column(j, j, KINDS[col.kind].width, formats["text"])
        rule = _validation(col, lang, lists_name, lists)
        if rule:
            ws.data_validation(1, j, VALIDATED_ROWS, j, rule)
    for i, row in enumerate(rows, start=1):
        for j, col in enumerate(spec.columns):
            value = row.get(col.key, "")
            if value != "":
                ws.write_string(i, j, str(value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(spec.columns) - 1)

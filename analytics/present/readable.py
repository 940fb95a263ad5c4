"""Tables for people: what a table on screen, its CSV and the workbook for people hold.

Codes become labels in the reader's language (countries by name, stages as "3 Piloto"),
headers read as the page names them, numbers and dates are written the language's way,
and an empty cell is empty (never "None", "nan" or "NaT"). Machines read the codes in
the csv/parquet snapshots; this is for the eyes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

import pandas as pd

from analytics.findings import Finding
from analytics.i18n import date_text, datetime_text, has, number, sort_key, t
from analytics.periods import EARLIEST_YEAR
from analytics.reference import Reference

# Column → the vocabulary its codes come from.
CODED = {
    "module": "module",
    "category": "category",
    "severity": "severity",
    "status": "status",
    "entry_route": "entry_route",
    "cohort": "entry_route",
    "subregion": "subregion",
    "kind": "kind",
    "institution_type": "institution_type",
}
COUNTRY_COLUMNS = ("country", "countries", "adopted_from", "adopted_by")
STAGE_COLUMNS = ("stage", "previous_stage")
# Whole numbers that name something (a year, a submission) rather than count it: no separators.
IDENTIFIERS = {
    "year",
    "joined_year",
    "id",
    "submission_id",
    "version",
    "data_version",
    "row",
    "row_number",
    "replaced_submission_id",
    "shown_now",
    "shown_after",
}
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
# Column names that were shown without a ``col.<name>`` text (their header is then the name in
# words, not in the reader's language); the page tests check that it stays empty.
UNTEXTED: set[str] = set()
_LIST = re.compile(r"\s*[;,]\s*")


def header(name: object, lang: str) -> str:
    """A column's name as people read it: its ``col.<name>`` text, else the name with
    spaces for underscores (never a snake_case identifier)."""
    text = str(name)
    if has(f"col.{text}"):
        return t(f"col.{text}", lang)
    if _SNAKE.match(text):
        UNTEXTED.add(text)
        return text.replace("_", " ").capitalize()
    return text


def is_empty(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def cell(value: object, lang: str) -> str:
    """One value as text for people ("" for none)."""
    if is_empty(value):
        return ""
    if isinstance(value, bool):
        return t("ui.yes" if value else "ui.no", lang)
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None and stamp == stamp.normalize():
            return date_text(stamp, lang)
        return datetime_text(stamp.tz_convert("UTC") if stamp.tzinfo else stamp, lang)
    if isinstance(value, date):
        return date_text(value, lang)
    if isinstance(value, int | float) or hasattr(value, "dtype"):
        return number(value, lang)
    return str(value)


def _codes(values: pd.Series, labels: dict[str, str]) -> list[str]:
    return ["" if is_empty(v) else labels.get(str(v), str(v)) for v in values.tolist()]


def _country_names(values: pd.Series, ref: Reference, lang: str) -> list[str]:
    out = []
    for v in values.tolist():
        if is_empty(v) or not str(v).strip():
            out.append("")
            continue
        out.append(", ".join(ref.country_name(code, lang) for code in _LIST.split(str(v).strip()) if code))
    return out


def sheet_names(value: object, lang: str) -> str:
    """ "capacity,progress" → "Capacidades, Avance": sheets by the names people know."""
    if is_empty(value):
        return ""
    names = [
        t(f"snapshot.table.{v}", lang) if has(f"snapshot.table.{v}") else v for v in _LIST.split(str(value))
    ]
    return ", ".join(n for n in names if n)


def origin(code: object, lang: str) -> str:
    """Where a submission came from, in words: "upload" → "Carga de archivo"."""
    return t(f"origin.{code}", lang) if has(f"origin.{code}") else cell(code, lang)


def finding_in_words(f: Finding, ref: Reference, lang: str) -> Finding:
    """A finding about a whole report ("GTM 2025") names its country ("Guatemala 2025"), for
    the eyes only: the finding as stored keeps the code."""
    params = f.param_dict()
    if "country" not in params or "period" not in params:
        return f
    name = ref.country_name(params["country"], lang)
    shown = tuple((k, name if k == "country" else v) for k, v in f.params)
    return replace(f, value=f"{name} {params['period']}", params=shown)


def _stages(values: pd.Series, ref: Reference, lang: str) -> list[str]:
    labels = ref.labels("stage", lang)
    out = []
    for v in values.tolist():
        if is_empty(v):
            out.append("")
            continue
        code = str(int(v)) if isinstance(v, int | float) or str(v).isdigit() else str(v)
        out.append(f"{code} {labels[code]}" if code in labels else str(v))
    return out


def _numbers(name: str, values: pd.Series, lang: str) -> pd.Series | list[str]:
    """Whole, small or naming numbers stay numbers (tables sort them); the rest become text
    written the language's way, with missing values empty."""
    if values.isna().any():
        return [cell(v, lang) for v in values.tolist()]
    if name in IDENTIFIERS:
        return values
    if pd.api.types.is_integer_dtype(values) and (values.empty or values.abs().max() < 1000):
        return values
    return [cell(v, lang) for v in values.tolist()]


def column(name: str, values: pd.Series, ref: Reference, lang: str) -> pd.Series | list[str]:
    """One column's values as people read them."""
    if name in COUNTRY_COLUMNS:
        return _country_names(values, ref, lang)
    if name in STAGE_COLUMNS:
        return _stages(values, ref, lang)
    if name in ("sheet", "sheets"):
        return [sheet_names(v, lang) for v in values.tolist()]
    if name == "origin":
        return [origin(v, lang) for v in values.tolist()]
    if name == "periods":
        return [
            "" if is_empty(v) else ", ".join(p for p in _LIST.split(str(v)) if p) for v in values.tolist()
        ]
    if name == "change":
        marks = {1: "▲", 0: "=", -1: "▼"}
        return ["" if is_empty(v) else marks.get(int(v), "") for v in values.tolist()]
    if name in CODED:
        labels = ref.labels(CODED[name], lang)
        states = {v: t(f"state.{v}", lang) for v in values.dropna().unique() if has(f"state.{v}")}
        return _codes(values, {**states, **labels})
    if pd.api.types.is_bool_dtype(values):
        return [cell(v, lang) for v in values.tolist()]
    if pd.api.types.is_numeric_dtype(values):
        return _numbers(name, values, lang)
    return [cell(v, lang) for v in values.tolist()]


def readable(
    df: pd.DataFrame, ref: Reference, lang: str, headers: dict[str, str] | None = None
) -> pd.DataFrame:
    """``df`` (columns named by their codes) for people: labels for codes, the language's
    numbers and dates, empty cells empty, headers in words — ``headers`` where a page names
    a column its own way, else the column's ``col.<name>`` text. Columns keep their order."""
    out = pd.DataFrame(index=range(len(df)))
    for name in df.columns:
        values = df[name].reset_index(drop=True)
        out[(headers or {}).get(str(name)) or header(name, lang)] = column(str(name), values, ref, lang)
    return out


def csv_for_people(df: pd.DataFrame, lang: str) -> bytes:
    """A CSV that opens right in the reader's spreadsheet: UTF-8 with a byte-order mark
    (so Excel reads the accents), and in Spanish ``;`` between cells (Excel in Spanish
    expects it, since the comma is the decimal mark). Cells are neutralised."""
    from analytics.neutralise import neutralise_frame

    sep = ";" if lang == "es" else ","
    body = (neutralise_frame(df) if len(df) else df).to_csv(index=False, sep=sep, lineterminator="\r\n")
    return body.encode("utf-8-sig")


def filters_in_words(filters, ref: Reference, lang: str, as_of: datetime | None, today_year: int) -> str:  # noqa: ANN001
    """A view's filters and date as a sentence fragment people read: "Países: Guatemala,
    Perú · Años: 2018–2026 · Datos al 30 jun 2024" (``filters`` is a ``views.Filters``)."""
    members = ref.members(lang)
    if filters.countries and len(set(filters.countries)) < len(members):
        names = sorted(
            (ref.country_name(x, lang) for x in filters.countries), key=lambda n: sort_key(n, lang)
        )
        parts = [t("filters.countries", lang, names=", ".join(names))]
    else:
        parts = [t("filters.all_countries", lang)]
    if filters.modules:
        labels = ref.labels("module", lang)
        parts.append(t("filters.modules", lang, names=", ".join(labels.get(m, m) for m in filters.modules)))
    first = filters.period_from or EARLIEST_YEAR
    last = filters.period_to or (as_of.year if as_of else today_year)
    parts.append(t("filters.years", lang, first=first, last=last))
    when = date_text(as_of, lang) if as_of else t("filters.today", lang)
    parts.append(t("filters.as_of", lang, date=when))
    return " · ".join(parts)

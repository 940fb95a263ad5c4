"""Snapshot files: one registered writer per format, with its extension and MIME type.

A new export format is one ``_format`` registration here (and its texts in the
``downloads`` locale); the command line and the downloads page list ``FORMATS``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from analytics.exports import brief, snapshot
from analytics.exports.snapshot import Snapshot
from analytics.i18n import t
from analytics.insights.filters import Filters
from analytics.ledger import reads
from analytics.present.readable import filters_in_words
from analytics.reference import Reference
from analytics.reference import build as build_reference
from analytics.sheets.kinds import KINDS, show
from analytics.sheets.schema import SHEETS
from analytics.sheets.workbook import new_workbook

_ZIP_TIME = (2015, 12, 1, 0, 0, 0)
Writer = Callable[[duckdb.DuckDBPyConnection, Snapshot, Reference], bytes]


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    mime: str
    write: Writer


FORMATS: dict[str, Format] = {}


def _format(name: str, extension: str, mime: str) -> Callable[[Writer], Writer]:
    def register(write: Writer) -> Writer:
        FORMATS[name] = Format(name, extension, mime, write)
        return write

    return register


def file_name(fmt: str, *, at: datetime, version: int) -> str:
    """A download's file name: what it is, as of when, which data version."""
    return f"esp-monitor_{at.strftime('%Y-%m-%d')}_v{version}.{FORMATS[fmt].extension}"


def _readme(snap: Snapshot, ref: Reference) -> str:
    return t(
        "snapshot.readme",
        snap.lang,
        version=snap.data_version,
        as_of=snap.tables["metadata"].set_index("key").loc["as_of", "value"],
        generated=snap.generated_at.isoformat(sep=" ", timespec="seconds"),
        illustrative=t(
            "snapshot.illustrative_yes" if snap.illustrative else "snapshot.illustrative_no", snap.lang
        ),
        unreviewed=t(
            "snapshot.unreviewed_yes" if snap.includes_unreviewed else "snapshot.unreviewed_no", snap.lang
        ),
        filters=filters_in_words(snap.filters, ref, snap.lang, snap.as_of, snap.generated_at.year),
    )


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


@_format("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def to_xlsx(con: duckdb.DuckDBPyConnection, snap: Snapshot, ref: Reference) -> bytes:
    buf = io.BytesIO()
    wb = new_workbook(
        buf,
        {"created": snap.generated_at.replace(tzinfo=None), "title": "ESP Monitor snapshot"},
        remove_timezone=True,
        default_date_format="yyyy-mm-dd hh:mm",
    )
    bold = wb.add_format({"bold": True, "bg_color": "#dbe9f0", "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws = wb.add_worksheet("README")
    ws.set_column(0, 0, 120)
    for i, line in enumerate(_readme(snap, ref).split("\n")):
        ws.write_string(i, 0, line, wrap)
    for name, df in snap.tables.items():
        df = _label_columns(snap, ref, name, df)
        sheet = wb.add_worksheet(t(f"snapshot.table.{name}", snap.lang)[:31])
        for j, col in enumerate(df.columns):
            sheet.write_string(0, j, t(f"snapshot.col.{col}", snap.lang), bold)
            sheet.set_column(
                j, j, 45 if col in ("description", "notes", "title", "source", "value", "sha256") else 16
            )
        columns = [_xlsx_column(sheet, df[col]) for col in df.columns]
        for i in range(len(df)):
            for j, (write, values) in enumerate(columns):
                v = values[i]
                if v is not None:
                    write(i + 1, j, v)
        sheet.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


@_format("csv", "csv.zip", "application/zip")
def to_csv_zip(con: duckdb.DuckDBPyConnection, snap: Snapshot, ref: Reference) -> bytes:
    files = {"README.txt": _readme(snap, ref).encode("utf-8")}
    for name, df in snap.tables.items():
        files[f"{name}.csv"] = df.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return _zip(files)


@_format("parquet", "parquet.zip", "application/zip")
def to_parquet_zip(con: duckdb.DuckDBPyConnection, snap: Snapshot, ref: Reference) -> bytes:
    files = {"README.txt": _readme(snap, ref).encode("utf-8")}
    for name, df in snap.tables.items():
        buf = io.BytesIO()
        df.to_parquet(buf, index=False, engine="pyarrow")
        files[f"{name}.parquet"] = buf.getvalue()
    return _zip(files)


@_format("html", "html", "text/html")
def to_html(con: duckdb.DuckDBPyConnection, snap: Snapshot, ref: Reference) -> bytes:
    return brief.render(con, snap, ref).encode("utf-8")


def _label_columns(snap: Snapshot, ref: Reference, name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Codes with their labels beside them, for people reading the workbook."""
    lang = snap.lang
    out = df.copy()
    labels: dict[str, dict] = {}
    if name in SHEETS:
        for col in SHEETS[name].columns:
            if KINDS[col.kind].labelled and col.kind not in ("country", "stage") and col.key in out:
                labels[col.key] = {v: show(v, col, ref, lang) for v in out[col.key].dropna().unique()}
    elif name == "countries":
        labels = {"entry_route": ref.labels("entry_route", lang), "subregion": ref.labels("subregion", lang)}
    elif name == "submissions":
        labels = {"status": {s: t(f"review.status_{s}", lang) for s in reads.STATUSES}}
    elif name == "reviews":
        labels = {"action": {a: t(f"review.action_{a}", lang) for a in ("approved", "returned", "reopened")}}
    inserts = []
    if "country" in out and name != "countries":
        names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
        inserts.append(("country", "country_name", out["country"].map(names)))
    inserts += [(col, f"{col}_label", out[col].map(mapping)) for col, mapping in labels.items() if col in out]
    for after, new, values in inserts:
        out.insert(out.columns.get_loc(after) + 1, new, values)
    return out


def _xlsx_column(sheet, col: pd.Series) -> tuple[Callable[[int, int, Any], Any], list]:
    """The typed writer for a column and its cells as Python values (None = empty).

    Choosing the writer once per column, not per cell, is a third of the time at S2.
    """
    missing = col.isna().tolist()
    if pd.api.types.is_bool_dtype(col):
        values = ["yes" if v else "no" for v in col.fillna(False).tolist()]
        write = sheet.write_string
    elif pd.api.types.is_numeric_dtype(col):
        values = col.astype("float64").tolist()
        write = sheet.write_number
    elif pd.api.types.is_datetime64_any_dtype(col):
        values = [None if m else v for v, m in zip(col.dt.to_pydatetime().tolist(), missing)]
        write = sheet.write_datetime
    else:
        values = [v if isinstance(v, str) else str(v) for v in col.astype(object).tolist()]
        write = sheet.write_string
    return write, [None if m else v for v, m in zip(values, missing)]


def write(
    con: duckdb.DuckDBPyConnection,
    fmt: str,
    *,
    as_of: datetime | None = None,
    lang: str = "es",
    filters: Filters | None = None,
    scope: reads.Scope = reads.PUBLISHED,
) -> tuple[str, bytes]:
    """The snapshot file in ``fmt`` as (file name, bytes)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    ref = build_reference(con)
    snap = snapshot.build(con, as_of=as_of, lang=lang, filters=filters, ref=ref, scope=scope)
    data = FORMATS[fmt].write(con, snap, ref)
    return file_name(fmt, at=snap.as_of or snap.generated_at, version=snap.data_version), data

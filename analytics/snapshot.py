"""Snapshots: the region's tables as they stood at a time T, with provenance.

``tables`` gives the SPEC tables (English column names, codes); ``write`` turns
them into an xlsx workbook, a zip of CSVs, a zip of Parquet files, or the HTML
brief. The same T and the same data give the same table contents.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from . import __version__, submissions
from .db import utcnow
from .i18n import t
from .reference import Reference, reference_dir
from .reference import build as build_reference

FORMATS = ("xlsx", "csv", "parquet", "html")
TABLES = ("metadata", "countries", "progress", "challenges", "practices", "submissions")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ZIP_TIME = (2015, 12, 1, 0, 0, 0)
COLUMNS = {
    "countries": ["country", "name_en", "name_es", "subregion", "joined", "entry_route",
                  "spotlight", "iso2", "m49", "source"],
    "progress": ["country", "period", "module", "stage", "stage_label", "coverage_pct",
                 "trained_staff", "notes", "submission_id"],
    "challenges": ["country", "period", "module", "category", "severity", "status",
                   "description", "submission_id"],
    "practices": ["country", "period", "module", "title", "description", "url", "submission_id"],
    "submissions": ["id", "file_name", "sha256", "uploaded_by", "committed_at",
                    "rolled_back_at", "rows"],
}
MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "application/zip", "parquet": "application/zip", "html": "text/html"}


@dataclass(frozen=True)
class Filters:
    """What a snapshot or view is restricted to; empty means everything."""

    countries: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    period_from: int | None = None
    period_to: int | None = None

    def describe(self) -> str:
        parts = []
        if self.countries:
            parts.append("countries=" + ",".join(self.countries))
        if self.modules:
            parts.append("modules=" + ",".join(self.modules))
        if self.period_from is not None or self.period_to is not None:
            parts.append(f"years={self.period_from or ''}-{self.period_to or ''}")
        return "; ".join(parts) or "none"

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        if df.empty:
            return df
        mask = pd.Series(True, index=df.index)
        if self.countries and "country" in df:
            mask &= df["country"].isin(self.countries)
        if self.modules and "module" in df:
            mask &= df["module"].isin(self.modules + ("CROSS",))
        if "period" in df and (self.period_from is not None or self.period_to is not None):
            years = df["period"].astype(str).str[:4].astype(int)
            if self.period_from is not None:
                mask &= years >= self.period_from
            if self.period_to is not None:
                mask &= years <= self.period_to
        return df[mask]


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def reference_hashes() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16]
            for p in sorted(reference_dir().glob("*.csv"))}


@dataclass
class Snapshot:
    tables: dict[str, pd.DataFrame]
    as_of: datetime | None
    data_version: int
    generated_at: datetime
    lang: str
    filters: Filters = field(default_factory=Filters)
    illustrative: bool = False

    def file_stem(self) -> str:
        stamp = (self.as_of or self.generated_at).strftime("%Y-%m-%d")
        return f"esp-monitor_{stamp}_v{self.data_version}"


def build(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None, lang: str = "es",
          filters: Filters | None = None, ref: Reference | None = None,
          generated_at: datetime | None = None) -> Snapshot:
    """Collect every table as of ``as_of`` (default now)."""
    ref = ref or build_reference(con)
    filters = filters or Filters()
    stage_labels = ref.labels("stage", lang)
    countries = ref.countries[ref.countries["member"]].rename(columns={"iso3": "country"})
    countries = countries.assign(m49=countries["m49"].astype(str))
    if filters.countries:
        countries = countries[countries["country"].isin(filters.countries)]
    tables: dict[str, pd.DataFrame] = {"countries": countries[COLUMNS["countries"]]}
    for sheet in ("progress", "challenges", "practices"):
        df = filters.apply(submissions.current(con, sheet, as_of=as_of))
        if sheet == "progress":
            df = df.assign(stage_label=df["stage"].astype(str).map(stage_labels))
        tables[sheet] = df[COLUMNS[sheet]].reset_index(drop=True)
    hist = submissions.history(con, as_of=as_of)
    tables["submissions"] = hist[COLUMNS["submissions"]]
    version = submissions.data_version(con, as_of)
    snap = Snapshot(tables={}, as_of=as_of, data_version=version,
                    generated_at=generated_at or utcnow(), lang=lang, filters=filters,
                    illustrative=submissions.has_demo_data(con, as_of))
    meta = [
        ("as_of", (as_of.isoformat(sep=" ") if as_of else "now")),
        ("data_version", str(version)),
        ("generated_at", snap.generated_at.isoformat(sep=" ", timespec="seconds")),
        ("language", lang),
        ("app_version", __version__),
        ("illustrative_data", "yes" if snap.illustrative else "no"),
        ("filters", filters.describe()),
    ]
    meta += [(f"rows_{k}", str(len(v))) for k, v in tables.items()]
    meta += [(f"source_sha256_{k}", v) for k, v in reference_hashes().items()]
    snap.tables = {"metadata": pd.DataFrame(meta, columns=["key", "value"])}
    snap.tables.update({k: _neutralise_frame(v) for k, v in tables.items()})
    return snap


def _readme(snap: Snapshot) -> str:
    return t("snapshot.readme", snap.lang, version=snap.data_version,
             as_of=snap.tables["metadata"].set_index("key").loc["as_of", "value"],
             generated=snap.generated_at.isoformat(sep=" ", timespec="seconds"),
             illustrative=t("snapshot.illustrative_yes" if snap.illustrative else
                            "snapshot.illustrative_no", snap.lang),
             filters=snap.filters.describe())


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def to_csv_zip(snap: Snapshot) -> bytes:
    files = {"README.txt": _readme(snap).encode("utf-8")}
    for name, df in snap.tables.items():
        files[f"{name}.csv"] = df.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return _zip(files)


def to_parquet_zip(snap: Snapshot) -> bytes:
    files = {"README.txt": _readme(snap).encode("utf-8")}
    for name, df in snap.tables.items():
        buf = io.BytesIO()
        df.to_parquet(buf, index=False, engine="pyarrow")
        files[f"{name}.parquet"] = buf.getvalue()
    return _zip(files)


def _label_columns(snap: Snapshot, ref: Reference, name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Codes with their labels beside them, for people reading the workbook."""
    lang = snap.lang
    out = df.copy()
    inserts = []
    if "country" in out and name != "countries":
        names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
        inserts.append(("country", "country_name", out["country"].map(names)))
    for col, domain in (("module", "module"), ("category", "category"),
                        ("severity", "severity"), ("status", "status"),
                        ("entry_route", "entry_route"), ("subregion", "subregion")):
        if col in out:
            inserts.append((col, f"{col}_label", out[col].map(ref.labels(domain, lang))))
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


def to_xlsx(snap: Snapshot, ref: Reference) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False,
                                   "default_date_format": "yyyy-mm-dd hh:mm"})
    wb.set_properties({"created": snap.generated_at, "title": "ESP Monitor snapshot"})
    bold = wb.add_format({"bold": True, "bg_color": "#dbe9f0", "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws = wb.add_worksheet("README")
    ws.set_column(0, 0, 120)
    for i, line in enumerate(_readme(snap).split("\n")):
        ws.write_string(i, 0, line, wrap)
    for name, df in snap.tables.items():
        df = _label_columns(snap, ref, name, df)
        sheet = wb.add_worksheet(t(f"snapshot.table.{name}", snap.lang)[:31])
        for j, col in enumerate(df.columns):
            sheet.write_string(0, j, t(f"snapshot.col.{col}", snap.lang), bold)
            sheet.set_column(j, j, 45 if col in ("description", "notes", "title", "source",
                                                  "value", "sha256") else 16)
        columns = [_xlsx_column(sheet, df[col]) for col in df.columns]
        for i in range(len(df)):
            for j, (write, values) in enumerate(columns):
                v = values[i]
                if v is not None:
                    write(i + 1, j, v)
        sheet.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def write(con: duckdb.DuckDBPyConnection, fmt: str, *, as_of: datetime | None = None,
          lang: str = "es", filters: Filters | None = None) -> tuple[str, bytes]:
    """The snapshot file in ``fmt`` as (file name, bytes)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    ref = build_reference(con)
    snap = build(con, as_of=as_of, lang=lang, filters=filters, ref=ref)
    if fmt == "xlsx":
        data = to_xlsx(snap, ref)
    elif fmt == "csv":
        data = to_csv_zip(snap)
    elif fmt == "parquet":
        data = to_parquet_zip(snap)
    else:
        from .brief import render

        data = render(con, snap, ref).encode("utf-8")
    ext = {"csv": "csv.zip", "parquet": "parquet.zip"}.get(fmt, fmt)
    return f"{snap.file_stem()}.{ext}", data

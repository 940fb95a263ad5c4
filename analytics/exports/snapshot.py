"""Snapshots: the region's tables as they stood at a time T, with provenance.

``build`` gives the SPEC tables (English column names, codes); the sheet tables'
columns derive from the sheet declarations. ``exports`` turns a snapshot into
files. The same T and the same data give the same table contents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from analytics import __version__, clock
from analytics.insights.filters import Filters
from analytics.ledger import reads
from analytics.neutralise import neutralise_frame
from analytics.paths import REFERENCE_DIR
from analytics.reference import Reference
from analytics.reference import build as build_reference
from analytics.sheets.kinds import KINDS
from analytics.sheets.schema import SHEETS

COUNTRY_COLUMNS = [
    "country",
    "name_en",
    "name_es",
    "subregion",
    "joined",
    "entry_route",
    "spotlight",
    "iso2",
    "m49",
    "source",
]
SUBMISSION_COLUMNS = [
    "id",
    "file_name",
    "sha256",
    "uploaded_by",
    "committed_at",
    "rolled_back_at",
    "rows",
    "status",
]
REVIEW_COLUMNS = ["submission_id", "action", "by", "at", "comment"]


def sheet_columns(sheet: str) -> list[str]:
    """A sheet's snapshot columns: its declared columns, the stage's label beside the
    stage, and the submission each row came from."""
    out = []
    for col in SHEETS[sheet].columns:
        out.append(col.key)
        if col.kind == "stage":
            out.append(f"{col.key}_label")
    return [*out, "submission_id"]


COLUMNS = {
    "countries": COUNTRY_COLUMNS,
    **{s: sheet_columns(s) for s in SHEETS},
    "reviews": REVIEW_COLUMNS,
    "submissions": SUBMISSION_COLUMNS,
}
TABLES = ("metadata", *COLUMNS)


def reference_hashes() -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in sorted(REFERENCE_DIR.glob("*.csv"))
    }


@dataclass
class Snapshot:
    tables: dict[str, pd.DataFrame]
    as_of: datetime | None
    data_version: int
    generated_at: datetime
    lang: str
    filters: Filters = field(default_factory=Filters)
    illustrative: bool = False
    includes_unreviewed: bool = False
    scope: reads.Scope = reads.PUBLISHED  # what the tables (and the brief's charts) stand on


def _sheet_table(
    con: duckdb.DuckDBPyConnection,
    sheet: str,
    as_of: datetime | None,
    filters: Filters,
    ref: Reference,
    lang: str,
    scope: reads.Scope,
) -> pd.DataFrame:
    df = filters.apply(reads.current(con, sheet, as_of=as_of, scope=scope))
    for col in SHEETS[sheet].columns:
        if col.kind == "stage":
            labels = ref.labels(KINDS[col.kind].domain, lang)
            df = df.assign(**{f"{col.key}_label": df[col.key].astype(str).map(labels)})
    return df[COLUMNS[sheet]].reset_index(drop=True)


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: datetime | None = None,
    lang: str = "es",
    filters: Filters | None = None,
    ref: Reference | None = None,
    generated_at: datetime | None = None,
    scope: reads.Scope = reads.PUBLISHED,
) -> Snapshot:
    """Collect every table as of ``as_of`` (default now): published data, and the
    submissions awaiting review that ``scope`` includes."""
    include_unreviewed = not scope.published_only
    ref = ref or build_reference(con)
    filters = filters or Filters()
    countries = ref.countries[ref.countries["member"]].rename(columns={"iso3": "country"})
    countries = countries.assign(m49=countries["m49"].astype(str))
    if filters.countries:
        countries = countries[countries["country"].isin(filters.countries)]
    tables: dict[str, pd.DataFrame] = {"countries": countries[COUNTRY_COLUMNS]}
    for sheet in SHEETS:
        tables[sheet] = _sheet_table(con, sheet, as_of, filters, ref, lang, scope)
    tables["reviews"] = reads.reviews(con, as_of=as_of)[REVIEW_COLUMNS]
    tables["submissions"] = reads.history(con, as_of=as_of)[SUBMISSION_COLUMNS]
    version = reads.data_version(con, as_of)
    snap = Snapshot(
        tables={},
        as_of=as_of,
        data_version=version,
        generated_at=generated_at or clock.now(),
        lang=lang,
        filters=filters,
        illustrative=reads.has_demo_data(con, as_of, scope),
        includes_unreviewed=include_unreviewed,
        scope=scope,
    )
    meta = [
        ("as_of", (as_of.isoformat(sep=" ") if as_of else "now")),
        ("data_version", str(version)),
        ("generated_at", snap.generated_at.isoformat(sep=" ", timespec="seconds")),
        ("language", lang),
        ("app_version", __version__),
        ("illustrative_data", "yes" if snap.illustrative else "no"),
        ("includes_unreviewed", "yes" if include_unreviewed else "no"),
        ("filters", filters.describe()),
    ]
    meta += [(f"rows_{k}", str(len(v))) for k, v in tables.items()]
    meta += [(f"source_sha256_{k}", v) for k, v in reference_hashes().items()]
    snap.tables = {"metadata": pd.DataFrame(meta, columns=["key", "value"])}
    snap.tables.update({k: neutralise_frame(v) for k, v in tables.items()})
    return snap

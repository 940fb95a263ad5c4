"""Submissions: check, preview, commit, roll back, and the data as of a time.

A committed file becomes the report of every (country, period, sheet) block it
holds. Nothing is deleted: a block's report at time T is the latest submission
that holds it, committed by T and not rolled back by T.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pandas as pd

from . import ingest, permissions, validate
from .db import transaction, utcnow
from .errors import EspError, NotFound
from .findings import Finding
from .permissions import Principal
from .reference import Reference
from .reference import build as build_reference
from .validate import TABLE_COLUMNS, Validation

SHEETS = ("progress", "challenges", "practices")
VALUE_COLUMNS = {k: [c for c in v if c not in ("row_number", "period_start", "period_end")]
                 for k, v in TABLE_COLUMNS.items()}
FAR_FUTURE = datetime(9999, 12, 31)
_COMMIT_RETRIES = 5


def _as_of(as_of: datetime | None) -> datetime:
    return FAR_FUTURE if as_of is None else as_of


def live_blocks_sql(by_country: bool = False) -> str:
    """The current submission of each block as of ``$as_of`` (for ``$countries`` only
    when ``by_country``)."""
    only = "AND b.country IN (SELECT unnest($countries))" if by_country else ""
    return f"""
        SELECT b.country, b.period, b.sheet,
               arg_max(b.submission_id, s.version) AS submission_id
        FROM blocks b
        JOIN submissions s ON s.id = b.submission_id
        LEFT JOIN rollbacks r ON r.submission_id = s.id AND r.rolled_back_at <= $as_of
        WHERE s.committed_at <= $as_of AND r.submission_id IS NULL {only}
        GROUP BY b.country, b.period, b.sheet
    """


def current(con: duckdb.DuckDBPyConnection, sheet: str, *, as_of: datetime | None = None,
            countries: list[str] | None = None) -> pd.DataFrame:
    """The rows of ``sheet`` as they stood at ``as_of`` (default: now)."""
    if sheet not in SHEETS:
        raise ValueError(sheet)
    params: dict = {"as_of": _as_of(as_of), "sheet": sheet}
    where = ""
    if countries is not None:
        where = "WHERE t.country IN (SELECT unnest($countries))"
        params["countries"] = list(countries)
    return con.execute(f"""
        WITH cur AS ({live_blocks_sql(countries is not None)})
        SELECT t.* FROM "{sheet}" t
        JOIN cur c ON c.sheet = $sheet AND c.submission_id = t.submission_id
             AND c.country = t.country AND c.period = t.period
        {where}
        ORDER BY t.country, t.period_start, t.period, t.row_number
    """, params).df()


def current_blocks(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Each live block with who committed it and when."""
    return con.execute(f"""
        WITH cur AS ({live_blocks_sql()})
        SELECT c.country, c.period, c.sheet, c.submission_id, s.uploaded_by, s.committed_at,
               s.file_name, s.source
        FROM cur c JOIN submissions s ON s.id = c.submission_id
        ORDER BY c.country, c.period, c.sheet
    """, {"as_of": _as_of(as_of)}).df()


def data_version(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> int:
    """Rises by one with every commit and every rollback."""
    rows = con.execute("""
        SELECT coalesce(max(v), 0) FROM (
            SELECT version AS v FROM submissions WHERE committed_at <= $as_of
            UNION ALL SELECT version FROM rollbacks WHERE rolled_back_at <= $as_of)
    """, {"as_of": _as_of(as_of)}).fetchall()
    return int(rows[0][0])


def last_update(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> datetime | None:
    rows = con.execute("""
        SELECT max(t) FROM (
            SELECT committed_at AS t FROM submissions WHERE committed_at <= $as_of
            UNION ALL SELECT rolled_back_at FROM rollbacks WHERE rolled_back_at <= $as_of)
    """, {"as_of": _as_of(as_of)}).fetchall()
    return rows[0][0]


def has_demo_data(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> bool:
    """True while any live block comes from the illustrative dataset."""
    rows = con.execute(f"""
        WITH cur AS ({live_blocks_sql()})
        SELECT count(*) FROM cur JOIN submissions s ON s.id = cur.submission_id
        WHERE s.source = 'demo'
    """, {"as_of": _as_of(as_of)}).fetchall()
    return rows[0][0] > 0


# --- checking -------------------------------------------------------------

@dataclass
class Check:
    """A file read and validated against the rules and the stored history."""

    file_name: str
    data: bytes
    sha256: str
    validation: Validation
    duplicate_of: int | None = None

    @property
    def findings(self) -> list[Finding]:
        return self.validation.findings

    @property
    def ok(self) -> bool:
        return self.validation.ok


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_duplicate(con: duckdb.DuckDBPyConnection, digest: str) -> int | None:
    """A live (committed, not rolled back) submission with the same bytes."""
    rows = con.execute("""
        SELECT s.id FROM submissions s LEFT JOIN rollbacks r ON r.submission_id = s.id
        WHERE s.sha256 = ? AND r.submission_id IS NULL ORDER BY s.id LIMIT 1
    """, [digest]).fetchall()
    return int(rows[0][0]) if rows else None


def _history_warnings(con: duckdb.DuckDBPyConnection, v: Validation) -> list[Finding]:
    out: list[Finding] = []
    countries = sorted({c for c, _, _ in v.blocks()})
    for sheet, df in v.tables.items():
        stored = current(con, sheet, countries=countries)
        new_blocks = _by_block(sheet, df)
        replaced = pd.Series(list(zip(stored["country"].tolist(), stored["period"].tolist())), index=stored.index,
                             dtype=object).isin(set(new_blocks))
        old_blocks = _by_block(sheet, stored[replaced])
        for key, rows in new_blocks.items():
            if old_blocks.get(key) == rows:
                country, period = key
                out.append(Finding.warning("no_change", sheet=v.sheet_names[sheet],
                                           value=f"{country} {period}", country=country, period=period))
        if sheet == "progress":
            out.extend(validate.regressions(df, stored[~replaced], v.sheet_names[sheet]))
    return out


def _by_block(sheet: str, df: pd.DataFrame) -> dict[tuple[str, str], list[tuple]]:
    """(country, period) → the block's rows as sorted text tuples, for comparing reports."""
    cols = VALUE_COLUMNS[sheet]
    out: dict[tuple[str, str], list[tuple]] = {}
    for rec in zip(*(_display_column(df[c]) for c in cols)):
        out.setdefault((rec[0], rec[1]), []).append(rec)
    return {k: sorted(v) for k, v in out.items()}


def _display_column(col: pd.Series) -> list[str]:
    """``_display`` of every cell, with the common column types done without per-cell checks."""
    values = col.tolist()
    if pd.api.types.is_float_dtype(col):
        return ["" if v != v else (str(int(v)) if v == int(v) else str(v)) for v in values]
    if pd.api.types.is_integer_dtype(col) and not col.hasnans:
        return [str(v) for v in values]
    return [v if isinstance(v, str) else _display(v) for v in values]


def check(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, *,
          principal: Principal | None = None, today: date | None = None,
          ref: Reference | None = None) -> Check:
    """Read and validate a file without writing anything."""
    ref = ref or build_reference(con)
    allowed = permissions.writable_countries(principal) if principal else None
    read = ingest.read_upload(data, file_name)
    v = validate.validate(read, ref, today=today or date.today(), allowed_countries=allowed)
    result = Check(file_name=file_name, data=data, sha256=sha256(data), validation=v)
    if v.ok:
        result.duplicate_of = find_duplicate(con, result.sha256)
        v.findings.extend(_history_warnings(con, v))
    return result


def check_frames(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame], *,
                 file_name: str, principal: Principal | None = None,
                 today: date | None = None) -> Check:
    """Validate rows typed into the in-app editor, through the same rules.

    The frames are written to an xlsx first so the editor's save is a real
    file like any other: it is stored, hashed, and can be downloaded.
    """
    from .template import frames_to_workbook

    data = frames_to_workbook(tables)
    return check(con, data, file_name, principal=principal, today=today)


# --- committing -----------------------------------------------------------

@dataclass
class Outcome:
    """What a commit did: a new submission, or the earlier identical one."""

    submission_id: int | None
    duplicate_of: int | None
    version: int
    rows: int = 0
    blocks: list[tuple[str, str, str]] = field(default_factory=list)


def _require_upload(principal: Principal, v: Validation) -> None:
    permissions.require(principal, "upload")
    for country, _, _ in v.blocks():
        permissions.require(principal, "upload", country)


def _next_version(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("""
        SELECT coalesce(max(v), 0) + 1 FROM (
            SELECT version AS v FROM submissions UNION ALL SELECT version FROM rollbacks)
    """).fetchall()
    return int(rows[0][0])


def _apply(con: duckdb.DuckDBPyConnection, chk: Check, principal: Principal, source: str,
           at: datetime) -> Outcome:
    """The writes of a commit, inside the caller's transaction."""
    v = chk.validation
    dup = find_duplicate(con, chk.sha256)
    version = _next_version(con)
    if dup is not None:
        return Outcome(None, dup, version - 1)
    sub_id = int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM submissions").fetchall()[0][0])
    warnings = [f for f in v.findings if not f.is_error]
    con.execute(
        "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [sub_id, chk.file_name, chk.sha256, principal.email, source, at, version,
         v.row_count, chk.data, findings_json(warnings), ",".join(sorted(v.tables))])
    blocks = v.blocks()
    live = {(r[0], r[1], r[2]): r[3] for r in con.execute(
        f"WITH cur AS ({live_blocks_sql(True)}) SELECT country, period, sheet, submission_id FROM cur",
        {"as_of": FAR_FUTURE, "countries": sorted({c for c, _, _ in blocks})}).fetchall()}
    block_df = pd.DataFrame(
        [(sub_id, c, p, s, live.get((c, p, s))) for c, p, s in blocks],
        columns=["submission_id", "country", "period", "sheet", "replaced_submission_id"])
    block_df["replaced_submission_id"] = block_df["replaced_submission_id"].astype("Int64")
    con.register("_new_blocks", block_df)
    con.execute("INSERT INTO blocks SELECT * FROM _new_blocks")
    con.unregister("_new_blocks")
    for sheet, df in v.tables.items():
        frame = df.copy()
        frame.insert(0, "submission_id", sub_id)
        con.register("_new_rows", frame)
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f'INSERT INTO "{sheet}" ({cols}) SELECT {cols} FROM _new_rows')
        con.unregister("_new_rows")
    return Outcome(sub_id, None, version, v.row_count, blocks)


def commit(con: duckdb.DuckDBPyConnection, chk: Check, *, principal: Principal,
           source: str = "upload", committed_at: datetime | None = None) -> Outcome:
    """Write a checked file as one transaction; an identical live file changes nothing.

    ``committed_at`` back-dates the illustrative dataset (source ``demo``) so
    that "as of" has a past to show; it may never go before the latest event.
    """
    if not chk.ok:
        raise EspError("rejected", errors=sum(f.is_error for f in chk.findings))
    _require_upload(principal, chk.validation)
    if committed_at is not None and (source != "demo" or not principal.is_admin):
        raise EspError("backdating_not_allowed")
    last: Exception | None = None
    for _ in range(_COMMIT_RETRIES):
        try:
            with transaction(con):
                at = committed_at or utcnow()
                latest = last_update(con)
                if latest is not None and at < latest:
                    raise EspError("backdating_not_allowed")
                return _apply(con, chk, principal, source, at)
        except duckdb.TransactionException as e:
            last = e
    raise EspError("db_error") from last


@dataclass
class Preview:
    """What committing would change, block by block."""

    replaced: pd.DataFrame  # country, period, sheet, submission_id, uploaded_by, committed_at
    added: pd.DataFrame     # sheet, country, period, module, ... new rows with no earlier value
    changed: pd.DataFrame   # sheet, country, period, key, field, old, new
    removed: pd.DataFrame   # rows of replaced blocks that the new report no longer has
    warnings: list[Finding]
    duplicate_of: int | None = None

    @property
    def empty(self) -> bool:
        return self.added.empty and self.changed.empty and self.removed.empty


_KEYS = {"progress": ["module"], "challenges": ["module", "category", "description"],
         "practices": ["module", "title"]}


def preview(con: duckdb.DuckDBPyConnection, chk: Check, *, principal: Principal,
            source: str = "upload") -> Preview:
    """Run the commit in a transaction, compare before and after, roll it back."""
    if not chk.ok:
        raise EspError("rejected")
    _require_upload(principal, chk.validation)
    blocks = chk.validation.blocks()
    countries = sorted({c for c, _, _ in blocks})
    before_blocks = current_blocks(con)
    before = {s: current(con, s, countries=countries) for s in SHEETS}
    con.execute("BEGIN TRANSACTION")
    try:
        outcome = _apply(con, chk, principal, source, utcnow())
        after = {s: current(con, s, countries=countries) for s in SHEETS}
    finally:
        con.execute("ROLLBACK")
    keyset = {(c, p, s) for c, p, s in blocks}
    replaced = before_blocks[pd.Series(
        [(c, p, s) in keyset for c, p, s in zip(before_blocks["country"], before_blocks["period"],
                                                before_blocks["sheet"])],
        index=before_blocks.index, dtype=bool)]
    added, changed, removed = [], [], []
    for sheet in SHEETS:
        a, b = _diff(sheet, before[sheet], after[sheet], keyset)
        added.append(a)
        changed.append(b[0])
        removed.append(b[1])
    return Preview(
        replaced=replaced.reset_index(drop=True),
        added=pd.concat(added, ignore_index=True) if added else pd.DataFrame(),
        changed=pd.concat(changed, ignore_index=True),
        removed=pd.concat(removed, ignore_index=True),
        warnings=[f for f in chk.findings if not f.is_error],
        duplicate_of=outcome.duplicate_of)


def _diff(sheet: str, before: pd.DataFrame, after: pd.DataFrame, keyset: set) -> tuple:
    def in_blocks(df: pd.DataFrame) -> pd.DataFrame:
        mask = pd.Series([(c, p, sheet) in keyset for c, p in zip(df["country"].tolist(), df["period"].tolist())],
                         index=df.index, dtype=bool)
        return df[mask]

    b, a = in_blocks(before), in_blocks(after)
    keys = ["country", "period"] + _KEYS[sheet]
    fields = [c for c in VALUE_COLUMNS[sheet] if c not in keys]
    merged = a.merge(b, on=keys, how="outer", suffixes=("", "_old"), indicator=True)
    added = merged[merged["_merge"] == "left_only"][keys + fields].copy()
    added.insert(0, "sheet", sheet)
    removed = merged[merged["_merge"] == "right_only"][keys].copy()
    removed.insert(0, "sheet", sheet)
    both = merged[merged["_merge"] == "both"]
    changes = []
    for r in both.itertuples(index=False):
        rd = r._asdict()
        for f in fields:
            old, new = rd[f + "_old"], rd[f]
            if _display(old) != _display(new):
                changes.append({"sheet": sheet, "country": rd["country"], "period": rd["period"],
                                "key": " / ".join(str(rd[k]) for k in _KEYS[sheet]),
                                "field": f, "old": _display(old), "new": _display(new)})
    changed = pd.DataFrame(changes, columns=["sheet", "country", "period", "key", "field", "old", "new"])
    return added, (changed, removed)


def _display(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return ""
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def load(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, *, principal: Principal,
         source: str = "upload", today: date | None = None,
         committed_at: datetime | None = None) -> tuple[Check, Outcome | None]:
    """Check then commit; the outcome is None when the file was rejected."""
    permissions.require(principal, "upload")
    chk = check(con, data, file_name, principal=principal, today=today)
    if not chk.ok:
        return chk, None
    return chk, commit(con, chk, principal=principal, source=source, committed_at=committed_at)


# --- rollback and history ------------------------------------------------

def rollback(con: duckdb.DuckDBPyConnection, submission_id: int, *, principal: Principal,
             reason: str) -> int:
    """Record that a submission no longer counts; return the new data version."""
    permissions.require(principal, "rollback")
    reason = (reason or "").strip()
    if not reason:
        raise EspError("reason_required")
    with transaction(con):
        rows = con.execute("""
            SELECT s.id, r.submission_id FROM submissions s
            LEFT JOIN rollbacks r ON r.submission_id = s.id WHERE s.id = ?
        """, [submission_id]).fetchall()
        if not rows:
            raise NotFound(what="submission", id=submission_id)
        if rows[0][1] is not None:
            raise EspError("already_rolled_back", id=submission_id)
        version = _next_version(con)
        con.execute("INSERT INTO rollbacks VALUES (?, ?, ?, ?, ?)",
                    [submission_id, utcnow(), principal.email, reason[:2000], version])
    return version


def history(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Every submission with its state; columns of SPEC's ``submissions`` table first."""
    return con.execute("""
        WITH b AS (
            SELECT submission_id,
                   string_agg(DISTINCT country, ',' ORDER BY country) AS countries,
                   string_agg(DISTINCT period, ',' ORDER BY period) AS periods
            FROM blocks GROUP BY submission_id)
        SELECT s.id, s.file_name, s.sha256, s.uploaded_by, s.committed_at,
               CASE WHEN r.rolled_back_at <= $as_of THEN r.rolled_back_at END AS rolled_back_at,
               s.rows, s.source, s.version, s.kind AS sheets,
               CASE WHEN r.rolled_back_at <= $as_of THEN r.rolled_back_by END AS rolled_back_by,
               CASE WHEN r.rolled_back_at <= $as_of THEN r.reason END AS rollback_reason,
               b.countries, b.periods
        FROM submissions s
        LEFT JOIN rollbacks r ON r.submission_id = s.id
        LEFT JOIN b ON b.submission_id = s.id
        WHERE s.committed_at <= $as_of
        ORDER BY s.id
    """, {"as_of": _as_of(as_of)}).df()


def raw_file(con: duckdb.DuckDBPyConnection, submission_id: int) -> tuple[str, bytes]:
    rows = con.execute("SELECT file_name, raw FROM submissions WHERE id = ?", [submission_id]).fetchall()
    if not rows:
        raise NotFound(what="submission", id=submission_id)
    return rows[0][0], bytes(rows[0][1])


def submission_rows(con: duckdb.DuckDBPyConnection, submission_id: int) -> dict[str, pd.DataFrame]:
    return {s: con.execute(f'SELECT * FROM "{s}" WHERE submission_id = ? ORDER BY row_number',
                           [submission_id]).df() for s in SHEETS}


def submission_blocks(con: duckdb.DuckDBPyConnection, submission_id: int) -> pd.DataFrame:
    """The blocks a submission holds and which submission each replaced."""
    return con.execute("""
        SELECT b.country, b.period, b.sheet, b.replaced_submission_id,
               p.uploaded_by AS replaced_uploaded_by, p.committed_at AS replaced_committed_at
        FROM blocks b LEFT JOIN submissions p ON p.id = b.replaced_submission_id
        WHERE b.submission_id = ? ORDER BY b.country, b.period, b.sheet
    """, [submission_id]).df()


def submission_findings(con: duckdb.DuckDBPyConnection, submission_id: int) -> list[Finding]:
    rows = con.execute("SELECT findings FROM submissions WHERE id = ?", [submission_id]).fetchall()
    if not rows:
        raise NotFound(what="submission", id=submission_id)
    return findings_from_json(rows[0][0] or "[]")


def findings_json(findings: list[Finding]) -> str:
    return json.dumps([{"severity": f.severity, "code": f.code, "sheet": f.sheet, "row": f.row,
                        "column": f.column, "value": f.value, "params": dict(f.params)}
                       for f in findings], ensure_ascii=False)


def findings_from_json(text: str) -> list[Finding]:
    return [Finding(d["severity"], d["code"], d["sheet"], d["row"], d["column"], d["value"],
                    tuple(sorted(d.get("params", {}).items()))) for d in json.loads(text)]


"""The workflow around the ledger: check a file, preview its change, commit it, roll one back.

Every door (the upload page, the in-app editor, the command line, the
illustrative dataset) goes through these functions, so a file is judged and
written the same way whoever sends it. Reads go through ``ledger``; writes
through ``Store.transaction``, one transaction each.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pandas as pd

from analytics import clock, findings
from analytics.errors import EspError
from analytics.findings import Finding
from analytics.intake import reading, validate
from analytics.intake.validate import Validation
from analytics.ledger import changes, permissions, reads, review
from analytics.ledger.permissions import Principal
from analytics.ledger.write import write
from analytics.reference import Reference
from analytics.reference import build as build_reference
from analytics.sheets.kinds import KINDS
from analytics.sheets.schema import SHEETS
from analytics.sheets.workbook import frames_to_workbook
from analytics.store.duckstore import scratch
from analytics.store.migrations import sheet_columns
from analytics.store.protocol import Store, Transaction

_BLOCK_COLUMNS = ["submission_id", "country", "period", "sheet", "replaced_submission_id"]


# --- checking -------------------------------------------------------------


@dataclass
class Check:
    """A file read and validated against the rules and the stored history."""

    file_name: str
    data: bytes
    sha256: str
    validation: Validation
    duplicate_of: int | None = None
    changes_nothing: bool = False  # every block the file reports on is as stored already

    @property
    def findings(self) -> list[Finding]:
        return self.validation.findings

    @property
    def ok(self) -> bool:
        return self.validation.ok


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _describe(sheet: str, row: dict, ref: Reference, lang: str) -> str:
    """A stored row in words: its country and period, then its natural key as labels."""
    spec = SHEETS[sheet]
    parts = [f"{ref.country_name(row['country'], lang)} {row['period']}"]
    for key in spec.natural_key:
        value = row[key]
        domain = KINDS[spec.column(key).kind].domain
        text = ref.labels(domain, lang).get(value, value) if domain else findings.truncate(value, 50)
        parts.append(str(text))
    return " · ".join(parts)


def _history_warnings(
    con: duckdb.DuckDBPyConnection, v: Validation, ref: Reference
) -> tuple[list[Finding], bool]:
    """Warnings about what the file changes against the stored reports, and whether it
    changes anything at all.

    A warning is about a change: value warnings on rows identical to what is stored are
    dropped, since the stored report already carries them.
    """
    out: list[Finding] = []
    countries = sorted({c for c, _ in v.pairs()})
    pairs = set(v.pairs())
    changes_nothing = True
    quiet: set[tuple[str, int]] = set()  # (code, row) of value warnings the file does not cause
    for sheet, df in v.tables.items():
        stored = reads.current(con, sheet, countries=countries, scope=reads.WORKING)
        name = v.sheet_names[sheet]
        diff = changes.sheet_changes(sheet, df, stored, pairs)
        changes_nothing &= len(diff.unchanged_blocks) == len(pairs)
        nonempty = {(c, p) for c, p in zip(df["country"].tolist(), df["period"].tolist())}
        out += [
            Finding.warning("no_change", sheet=name, value=f"{c} {p}", country=c, period=p)
            for c, p in sorted(diff.unchanged_blocks & nonempty)
        ]
        out += [
            Finding.warning(
                "rows_removed",
                sheet=name,
                submission=int(r["submission_id"]),
                what_es=_describe(sheet, r, ref, "es"),
                what_en=_describe(sheet, r, ref, "en"),
            )
            for r in diff.removed.to_dict("records")
        ]
        quiet |= {("before_membership", n) for n in diff.unchanged_rows}
        if sheet == "progress":
            out.extend(changes.regressions(df, stored[~changes.in_blocks(stored, pairs)], name))
            quiet |= {("stage_regressed", n) for n in diff.same_values["stage"]}
    v.findings[:] = [f for f in v.findings if (f.code, f.row) not in quiet]
    return [f for f in out if (f.code, f.row) not in quiet], changes_nothing


def check(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    file_name: str,
    *,
    principal: Principal | None = None,
    today: date | None = None,
    ref: Reference | None = None,
) -> Check:
    """Read and validate a file without writing anything."""
    ref = ref or build_reference(con)
    allowed = permissions.writable_countries(principal) if principal else None
    read = reading.read_upload(data, file_name)
    v = validate.validate(read, ref, today=today or clock.today(), allowed_countries=allowed)
    result = Check(file_name=file_name, data=data, sha256=sha256(data), validation=v)
    if v.ok:
        result.duplicate_of = reads.find_duplicate(con, result.sha256)
        warnings, result.changes_nothing = _history_warnings(con, v, ref)
        v.findings.extend(warnings)
    return result


def check_frames(
    con: duckdb.DuckDBPyConnection,
    tables: dict[str, pd.DataFrame],
    *,
    file_name: str,
    principal: Principal | None = None,
    today: date | None = None,
) -> Check:
    """Validate rows typed into the in-app editor, through the same rules.

    The frames are written to an xlsx first so the editor's save is a real
    file like any other: it is stored, hashed, and can be downloaded.
    """
    return check(con, frames_to_workbook(tables), file_name, principal=principal, today=today)


# --- committing -----------------------------------------------------------


@dataclass
class Outcome:
    """What a commit did: a new submission, or the earlier identical one."""

    submission_id: int | None
    duplicate_of: int | None
    version: int
    rows: int = 0
    blocks: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        """Nothing was written: the same bytes were committed before, or the file changes nothing."""
        return self.submission_id is None


def _require_upload(principal: Principal, v: Validation) -> None:
    permissions.require(principal, "upload")
    for country, _, _ in v.blocks():
        permissions.require(principal, "upload", country)


def _apply(tx: Transaction, chk: Check, principal: Principal, source: str, at: datetime) -> Outcome:
    """The writes of a commit, inside the caller's transaction."""
    v = chk.validation
    dup = reads.find_duplicate(tx.con, chk.sha256)
    if dup is not None:
        return Outcome(None, dup, reads.data_version(tx.con))
    version = tx.next_version()
    sub_id = tx.next_submission_id()
    warnings = [f for f in v.findings if not f.is_error]
    tx.insert(
        "submissions",
        pd.DataFrame(
            [
                {
                    "id": sub_id,
                    "file_name": chk.file_name,
                    "sha256": chk.sha256,
                    "uploaded_by": principal.email,
                    "source": source,
                    "committed_at": at,
                    "version": version,
                    "rows": v.row_count,
                    "raw": chk.data,
                    "findings": findings.to_json(warnings),
                    "kind": ",".join(sorted(v.tables)),
                }
            ]
        ),
    )
    blocks = v.blocks()
    live = reads.live_block_owners(tx.con, sorted({c for c, _, _ in blocks}))
    block_df = pd.DataFrame(
        [(sub_id, c, p, s, live.get((c, p, s))) for c, p, s in blocks], columns=_BLOCK_COLUMNS
    )
    block_df["replaced_submission_id"] = block_df["replaced_submission_id"].astype("Int64")
    tx.insert("blocks", block_df)
    for sheet, df in v.tables.items():
        frame = df.copy()
        frame.insert(0, "submission_id", sub_id)
        # Whole-number columns with blanks arrive as floats (12.0); the store takes integers.
        for name, typ in sheet_columns(SHEETS[sheet]):
            if (
                typ in ("INTEGER", "BIGINT")
                and name in frame
                and not pd.api.types.is_integer_dtype(frame[name])
            ):
                frame[name] = pd.to_numeric(frame[name]).round().astype("Int64")
        tx.insert(sheet, frame)
    return Outcome(sub_id, None, version, v.row_count, blocks)


def commit(
    store: Store,
    chk: Check,
    *,
    principal: Principal,
    source: str = "upload",
    committed_at: datetime | None = None,
    publish: bool | None = None,
) -> Outcome:
    """Write a checked file as one transaction; an identical live file changes nothing.

    The submission then awaits review, or is published at once when review is off
    (``publish`` overrides the setting: the illustrative dataset is reviewed explicitly).
    ``committed_at`` back-dates the illustrative dataset (source ``demo``) so
    that "as of" has a past to show; it may never go before the latest event.
    """
    if publish is None:
        publish = not review.review_enabled()
    if not chk.ok:
        raise EspError("rejected", errors=sum(f.is_error for f in chk.findings))
    _require_upload(principal, chk.validation)
    if committed_at is not None and (source != "demo" or not principal.is_admin):
        raise EspError("backdating_not_allowed")
    if chk.changes_nothing and chk.duplicate_of is None:
        return Outcome(None, None, store.version())

    def body(tx: Transaction, at: datetime) -> Outcome:
        out = _apply(tx, chk, principal, source, at)
        if out.submission_id is not None and publish:
            review.record(tx, out.submission_id, review.APPROVED, review.AUTO, at, None, out.version)
        return out

    return write(store, body, at=committed_at)


def load(
    store: Store,
    data: bytes,
    file_name: str,
    *,
    principal: Principal,
    source: str = "upload",
    today: date | None = None,
    committed_at: datetime | None = None,
) -> tuple[Check, Outcome | None]:
    """Check then commit; the outcome is None when the file was rejected."""
    permissions.require(principal, "upload")
    chk = check(store.reader(), data, file_name, principal=principal, today=today)
    if not chk.ok:
        return chk, None
    return chk, commit(store, chk, principal=principal, source=source, committed_at=committed_at)


# --- previewing -----------------------------------------------------------


def preview(
    con: duckdb.DuckDBPyConnection, chk: Check, *, principal: Principal, source: str = "upload"
) -> changes.Diff:
    """What committing would change against the reports standing now (awaiting review
    included): run the commit's writes in a transaction, compare before and after, roll it back."""
    if not chk.ok:
        raise EspError("rejected")
    _require_upload(principal, chk.validation)
    held = sorted(chk.validation.blocks())
    countries = sorted({c for c, _, _ in held})
    sheets = sorted({s for _, _, s in held})
    standing = reads.current_blocks(con, scope=reads.WORKING).rename(columns={"submission_id": "shown_now"})
    before = {s: reads.current(con, s, countries=countries, scope=reads.WORKING) for s in sheets}
    with scratch(con) as tx:
        _apply(tx, chk, principal, source, clock.now())
        after = {s: reads.current(con, s, countries=countries, scope=reads.WORKING) for s in sheets}
    blocks = pd.DataFrame(held, columns=["country", "period", "sheet"]).merge(
        standing, how="left", on=["country", "period", "sheet"]
    )
    return changes.between(blocks.assign(takes_effect=True), before, after)


# --- rolling back -----------------------------------------------------------


def rollback(store: Store, submission_id: int, *, principal: Principal, reason: str) -> int:
    """Record that a submission no longer counts; return the new data version."""
    permissions.require(principal, "rollback")
    reason = (reason or "").strip()
    if not reason:
        raise EspError("reason_required")

    def body(tx: Transaction, at: datetime) -> int:
        if reads.rolled_back(tx.con, submission_id):
            raise EspError("already_rolled_back", id=submission_id)
        version = tx.next_version()
        tx.insert(
            "rollbacks",
            pd.DataFrame(
                [
                    {
                        "submission_id": submission_id,
                        "rolled_back_at": at,
                        "rolled_back_by": principal.email,
                        "reason": reason[:2000],
                        "version": version,
                    }
                ]
            ),
        )
        return version

    return write(store, body)

"""The ledger's read model: what was submitted, and what stands as of a time T.

A committed file becomes the report of every (country, period, sheet) block it
holds. Nothing is deleted: a block's report at T is the latest submission holding
it (in commit order) that stands at T: approved by T and not rolled back by T (the
*published* report), or, in a ``Scope`` that includes them, awaiting review. A
returned submission never stands. Every function reads through a DuckDB connection
from ``Store.reader()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from analytics import findings
from analytics.clock import as_of_or_now
from analytics.errors import NotFound
from analytics.findings import Finding
from analytics.sheets.schema import SHEETS

SUBMITTED, APPROVED, RETURNED, ROLLED_BACK = "submitted", "approved", "returned", "rolled_back"
STATUSES = (SUBMITTED, APPROVED, RETURNED, ROLLED_BACK)


@dataclass(frozen=True)
class Scope:
    """Which submissions a view stands on: the published ones, plus those awaiting review
    for ``pending`` countries (every country with ``pending_all``)."""

    pending: tuple[str, ...] = ()
    pending_all: bool = False

    @property
    def published_only(self) -> bool:
        return not self.pending and not self.pending_all


PUBLISHED = Scope()
WORKING = Scope(pending_all=True)  # what a new file replaces, in commit order: all but returned


def _params(as_of: datetime | None, scope: Scope | None, **extra: object) -> dict:
    """Query parameters: the time, and the scope for queries over standing blocks (DuckDB
    refuses parameters a query does not use)."""
    out = {"as_of": as_of_or_now(as_of), **extra}
    if scope is not None:
        # DuckDB cannot type an empty list parameter: an impossible code stands for "none".
        out.update(pending=list(scope.pending) or ["-"], pending_all=scope.pending_all)
    return out


STATE_SQL = """
    SELECT s.id, s.version, s.committed_at, s.uploaded_by,
           CASE WHEN r.submission_id IS NOT NULL THEN 'rolled_back'
                WHEN v.action = 'approved' THEN 'approved'
                WHEN v.action = 'returned' THEN 'returned'
                ELSE 'submitted' END AS status,
           v.acted_by AS reviewed_by, v.acted_at AS reviewed_at, v.comment AS review_comment,
           r.rolled_back_at, r.rolled_back_by, r.reason AS rollback_reason
    FROM submissions s
    LEFT JOIN rollbacks r ON r.submission_id = s.id AND r.rolled_back_at <= $as_of
    LEFT JOIN (
        SELECT submission_id, arg_max(action, version) AS action, arg_max(acted_by, version) AS acted_by,
               arg_max(acted_at, version) AS acted_at, arg_max(comment, version) AS comment
        FROM reviews WHERE acted_at <= $as_of GROUP BY submission_id
    ) v ON v.submission_id = s.id
    WHERE s.committed_at <= $as_of
"""
"""Each submission committed by ``$as_of`` with its state then (and the latest review or
rollback that made it so)."""


def live_blocks_sql(by_country: bool = False, without: bool = False) -> str:
    """The submission that stands for each block as of ``$as_of`` in the scope of
    ``$pending``/``$pending_all`` (for ``$countries`` only when ``by_country``; as if
    submission ``$without`` did not count when ``without``)."""
    only = "AND b.country IN (SELECT unnest($countries))" if by_country else ""
    if without:
        only += " AND st.id <> $without"
    return f"""
        SELECT b.country, b.period, b.sheet,
               arg_max(b.submission_id, st.version) AS submission_id,
               arg_max(st.status, st.version) AS status
        FROM blocks b
        JOIN ({STATE_SQL}) st ON st.id = b.submission_id
        WHERE (st.status = 'approved' OR (st.status = 'submitted'
               AND ($pending_all OR b.country IN (SELECT unnest($pending))))) {only}
        GROUP BY b.country, b.period, b.sheet
    """


def current(
    con: duckdb.DuckDBPyConnection,
    sheet: str,
    *,
    as_of: datetime | None = None,
    countries: list[str] | None = None,
    scope: Scope = PUBLISHED,
) -> pd.DataFrame:
    """The rows of ``sheet`` that stood at ``as_of`` (default: now); ``awaiting`` marks
    rows of submissions awaiting review (only in a scope that includes them)."""
    if sheet not in SHEETS:
        raise ValueError(sheet)
    params = _params(as_of, scope, sheet=sheet)
    where = ""
    if countries is not None:
        where = "WHERE t.country IN (SELECT unnest($countries))"
        params["countries"] = list(countries) or ["-"]
    return con.execute(
        f"""
        WITH cur AS ({live_blocks_sql(countries is not None)})
        SELECT t.*, c.status = 'submitted' AS awaiting FROM "{sheet}" t
        JOIN cur c ON c.sheet = $sheet AND c.submission_id = t.submission_id
             AND c.country = t.country AND c.period = t.period
        {where}
        ORDER BY t.country, t.period_start, t.period, t.row_number
    """,
        params,
    ).df()


def live_block_owners(
    con: duckdb.DuckDBPyConnection, countries: list[str], scope: Scope = WORKING
) -> dict[tuple[str, str, str], int]:
    """(country, period, sheet) → the submission that holds it now, for ``countries``."""
    rows = con.execute(
        f"WITH cur AS ({live_blocks_sql(True)}) SELECT country, period, sheet, submission_id FROM cur",
        _params(None, scope, countries=list(countries) or ["-"]),
    ).fetchall()
    return {(r[0], r[1], r[2]): int(r[3]) for r in rows}


def current_blocks(
    con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None, scope: Scope = PUBLISHED
) -> pd.DataFrame:
    """Each standing block with who committed it and when, and whether it awaits review."""
    return con.execute(
        f"""
        WITH cur AS ({live_blocks_sql()})
        SELECT c.country, c.period, c.sheet, c.submission_id, s.uploaded_by, s.committed_at,
               s.file_name, s.source, c.status = 'submitted' AS awaiting
        FROM cur c JOIN submissions s ON s.id = c.submission_id
        ORDER BY c.country, c.period, c.sheet
    """,
        _params(as_of, scope),
    ).df()


_EVENTS = """
    SELECT committed_at AS t, version AS v FROM submissions WHERE committed_at <= $as_of
    UNION ALL SELECT rolled_back_at, version FROM rollbacks WHERE rolled_back_at <= $as_of
    UNION ALL SELECT acted_at, version FROM reviews WHERE acted_at <= $as_of
"""


def data_version(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> int:
    """Rises by one with every commit, review action and rollback."""
    rows = con.execute(
        f"SELECT coalesce(max(v), 0) FROM ({_EVENTS}) e", {"as_of": as_of_or_now(as_of)}
    ).fetchall()
    return int(rows[0][0])


def last_update(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> datetime | None:
    rows = con.execute(f"SELECT max(t) FROM ({_EVENTS}) e", {"as_of": as_of_or_now(as_of)}).fetchall()
    return rows[0][0]


def has_demo_data(
    con: duckdb.DuckDBPyConnection, as_of: datetime | None = None, scope: Scope = PUBLISHED
) -> bool:
    """True while any standing block comes from the illustrative dataset."""
    rows = con.execute(
        f"""
        WITH cur AS ({live_blocks_sql()})
        SELECT count(*) FROM cur JOIN submissions s ON s.id = cur.submission_id
        WHERE s.source = 'demo'
    """,
        _params(as_of, scope),
    ).fetchall()
    return rows[0][0] > 0


def find_duplicate(con: duckdb.DuckDBPyConnection, digest: str) -> int | None:
    """A submission with the same bytes that still counts: not rolled back, not returned."""
    rows = con.execute(
        f"""
        SELECT st.id FROM ({STATE_SQL}) st JOIN submissions s ON s.id = st.id
        WHERE s.sha256 = $digest AND st.status IN ('submitted', 'approved') ORDER BY st.id LIMIT 1
    """,
        _params(None, None, digest=digest),
    ).fetchall()
    return int(rows[0][0]) if rows else None


def status(con: duckdb.DuckDBPyConnection, submission_id: int) -> dict:
    """A submission's state now (``status``, ``uploaded_by``, latest review); ``NotFound`` if none."""
    df = con.execute(
        f"SELECT * FROM ({STATE_SQL}) st WHERE id = $id", _params(None, None, id=submission_id)
    ).df()
    if df.empty:
        raise NotFound(what="submission", id=submission_id)
    return df.iloc[0].to_dict()


def rolled_back(con: duckdb.DuckDBPyConnection, submission_id: int) -> bool:
    """Whether a submission was rolled back; ``NotFound`` when there is no such submission."""
    return status(con, submission_id)["status"] == ROLLED_BACK


def history(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Every submission with its state; columns of SPEC's ``submissions`` table first."""
    return con.execute(
        f"""
        WITH b AS (
            SELECT submission_id,
                   string_agg(DISTINCT country, ',' ORDER BY country) AS countries,
                   string_agg(DISTINCT period, ',' ORDER BY period) AS periods
            FROM blocks GROUP BY submission_id)
        SELECT s.id, s.file_name, s.sha256, s.uploaded_by, s.committed_at, st.rolled_back_at,
               s.rows, st.status, s.source, s.version, s.kind AS sheets, st.rolled_back_by,
               st.rollback_reason, st.reviewed_by, st.reviewed_at, st.review_comment,
               b.countries, b.periods
        FROM submissions s
        JOIN ({STATE_SQL}) st ON st.id = s.id
        LEFT JOIN b ON b.submission_id = s.id
        ORDER BY s.id
    """,
        _params(as_of, None),
    ).df()


def reviews(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Every review action recorded by ``as_of``: submission_id, action, by, at, comment."""
    return con.execute(
        """
        SELECT submission_id, action, acted_by AS "by", acted_at AS "at", comment FROM reviews
        WHERE acted_at <= $as_of ORDER BY version
    """,
        {"as_of": as_of_or_now(as_of)},
    ).df()


def submission_rows(con: duckdb.DuckDBPyConnection, submission_id: int) -> dict[str, pd.DataFrame]:
    return {
        s: con.execute(
            f'SELECT * FROM "{s}" WHERE submission_id = ? ORDER BY row_number', [submission_id]
        ).df()
        for s in SHEETS
    }


def submission_blocks(con: duckdb.DuckDBPyConnection, submission_id: int) -> pd.DataFrame:
    """The blocks a submission holds and which submission each replaced."""
    return con.execute(
        """
        SELECT b.country, b.period, b.sheet, b.replaced_submission_id,
               p.uploaded_by AS replaced_uploaded_by, p.committed_at AS replaced_committed_at
        FROM blocks b LEFT JOIN submissions p ON p.id = b.replaced_submission_id
        WHERE b.submission_id = ? ORDER BY b.country, b.period, b.sheet
    """,
        [submission_id],
    ).df()


def submission_findings(con: duckdb.DuckDBPyConnection, submission_id: int) -> list[Finding]:
    rows = con.execute("SELECT findings FROM submissions WHERE id = ?", [submission_id]).fetchall()
    if not rows:
        raise NotFound(what="submission", id=submission_id)
    return findings.from_json(rows[0][0] or "[]")


def rollback_effect(con: duckdb.DuckDBPyConnection, submission_id: int) -> pd.DataFrame:
    """For each block a submission holds: the published submission there now, and the one
    published once it is rolled back (empty: the block would have no report).

    Columns: country, period, sheet, shown_now, shown_after.
    """
    return con.execute(
        f"""
        WITH now AS ({live_blocks_sql()}), after AS ({live_blocks_sql(without=True)})
        SELECT b.country, b.period, b.sheet, n.submission_id AS shown_now, a.submission_id AS shown_after
        FROM blocks b
        LEFT JOIN now n USING (country, period, sheet)
        LEFT JOIN after a USING (country, period, sheet)
        WHERE b.submission_id = $id
        ORDER BY b.country, b.period, b.sheet
    """,
        _params(None, PUBLISHED, id=submission_id, without=submission_id),
    ).df()


def approval_effect(con: duckdb.DuckDBPyConnection, submission_id: int) -> pd.DataFrame:
    """For each block a submission holds: the published submission there now, and whether
    approving this one would publish it there (not when a later submission is published).

    Columns: country, period, sheet, shown_now, uploaded_by and committed_at (of shown_now),
    publishes.
    """
    return con.execute(
        f"""
        WITH now AS ({live_blocks_sql()})
        SELECT b.country, b.period, b.sheet, n.submission_id AS shown_now,
               ns.uploaded_by, ns.committed_at,
               coalesce(ns.version < me.version, true) AS publishes
        FROM blocks b
        JOIN submissions me ON me.id = b.submission_id
        LEFT JOIN now n USING (country, period, sheet)
        LEFT JOIN submissions ns ON ns.id = n.submission_id
        WHERE b.submission_id = $id
        ORDER BY b.country, b.period, b.sheet
    """,
        _params(None, PUBLISHED, id=submission_id),
    ).df()

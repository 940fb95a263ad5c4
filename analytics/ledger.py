"""The ledger's read model: what was submitted, and what stands as of a time T.

A committed file becomes the report of every (country, period, sheet) block it
holds. Nothing is deleted: a block's report at T is the latest submission holding
it (in commit order) that was committed by T and not rolled back by T. Every
function reads through a DuckDB connection from ``Store.reader()``.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from . import findings
from .clock import as_of_or_now
from .errors import NotFound
from .findings import Finding
from .schema import SHEETS


def live_blocks_sql(by_country: bool = False, without: bool = False) -> str:
    """The current submission of each block as of ``$as_of`` (for ``$countries`` only
    when ``by_country``; as if submission ``$without`` did not count when ``without``)."""
    only = "AND b.country IN (SELECT unnest($countries))" if by_country else ""
    if without:
        only += " AND s.id <> $without"
    return f"""
        SELECT b.country, b.period, b.sheet,
               arg_max(b.submission_id, s.version) AS submission_id
        FROM blocks b
        JOIN submissions s ON s.id = b.submission_id
        LEFT JOIN rollbacks r ON r.submission_id = s.id AND r.rolled_back_at <= $as_of
        WHERE s.committed_at <= $as_of AND r.submission_id IS NULL {only}
        GROUP BY b.country, b.period, b.sheet
    """


def current(
    con: duckdb.DuckDBPyConnection,
    sheet: str,
    *,
    as_of: datetime | None = None,
    countries: list[str] | None = None,
) -> pd.DataFrame:
    """The rows of ``sheet`` as they stood at ``as_of`` (default: now)."""
    if sheet not in SHEETS:
        raise ValueError(sheet)
    params: dict = {"as_of": as_of_or_now(as_of), "sheet": sheet}
    where = ""
    if countries is not None:
        where = "WHERE t.country IN (SELECT unnest($countries))"
        params["countries"] = list(countries)
    return con.execute(
        f"""
        WITH cur AS ({live_blocks_sql(countries is not None)})
        SELECT t.* FROM "{sheet}" t
        JOIN cur c ON c.sheet = $sheet AND c.submission_id = t.submission_id
             AND c.country = t.country AND c.period = t.period
        {where}
        ORDER BY t.country, t.period_start, t.period, t.row_number
    """,
        params,
    ).df()


def live_block_owners(
    con: duckdb.DuckDBPyConnection, countries: list[str]
) -> dict[tuple[str, str, str], int]:
    """(country, period, sheet) → the submission that holds it now, for ``countries``."""
    rows = con.execute(
        f"WITH cur AS ({live_blocks_sql(True)}) SELECT country, period, sheet, submission_id FROM cur",
        {"as_of": as_of_or_now(None), "countries": countries},
    ).fetchall()
    return {(r[0], r[1], r[2]): int(r[3]) for r in rows}


def current_blocks(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Each live block with who committed it and when."""
    return con.execute(
        f"""
        WITH cur AS ({live_blocks_sql()})
        SELECT c.country, c.period, c.sheet, c.submission_id, s.uploaded_by, s.committed_at,
               s.file_name, s.source
        FROM cur c JOIN submissions s ON s.id = c.submission_id
        ORDER BY c.country, c.period, c.sheet
    """,
        {"as_of": as_of_or_now(as_of)},
    ).df()


def data_version(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> int:
    """Rises by one with every commit and every rollback."""
    rows = con.execute(
        """
        SELECT coalesce(max(v), 0) FROM (
            SELECT version AS v FROM submissions WHERE committed_at <= $as_of
            UNION ALL SELECT version FROM rollbacks WHERE rolled_back_at <= $as_of)
    """,
        {"as_of": as_of_or_now(as_of)},
    ).fetchall()
    return int(rows[0][0])


def last_update(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> datetime | None:
    rows = con.execute(
        """
        SELECT max(t) FROM (
            SELECT committed_at AS t FROM submissions WHERE committed_at <= $as_of
            UNION ALL SELECT rolled_back_at FROM rollbacks WHERE rolled_back_at <= $as_of)
    """,
        {"as_of": as_of_or_now(as_of)},
    ).fetchall()
    return rows[0][0]


def has_demo_data(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> bool:
    """True while any live block comes from the illustrative dataset."""
    rows = con.execute(
        f"""
        WITH cur AS ({live_blocks_sql()})
        SELECT count(*) FROM cur JOIN submissions s ON s.id = cur.submission_id
        WHERE s.source = 'demo'
    """,
        {"as_of": as_of_or_now(as_of)},
    ).fetchall()
    return rows[0][0] > 0


def find_duplicate(con: duckdb.DuckDBPyConnection, digest: str) -> int | None:
    """A live (committed, not rolled back) submission with the same bytes."""
    rows = con.execute(
        """
        SELECT s.id FROM submissions s LEFT JOIN rollbacks r ON r.submission_id = s.id
        WHERE s.sha256 = ? AND r.submission_id IS NULL ORDER BY s.id LIMIT 1
    """,
        [digest],
    ).fetchall()
    return int(rows[0][0]) if rows else None


def rolled_back(con: duckdb.DuckDBPyConnection, submission_id: int) -> bool:
    """Whether a submission was rolled back; ``NotFound`` when there is no such submission."""
    rows = con.execute(
        """
        SELECT r.submission_id IS NOT NULL FROM submissions s
        LEFT JOIN rollbacks r ON r.submission_id = s.id WHERE s.id = ?
    """,
        [submission_id],
    ).fetchall()
    if not rows:
        raise NotFound(what="submission", id=submission_id)
    return bool(rows[0][0])


def history(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Every submission with its state; columns of SPEC's ``submissions`` table first."""
    return con.execute(
        """
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
    """For each block a submission holds: the submission shown there now, and the one that
    would be shown once it is rolled back (empty: the block would have no report).

    Columns: country, period, sheet, shown_now, shown_after.
    """
    params = {"as_of": as_of_or_now(None), "id": submission_id, "without": submission_id}
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
        params,
    ).df()

"""What awaits review: the review queue, and what a submission would change once approved,
compared with what is published now."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from analytics.clock import as_of_or_now
from analytics.ledger import changes, reads

LISTING_COLUMNS = [
    "id",
    "country",
    "periods",
    "status",
    "uploaded_by",
    "committed_at",
    "reviewed_by",
    "reviewed_at",
    "comment",
]


def listing(
    con: duckdb.DuckDBPyConnection,
    *,
    status: str | None = None,
    country: str | None = None,
    period: str | None = None,
    uploader: str | None = None,
) -> pd.DataFrame:
    """Submissions with their review state, newest first (``country`` and ``periods`` as lists)."""
    h = reads.history(con)
    h = h.assign(
        country=h["countries"].fillna("").map(lambda s: [c for c in s.split(",") if c]),
        periods=h["periods"].fillna("").map(lambda s: [p for p in s.split(",") if p]),
        comment=h["review_comment"],
    )
    if status:
        h = h[h["status"] == status]
    if country:
        h = h[h["country"].map(lambda cs: country in cs)]
    if period:
        h = h[h["periods"].map(lambda ps: any(p.startswith(period) for p in ps))]
    if uploader:
        h = h[h["uploaded_by"] == uploader]
    return h.sort_values("id", ascending=False)[LISTING_COLUMNS].reset_index(drop=True)


def change(con: duckdb.DuckDBPyConnection, submission_id: int) -> changes.Diff:
    """What approving ``submission_id`` now would change in the published reports; blocks a
    later published submission holds change nothing."""
    effect = reads.approval_effect(con, submission_id).rename(columns={"publishes": "takes_effect"})
    sheets = set(effect.loc[effect["takes_effect"], "sheet"])
    countries = sorted(set(effect.loc[effect["takes_effect"], "country"]))
    before = {s: reads.current(con, s, countries=countries) for s in sheets}
    return changes.between(effect, before, reads.submission_rows(con, submission_id))


def status_by_period(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Per country and period reported on: how many submissions await review, were approved,
    returned or rolled back as of ``as_of``, and when the last of their events happened.

    Columns: country, period, year, submitted, approved, returned, rolled_back, last_action_at.
    """
    counts = ",\n".join(
        f"count(DISTINCT b.submission_id) FILTER (WHERE st.status = '{s}') AS {s}" for s in reads.STATUSES
    )
    df = con.execute(
        f"""
        SELECT b.country, b.period, {counts},
               max(greatest(st.committed_at, coalesce(st.reviewed_at, st.committed_at),
                            coalesce(st.rolled_back_at, st.committed_at))) AS last_action_at
        FROM (SELECT DISTINCT submission_id, country, period FROM blocks) b
        JOIN ({reads.STATE_SQL}) st ON st.id = b.submission_id
        GROUP BY b.country, b.period
        ORDER BY b.country, b.period
        """,
        {"as_of": as_of_or_now(as_of)},
    ).df()
    return df.assign(year=df["period"].str[:4].astype(int))

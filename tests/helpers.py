"""Small builders shared by tests: workbooks from rows, the local admin."""

from __future__ import annotations

import pandas as pd

from analytics.ledger.permissions import LOCAL_ADMIN, Principal
from analytics.sheets.workbook import frames_to_workbook

ADMIN = LOCAL_ADMIN
PER_FOCAL = Principal("fp.peru@example.org", "focal_point", frozenset({"PER"}))


def progress_rows(country="PER", period="2024", stages=(1, 2, 3, 0), **extra) -> pd.DataFrame:
    mods = ("HEALTH", "JUSTICE", "SOCIAL", "COORD")
    return pd.DataFrame(
        [
            {"country": country, "period": period, "module": m, "stage": s, **extra}
            for m, s in zip(mods, stages)
        ]
    )


def workbook(**tables: pd.DataFrame) -> bytes:
    return frames_to_workbook(tables)

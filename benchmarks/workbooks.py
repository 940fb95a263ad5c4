"""Upload workbooks for the check/load measurements: a bulk file of N rows and a
single report (one unit, one quarter), both valid and both real replacements."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.sheets.workbook import frames_to_workbook

from . import synth

QUARTERS = [f"{y}-Q{q}" for y in range(2016, 2026) for q in range(1, 5)]
HALVES = [f"{y}-S{h}" for y in range(2016, 2026) for h in (1, 2)]
YEARS = [str(y) for y in range(2016, 2026)]


def bulk_tables(units: list[str], rows: int) -> dict[str, pd.DataFrame]:
    """~80 % progress (unique unit x period x module), the rest challenges."""
    periods = QUARTERS + HALVES + YEARS
    pairs = [(u, p) for p in periods for u in units][: (rows * 4 // 5) // 4]
    progress = [
        {
            "country": u,
            "period": p,
            "module": m,
            "stage": (i + j) % 6,
            "coverage_pct": round((i * 7 + j * 13) % 1000 / 10, 1),
            "trained_staff": 5 + i % 400,
            "notes": "bulk" if i % 5 == 0 else "",
        }
        for i, (u, p) in enumerate(pairs)
        for j, m in enumerate(synth.MODULES)
    ]
    n_ch = rows - len(progress)
    challenges = []
    for k in range(n_ch):
        u, p = pairs[k % len(pairs)]
        cat = synth.CATEGORIES[k % len(synth.CATEGORIES)]
        challenges.append(
            {
                "country": u,
                "period": p,
                "module": (synth.MODULES + ("CROSS",))[k % 5],
                "category": cat,
                "severity": synth.SEVERITIES[k % 4],
                "status": synth.STATUSES[k % 3],
                "description": synth.dataset.CHALLENGES[cat][0][0] + f" [{k}]",
            }
        )
    return {"progress": pd.DataFrame(progress), "challenges": pd.DataFrame(challenges)}


def bulk_workbook(units: list[str], rows: int, out: Path) -> Path:
    path = out / f"bulk-{rows}-{len(units)}u.xlsx"
    if not path.exists():
        out.mkdir(parents=True, exist_ok=True)
        path.write_bytes(frames_to_workbook(bulk_tables(units, rows)))
    return path


def single_report(size: synth.Size, out: Path) -> Path:
    """One more revision of the last quarter of the first unit (what a focal point uploads)."""
    unit = synth.units_for(size)[0]
    qi = size.quarters - 1
    period = synth.quarter_codes(size)[qi][0]
    rows = synth._report(unit, 0, qi, period, 0, size.revisions)  # differs from every stored revision
    path = out / f"single-{size.name}.xlsx"
    out.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frames_to_workbook({k: pd.DataFrame(v) for k, v in rows.items() if v}))
    return path

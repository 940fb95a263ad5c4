"""Reporting periods: ``YYYY``, ``YYYY-S1``/``S2``, ``YYYY-Q1``…``Q4``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

EARLIEST_YEAR = 2015  # the ESP was launched in December 2015
_PATTERN = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*(?:[-/ _]?\s*([SQTsqt])\s*([1-4]))?\s*$")


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    code: str

    @property
    def year(self) -> int:
        return self.start.year


def parse(text: str) -> Period | None:
    """The period, or None when the text is not a period.

    Accepts ``2024``, ``2024-S1``, ``2024-Q3`` and loose forms (``2024 q3``,
    ``2024S2``, Spanish ``2024-T3`` for *trimestre*).
    """
    m = _PATTERN.match(text or "")
    if not m:
        return None
    year, kind, n = int(m.group(1)), (m.group(2) or "").upper(), m.group(3)
    if not kind:
        return Period(date(year, 1, 1), date(year, 12, 31), f"{year}")
    n = int(n)
    if kind == "S":
        if n > 2:
            return None
        start = date(year, 1 if n == 1 else 7, 1)
        end = date(year, 6, 30) if n == 1 else date(year, 12, 31)
        return Period(start, end, f"{year}-S{n}")
    start_month = 3 * (n - 1) + 1
    end_month = start_month + 2
    end_day = 31 if end_month in (3, 12) else 30
    return Period(date(year, start_month, 1), date(year, end_month, end_day), f"{year}-Q{n}")


def sort_key(code: str) -> tuple:
    p = parse(code)
    return (p.start, p.end) if p else (date.max, date.max)

"""The reference period of a view: the one year its status numbers describe.

A view's KPIs, map, stage matrix and "in YEAR" sentences all describe the same year:
the stage of each country-module *as it stood at the end of that year* (its latest
report of that year or an earlier one, carried forward), compared with the end of the
year before. By default that is the latest full year; a reader who ends the years
filter earlier chooses an earlier one. The year under way is never the default: its
reports are partial, and every view that shows it says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from analytics import clock
from analytics.i18n import t


@dataclass(frozen=True)
class ReferenceYear:
    year: int
    latest_full: bool  # the default: the latest year that has ended

    def describe(self, lang: str) -> str:
        """ "latest full year, 2025" or, when the reader chose it, "2024"."""
        if self.latest_full:
            return t("refperiod.latest_full", lang, year=self.year)
        return str(self.year)

    def at_end(self, lang: str) -> str:
        """ "at the end of 2025 (latest full year)" / "at the end of 2024"."""
        key = "refperiod.at_end_latest" if self.latest_full else "refperiod.at_end"
        return t(key, lang, year=self.year)


def reference_year(as_of: datetime | None, year_to: int | None) -> ReferenceYear:
    """The year a view describes: ``year_to`` when the reader chose one, else the latest
    full year before ``as_of`` (default now)."""
    current = (as_of or clock.now()).year
    if year_to is None or year_to >= current:
        return ReferenceYear(current - 1, latest_full=True)
    return ReferenceYear(year_to, latest_full=year_to == current - 1)


def under_way(year: int, as_of: datetime | None = None) -> bool:
    """Whether ``year`` had not ended by ``as_of`` (default now)."""
    return year >= (as_of or clock.now()).year

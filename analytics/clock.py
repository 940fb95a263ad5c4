"""One clock: every time the product stores or compares is an aware UTC datetime.

``today()`` is the UTC date, the one the period rules use ("a period that starts
after today is an error").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def utc(value: datetime) -> datetime:
    """``value`` as aware UTC; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The last instant of ``day`` in UTC."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def as_of_or_now(as_of: datetime | None) -> datetime:
    """The bound for "committed by T" queries: T itself, or no bound at all."""
    return FAR_FUTURE if as_of is None else utc(as_of)

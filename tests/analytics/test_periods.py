from datetime import date

import pytest

from analytics import periods


@pytest.mark.parametrize(
    "text,code,start,end",
    [
        ("2024", "2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-S1", "2024-S1", date(2024, 1, 1), date(2024, 6, 30)),
        ("2024 s2", "2024-S2", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024-Q1", "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024q3", "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-T4", "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024.0", "2024", date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_parse_accepts_years_halves_and_quarters(text, code, start, end):
    p = periods.parse(text)
    assert (p.code, p.start, p.end) == (code, start, end)


@pytest.mark.parametrize("text", ["", "24", "2024-S3", "2024-Q5", "Q1 2024", "2024-13", "abc"])
def test_parse_rejects_what_is_not_a_period(text):
    assert periods.parse(text) is None

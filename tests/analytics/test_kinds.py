"""Column kinds: what a cell of each kind accepts, as people type numbers in Spanish and English."""

import pytest

from analytics.kinds import whole_number


@pytest.mark.parametrize(
    "text,value",
    [
        ("1000", 1000),
        ("1.000", 1000),  # Spanish grouping, as LibreOffice es-ES writes it in a CSV
        ("1,000", 1000),  # English grouping
        ("1 000", 1000),
        ("1\u00a0000", 1000),  # no-break space, as French and some Spanish settings show it
        ("12.345.678", 12345678),
        ("10,0", 10),
        ("7.000000000000001", 7),  # a spreadsheet's computed whole number
        ("6.999999999999999", 7),
        (" 42 ", 42),
    ],
)
def test_whole_numbers_are_read_as_people_write_them(text, value):
    assert whole_number(text) == value


@pytest.mark.parametrize("text", ["2,5", "1.5", "1,000.5", "12.34", "1.00.000", "1.000,5", "abc", ""])
def test_what_is_not_a_whole_number_is_refused(text):
    assert whole_number(text) is None

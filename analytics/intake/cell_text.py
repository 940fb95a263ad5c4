"""A cell as the text the spreadsheet shows: the rules shared by the worker (xlsx, ods) and the
CSV reader, and the compact form in which the worker sends its sheets. Keep the imports
light: this module is imported on every worker start."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from analytics.intake.formats import (
    number_text,
)

US, RS = "\x1f", "\x1e"


DATE_TYPES = (dt.date, dt.datetime)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """NFC, line breaks as ``\\n``, no control characters but tab and newline.

    Invisible format characters (U+200B, U+202E…) are kept on purpose: the
    validator reports them where they matter instead of silently changing codes.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def cell_text(value: object) -> str:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, dt.datetime):
        value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_text(str(value))


def trim(rows: list[list[str]]) -> list[list[str]]:
    """Drop trailing empty rows and columns; pad the rest to one width."""
    height = len(rows)
    while height and not any(rows[height - 1]):
        height -= 1
    rows = rows[:height]
    full = max((len(row) for row in rows), default=0)
    width = 0
    for row in rows:
        n = len(row)
        while n > width and not row[n - 1]:
            n -= 1
        width = max(width, n)
        if width == full:
            break
    return [row if len(row) == width else row[:width] + [""] * (width - len(row)) for row in rows]


def pack(rows: list[list[str]]) -> str:
    """One string per sheet, cells split by US and rows by RS.

    Far cheaper to send than a list per cell, and unambiguous: ``clean_text``
    removes both separators from every cell.
    """
    return RS.join(US.join(row) for row in rows)


def unpack(blob: str) -> list[list[str]]:
    return [row.split(US) for row in blob.split(RS)] if blob else []


def row_text(
    row: list[object],
    texts: dict[str, str],
    numbers: dict[float, str],
    dates: list[tuple[int, int]] | None = None,
    index: int = 0,
) -> list[str]:
    """``cell_text`` of each cell, remembering strings and floats (most cells
    repeat a few values). Types are told apart first: ``True == 1.0`` as a key.
    Date cells are added to ``dates`` as (``index``, column), 0-based."""
    out = []
    for value in row:
        kind = type(value)
        if kind is str:
            text = texts.get(value)
            if text is None:
                text = texts[value] = clean_text(value)
        elif kind is float:
            text = numbers.get(value)
            if text is None:
                text = numbers[value] = number_text(value)
        else:
            if dates is not None and kind in DATE_TYPES:
                dates.append((index, len(out)))
            text = cell_text(value)
        out.append(text)
    return out

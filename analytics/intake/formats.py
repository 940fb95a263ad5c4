"""What a workbook shows beyond its cell values, shared by the xlsx and ods scans: number
formats as text (a percent cell holding 0.45 shows "45%"; a date shown as its year only),
cell positions, and ``SheetScan``, what one sheet's XML says that the parser does not (hidden
rows, columns and filters, merged ranges, error cells, formulas never calculated, how far its
used area reaches). Runs in the worker process: keep the imports light."""

from __future__ import annotations

import re

PERCENT = "percent"
YEAR = "year"
SIGNIFICANT = 15  # Excel shows at most 15 significant digits
MAX_COLUMNS = 16_384
MAX_LISTED = 1_000  # positions kept per kind and sheet (errors, formulas…)
ERROR_TEXTS = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
)

# Built-in number formats that are percentages (ECMA-376 §18.8.30).
BUILTIN_PERCENT = {9, 10}
_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKET = re.compile(r"\[[^\]]*\]")
_ELAPSED = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REF = re.compile(r"([A-Za-z]{1,3})(\d+)")


# --- cell text -------------------------------------------------------------------


def number_text(value: float) -> str:
    """A float as a spreadsheet shows it in General format: integers plainly, others
    with at most 15 significant digits (7.000000000000001 → "7", 0.1 + 0.2 → "0.3")."""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = f"{value:.{SIGNIFICANT}g}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent_text(value: float) -> str:
    """0.45 → "45%", 0.455 → "45.5%": the value times 100 without float noise
    (the product's last-bit error is far below the 15 digits kept)."""
    return number_text(value * 100) + "%"


def format_kind(code: str) -> str | None:
    """PERCENT, YEAR (a date shown as its year only) or None, from a number format code."""
    if not code or code.lower() == "general":
        return None
    section = _QUOTED.sub("", code.split(";", 1)[0])
    if _ELAPSED.search(section):
        return None
    section = _BRACKET.sub("", section)
    if "%" in section:
        return PERCENT
    letters = {ch for ch in section.lower() if ch.isalpha()}
    if letters == {"y"}:
        return YEAR
    return None


# --- positions -------------------------------------------------------------------


_COLUMN_CACHE: dict[bytes, int] = {}


def column_index(letters: bytes | str) -> int:
    """A → 1, AA → 27 (case-insensitive)."""
    if isinstance(letters, str):
        letters = letters.encode("ascii", "replace")
    index = _COLUMN_CACHE.get(letters)
    if index is None:
        index = 0
        for ch in letters.upper():
            index = index * 26 + ch - 64
        if len(_COLUMN_CACHE) < 20_000:
            _COLUMN_CACHE[letters] = index
    return index


def parse_ref(ref: str) -> tuple[int, int] | None:
    """'B3' → (3, 2), 1-based (row, column)."""
    match = _REF.fullmatch(ref.strip().replace("$", ""))
    if not match:
        return None
    return int(match.group(2)), column_index(match.group(1))


class SheetScan:
    """What a sheet's XML says besides its values. Positions are 1-based (row, column).

    A plain class, not a dataclass: ``dataclasses`` imports ``inspect``, which
    would add to every worker start.
    """

    __slots__ = (
        "rows",
        "cols",
        "detailed",
        "hidden_rows",
        "filtered_rows",
        "hidden_cols",
        "merges",
        "styled",
        "errors",
        "no_result",
        "zero_result",
    )

    def __init__(self, rows: int = 0, cols: int = 0) -> None:
        self.rows = rows  # last row holding a cell, an upper bound of the used height
        self.cols = cols  # last column holding a cell, an upper bound of the used width
        self.detailed = False  # the lists below were filled (the sheet fits the limits)
        self.hidden_rows: list[int] = []
        self.filtered_rows: list[int] = []  # hidden by an autofilter
        self.hidden_cols: list[tuple[int, int]] = []  # (first, last)
        self.merges: list[tuple[int, int, int, int]] = []  # (r1, c1, r2, c2)
        self.styled: list[tuple[int, int, str]] = []  # (row, col, PERCENT | YEAR)
        self.errors: list[tuple[int, int, str]] = []  # (row, col, "#N/A")
        self.no_result: list[tuple[int, int]] = []  # formula saved without a result
        self.zero_result: list[tuple[int, int]] = []  # formula storing 0 in a full-recalc book


def xml_attrs(tag: bytes) -> dict[str, str]:
    out = {}
    for name, dq, sq in _ATTR.findall(tag):
        out[name.decode("ascii", "replace").rpartition(":")[2]] = (dq if dq or not sq else sq).decode(
            "utf-8", "replace"
        )
    return out


def add_limited(items: list, item: object) -> None:
    if len(items) < MAX_LISTED:
        items.append(item)


def column_letter(index: int) -> str:
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters

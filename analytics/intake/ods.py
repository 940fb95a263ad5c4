"""An ods workbook's content.xml, read with ``iterparse`` for what calamine does not tell:
value types (percentages), year-only date styles, hidden and filtered rows and columns,
spanned cells, errors and formulas. Runs in the worker process."""

from __future__ import annotations

import zipfile

from analytics.intake.formats import ERROR_TEXTS, MAX_COLUMNS, PERCENT, YEAR, SheetScan, add_limited

# --- ods ---------------------------------------------------------------------------------

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_NUMBER = "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


def _q(ns: str, name: str) -> str:
    return "{" + ns + "}" + name


T_TABLE, T_ROW, T_COLUMN = _q(_TABLE, "table"), _q(_TABLE, "table-row"), _q(_TABLE, "table-column")
T_CELL, T_COVERED = _q(_TABLE, "table-cell"), _q(_TABLE, "covered-table-cell")
A_NAME, A_STYLE, A_FORMULA = _q(_TABLE, "name"), _q(_TABLE, "style-name"), _q(_TABLE, "formula")
A_DEFAULT_STYLE, A_VISIBILITY = _q(_TABLE, "default-cell-style-name"), _q(_TABLE, "visibility")
A_ROWS_REPEATED, A_COLS_REPEATED = _q(_TABLE, "number-rows-repeated"), _q(_TABLE, "number-columns-repeated")
A_ROWS_SPANNED, A_COLS_SPANNED = _q(_TABLE, "number-rows-spanned"), _q(_TABLE, "number-columns-spanned")
A_VALUE_TYPE, A_CALC_TYPE = _q(_OFFICE, "value-type"), _q(_CALCEXT, "value-type")
S_STYLE, S_DATE = _q(_STYLE, "style"), _q(_NUMBER, "date-style")
A_STYLE_NAME, A_FAMILY = _q(_STYLE, "name"), _q(_STYLE, "family")
A_DATA_STYLE, A_PARENT = _q(_STYLE, "data-style-name"), _q(_STYLE, "parent-style-name")
N_YEAR, N_TEXT = _q(_NUMBER, "year"), _q(_NUMBER, "text")
_HIDDEN = ("collapse", "filter")


class OdsStyles:
    """Which cell styles show a date as its year only."""

    def __init__(self) -> None:
        self.year_only: set[str] = set()
        self.data_style: dict[str, str] = {}
        self.parent: dict[str, str] = {}

    def feed(self, el) -> None:  # noqa: ANN001 - an ElementTree element
        if el.tag == S_DATE:
            parts = {child.tag for child in el}
            if N_YEAR in parts and parts <= {N_YEAR, N_TEXT}:
                self.year_only.add(el.get(A_STYLE_NAME, ""))
        elif el.tag == S_STYLE and el.get(A_FAMILY) == "table-cell":
            name = el.get(A_STYLE_NAME, "")
            if el.get(A_DATA_STYLE):
                self.data_style[name] = el.get(A_DATA_STYLE, "")
            if el.get(A_PARENT):
                self.parent[name] = el.get(A_PARENT, "")

    def is_year(self, style: str | None) -> bool:
        for _ in range(10):
            if not style:
                return False
            if style in self.data_style:
                return self.data_style[style] in self.year_only
            style = self.parent.get(style)
        return False


def _count(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1 << 31))
    except ValueError:
        return 1


class _OdsTable:
    def __init__(self, name: str) -> None:
        self.name = name
        self.scan = SheetScan()
        self.col_styles: list[tuple[int, int, str]] = []
        self.hidden_row_runs: list[tuple[int, int, str]] = []
        self.styled_runs: list[tuple[int, int, int, int, str]] = []
        self.columns = 0


def ods_scan(book: zipfile.ZipFile, max_cells: int) -> list[tuple[str, SheetScan]]:
    """Each table's bounds and, where its area fits ``max_cells``, its details."""
    from xml.etree import ElementTree as ET

    styles = OdsStyles()
    names = set(book.namelist())
    if "styles.xml" in names:
        with book.open("styles.xml") as fh:
            for _, el in ET.iterparse(fh, events=("end",)):
                if el.tag in (S_DATE, S_STYLE):
                    styles.feed(el)
                    el.clear()
    if "content.xml" not in names:
        return []
    scanner = _OdsScanner(styles, max_cells)
    with book.open("content.xml") as fh:
        for event, el in ET.iterparse(fh, events=("start", "end")):
            if event == "start":
                scanner.start(el)
            else:
                scanner.end(el)
    return scanner.out


class _OdsScanner:
    """Walks content.xml once: tables (nested ones skipped), their rows, columns and cells."""

    def __init__(self, styles: OdsStyles, max_cells: int) -> None:
        self.styles, self.max_cells = styles, max_cells
        self.out: list[tuple[str, SheetScan]] = []
        self.stack: list = []
        self.table: _OdsTable | None = None
        self.nested = 0
        self.row = self.col = 0
        self.row_repeat = 1
        self.total = 0

    def start(self, el) -> None:
        self.stack.append(el)
        tag = el.tag
        if tag == T_TABLE:
            if self.table is not None:
                self.nested += 1
            else:
                self.table, self.row = _OdsTable(el.get(A_NAME, "")), 0
        elif self.table is None or self.nested:
            return
        elif tag == T_ROW:
            self.row_repeat, self.col = _count(el.get(A_ROWS_REPEATED)), 0
        elif tag == T_COLUMN:
            self._column(el)

    def _column(self, el) -> None:
        table = self.table
        n = _count(el.get(A_COLS_REPEATED))
        first = table.columns + 1
        table.columns = min(table.columns + n, MAX_COLUMNS)
        if el.get(A_DEFAULT_STYLE):
            table.col_styles.append((first, table.columns, el.get(A_DEFAULT_STYLE, "")))
        if el.get(A_VISIBILITY) in _HIDDEN:
            table.scan.hidden_cols.append((first, table.columns))

    def end(self, el) -> None:
        self.stack.pop()
        tag = el.tag
        if self.table is None:
            if tag in (S_DATE, S_STYLE):
                self.styles.feed(el)
                el.clear()
        elif tag == T_TABLE:
            self._end_table(el)
        elif self.nested:
            return
        elif tag in (T_CELL, T_COVERED):
            n = _count(el.get(A_COLS_REPEATED))
            _ods_cell(self.table, el, self.row, self.col, n, self.row_repeat, tag == T_COVERED, self.styles)
            self.col += n
            el.clear()
        elif tag == T_ROW:
            self._end_row(el)

    def _end_table(self, el) -> None:
        if self.nested:
            self.nested -= 1
            return
        table = self.table
        _finish(table, self.styles, self.max_cells - self.total)
        self.total += table.scan.rows * table.scan.cols
        self.out.append((table.name, table.scan))
        self.table = None
        el.clear()

    def _end_row(self, el) -> None:
        visibility = el.get(A_VISIBILITY)
        if visibility in _HIDDEN:
            self.table.hidden_row_runs.append((self.row + 1, self.row + self.row_repeat, visibility))
        self.row += self.row_repeat
        el.clear()
        if self.stack:
            self.stack[-1].remove(el)


def _ods_cell(
    table: _OdsTable,
    el,
    row: int,
    col: int,
    n: int,
    row_repeat: int,
    covered: bool,
    styles: OdsStyles,  # noqa: ANN001
) -> None:
    value_type = el.get(A_VALUE_TYPE)
    calc_type = el.get(A_CALC_TYPE)
    formula = el.get(A_FORMULA)
    has_text = len(el) > 0
    if not (value_type or has_text or formula):
        return
    scan = table.scan
    scan.rows = max(scan.rows, row + row_repeat)
    scan.cols = max(scan.cols, min(col + n, MAX_COLUMNS))
    if covered:
        return
    last_row, last_col = row + row_repeat, min(col + n, MAX_COLUMNS)
    if value_type == "percentage":
        table.styled_runs.append((row + 1, col + 1, last_row, last_col, PERCENT))
    elif value_type == "date":
        style = el.get(A_STYLE) or _column_style(table, col + 1)
        if styles.is_year(style):
            table.styled_runs.append((row + 1, col + 1, last_row, last_col, YEAR))
    text = "".join(el.itertext()).strip() if (calc_type == "error" or formula) else ""
    if calc_type == "error" or (formula and value_type in (None, "string") and text in ERROR_TEXTS):
        add_limited(scan.errors, (row + 1, col + 1, text))
    elif formula and not value_type:
        add_limited(scan.no_result, (row + 1, col + 1))
    spans = _count(el.get(A_ROWS_SPANNED)), _count(el.get(A_COLS_SPANNED))
    if spans != (1, 1):
        add_limited(scan.merges, (row + 1, col + 1, row + spans[0], col + spans[1]))
        scan.rows = max(scan.rows, row + spans[0])
        scan.cols = max(scan.cols, min(col + spans[1], MAX_COLUMNS))


def _column_style(table: _OdsTable, col: int) -> str | None:
    for first, last, style in table.col_styles:
        if first <= col <= last:
            return style
    return None


def _finish(table: _OdsTable, styles: OdsStyles, room: int) -> None:
    """Clip hidden runs to the used area; expand style runs when the area fits."""
    scan = table.scan
    scan.hidden_cols = [(a, min(b, scan.cols)) for a, b in scan.hidden_cols if a <= scan.cols]
    if scan.rows * scan.cols > room:
        return
    scan.detailed = True
    for first, last, visibility in table.hidden_row_runs:
        rows = scan.filtered_rows if visibility == "filter" else scan.hidden_rows
        rows.extend(range(first, min(last, scan.rows) + 1))
    for r1, c1, r2, c2, kind in table.styled_runs:
        scan.styled.extend((r, c, kind) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))

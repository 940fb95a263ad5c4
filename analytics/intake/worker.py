"""Parse one workbook in a short-lived process with hard resource limits.

Run as ``python -m analytics.intake.worker KIND`` with the file's bytes on stdin;
writes a pickle of plain dicts, lists and strings on stdout. A crafted workbook
can make the parser allocate gigabytes or abort its process, so the parsing
happens here, where the operating system caps memory and CPU, and the parent
(``analytics.intake.reading``) only ever sees an exit status or plain data.

Before calamine parses anything, every sheet's used area is counted from its XML
(``xlsx``, ``ods``); past ``MAX_ROWS`` data rows or ``MAX_CELLS`` cells the worker
answers with a refusal instead of the sheets, so neither process ever holds more
than the limits allow. The text of each cell is what the spreadsheet shows: number
formats, merged ranges and error cells are applied here, and what the person
cannot see (hidden rows, columns, sheets) is reported alongside.

The cell-to-text rules are in ``cell_text`` (the parent reuses them for CSV). Keep the
imports light: this module is imported on every worker start.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
import posixpath
import re
import sys
import zipfile

from analytics.intake.cell_text import clean_text, pack, row_text, trim
from analytics.intake.formats import PERCENT, YEAR, SheetScan, column_letter, percent_text
from analytics.intake.ods import ods_scan
from analytics.intake.xlsx import XlsxBook, XlsxSheet, xlsx_book

MEMORY_LIMIT = 2 * 1024**3
CPU_SECONDS = 30
MAX_ROWS = 50_000  # data rows below the headers, all sheets together (validate.MAX_ROWS)
MAX_CELLS = 1_000_000  # cells of all sheets' used areas as dense grids

_XML_JUNK = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _limit_resources() -> None:
    try:
        import resource
    except ImportError:
        return
    limits = (
        (resource.RLIMIT_AS, MEMORY_LIMIT, MEMORY_LIMIT),
        (resource.RLIMIT_CPU, CPU_SECONDS, CPU_SECONDS + 5),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_FSIZE, 0, 0),
    )
    for which, soft, hard in limits:
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(which, (soft, hard))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_parts(book: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip part) from ``xl/workbook.xml`` and its relationships."""
    from xml.etree import ElementTree as ET

    names = {n.lower(): n for n in book.namelist()}
    targets = {}
    rels = ET.fromstring(book.read(names.get("xl/_rels/workbook.xml.rels", "xl/_rels/workbook.xml.rels")))
    for rel in rels:
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        path = posixpath.normpath(path)
        targets[rel.get("Id")] = names.get(path.lower(), path)
    parts = []
    for el in ET.fromstring(book.read(names.get("xl/workbook.xml", "xl/workbook.xml"))).iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        if rid in targets:
            parts.append((el.get("name") or "", targets[rid]))
    return parts


class _XmlOnly:
    """Drops bytes that are never valid in UTF-8 XML, which some writers leave in
    text; calamine reads such files and so must the scan."""

    def __init__(self, fh: io.BufferedIOBase) -> None:
        self._fh = fh

    def read(self, size: int = -1) -> bytes:
        while chunk := self._fh.read(size):
            if cleaned := _XML_JUNK.sub(b"", chunk):
                return cleaned
        return b""


class _Refusal(Exception):
    def __init__(self, payload: dict) -> None:
        super().__init__(payload.get("error"))
        self.payload = payload


class _Budget:
    """Data rows and dense cells of the sheets counted so far, against the limits."""

    def __init__(self) -> None:
        self.rows = 0
        self.cells = 0
        self.largest: tuple[int, str, int, int] = (0, "", 0, 0)

    def fits(self, rows: int, cols: int) -> bool:
        return self.rows + max(rows - 1, 0) <= MAX_ROWS and self.cells + rows * cols <= MAX_CELLS

    def add(self, name: str, rows: int, cols: int) -> None:
        self.rows += max(rows - 1, 0)
        self.cells += rows * cols
        if rows * cols > self.largest[0]:
            self.largest = (rows * cols, name, rows, cols)

    def check(self) -> None:
        if self.rows > MAX_ROWS:
            raise _Refusal({"error": "too_many_rows", "count": self.rows, "max": MAX_ROWS})
        if self.cells > MAX_CELLS:
            _, name, rows, cols = self.largest
            raise _Refusal(
                {
                    "error": "too_many_cells",
                    "count": self.cells,
                    "max": MAX_CELLS,
                    "sheet": clean_text(name),
                    "range": f"A1:{column_letter(cols)}{rows}",
                }
            )


def scan_xlsx(data: bytes) -> tuple[XlsxBook, dict[str, SheetScan]]:
    """Every worksheet's bounds, counted from its XML before anything is parsed,
    and its details when it fits the limits. Raises ``_Refusal`` past them."""
    budget = _Budget()
    scans: dict[str, SheetScan] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        info = xlsx_book(book)
        names = set(book.namelist())
        for name, part in _sheet_parts(book):
            if part not in names:
                continue
            sheet = XlsxSheet(book.read(part))
            rows, cols = sheet.bounds(MAX_CELLS)
            if not budget.fits(rows, cols) and budget.fits(0, 0):
                rows, cols = sheet.exact_bounds()  # slower, exact: only where a limit is at stake
            scan = SheetScan(rows, cols)
            if budget.fits(rows, cols):
                sheet.details(info, scan)
            budget.add(name, rows, cols)
            scans[name] = scan
            del sheet
    budget.check()
    return info, scans


def scan_ods(data: bytes) -> dict[str, SheetScan]:
    budget = _Budget()
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        tables = ods_scan(_JunkFreeZip(book), MAX_CELLS)
    scans = {}
    for name, scan in tables:
        budget.add(name, scan.rows, scan.cols)
        scans.setdefault(name, scan)
    budget.check()
    return scans


class _JunkFreeZip:
    """A ZipFile whose entries are opened through ``_XmlOnly``."""

    def __init__(self, book: zipfile.ZipFile) -> None:
        self._book = book

    def namelist(self) -> list[str]:
        return self._book.namelist()

    def open(self, name: str) -> _XmlOnly:
        return _ClosingXml(self._book.open(name))


class _ClosingXml(_XmlOnly):
    def __enter__(self) -> _ClosingXml:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def read_sheets(data: bytes, kind: str) -> list[dict]:
    """Each worksheet as plain data: its text grid (packed) and what the grid
    alone cannot say (dates, hidden rows and columns, error cells, formulas)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    if kind == "xlsx":
        info, scans = scan_xlsx(data)
    else:
        info, scans = XlsxBook(), scan_ods(data)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    texts: dict[str, str] = {}
    numbers: dict[float, str] = {}
    percents: dict[float, str] = {}
    budget = _Budget()
    sheets = []
    for meta in book.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        scan = scans.get(meta.name)
        if scan is None:
            raise ValueError("a worksheet the scan did not see")
        if not scan.detailed and scan.rows * scan.cols:
            raise _Refusal({"error": "too_complex"})
        grid = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        width = max((len(row) for row in grid), default=0)
        if not budget.fits(len(grid), width):
            raise _Refusal({"error": "too_complex"})  # calamine saw more than the scan: never trust either
        budget.add(meta.name, len(grid), width)
        dates: list[tuple[int, int]] = []
        rows = [row_text(row, texts, numbers, dates, i) for i, row in enumerate(grid)]
        _apply_styles(grid, rows, dates, scan.styled, info.date1904, percents)
        del grid
        errors = []
        for r, c, text in scan.errors:
            if r <= len(rows) and c <= len(rows[r - 1]):
                rows[r - 1][c - 1] = clean_text(text)
                errors.append((r, c, clean_text(text)))
        rows, dates = _fill_merges(rows, dates, scan.merges, budget)
        rows = trim(rows)
        sheets.append(
            {
                "name": clean_text(meta.name),
                "width": len(rows[0]) if rows else 0,
                "height": len(rows),
                "rows": pack(rows),
                "hidden": meta.visible != SheetVisibleEnum.Visible,
                "dates": dates,
                "hidden_rows": _rows_with_data(rows, scan.hidden_rows),
                "filtered_rows": _rows_with_data(rows, scan.filtered_rows),
                "hidden_cols": _cols_with_data(rows, scan.hidden_cols),
                "errors": errors,
                "no_result": scan.no_result,
                "zero_result": scan.zero_result,
            }
        )
    return sheets


def _apply_styles(
    grid: list[list[object]],
    rows: list[list[str]],
    dates: list[tuple[int, int]],
    styled: list,
    date1904: bool,
    percents: dict[float, str] | None = None,
) -> None:
    """Percent cells as "45%", year-only dates as "2025". ``percents`` remembers
    the text of each value (a column of percentages repeats a few hundred)."""
    percents = {} if percents is None else percents
    height = len(grid)
    for r, c, kind in styled:
        if r > height or c > len(grid[r - 1]):
            continue
        value = grid[r - 1][c - 1]
        kind_of = type(value)
        if kind == PERCENT and (kind_of is float or kind_of is int):
            text = percents.get(value)
            if text is None:
                text = percents[value] = percent_text(value)
            rows[r - 1][c - 1] = text
        elif kind == YEAR:
            if kind_of in (dt.date, dt.datetime):
                rows[r - 1][c - 1] = str(value.year)
            elif kind_of in (float, int) and 0 <= value < 2_958_466:
                epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
                rows[r - 1][c - 1] = str((epoch + dt.timedelta(days=float(value))).year)
                dates.append((r - 1, c - 1))


def _fill_merges(
    rows: list[list[str]], dates: list[tuple[int, int]], merges: list, budget: _Budget
) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """Every cell a merged range covers shows its top-left value."""
    date_set = set(dates) if merges else set()
    for r1, c1, r2, c2 in merges:
        if r1 > len(rows) or c1 > len(rows[r1 - 1]) or r2 < r1 or c2 < c1:
            continue
        value = rows[r1 - 1][c1 - 1]
        if not value:
            continue
        height, width = max(len(rows), r2), max(len(rows[0]), c2)
        if (height, width) != (len(rows), len(rows[0])):
            grown = height * width - len(rows) * len(rows[0])
            if budget.cells + grown > MAX_CELLS:
                raise _Refusal({"error": "too_complex"})  # a merge reaching far past the data
            budget.cells += grown
            for row in rows:
                row.extend([""] * (width - len(row)))
            rows.extend([[""] * width for _ in range(height - len(rows))])
        is_date = (r1 - 1, c1 - 1) in date_set
        for r in range(r1 - 1, r2):
            row = rows[r]
            for c in range(c1 - 1, c2):
                row[c] = value
                if is_date:
                    date_set.add((r, c))
    return rows, sorted(date_set) if merges else dates


def _rows_with_data(rows: list[list[str]], hidden: list[int]) -> list[int]:
    return sorted({r for r in hidden if 0 < r <= len(rows) and any(rows[r - 1])})


def _cols_with_data(rows: list[list[str]], hidden: list[tuple[int, int]]) -> list[int]:
    width = len(rows[0]) if rows else 0
    found = set()
    for first, last in hidden:
        for c in range(max(first, 1), min(last, width) + 1):
            if any(row[c - 1] for row in rows):
                found.add(c)
    return sorted(found)


def parse(data: bytes, kind: str) -> dict:
    try:
        return {"sheets": read_sheets(data, kind)}
    except _Refusal as refusal:
        return refusal.payload
    except MemoryError:
        return {"error": "too_complex"}
    except Exception as exc:
        return {"error": "encrypted" if type(exc).__name__ == "PasswordError" else "corrupt"}


def main() -> None:
    _limit_resources()
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    payload = parse(sys.stdin.buffer.read(), kind)
    pickle.dump(payload, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()

"""Parse one workbook in a short-lived process with hard resource limits.

Run as ``python -m analytics.ingest_worker KIND`` with the file's bytes on stdin;
writes a pickle of plain dicts, lists and strings on stdout. A crafted workbook
can make the parser allocate gigabytes or abort its process, so the parsing
happens here, where the operating system caps memory and CPU, and the parent
(``analytics.ingest``) only ever sees an exit status or plain data.

Also holds the cell-to-text rules, which the parent reuses for CSV. Keep the
imports light: this module is imported on every worker start.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
import posixpath
import re
import sys
import unicodedata
import zipfile
from collections.abc import Iterator

MEMORY_LIMIT = 2 * 1024**3
CPU_SECONDS = 30
INTEGRAL_LIMIT = 1e16
US, RS = "\x1f", "\x1e"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)")
_CHUNK = 1 << 20
_XML_JUNK = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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
        if value.is_integer() and abs(value) < INTEGRAL_LIMIT:
            return str(int(value))
        return repr(value)
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


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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


def read_sheets(data: bytes) -> list[tuple[str, int, str]]:
    """(name, width, packed rows) of each worksheet."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    texts: dict[str, str] = {}
    numbers: dict[float, str] = {}
    sheets = []
    for meta in book.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        grid = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        for i, row in enumerate(grid):
            grid[i] = row_text(row, texts, numbers)
        rows = trim(grid)
        sheets.append((clean_text(meta.name), len(rows[0]) if rows else 0, pack(rows)))
    return sheets


def row_text(row: list[object], texts: dict[str, str], numbers: dict[float, str]) -> list[str]:
    """``cell_text`` of each cell, remembering strings and floats (most cells
    repeat a few values). Types are told apart first: ``True == 1.0`` as a key."""
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
                text = numbers[value] = cell_text(value)
        else:
            text = cell_text(value)
        out.append(text)
    return out


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_parts(book: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip part) from ``xl/workbook.xml`` and its relationships."""
    from xml.etree import ElementTree as ET

    targets = {}
    rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id")] = posixpath.normpath(path)
    parts = []
    for el in ET.fromstring(book.read("xl/workbook.xml")).iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        if rid in targets:
            parts.append((el.get("name") or "", targets[rid]))
    return parts


class _XmlOnly:
    """Drops bytes that are never valid in UTF-8 XML, which some writers leave in
    text and formulas; the scan is a diagnostic and must not reject what the
    reader accepted."""

    def __init__(self, fh: io.BufferedIOBase) -> None:
        self._fh = fh

    def read(self, size: int = -1) -> bytes:
        while chunk := self._fh.read(size):
            if cleaned := _XML_JUNK.sub(b"", chunk):
                return cleaned
        return b""


def _mentions_formula(book: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with book.open(part) as fh:
        while chunk := fh.read(_CHUNK):
            window = tail + chunk
            if (b"<f" in window or b":f" in window) and _FORMULA_TAG.search(window):
                return True
            tail = chunk[-64:]
    return False


def _formulas_without_value(fh: io.BufferedIOBase) -> Iterator[tuple[int, int]]:
    """(row, column), both 1-based, of each ``<c>`` with ``<f>`` and no stored result.

    An empty ``<v/>`` counts as no result, except for string results, where
    Excel writes it for a formula that returns "".
    """
    from xml.etree import ElementTree as ET

    row = col = 0
    for event, el in ET.iterparse(_XmlOnly(fh), events=("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                row = int(el.get("r") or row + 1)
                col = 0
            elif tag == "c":
                match = _CELL_REF.fullmatch(el.get("r") or "")
                if match:
                    col = _column_index(match.group(1))
                    row = int(match.group(2))
                else:
                    col += 1
            continue
        if tag == "c":
            children = {_local(child.tag): child for child in el}
            value = children.get("v")
            if "f" in children and (
                value is None or (not value.text and el.get("t") not in ("str", "inlineStr"))
            ):
                yield row, col
            el.clear()
        elif tag == "row":
            el.clear()


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def formula_cells(data: bytes) -> list[tuple[str, int, int]]:
    """(sheet name, row, column) of every formula saved without its result."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = set(book.namelist())
        for name, part in _sheet_parts(book):
            if part not in names or not _mentions_formula(book, part):
                continue
            with book.open(part) as fh:
                found.extend((clean_text(name), r, c) for r, c in _formulas_without_value(fh))
    return found


def parse(data: bytes, kind: str) -> dict:
    try:
        sheets = read_sheets(data)
    except MemoryError:
        return {"error": "too_complex"}
    except Exception as exc:
        return {"error": "encrypted" if type(exc).__name__ == "PasswordError" else "corrupt"}
    formulas: list[tuple[str, int, int]] = []
    if kind == "xlsx":
        try:
            formulas = formula_cells(data)
        except MemoryError:
            return {"error": "too_complex"}
        except Exception:
            formulas = []  # a diagnostic only: what the reader accepted stands
    return {"sheets": sheets, "formulas": formulas}


def main() -> None:
    _limit_resources()
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    payload = parse(sys.stdin.buffer.read(), kind)
    pickle.dump(payload, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()

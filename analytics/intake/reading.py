"""Read an uploaded file into sheets of text cells, safely.

Every upload is untrusted: the format is decided from the bytes, never from the
name; archives are checked from their directory before anything is inflated;
workbooks are parsed in a separate process with memory and CPU limits (see
``ingest_worker``). Whatever the input, ``read_upload`` returns findings instead
of raising.

What is returned is what the person saw: cells read as the spreadsheet shows
them (percent cells as "45%", a date shown as its year as "2025", floats without
noise, merged ranges filled), and whatever they could not see — hidden rows,
columns and sheets, error cells, formulas never calculated — is an error finding
instead of silently used data.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field

from analytics import i18n
from analytics.findings import Finding
from analytics.intake.archive import (
    DTD,
    NOT_PARSED,
    ZIP_MAGICS,
    archive_kind,
    check_directory,
    entry_matches,
    ods_encrypted,
)
from analytics.intake.cell_text import clean_text, trim, unpack
from analytics.intake.csv_files import decode, split
from analytics.intake.formats import column_letter
from analytics.intake.sandbox import run_worker
from analytics.intake.worker import MAX_CELLS, MAX_ROWS
from analytics.reference import normalise
from analytics.sheets.schema import IGNORED_SHEETS, sheet_for_name

MAX_BYTES = 10 * 1024 * 1024
MAX_LISTED_ROWS = 20  # row ranges named in one hidden_content finding

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_CHUNK = 1 << 20
_BINARY = re.compile(r"[\x01-\x08\x0b\x0e-\x1f]")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadSheet:
    """One sheet; ``rows[i]`` is spreadsheet row ``i + 1`` and rows share one width.

    Each cell is the text the spreadsheet shows (see ``read_upload``). ``dates``
    holds the (row, column) indexes into ``rows``, both 0-based, of cells that
    hold a date (their text is the ISO date, or the year alone where the cell
    shows only the year). ``hidden`` is true for a sheet hidden in the workbook.
    """

    name: str
    rows: list[list[str]]
    dates: frozenset[tuple[int, int]] = field(default=frozenset())
    hidden: bool = False


@dataclass(frozen=True)
class ReadResult:
    kind: str | None
    sheets: list[ReadSheet]
    findings: list[Finding]


def read_upload(data: bytes, file_name: str = "") -> ReadResult:
    """Sheets of text cells from an xlsx, ods or csv upload; never raises.

    Workbook cells read as the spreadsheet shows them: a percent-formatted number
    as "45%" (0.455 → "45.5%"); a date as ISO text ("2024-06-30", with
    " 13:05:00" when it has a time), or its year alone ("2025") where its format
    shows only the year, and listed in ``Sheet.dates``; any other number with
    at most 15 significant digits and no thousands separator ("7", "0.3",
    "1000"); an error cell as its error ("#N/A"); a formula as its stored
    result; every cell of a merged range as the range's top-left value. CSV
    cells are the file's text as written ("1.000", "45,5%").

    Errors, besides the refusals (``file_unreadable`` with a ``reason``,
    ``file_too_large``, ``file_encrypted``, ``file_unsafe``, ``too_many_rows``
    with ``value``/``max``, ``too_many_cells`` with ``sheet``/``value``/``max``/
    ``range``), name what the person could not see or what shows no value:
    ``hidden_content`` (params ``rows`` or ``columns``, or neither for a hidden
    sheet), ``error_cell`` (row, column, ``value`` = the error) and
    ``formula_not_calculated`` (row, column). Rows are spreadsheet rows
    (header = 1); columns are the header text, or the letter without one.
    """
    try:
        return _read(bytes(data), file_name or "")
    except Exception:
        log.exception("unexpected failure reading an upload")
        return _fail("file_unreadable", reason="internal")


def _fail(code: str, **params: object) -> ReadResult:
    return ReadResult(None, [], [Finding.error(code, **params)])


def _read(data: bytes, file_name: str) -> ReadResult:
    if len(data) > MAX_BYTES:
        return _fail("file_too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        return _fail("file_unreadable", reason="empty")
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            return _fail("file_encrypted")
        return _fail("file_unreadable", reason="legacy_format")
    if data[:4] in ZIP_MAGICS:
        return _read_archive(data)
    return _read_csv(data, file_name)


# --- archives (xlsx, ods) ---------------------------------------------------


def _read_archive(data: bytes) -> ReadResult:
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        infos = book.infolist()
    except Exception:
        return _fail("file_unreadable", reason="corrupt")
    refusal = check_directory(infos)
    if refusal is not None:
        return ReadResult(None, [], [refusal])
    try:
        kind = archive_kind(book)
        if kind == "ods" and ods_encrypted(book):
            return _fail("file_encrypted")
        if kind is None:
            return _fail("file_unreadable", reason="not_spreadsheet")
        for info in infos:
            if not info.is_dir() and not info.filename.lower().endswith(NOT_PARSED):
                if entry_matches(book, info, DTD, hint=b"!"):
                    return _fail("file_unsafe", reason="dtd")
    except Exception:
        return _fail("file_unreadable", reason="corrupt")
    return _parse_in_worker(data, kind)


def _parse_in_worker(data: bytes, kind: str) -> ReadResult:
    payload = run_worker(data, kind)
    if isinstance(payload, str):
        return _fail("file_unreadable", reason=payload)
    error = payload.get("error")
    try:
        if error == "encrypted":
            return _fail("file_encrypted")
        if error == "too_many_rows":
            return _fail("too_many_rows", value=str(int(payload["count"])), max=MAX_ROWS)
        if error == "too_many_cells":
            return _fail(
                "too_many_cells",
                sheet=str(payload["sheet"]),
                value=str(int(payload["count"])),
                max=MAX_CELLS,
                range=str(payload["range"]),
            )
        if error:
            return _fail("file_unreadable", reason=str(error))
        return _result(payload, kind)
    except (TypeError, ValueError, KeyError, AttributeError):
        return _fail("file_unreadable", reason="worker_failed")


def _result(payload: dict, kind: str) -> ReadResult:
    entries = payload["sheets"]
    if not isinstance(entries, list):
        raise ValueError("worker result has no sheets")
    declared = 0
    for entry in entries:
        width, height, blob = int(entry["width"]), int(entry["height"]), entry["rows"]
        if width < 0 or height < 0 or not isinstance(blob, str) or not isinstance(entry["name"], str):
            raise ValueError("worker result is not a grid of text")
        declared += width * height
    if declared > MAX_CELLS:
        raise ValueError("worker result is larger than the limits")  # never unpacked
    sheets, findings = [], []
    for entry in entries:
        width, height = int(entry["width"]), int(entry["height"])
        rows = unpack(entry["rows"])
        if len(rows) != height or any(len(row) != width for row in rows):
            raise ValueError("worker result is not a grid of text")
        dates = frozenset(
            (int(r), int(c))
            for r, c in entry.get("dates", ())
            if 0 <= int(r) < height and 0 <= int(c) < width
        )
        sheet = ReadSheet(entry["name"], rows, dates, bool(entry.get("hidden")))
        sheets.append(sheet)
        findings.extend(_sheet_findings(sheet, entry))
    return ReadResult(kind, sheets, findings)


def _sheet_findings(sheet: ReadSheet, entry: dict) -> list[Finding]:
    """What the person could not see, and cells that show no value, as errors.

    A hidden sheet counts when its name is one the validator reads; the rest
    only in sheets the validator does not ignore (the template's lists sheet
    and the instructions are).
    """
    out = []
    name = sheet.name
    if sheet.hidden and sheet_for_name(name) is not None:
        out.append(_hidden("sheet", name))
    if normalise(name) in IGNORED_SHEETS:
        return out
    header = sheet.rows[0] if sheet.rows else []
    if filtered := _positions(entry.get("filtered_rows", ()), len(sheet.rows)):
        out.append(_hidden("filtered_rows", name, rows=_ranges(filtered)))
    if hidden := _positions(entry.get("hidden_rows", ()), len(sheet.rows)):
        out.append(_hidden("rows", name, rows=_ranges(hidden)))
    if columns := _positions(entry.get("hidden_cols", ()), len(header)):
        named = ", ".join(
            f"{column_letter(c)} ({header[c - 1].strip()})" if header[c - 1].strip() else column_letter(c)
            for c in columns
        )
        out.append(_hidden("columns", name, columns=named))
    for r, c, text in entry.get("errors", ()):
        r, c = int(r), int(c)
        out.append(
            Finding.error(
                "error_cell", sheet=name, row=r, column=_column_title(header, r, c), value=str(text)
            )
        )
    cells = {(int(r), int(c)) for r, c in (*entry.get("no_result", ()), *entry.get("zero_result", ()))}
    for r, c in sorted(cells):
        out.append(
            Finding.error("formula_not_calculated", sheet=name, row=r, column=_column_title(header, r, c))
        )
    return out


def _positions(values: object, limit: int) -> list[int]:
    return sorted({int(v) for v in values if 0 < int(v) <= limit})  # type: ignore[union-attr]


def _column_title(header: list[str], row: int, col: int) -> str:
    """The column's header text as the person wrote it, or its letter."""
    title = header[col - 1].strip() if row > 1 and 0 < col <= len(header) else ""
    return title or column_letter(col)


def _hidden(what: str, sheet: str, **params: str) -> Finding:
    """``hidden_content`` naming what is hidden and how to show it, in both languages."""
    texts = {}
    for lang in i18n.LANGUAGES:
        texts[f"what_{lang}"] = i18n.t(f"ingest.hidden.{what}", lang, **params)
        texts[f"how_{lang}"] = i18n.t(f"ingest.unhide.{what}", lang)
    return Finding.error("hidden_content", sheet=sheet, **params, **texts)


def _ranges(rows: list[int]) -> str:
    """[5, 7, 8, 9] → "5, 7–9" (the first ``MAX_LISTED_ROWS`` ranges, then "…")."""
    spans: list[list[int]] = []
    for r in rows:
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    parts = [str(a) if a == b else f"{a}\u2013{b}" for a, b in spans[:MAX_LISTED_ROWS]]
    if len(spans) > MAX_LISTED_ROWS:
        parts.append("\u2026")
    return ", ".join(parts)


# --- CSV ----------------------------------------------------------------------


def _read_csv(data: bytes, file_name: str) -> ReadResult:
    text = decode(data)
    if text is None:
        return _fail("file_unreadable", reason="encoding")
    if _looks_binary(text):
        return _fail("file_unreadable", reason="binary")
    name = _stem(file_name)
    try:
        rows, refusal = split(text)
    except csv.Error:
        return _fail("file_unreadable", reason="malformed")
    if refusal is not None:
        sheet = {"sheet": name} if refusal.code == "too_many_cells" else {}
        return _fail(refusal.code, **sheet, **refusal.params)
    return ReadResult("csv", [ReadSheet(name, trim(rows))], [])


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    return len(_BINARY.findall(text)) > max(8, len(text) // 100)


def _stem(file_name: str) -> str:
    base = re.split(r"[\\/]", file_name)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return clean_text(stem).strip() or "csv"

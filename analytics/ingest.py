"""Read an uploaded file into sheets of text cells, safely.

Every upload is untrusted: the format is decided from the bytes, never from the
name; archives are checked from their directory before anything is inflated;
workbooks are parsed in a separate process with memory and CPU limits (see
``ingest_worker``). Whatever the input, ``read_upload`` returns findings instead
of raising.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import pickle
import re
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .findings import Finding
from .ingest_worker import clean_text, column_letter, row_text, trim, unpack

MAX_BYTES = 10 * 1024 * 1024
MAX_INFLATED = 200 * 1024 * 1024
MAX_RATIO = 200
RATIO_MIN_SIZE = 1024 * 1024
MAX_ENTRIES = 10_000
WORKER_TIMEOUT = 40.0
WORKER_SLOTS = 2

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# Never read as XML by the parser, and SVGs from design tools often carry a DOCTYPE.
NOT_PARSED = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg")

_ROOT = Path(__file__).resolve().parent.parent
_WORKER_ENV = {"PATH", "PYTHONPATH", "PYTHONHOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SYSTEMROOT"}
_SLOTS = threading.BoundedSemaphore(WORKER_SLOTS)
_CHUNK = 1 << 20
_DTD = re.compile(
    b"|".join(
        re.escape(word.encode(enc))
        for word in ("<!DOCTYPE", "<!ENTITY")
        for enc in ("ascii", "utf-16-le", "utf-16-be")
    ),
    re.IGNORECASE,
)
_ODS_ENCRYPTED = re.compile(rb"encryption-data")
_BINARY = re.compile(r"[\x01-\x08\x0b\x0e-\x1f]")
_SEP_LINE = re.compile(r"sep=([,;\t|])\r?\n")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sheet:
    """One sheet; ``rows[i]`` is spreadsheet row ``i + 1`` and rows share one width."""

    name: str
    rows: list[list[str]]


@dataclass(frozen=True)
class ReadResult:
    kind: str | None
    sheets: list[Sheet]
    findings: list[Finding]


def read_upload(data: bytes, file_name: str = "") -> ReadResult:
    """Sheets of text cells from an xlsx, ods or csv upload; never raises."""
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
    refusal = _check_directory(infos)
    if refusal is not None:
        return refusal
    try:
        kind = _archive_kind(book)
        if kind == "ods" and _ods_encrypted(book):
            return _fail("file_encrypted")
        if kind is None:
            return _fail("file_unreadable", reason="not_spreadsheet")
        for info in infos:
            if not info.is_dir() and not info.filename.lower().endswith(NOT_PARSED):
                if _entry_matches(book, info, _DTD, hint=b"!"):
                    return _fail("file_unsafe", reason="dtd")
    except Exception:
        return _fail("file_unreadable", reason="corrupt")
    return _parse_in_worker(data, kind)


def _check_directory(infos: list[zipfile.ZipInfo]) -> ReadResult | None:
    """Refuse zip bombs from the directory alone, before inflating anything.

    The sizes are the archive's own claims; ``zipfile`` stops at the claimed
    size when we stream, and the worker's limits cover a parser that does not.
    """
    if len(infos) > MAX_ENTRIES:
        return _fail("file_unsafe", reason="too_many_entries")
    if len({i.filename for i in infos}) != len(infos):
        return _fail("file_unsafe", reason="duplicate_entries")
    if sum(i.file_size for i in infos) > MAX_INFLATED:
        return _fail("file_unsafe", reason="inflated_size")
    for i in infos:
        if i.file_size > RATIO_MIN_SIZE and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            return _fail("file_unsafe", reason="compression_ratio")
    if any(i.flag_bits & 0x1 for i in infos):
        return _fail("file_encrypted")
    return None


def _archive_kind(book: zipfile.ZipFile) -> str | None:
    names = {name.lower(): name for name in book.namelist()}
    if "xl/workbook.xml" in names:
        return "xlsx"
    mimetype = names.get("mimetype")
    if mimetype and book.getinfo(mimetype).file_size <= 200:
        if book.read(mimetype).strip() == ODS_MIMETYPE:
            return "ods"
    return None


def _ods_encrypted(book: zipfile.ZipFile) -> bool:
    names = {name.lower(): name for name in book.namelist()}
    manifest = names.get("meta-inf/manifest.xml")
    return manifest is not None and _entry_matches(book, manifest, _ODS_ENCRYPTED)


def _entry_matches(
    book: zipfile.ZipFile, entry: zipfile.ZipInfo | str, pattern: re.Pattern[bytes], hint: bytes = b""
) -> bool:
    """Stream one entry through ``pattern`` in bounded memory; chunks without
    ``hint`` (a fast substring test) skip the slower pattern."""
    tail = b""
    with book.open(entry) as fh:
        while chunk := fh.read(_CHUNK):
            window = tail + chunk
            if (not hint or hint in window) and pattern.search(window):
                return True
            tail = chunk[-64:]
    return False


class _PlainUnpickler(pickle.Unpickler):
    """Builds only built-in containers and strings: never imports or calls anything."""

    def find_class(self, module: str, name: str) -> object:
        raise pickle.UnpicklingError(f"refused global {module}.{name}")


def _parse_in_worker(data: bytes, kind: str) -> ReadResult:
    payload = _run_worker(data, kind)
    if isinstance(payload, str):
        return _fail("file_unreadable", reason=payload)
    error = payload.get("error")
    if error == "encrypted":
        return _fail("file_encrypted")
    if error:
        return _fail("file_unreadable", reason=str(error))
    try:
        return _result(payload, kind)
    except (TypeError, ValueError, KeyError):
        return _fail("file_unreadable", reason="worker_failed")


def _result(payload: dict, kind: str) -> ReadResult:
    sheets = []
    for name, width, blob in payload["sheets"]:
        rows = unpack(blob)
        if not isinstance(name, str) or any(len(row) != width for row in rows):
            raise ValueError("worker result is not a grid of text")
        sheets.append(Sheet(name, rows))
    headers = {s.name: s.rows[0] if s.rows else [] for s in sheets}
    findings = []
    for sheet, row, col in payload["formulas"]:
        header = headers.get(sheet, [])
        title = header[col - 1].strip() if 0 < int(col) <= len(header) else ""
        findings.append(
            Finding.error("formula_no_value", sheet=sheet, row=row, column=title or column_letter(col))
        )
    return ReadResult(kind, sheets, findings)


def _run_worker(data: bytes, kind: str) -> dict | str:
    """The worker's payload, or a reason code when it failed, crashed or timed out.

    The worker gets a minimal environment (no secrets) and at most
    ``WORKER_SLOTS`` run at once, each allowed up to its memory limit.
    """
    env = {k: v for k, v in os.environ.items() if k in _WORKER_ENV}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH")) if p)
    with _SLOTS:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "analytics.ingest_worker", kind],
                input=data,
                capture_output=True,
                timeout=WORKER_TIMEOUT,
                cwd=_ROOT,
                env=env,
            )
        except subprocess.TimeoutExpired:
            log.warning("upload worker timed out after %ss", WORKER_TIMEOUT)
            return "timeout"
        except OSError:
            log.exception("upload worker could not start")
            return "worker_failed"
    if proc.returncode != 0:
        tail = proc.stderr[-1000:].decode("utf-8", "replace")
        log.warning("upload worker exited with %s: %s", proc.returncode, tail)
        return "worker_killed" if proc.returncode < 0 else "worker_failed"
    try:
        payload = _PlainUnpickler(io.BytesIO(proc.stdout)).load()
    except Exception:
        log.warning("upload worker sent an unreadable result")
        return "worker_failed"
    if not isinstance(payload, dict) or not (payload.get("error") or "sheets" in payload):
        return "worker_failed"
    return payload


# --- CSV ----------------------------------------------------------------------


def _read_csv(data: bytes, file_name: str) -> ReadResult:
    text = _decode(data)
    if text is None:
        return _fail("file_unreadable", reason="encoding")
    if _looks_binary(text):
        return _fail("file_unreadable", reason="binary")
    sep = _SEP_LINE.match(text)
    if sep:
        delimiter, text = sep.group(1), text[sep.end() :]
    else:
        delimiter = _delimiter(text)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        texts: dict[str, str] = {}
        rows = [row_text(row, texts, {}) for row in reader]
    except csv.Error:
        return _fail("file_unreadable", reason="malformed")
    return ReadResult("csv", [Sheet(_stem(file_name), trim(rows))], [])


def _decode(data: bytes) -> str | None:
    """UTF-8 (BOM removed) or, as Excel in Spanish writes it, Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    return len(_BINARY.findall(text)) > max(8, len(text) // 100)


def _delimiter(text: str) -> str:
    """The candidate that splits the header line into the most fields (comma on a tie)."""
    header = text.split("\n", 1)[0]
    best, best_count = ",", 0
    for candidate in (",", ";", "\t"):
        count = len(next(csv.reader([header], delimiter=candidate), []))
        if count > best_count:
            best, best_count = candidate, count
    return best


def _stem(file_name: str) -> str:
    base = re.split(r"[\\/]", file_name)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return clean_text(stem).strip() or "csv"

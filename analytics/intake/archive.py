"""Pre-checks of a zip archive (xlsx, ods) before anything is inflated: bombs refused from the
directory alone, the kind told from its entries, encryption and DOCTYPEs found by streaming."""

from __future__ import annotations

import re
import zipfile

from analytics.findings import Finding

_CHUNK = 1 << 20
MAX_INFLATED = 200 * 1024 * 1024


MAX_RATIO = 200


RATIO_MIN_SIZE = 1024 * 1024


MAX_ENTRIES = 10_000


ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


# Never read as XML by the parser, and SVGs from design tools often carry a DOCTYPE.
NOT_PARSED = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg")


DTD = re.compile(
    b"|".join(
        re.escape(word.encode(enc))
        for word in ("<!DOCTYPE", "<!ENTITY")
        for enc in ("ascii", "utf-16-le", "utf-16-be")
    ),
    re.IGNORECASE,
)


_ODS_ENCRYPTED = re.compile(rb"encryption-data")


def check_directory(infos: list[zipfile.ZipInfo]) -> Finding | None:
    """Refuse zip bombs from the directory alone, before inflating anything.

    The sizes are the archive's own claims; ``zipfile`` stops at the claimed
    size when we stream, and the worker's limits cover a parser that does not.
    """
    if len(infos) > MAX_ENTRIES:
        return Finding.error("file_unsafe", reason="too_many_entries")
    if len({i.filename for i in infos}) != len(infos):
        return Finding.error("file_unsafe", reason="duplicate_entries")
    if sum(i.file_size for i in infos) > MAX_INFLATED:
        return Finding.error("file_unsafe", reason="inflated_size")
    for i in infos:
        if i.file_size > RATIO_MIN_SIZE and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            return Finding.error("file_unsafe", reason="compression_ratio")
    if any(i.flag_bits & 0x1 for i in infos):
        return Finding.error("file_encrypted")
    return None


def archive_kind(book: zipfile.ZipFile) -> str | None:
    names = {name.lower(): name for name in book.namelist()}
    if "xl/workbook.xml" in names:
        return "xlsx"
    mimetype = names.get("mimetype")
    if mimetype and book.getinfo(mimetype).file_size <= 200:
        if book.read(mimetype).strip() == ODS_MIMETYPE:
            return "ods"
    return None


def ods_encrypted(book: zipfile.ZipFile) -> bool:
    names = {name.lower(): name for name in book.namelist()}
    manifest = names.get("meta-inf/manifest.xml")
    return manifest is not None and entry_matches(book, manifest, _ODS_ENCRYPTED)


def entry_matches(
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

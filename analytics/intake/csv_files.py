"""CSV uploads as Excel and LibreOffice write them: the encoding, the separator
and the line ends are found from the bytes; when the encoding cannot be told
with confidence the file is refused rather than read as mojibake.

Encodings, in order: a BOM (UTF-8, UTF-16 LE/BE); UTF-16 without a BOM when
the NUL bytes say so unambiguously; strict UTF-8; and otherwise one of the two
single-byte encodings Excel writes, Windows-1252 (Windows) or Mac Roman (old
Excel for Mac). Those two decode almost any bytes, so the choice rests on what
the text looks like (accented letters inside words, not dashes or capitals:
"Capacitación", never "Capacitaci—n" or "CapacitaciÛn"), with the
charset-normalizer detector to break ties.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

from analytics.intake.cell_text import row_text
from analytics.intake.formats import column_letter
from analytics.intake.worker import MAX_CELLS, MAX_ROWS

SINGLE_BYTE = ("cp1252", "mac_roman")
_SEP_LINE = re.compile(r"sep=([,;\t|])(?:\r\n|\n|\r)")
_LINE_END = re.compile(r"\r\n|\n|\r")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Letters of Spanish and its neighbours (Portuguese, French, Catalan) weigh most.
_CORE = set("áéíóúüñÁÉÍÓÚÜÑ")
_COMMON = set("çàèìòùâêîôûãõäëïöœæÇÀÈÌÒÙÂÊÎÔÛÃÕÄËÏÖŒÆ")
_OPENING = set("¿¡«“‘")
_TRAILING = set("’”»…º°ª€")
_APOSTROPHES = set("’'")
_EVIDENCE_SAMPLE = 20_000
_HEADER_SAMPLE = 65_536


@dataclass(frozen=True)
class CsvRefusal:
    code: str
    params: dict


def decode(data: bytes) -> str | None:
    """The text of a CSV, or None when its encoding cannot be told with confidence."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16)
    text = _strict(data, "utf-8")
    if text is not None:
        return text
    return _single_byte(data)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE or BE when one byte of every pair is mostly NUL and the other never is."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:8192]
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.6 * half and even == 0:
        return "utf-16-le"
    if even >= 0.6 * half and odd == 0:
        return "utf-16-be"
    return None


def evidence(text: str) -> tuple[float, int]:
    """(good, bad): how much the non-ASCII characters look like real words.

    Good: accented letters in words. Bad: a dash or symbol inside a word
    ("Capacitaci—n"), a capital inside a word of small letters ("PÈrez",
    "InformaciÛn"), a small letter inside a word in capitals ("CAPACITACIîN"),
    a symbol glued to the end of a word ("est·").
    """
    good = 0.0
    bad = 0
    for seen, match in enumerate(_NON_ASCII.finditer(text), start=1):
        if seen > _EVIDENCE_SAMPLE:
            break
        i = match.start()
        prev = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        score = (
            _letter_score(text[i], prev, after) if text[i].isalpha() else _mark_score(text[i], prev, after)
        )
        if score < 0:
            bad += 1
        else:
            good += score
    return good, bad


def _letter_score(ch: str, prev: str, after: str) -> float:
    """-1 for a letter no real word has there, else how much it looks like a real word's."""
    if ch.isupper() and prev.isalpha() and (prev.islower() or after.islower()):
        return -1
    if ch.islower() and prev.isalpha() and prev.isupper() and after.isalpha() and after.isupper():
        return -1
    if ch in _CORE:
        return 1
    return 0.5 if ch in _COMMON else 0


def _mark_score(ch: str, prev: str, after: str) -> float:
    """The same for a character that is not a letter: a symbol inside or glued to a word is bad."""
    if prev.isalpha() and after.isalpha():
        return 0 if ch in _APOSTROPHES else -1
    if ch in _OPENING:
        return 0.5 if not prev.isalpha() and after.isalpha() else 0
    return -1 if prev.isalpha() and ch not in _TRAILING else 0


def _convincing(good: float, bad: int) -> bool:
    return good >= 1 and bad * 4 <= good


def _single_byte(data: bytes) -> str | None:
    texts = {enc: t for enc in SINGLE_BYTE if (t := _strict(data, enc)) is not None}
    if not texts:
        return None
    scored = {enc: evidence(t) for enc, t in texts.items()}
    score = {enc: good - 3 * bad for enc, (good, bad) in scored.items()}
    ranked = sorted(texts, key=lambda enc: score[enc], reverse=True)
    best = ranked[0]
    margin = score[best] - (score[ranked[1]] if len(ranked) > 1 else 0)
    if _convincing(*scored[best]) and (len(ranked) == 1 or margin >= 2):
        return texts[best]
    # Nothing in the words decides: let the detector break the tie, if it is clear.
    chaos = _chaos(data, list(texts))
    if len(chaos) == len(texts) and len(texts) > 1:
        low = min(chaos, key=chaos.get)
        others = [c for enc, c in chaos.items() if enc != low]
        if min(others) - chaos[low] >= 0.1 and scored[low][1] == 0:
            return texts[low]
    return None


def _chaos(data: bytes, encodings: list[str]) -> dict[str, float]:
    """charset-normalizer's mess ratio for each encoding (lower is more plausible)."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return {}
    out = {}
    for enc in encodings:
        matches = from_bytes(data, cp_isolation=[enc], threshold=1.0, explain=False)
        best = matches.best()
        if best is not None:
            out[enc] = best.chaos
    return out


def split(text: str) -> tuple[list[list[str]], CsvRefusal | None]:
    """Rows of text cells from decoded CSV text, within the row and cell limits.

    Every field is a cell: more separators than ``MAX_CELLS`` is refused before
    the parser builds them, and rows past ``MAX_ROWS`` are counted, not kept.
    """
    sep = _SEP_LINE.match(text)
    if sep:
        delimiter, text = sep.group(1), text[sep.end() :]
    else:
        delimiter = delimiter_of(text)
    separators = text.count(delimiter)
    if separators > MAX_CELLS:
        return [], CsvRefusal(
            "too_many_cells",
            {"value": str(separators), "max": MAX_CELLS, "range": _rough_range(text, delimiter)},
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    texts: dict[str, str] = {}
    rows: list[list[str]] = []
    count = 0
    for row in reader:
        count += 1
        if count <= MAX_ROWS + 1:
            rows.append(row_text(row, texts, {}))
    height = len(rows)
    while height and not any(rows[height - 1]):
        height -= 1
    if count > len(rows):
        return [], CsvRefusal("too_many_rows", {"value": str(count - 1), "max": MAX_ROWS})
    width = 0
    for row in rows[:height]:
        n = len(row)
        while n > width and not row[n - 1]:
            n -= 1
        width = max(width, n)
    if height * width > MAX_CELLS:
        return [], CsvRefusal(
            "too_many_cells",
            {"value": str(height * width), "max": MAX_CELLS, "range": f"A1:{column_letter(width)}{height}"},
        )
    return rows, None


def _rough_range(text: str, delimiter: str) -> str:
    """The area a CSV's lines reach (quotes ignored), for a refusal message."""
    width, lines, start = 0, 0, 0
    for match in _LINE_END.finditer(text):
        lines += 1
        width = max(width, text.count(delimiter, start, match.start()) + 1)
        start = match.end()
    if start < len(text):
        lines += 1
        width = max(width, text.count(delimiter, start) + 1)
    return f"A1:{column_letter(min(width, 16_384))}{lines}"


def delimiter_of(text: str) -> str:
    """The candidate that splits the header line into the most fields (comma on a tie)."""
    header = _LINE_END.split(text[:_HEADER_SAMPLE], 1)[0]
    best, best_count = ",", 0
    for candidate in (",", ";", "\t"):
        try:
            count = len(next(csv.reader([header], delimiter=candidate), []))
        except csv.Error:  # a field longer than the csv module allows
            count = 0
        if count > best_count:
            best, best_count = candidate, count
    return best

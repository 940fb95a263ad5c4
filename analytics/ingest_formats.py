"""What a workbook shows beyond its cell values, read straight from its XML.

calamine gives each cell's stored value; this module learns what the parser does
not tell: number formats (a percent cell holding 0.45 shows "45%"; a date shown
as its year only), hidden rows, columns and filters, merged ranges, error cells,
formulas never calculated, and — before any parser materialises a sheet — how
far each sheet's used area reaches.

It runs in the worker process (``ingest_worker``), never in the app's. xlsx sheet
XML is scanned with byte searches anchored on the rare things (a percent style, a
hidden row, an error, a formula) so that a large plain sheet costs a handful of
passes at memory speed; sheets that do not look like what Excel, LibreOffice,
openpyxl or xlsxwriter write (cells without ``r``, other attribute orders) take a
slower row-by-row walk that reads the same. ods is read with ``iterparse``.
Keep the imports light: this module is imported on every worker start.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator

PERCENT = "percent"
YEAR = "year"
SIGNIFICANT = 15  # Excel shows at most 15 significant digits
MAX_COLUMNS = 16_384
MAX_LISTED = 1_000  # positions kept per kind and sheet (errors, formulas…)
ERROR_TEXTS = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
)

# Built-in number formats that are percentages (ECMA-376 §18.8.30).
_BUILTIN_PERCENT = {9, 10}
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


def _attrs(tag: bytes) -> dict[str, str]:
    out = {}
    for name, dq, sq in _ATTR.findall(tag):
        out[name.decode("ascii", "replace").rpartition(":")[2]] = (dq if dq or not sq else sq).decode(
            "utf-8", "replace"
        )
    return out


def _add(items: list, item: object) -> None:
    if len(items) < MAX_LISTED:
        items.append(item)


# --- xlsx: workbook and styles ------------------------------------------------------------


class XlsxBook:
    __slots__ = ("full_calc_on_load", "date1904", "kinds")

    def __init__(self) -> None:
        self.full_calc_on_load = False
        self.date1904 = False
        self.kinds: dict[int, str] = {}  # cellXfs index → PERCENT | YEAR


def _read_limited(book: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return book.read(name)
    except KeyError:
        return None


def xlsx_book(book: zipfile.ZipFile) -> XlsxBook:
    info = XlsxBook()
    names = {n.lower(): n for n in book.namelist()}
    workbook = _read_limited(book, names.get("xl/workbook.xml", "xl/workbook.xml")) or b""
    calc = re.search(rb"<(?:\w+:)?calcPr\b([^>]*)>", workbook)
    if calc:
        info.full_calc_on_load = _attrs(calc.group(1)).get("fullCalcOnLoad", "").lower() in ("1", "true")
    pr = re.search(rb"<(?:\w+:)?workbookPr\b([^>]*)>", workbook)
    if pr:
        info.date1904 = _attrs(pr.group(1)).get("date1904", "").lower() in ("1", "true")
    styles = _read_limited(book, names.get("xl/styles.xml", "xl/styles.xml"))
    if styles:
        info.kinds = style_kinds(styles)
    return info


def style_kinds(styles: bytes) -> dict[int, str]:
    """cellXfs index → PERCENT or YEAR, for the styles whose number format needs it."""
    codes: dict[int, str] = {}
    for tag in re.findall(rb"<(?:\w+:)?numFmt\b([^>]*)>", styles):
        attrs = _attrs(tag)
        try:
            codes[int(attrs.get("numFmtId", ""))] = _unescape(attrs.get("formatCode", ""))
        except ValueError:
            continue
    xfs = re.search(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", styles, re.S)
    kinds: dict[int, str] = {}
    if not xfs:
        return kinds
    for index, tag in enumerate(re.findall(rb"<(?:\w+:)?xf\b([^>]*)>", xfs.group(1))):
        try:
            fmt = int(_attrs(tag).get("numFmtId", "0"))
        except ValueError:
            continue
        kind = PERCENT if fmt in _BUILTIN_PERCENT and fmt not in codes else format_kind(codes.get(fmt, ""))
        if kind:
            kinds[index] = kind
    return kinds


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    for entity, char in (("&quot;", '"'), ("&apos;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


# --- xlsx: one sheet -----------------------------------------------------------------------


_PREFIX = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_CELL_ATTRS = re.compile(rb'\sr="([A-Za-z]{1,3})(\d+)"')
_CAPITALS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAG_ENDS = frozenset((b" ", b">", b"/", b"\t", b"\n", b"\r"))
_ROW_REF = re.compile(rb'\sr="(\d+)"')
_HIDDEN_ATTR = re.compile(rb'\shidden="(?:1|true)"')


class _Patterns:
    """The byte patterns for one namespace prefix (b"" or b"x:")."""

    def __init__(self, p: bytes) -> None:
        e = re.escape(p)
        self.c_any = b"<" + p + b"c"
        self.c_ref = b"<" + p + b'c r="'
        self.f_open = b"<" + p + b"f"
        self.row_any = b"<" + p + b"row"
        self.row_ref = b"<" + p + b'row r="'
        self.sheet_data = b"<" + p + b"sheetData"
        self.sheet_data_end = b"</" + p + b"sheetData>"
        self.c_end = b"</" + p + b"c>"
        self.autofilter = b"<" + p + b"autoFilter"
        self.dimension = re.compile(
            b"<" + e + rb'dimension\s+ref="(?:[A-Za-z]{1,3}\d+:)?([A-Za-z]{1,3})(\d+)"'
        )
        self.letters = re.compile(b"<" + e + rb'c r="([A-Z]+)')
        self.unregular = re.compile(b"<" + e + rb'c(?! r="[A-Z])[\s>/]')
        self.cell_tag = re.compile(b"<" + e + rb'c r="([A-Za-z]{1,3})(\d+)"([^>]*?)(/?)>')
        self.row_digits = re.compile(rb"[A-Za-z]{1,3}(\d+)")
        self.hidden_row = re.compile(b"<" + e + rb'row r="(\d+)"[^>]*?\shidden="(?:1|true)"')
        self.row_tag = re.compile(b"<" + e + rb"row(?=[\s>/])([^>]*?)(/?)>")
        self.any_cell = re.compile(b"<" + e + rb"c(?=[\s>/])([^>]*?)(/?)>")
        self.col = re.compile(b"<" + e + rb"col\b([^>]*)>")
        self.merge = re.compile(b"<" + e + rb'mergeCell\b[^>]*?\sref="([^"]+)"')
        self.value = re.compile(b"<" + e + rb"v>(.*?)</" + e + rb"v>", re.S)
        self.formula = re.compile(b"<" + e + rb"f[\s>/]")


_PATTERNS: dict[bytes, _Patterns] = {}


def _patterns(prefix: bytes) -> _Patterns:
    if prefix not in _PATTERNS:
        _PATTERNS[prefix] = _Patterns(prefix)
    return _PATTERNS[prefix]


def _greater(n: int) -> str:
    """A regex for decimal numbers (no leading zeros) greater than ``n``."""
    digits = str(n)
    parts = [rf"[1-9]\d{{{len(digits)},}}"]
    for i, ch in enumerate(digits):
        if ch != "9":
            rest = len(digits) - i - 1
            parts.append(f"{digits[:i]}[{int(ch) + 1}-9]" + (rf"\d{{{rest}}}" if rest else ""))
    return "|".join(parts)


def _letters_at_most(col: int) -> bytes:
    """A regex for column letters up to column ``col`` (1-based)."""
    letters = column_letter(col)
    parts = [f"[A-Z]{{1,{len(letters) - 1}}}"] if len(letters) > 1 else []
    for i, ch in enumerate(letters):
        if ch != "A":
            rest = len(letters) - i - 1
            parts.append(f"{letters[:i]}[A-{chr(ord(ch) - 1)}]" + (f"[A-Z]{{{rest}}}" if rest else ""))
    parts.append(letters)
    return "|".join(parts).encode()


def column_letter(index: int) -> str:
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class XlsxSheet:
    """One worksheet's XML. ``regular`` when every cell tag starts with its
    ``r`` attribute in capitals, as every mainstream writer does: then byte
    searches anchored on the rare things are exact. Otherwise a slower
    row-by-row walk is used."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        match = _PREFIX.search(xml, 0, 4096)
        self.ok = match is not None
        prefix = (match.group(1) + b":") if match and match.group(1) else b""
        self.pat = _patterns(prefix)
        self.start = xml.find(self.pat.sheet_data) if self.ok else -1
        if self.start < 0:
            self.ok = False
            self.start = self.end = 0
        else:
            end = xml.find(self.pat.sheet_data_end, self.start)
            self.end = len(xml) if end < 0 else end
        self._regular: bool | None = None

    @property
    def regular(self) -> bool:
        if self._regular is None:
            self._regular = self.ok and not self.pat.unregular.search(self.xml, self.start, self.end)
        return self._regular

    # bounds

    def bounds(self, max_cells: int = 1_000_000) -> tuple[int, int]:
        """(last row, last column) holding a cell: an upper bound of calamine's
        range (empty styled ``<c/>`` count too; ``exact_bounds`` leaves them out).

        The sheet's ``<dimension>`` is taken when one pass finds no cell beyond
        it and no cell without a capital ``r``; otherwise every cell is read.
        """
        if not self.ok:
            return 0, 0
        xml, pat, start, end = self.xml, self.pat, self.start, self.end
        claim = pat.dimension.search(xml, 0, start)
        if claim:
            rows, cols = int(claim.group(2)), column_index(claim.group(1))
            if 0 < rows and 0 < cols <= MAX_COLUMNS:
                # One pass: every cell names a column within the claim and a row
                # with no more digits than the claim's (so below 10**digits).
                digits = len(str(rows))
                outside = re.compile(
                    re.escape(pat.c_any)
                    + rb'(?! r="(?:'
                    + _letters_at_most(cols)
                    + rb")\d{1,%d}\")" % digits
                    + rb"[\s>/]"
                )
                if not outside.search(xml, start, end):
                    self._regular = True
                    if (10**digits - 1) * cols <= max_cells or not self._beyond_row(rows):
                        return rows, cols
        if not self.regular:
            return self._irregular_bounds()
        last = xml.rfind(pat.c_ref, start, end)
        if last < 0:
            return 0, 0
        match = pat.row_digits.match(xml, last + len(pat.c_ref))
        rows = int(match.group(1)) if match else 0
        if self._beyond_row(rows):  # cells out of order: read every row number
            rows = max(
                int(m) for m in re.findall(re.escape(pat.c_ref) + rb'[A-Z]{1,3}(\d+)"', xml[start:end])
            )
        letters = set(pat.letters.findall(xml, start, end))
        return rows, max((column_index(x) for x in letters), default=0)

    def _beyond_row(self, rows: int) -> bool:
        """Whether any cell names a row after ``rows``."""
        pat = self.pat
        beyond = re.compile(re.escape(pat.c_ref) + rb"[A-Z]{1,3}(?:" + _greater(rows).encode() + rb')"')
        return beyond.search(self.xml, self.start, self.end) is not None

    def _rows(self) -> Iterator[tuple[int, bytes, bytes]]:
        """(row number, row attributes, row content) of each row, following the
        numbering a reader uses when ``r`` is missing."""
        xml = self.xml
        current = 0
        previous = None
        for match in self.pat.row_tag.finditer(xml, self.start, self.end):
            if previous is not None:
                yield self._row(previous, match.start(), current)
            current = self._row_number(match.group(1), current)
            previous = match
        if previous is not None:
            yield self._row(previous, self.end, current)

    @staticmethod
    def _row_number(attrs: bytes, current: int) -> int:
        ref = _ROW_REF.search(b" " + attrs)
        return int(ref.group(1)) if ref else current + 1

    def _row(self, match: re.Match[bytes], stop: int, number: int) -> tuple[int, bytes, bytes]:
        content = b"" if match.group(2) else self.xml[match.end() : stop]
        return number, match.group(1), content

    def _irregular_bounds(self) -> tuple[int, int]:
        """Row by row: a row's last column is at most its last explicit column
        plus the cells written without one (every ``<c`` counts: an upper bound)."""
        rows = cols = 0
        c_any = self.pat.c_any
        for number, _, content in self._rows():
            cells = content.count(c_any)
            if not cells:
                continue
            if b' r="' in content:
                explicit = _CELL_ATTRS.findall(content)
                row_max = max([number] + [int(r) for _, r in explicit])
                col_max = max((column_index(c) for c, _ in explicit), default=0)
                cells = col_max + cells - len(explicit)
            else:
                row_max = number
            rows = max(rows, row_max)
            cols = max(cols, min(cells, MAX_COLUMNS))
        return rows, cols

    def exact_bounds(self) -> tuple[int, int]:
        """(last row, last column) of the cells that hold something."""
        rows = cols = 0
        for row, col, _, inner in self._cells():
            if inner is not None:
                rows, cols = max(rows, row), max(cols, col)
        return rows, cols

    def _cells(self, rows: Iterator[tuple[int, bytes, bytes]] | None = None) -> Iterator[tuple]:
        """(row, col, attributes, inner XML or None when empty) of every cell;
        slow, for irregular sheets and exact counts only."""
        pat = self.pat
        for number, _, content in rows if rows is not None else self._rows():
            col = 0
            for match in pat.any_cell.finditer(content):
                attrs = _attrs(match.group(1))
                pos = parse_ref(attrs["r"]) if "r" in attrs else None
                row = number
                if pos is not None:
                    row, col = pos
                else:
                    col += 1
                if match.group(2):
                    yield row, col, attrs, None
                    continue
                close = content.find(pat.c_end, match.end())
                yield row, col, attrs, content[match.end() : close if close >= 0 else len(content)]

    # details

    def details(self, book: XlsxBook, scan: SheetScan) -> None:
        """Fill ``scan`` with styles of note, hidden rows and columns, merges,
        error cells and formulas without a usable result."""
        scan.detailed = True
        if not self.ok:
            return
        xml, pat, start, end = self.xml, self.pat, self.start, self.end
        for tag in pat.col.findall(xml, 0, start):
            attrs = _attrs(tag)
            if attrs.get("hidden", "").lower() in ("1", "true"):
                try:
                    first, last = int(attrs.get("min", "0")), int(attrs.get("max", "0"))
                except ValueError:
                    continue
                if 0 < first <= last:
                    scan.hidden_cols.append((first, min(last, MAX_COLUMNS)))
        for ref in pat.merge.findall(xml, end):
            a, _, b = ref.decode("ascii", "replace").partition(":")
            first, last = parse_ref(a), parse_ref(b or a)
            if first and last:
                scan.merges.append((*first, *last))
        hidden = scan.filtered_rows if xml.find(pat.autofilter, end) >= 0 else scan.hidden_rows
        if self.regular:
            self._regular_details(book, scan, hidden)
        else:
            self._irregular_details(book, scan, hidden)

    def _regular_details(self, book: XlsxBook, scan: SheetScan, hidden: list[int]) -> None:
        xml, pat, start, end = self.xml, self.pat, self.start, self.end
        if xml.find(b'hidden="', start, end) >= 0:
            if xml.count(pat.row_any, start, end) == xml.count(pat.row_ref, start, end):
                hidden.extend(int(r) for r in pat.hidden_row.findall(xml, start, end))
            else:
                for number, attrs, _ in self._rows():
                    if _HIDDEN_ATTR.search(b" " + attrs):
                        hidden.append(number)
        if book.kinds:
            self._styled_cells(book.kinds, scan)
        pos = xml.find(b't="e"', start, end)
        while pos >= 0:
            cell = self._cell_at(xml.rfind(b"<", start, pos))
            if cell is not None:
                row, col, _, inner = cell
                value = pat.value.search(inner)
                _add(
                    scan.errors,
                    (row, col, _unescape(value.group(1).decode("utf-8", "replace")) if value else ""),
                )
            pos = xml.find(b't="e"', pos + 5, end)
        opening = pat.f_open
        pos = xml.find(opening, start, end)
        while pos >= 0:
            if xml[pos + len(opening) : pos + len(opening) + 1] in _TAG_ENDS:
                cell = self._cell_at(xml.rfind(pat.c_ref, start, pos), before=pos)
                if cell is not None:
                    row, col, attrs, inner = cell
                    _formula(scan, row, col, attrs, inner, pat, book.full_calc_on_load)
            pos = xml.find(opening, pos + len(opening), end)

    def _styled_cells(self, kinds: dict[int, str], scan: SheetScan) -> None:
        """Cells whose style is a percent or a year-only date, found from the
        ``s="N"`` attribute (a plain search per style; one regex when there are
        many), then the reference just before it: ``<c r="E2" s="1"``."""
        xml, pat, start, end = self.xml, self.pat, self.start, self.end
        if len(kinds) > 4:
            styles = b"|".join(str(i).encode() for i in sorted(kinds))
            found = [
                (m.start(), kinds[int(m.group(1))])
                for m in re.compile(rb'\ss="(' + styles + rb')"').finditer(xml, start, end)
            ]
        else:
            found = []
            for index, kind in kinds.items():
                needle = b' s="%d"' % index
                size = len(needle)
                pos = xml.find(needle, start, end)
                while pos >= 0:
                    found.append((pos, kind))
                    pos = xml.find(needle, pos + size, end)
        c_ref, size = pat.c_ref, len(pat.c_ref)
        styled = scan.styled
        for pos, kind in found:
            opening = xml.rfind(b'"', pos - 12, pos - 1)
            if xml[pos - 1] == 34 and xml[opening + 1 - size : opening + 1] == c_ref:
                ref = xml[opening + 1 : pos - 1]
            else:  # other attributes in between: back to the tag's start
                tag_start = xml.rfind(b"<", start, pos)
                if not xml.startswith(c_ref, tag_start):
                    continue
                ref = xml[tag_start + size : xml.find(b'"', tag_start + size, pos)]
            digits = ref.lstrip(_CAPITALS)
            if digits.isdigit() and len(digits) < len(ref):
                styled.append((int(digits), column_index(ref[: len(ref) - len(digits)]), kind))

    def _cell_at(
        self, tag_start: int, before: int | None = None
    ) -> tuple[int, int, dict[str, str], bytes] | None:
        """The cell whose tag starts at ``tag_start`` (holding ``before``, if given)."""
        xml, pat = self.xml, self.pat
        if tag_start < 0 or not xml.startswith(pat.c_ref, tag_start):
            return None
        tag = pat.cell_tag.match(xml, tag_start)
        if tag is None or tag.group(4):
            return None
        close = xml.find(pat.c_end, tag.end(), self.end)
        if close < 0 or (before is not None and not tag.end() <= before < close):
            return None
        return int(tag.group(2)), column_index(tag.group(1)), _attrs(tag.group(3)), xml[tag.end() : close]

    def _irregular_details(self, book: XlsxBook, scan: SheetScan, hidden: list[int]) -> None:
        pat = self.pat
        marked: list[tuple[int, bytes, bytes]] = []
        for number, attrs, content in self._rows():
            if _HIDDEN_ATTR.search(b" " + attrs):
                hidden.append(number)
            if (book.kinds and b" s=" in content) or b't="e"' in content or pat.formula.search(content):
                marked.append((number, attrs, content))
        for row, col, attrs, inner in self._cells(iter(marked)):
            if inner is None:
                continue
            try:
                kind = book.kinds.get(int(attrs.get("s", "0")))
            except ValueError:
                kind = None
            if kind:
                scan.styled.append((row, col, kind))
            if attrs.get("t") == "e":
                value = pat.value.search(inner)
                _add(
                    scan.errors,
                    (row, col, _unescape(value.group(1).decode("utf-8", "replace")) if value else ""),
                )
            elif pat.formula.search(inner):
                _formula(scan, row, col, attrs, inner, pat, book.full_calc_on_load)


def _formula(
    scan: SheetScan, row: int, col: int, attrs: dict[str, str], inner: bytes, pat: _Patterns, full_calc: bool
) -> None:
    """A formula with no stored result, or storing 0 where the writer asked the
    reader to recalculate everything on load (which calamine cannot)."""
    value = pat.value.search(inner)
    kind = attrs.get("t", "n")
    if value is None or (not value.group(1) and kind not in ("str", "inlineStr")):
        _add(scan.no_result, (row, col))
    elif full_calc and kind == "n" and value.group(1).strip() in (b"0", b"0.0"):
        _add(scan.zero_result, (row, col))


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
        _add(scan.errors, (row + 1, col + 1, text))
    elif formula and not value_type:
        _add(scan.no_result, (row + 1, col + 1))
    spans = _count(el.get(A_ROWS_SPANNED)), _count(el.get(A_COLS_SPANNED))
    if spans != (1, 1):
        _add(scan.merges, (row + 1, col + 1, row + spans[0], col + spans[1]))
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

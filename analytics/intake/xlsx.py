"""An xlsx workbook's XML, scanned for what calamine does not tell: number formats and styles,
hidden rows and columns, filters, merged ranges, error cells, formulas never calculated, and
how far each sheet's used area reaches (byte searches anchored on the rare things; a slower
row-by-row walk for sheets not written the mainstream way). Runs in the worker process."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator

from analytics.intake.formats import (
    BUILTIN_PERCENT,
    MAX_COLUMNS,
    PERCENT,
    SheetScan,
    add_limited,
    column_index,
    column_letter,
    format_kind,
    parse_ref,
    xml_attrs,
)

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
        info.full_calc_on_load = xml_attrs(calc.group(1)).get("fullCalcOnLoad", "").lower() in ("1", "true")
    pr = re.search(rb"<(?:\w+:)?workbookPr\b([^>]*)>", workbook)
    if pr:
        info.date1904 = xml_attrs(pr.group(1)).get("date1904", "").lower() in ("1", "true")
    styles = _read_limited(book, names.get("xl/styles.xml", "xl/styles.xml"))
    if styles:
        info.kinds = style_kinds(styles)
    return info


def style_kinds(styles: bytes) -> dict[int, str]:
    """cellXfs index → PERCENT or YEAR, for the styles whose number format needs it."""
    codes: dict[int, str] = {}
    for tag in re.findall(rb"<(?:\w+:)?numFmt\b([^>]*)>", styles):
        attrs = xml_attrs(tag)
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
            fmt = int(xml_attrs(tag).get("numFmtId", "0"))
        except ValueError:
            continue
        kind = PERCENT if fmt in BUILTIN_PERCENT and fmt not in codes else format_kind(codes.get(fmt, ""))
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
                attrs = xml_attrs(match.group(1))
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
            attrs = xml_attrs(tag)
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
                add_limited(
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
        return int(tag.group(2)), column_index(tag.group(1)), xml_attrs(tag.group(3)), xml[tag.end() : close]

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
                add_limited(
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
        add_limited(scan.no_result, (row, col))
    elif full_calc and kind == "n" and value.group(1).strip() in (b"0", b"0.0"):
        add_limited(scan.zero_result, (row, col))

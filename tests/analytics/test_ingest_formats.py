"""The rules behind "what the person saw": number text, format codes, the XML
scan's fast and careful paths (which must agree), and CSV encodings."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from analytics.intake import csv_files
from analytics.intake.formats import PERCENT, YEAR, column_letter, format_kind, number_text, percent_text
from analytics.intake.reading import read_upload
from analytics.intake.worker import _apply_styles
from analytics.intake.xlsx import _greater, _letters_at_most, style_kinds

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = (
    f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="&quot;Año &quot;yyyy"/>'
    '</numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="9"/><xf numFmtId="164"/><xf numFmtId="165"/>'
    "</cellXfs></styleSheet>"
)


def book(sheet_xml: str, styles: str | None = STYLES, calc: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
            '.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_REL}"><sheets><sheet name="avance" '
            f'sheetId="1" r:id="rId1"/></sheets>{calc}</workbook>',
        )
        rels = f'<Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        if styles:
            rels += f'<Relationship Id="rId2" Type="{DOC_REL}/styles" Target="styles.xml"/>'
            z.writestr("xl/styles.xml", styles)
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{RELS}">{rels}</Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buf.getvalue()


# --- number text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (7.000000000000001, "7"),
        (0.30000000000000004, "0.3"),
        (1000.0, "1000"),
        (-0.0, "0"),
        (45.5, "45.5"),
        (2.675, "2.675"),
        (1e20, "1e+20"),
        (1.5e-7, "1.5e-07"),
        (123456789012.25, "123456789012.25"),
        (0.1234567890123456789, "0.123456789012346"),  # 15 significant digits, as Excel shows
    ],
)
def test_number_text_has_at_most_15_significant_digits(value, text):
    assert number_text(value) == text


@pytest.mark.parametrize(
    "value, text",
    [
        (0.45, "45%"),
        (0.455, "45.5%"),
        (0.07, "7%"),
        (1.0, "100%"),
        (0.0, "0%"),
        (0.333333333333333, "33.3333333333333%"),
    ],
)
def test_percent_text_is_the_value_times_100_without_noise(value, text):
    assert percent_text(value) == text


@pytest.mark.parametrize(
    "code, kind",
    [
        ("0%", PERCENT),
        ("0.0%", PERCENT),
        ("#,##0.00%;[Red]-#,##0.00%", PERCENT),
        ('0" %"', None),  # a quoted percent sign is text: the value is not scaled
        ("yyyy", YEAR),
        ("yy", YEAR),
        ('"Año "yyyy', YEAR),
        ("[$-C0A]yyyy", YEAR),
        ("dd/mm/yyyy", None),
        ("mmm yyyy", None),
        ("[h]:mm", None),
        ("General", None),
        ("0.00E+00", None),
        ("#,##0", None),
        ("@", None),
    ],
)
def test_format_kind(code, kind):
    assert format_kind(code) == kind


def test_style_kinds_map_cell_styles_through_builtin_and_custom_formats():
    assert style_kinds(STYLES.encode()) == {1: PERCENT, 2: PERCENT, 3: YEAR}


def test_year_style_on_a_plain_number_reads_the_year_of_that_serial_date():
    grid = [[45717.0, 2025.0]]
    rows = [["45717", "2025"]]
    dates: list[tuple[int, int]] = []
    _apply_styles(grid, rows, dates, [(1, 1, YEAR), (1, 2, YEAR)], False)
    assert rows == [["2025", "1905"]] and dates == [(0, 0), (0, 1)]  # 2025 typed under 'yyyy' shows 1905


@pytest.mark.parametrize("n", [0, 1, 9, 10, 99, 4001, 6001, 50_000, 1_048_575])
def test_greater_matches_exactly_the_numbers_above(n):
    rx = re.compile(f"(?:{_greater(n)})$")
    for k in {0, 1, n - 1, n, n + 1, n + 9, 10 * n + 5, 2 * n + 1, 1_048_576}:
        if k >= 0:
            assert bool(rx.match(str(k))) == (k > n), (n, k)


@pytest.mark.parametrize("col", [1, 7, 26, 27, 52, 702, 703, 16384])
def test_letters_at_most_matches_exactly_the_columns_up_to(col):
    rx = re.compile(b"(?:" + _letters_at_most(col) + b")$")
    for k in range(1, 16385):
        assert bool(rx.match(column_letter(k).encode())) == (k <= col), (col, k)


# --- the scan: fast and careful paths agree ------------------------------------------------------

REGULAR = (
    f'<worksheet xmlns="{MAIN}"><dimension ref="A1:C3"/><cols><col min="3" max="3" hidden="1"/></cols><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>país</t></is></c><c r="B1" t="inlineStr"><is><t>cobertura_pct</t>'
    '</is></c><c r="C1" t="inlineStr"><is><t>etapa</t></is></c><c r="D1" s="1"/></row>'
    '<row r="2" hidden="1"><c r="A2" t="inlineStr"><is><t>ARG</t></is></c><c r="B2" s="1"><v>0.45</v></c>'
    '<c r="C2" t="e"><v>#N/A</v></c></row>'
    '<row r="3"><c r="A3" t="inlineStr"><is><t>BOL</t></is></c><c r="B3" s="2"><v>0.455</v></c>'
    '<c r="C3"><f>1+2</f></c></row></sheetData><mergeCells count="1"><mergeCell ref="A3:A4"/></mergeCells>'
    "</worksheet>"
)
EXPECTED_ROWS = [
    ["país", "cobertura_pct", "etapa"],
    ["ARG", "45%", "#N/A"],
    ["BOL", "45.5%", ""],
    ["BOL", "", ""],
]
EXPECTED_FINDINGS = [
    ("hidden_content", "2", None),
    ("hidden_content", None, "C (etapa)"),
    ("error_cell", 2, "etapa"),
    ("formula_not_calculated", 3, "etapa"),
]


def _without_references(xml: str) -> str:
    xml = re.sub(r' r="[A-Z]+\d+"', "", xml.replace('<dimension ref="A1:C3"/>', ""))
    return re.sub(r'<row r="\d+"', "<row", xml)


def _prefixed(xml: str) -> str:
    tags = "worksheet|dimension|cols|col|sheetData|row|c|is|t|v|f|mergeCells|mergeCell"
    xml = re.sub(rf"<(/?)({tags})\b", r"<\1x:\2", xml)
    return xml.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"')


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(REGULAR, id="as-mainstream-writers-write"),
        pytest.param(REGULAR.replace('<dimension ref="A1:C3"/>', ""), id="no-dimension"),
        pytest.param(_without_references(REGULAR), id="cells-without-r"),
        pytest.param(_prefixed(REGULAR), id="prefixed-namespace"),
        pytest.param(
            REGULAR.replace('<c r="B2" s="1">', '<c s="1" r="B2">').replace(
                '<c r="C2" t="e">', '<c t="e" r="C2">'
            ),
            id="attributes-in-another-order",
        ),
        pytest.param(REGULAR.replace('<c r="B3" s="2">', '<c r="B3" t="n" s="2">'), id="type-before-style"),
    ],
)
def test_every_way_of_writing_the_sheet_reads_the_same(variant):
    result = read_upload(book(variant))
    assert result.kind == "xlsx" and result.sheets[0].rows == EXPECTED_ROWS
    got = [
        (
            f.code,
            f.row if f.code != "hidden_content" else f.param_dict().get("rows"),
            f.column or f.param_dict().get("columns"),
        )
        for f in result.findings
    ]
    assert got == EXPECTED_FINDINGS


def test_many_percent_styles_are_found_in_one_pass():
    xfs = "".join('<xf numFmtId="9"/>' for _ in range(8))
    styles = (
        f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><cellXfs count="8">{xfs}</cellXfs></styleSheet>'
    )
    cells = "".join(f'<c r="{column_letter(i + 1)}1" s="{i}"><v>0.{i}5</v></c>' for i in range(8))
    result = read_upload(
        book(f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{cells}</row></sheetData></worksheet>', styles)
    )
    assert result.sheets[0].rows == [[f"{i}5%" if i else "5%" for i in range(8)]]


def test_formula_storing_zero_is_read_when_the_writer_did_not_ask_for_a_recalculation():
    xml = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><f>1-1</f><v>0</v></c></row></sheetData></worksheet>'
    assert read_upload(book(xml)).findings == []
    flagged = read_upload(book(xml, calc='<calcPr fullCalcOnLoad="1"/>'))
    assert [(f.code, f.row, f.column) for f in flagged.findings] == [("formula_not_calculated", 1, "A")]


def test_formula_returning_empty_text_has_a_result():
    xml = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="str"><f>""</f><v></v></c>'
        '<c r="B1"><f t="shared" si="0"/><v></v></c></row></sheetData></worksheet>'
    )
    assert [(f.code, f.column) for f in read_upload(book(xml)).findings] == [("formula_not_calculated", "B")]


# --- CSV encodings --------------------------------------------------------------------------

SPANISH = "país;módulo;notas\rARG;Capacitación;Niños y niñas\rPER;Policía;Perú\r"


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman"])
def test_single_byte_spanish_is_told_apart(encoding):
    assert csv_files.decode(SPANISH.encode(encoding)) == SPANISH


@pytest.mark.parametrize(
    "mojibake",
    ["Capacitaci\u2014n", "InformaciÛn", "PÈrez", "est·", "Espa\u2013a", "CAPACITACIîN"],
)
def test_mojibake_looks_bad_to_the_evidence(mojibake):
    good, bad = csv_files.evidence(mojibake)
    assert bad >= 1


@pytest.mark.parametrize(
    "text", ["Capacitación", "Pérez", "¿Está?", "NIÑOS", "d\u2019Ivoire", "“citado”", "1º y 2ª"]
)
def test_real_words_do_not_look_bad(text):
    assert csv_files.evidence(text)[1] == 0


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman"])
def test_detector_breaks_a_tie_the_words_leave_only_when_it_is_clear(encoding):
    """No word decides "1º y 2ª": charset-normalizer finds the Mac Roman reading of the
    Windows bytes messier (so Windows-1252), but sees no difference for the Mac bytes."""
    text = "pais;notas\r\nARG;visita 1º y 2ª\r\n"
    assert csv_files.decode(text.encode(encoding)) == (text if encoding == "cp1252" else None)


def test_utf16_big_endian_with_bom_and_sep_line_with_cr():
    data = "\ufeffsep=;\rpaís;etapa\rPerú;3\r".encode("utf-16-be")
    assert read_upload(data, "x.csv").sheets[0].rows == [["país", "etapa"], ["Perú", "3"]]


def test_cr_only_csv_keeps_a_quoted_line_break():
    rows = read_upload(b'a;b\r1;"x\ry"\r2;3\r', "x.csv").sheets[0].rows
    assert rows == [["a", "b"], ["1", "x\ny"], ["2", "3"]]


def test_utf8_text_is_never_reinterpreted():
    data = "país,notas\nARG,Capacitación — “técnica”\n".encode()
    assert read_upload(data, "x.csv").sheets[0].rows[1] == ["ARG", "Capacitación — “técnica”"]

"""What is stored is what the person saw: files as real tools write them.

Fixtures are in tests/data/realworld/ (regenerate with
tests/data/make_realworld_fixtures.py, which says how each one was made).
Each test pins one behaviour: the exact text read back, or the exact finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics import i18n
from analytics.intake.reading import ReadResult, read_upload

DATA = Path(__file__).parents[1] / "data" / "realworld"
HEADER = ["país", "periodo", "módulo", "etapa", "cobertura_pct", "personal_capacitado", "notas"]
SPANISH = [
    HEADER,
    ["ARG", "2024", "Capacitación", "3", "45,5", "1000", "Niños y niñas"],
    ["BOL", "2024", "Policía", "2", "12", "20", "línea uno\nlínea dos"],
    ["PER", "2024", "Coordinación", "1", "", "7", "Perú; Ñandú"],
]


def read(name: str) -> ReadResult:
    return read_upload((DATA / name).read_bytes(), name)


def sheet(result: ReadResult, name: str = "avance"):
    return next(s for s in result.sheets if s.name == name)


def where(result: ReadResult) -> list[tuple]:
    return [(f.code, f.sheet, f.row, f.column, f.value) for f in result.findings]


# --- number formats ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["percent_openpyxl.xlsx", "percent_lo.xlsx", "percent_lo.ods"])
def test_percent_cells_read_as_shown_with_percent_sign(name):
    rows = sheet(read(name)).rows
    assert rows[1][4] == "45%"  # 0.45 formatted '0%'
    assert rows[2][4] == "45.5%"  # 0.455 formatted '0.0%', no float noise


@pytest.mark.parametrize("name", ["percent_lo.xlsx", "percent_lo.ods"])
def test_percent_formula_saved_by_libreoffice_reads_its_result_as_percent(name):
    result = read(name)
    assert result.findings == []
    assert sheet(result).rows[3][4] == "45%"  # =H4/I4 = 9/20


def test_percent_formula_written_by_openpyxl_is_not_calculated():
    result = read("percent_openpyxl.xlsx")
    assert where(result) == [("formula_not_calculated", "avance", 4, "cobertura_pct", None)]
    assert sheet(result).rows[3][4] == ""


@pytest.mark.parametrize("name", ["percent_openpyxl.xlsx", "percent_lo.xlsx", "percent_lo.ods"])
def test_floats_read_without_noise_and_integers_plainly(name):
    rows = sheet(read(name)).rows
    assert rows[1][5] == "1000"  # no thousands separator
    assert rows[2][5] == "7"  # 7.000000000000001
    assert rows[2][7] == "0.3"  # 0.1 + 0.2


@pytest.mark.parametrize("name", ["dates_openpyxl.xlsx", "dates_lo.xlsx", "dates_lo.ods"])
def test_date_shown_as_year_only_reads_as_the_year(name):
    assert sheet(read(name)).rows[1][1] == "2025"


@pytest.mark.parametrize("name", ["dates_openpyxl.xlsx", "dates_lo.xlsx", "dates_lo.ods"])
def test_other_dates_read_as_iso_and_every_date_cell_is_listed(name):
    result = read(name)
    avance = sheet(result)
    assert avance.rows[2][1] == "2024-06-30"
    assert avance.rows[3][1] == "2024-06-30 13:05:00"
    assert avance.rows[4][1] == "2024-Q1"
    assert avance.dates == frozenset({(1, 1), (2, 1), (3, 1)})
    assert result.findings == []


# --- merged ranges --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["merged_lo.xlsx", "merged_lo.ods"])
def test_merged_range_gives_its_value_to_every_cell_it_covers(name):
    rows = sheet(read(name)).rows
    assert [r[:3] for r in rows[1:4]] == [
        ["ARG", "2024", "Salud"],
        ["ARG", "2024", "Justicia"],
        ["ARG", "2024", "Policía"],
    ]
    assert rows[1][6:8] == ["nota ancha", "nota ancha"]  # G2:H2
    assert rows[0][7] == "" and len({len(r) for r in rows}) == 1


# --- hidden content --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hidden_lo.xlsx", "hidden_lo.ods"])
def test_hidden_rows_with_data_are_an_error_naming_them(name):
    found = [f for f in read(name).findings if f.param_dict().get("rows")]
    assert [(f.code, f.sheet, f.row, f.column, f.param_dict()["rows"]) for f in found] == [
        ("hidden_content", "avance", None, None, "5, 7\u20139")  # row 11 is hidden but empty
    ]
    assert found[0].is_error
    assert "5, 7\u20139" in i18n.finding_message(found[0], "es")


@pytest.mark.parametrize("name", ["hidden_lo.xlsx", "hidden_lo.ods"])
def test_hidden_column_with_data_is_an_error_naming_letter_and_header(name):
    found = [f for f in read(name).findings if f.param_dict().get("columns")]
    assert [(f.code, f.sheet, f.param_dict()["columns"]) for f in found] == [
        ("hidden_content", "avance", "C (módulo)")  # J is hidden but empty
    ]


@pytest.mark.parametrize("name", ["hidden_lo.xlsx", "hidden_lo.ods"])
def test_hidden_sheet_with_a_known_name_is_an_error_and_the_lists_sheet_is_not(name):
    result = read(name)
    hidden = {s.name for s in result.sheets if s.hidden}
    assert hidden == {"desafíos", "listas", "Hoja3"}
    sheets_reported = [f.sheet for f in result.findings if not set(f.param_dict()) & {"rows", "columns"}]
    assert sheets_reported == ["desafíos"]  # not listas (the template's), not Hoja3 (unknown name)
    assert "instrucciones" not in {f.sheet for f in result.findings}  # its hidden row is ignored
    assert len(result.findings) == 3


@pytest.mark.parametrize("name", ["filtered_lo.xlsx", "filtered_lo.ods"])
def test_rows_hidden_by_an_autofilter_are_an_error_that_says_filter(name):
    result = read(name)
    assert [(f.code, f.sheet, f.param_dict()["rows"]) for f in result.findings] == [
        ("hidden_content", "avance", "3, 5\u20136")
    ]
    assert "filtro" in i18n.finding_message(result.findings[0], "es")
    assert "filter" in i18n.finding_message(result.findings[0], "en")
    assert sheet(result).rows[2] == ["ARG", "2024", "Justicia", "2"], "the rows themselves are still read"


# --- error cells and formulas ----------------------------------------------------------------


def test_error_literals_are_errors_in_any_column_with_header_or_letter():
    result = read("errors_openpyxl.xlsx")
    assert where(result) == [
        ("error_cell", "avance", 2, "etapa", "#N/A"),
        ("error_cell", "avance", 2, "cobertura_pct", "#DIV/0!"),
        ("error_cell", "avance", 3, "módulo", "#REF!"),
        ("error_cell", "avance", 3, "cobertura_pct", "#VALUE!"),
        ("error_cell", "avance", 3, "personal_capacitado", "#NUM!"),
        ("error_cell", "avance", 3, "notas", "#NAME?"),
        ("error_cell", "avance", 3, "J", "#NULL!"),  # no header: the column letter
    ]  # nothing for the ignored lists sheet
    assert sheet(result).rows[1][3] == "#N/A", "the cell reads as it shows, never as blank"


@pytest.mark.parametrize("name", ["errors_lo.xlsx", "errors_lo.ods"])
def test_formulas_calculated_to_errors_by_libreoffice_are_errors(name):
    assert where(read(name)) == [
        ("error_cell", "avance", 2, "etapa", "#N/A"),
        ("error_cell", "avance", 2, "cobertura_pct", "#DIV/0!"),
        ("error_cell", "avance", 2, "personal_capacitado", "#VALUE!"),
        ("error_cell", "avance", 3, "etapa", "#NAME?"),
        ("error_cell", "avance", 3, "cobertura_pct", "#REF!"),
    ]


def test_error_cell_message_says_what_it_shows_where_and_what_to_do():
    finding = read("errors_openpyxl.xlsx").findings[0]
    es, en = i18n.finding_message(finding, "es"), i18n.finding_message(finding, "en")
    assert es.startswith("Fila 2, columna «etapa»:") and "#N/A" in es and "avance" in es
    assert en.startswith("Row 2, column 'etapa':") and "#N/A" in en and "Fix" in en


def test_xlsxwriter_formulas_stored_as_zero_with_full_recalculation_are_not_calculated():
    result = read("formulas_xlsxwriter.xlsx")
    assert where(result) == [
        ("formula_not_calculated", "avance", 2, "etapa", None),
        ("formula_not_calculated", "avance", 2, "cobertura_pct", None),
    ]  # F2 was given its value (29) by the writer: stored, so read
    assert sheet(result).rows[1][5] == "29"


def test_openpyxl_formulas_without_result_are_not_calculated():
    assert where(read("formulas_openpyxl.xlsx")) == [
        ("formula_not_calculated", "avance", 2, "etapa", None),
        ("formula_not_calculated", "avance", 2, "cobertura_pct", None),
        ("formula_not_calculated", "avance", 2, "personal_capacitado", None),
    ]


@pytest.mark.parametrize("name", ["formulas_lo.xlsx", "formulas_lo.ods"])
def test_formulas_saved_by_libreoffice_are_read_through_their_results(name):
    result = read(name)
    assert result.findings == []
    assert sheet(result).rows[1][3:6] == ["3", "45%", "29"]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_formula_not_calculated_message_asks_to_open_and_save_or_paste_values(lang):
    message = i18n.finding_message(read("formulas_xlsxwriter.xlsx").findings[0], lang)
    assert "Excel" in message and "LibreOffice" in message
    assert ("solo valores" if lang == "es" else "values only") in message


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "excel_mac_roman_cr.csv",  # Mac Roman, CR-only line ends, semicolons
        "excel_windows_es.csv",  # Windows-1252, semicolons, CRLF
        "excel_unicode_text.txt",  # UTF-16 LE with BOM, tabs, CRLF
        "utf16le_no_bom.csv",  # UTF-16 LE, no BOM, commas
        "utf8_no_bom.csv",
    ],
)
def test_csv_as_excel_writes_it_reads_the_same_spanish_text(name):
    result = read(name)
    assert result.kind == "csv" and result.findings == []
    assert result.sheets[0].rows == SPANISH


def test_mac_roman_csv_never_reads_as_windows_1252_mojibake():
    data = (DATA / "excel_mac_roman_cr.csv").read_bytes()
    assert b"\r\n" not in data and b"\r" in data and b"Capacitaci\x97n" in data
    text = sheet(read("excel_mac_roman_cr.csv"), "excel_mac_roman_cr").rows[1][2]
    assert text == "Capacitación" and "\u2014" not in text


def test_libreoffice_spanish_csv_reads_numbers_as_shown():
    rows = read("libreoffice_es.csv").sheets[0].rows
    assert rows[1] == ["ARG", "2024", "Capacitación", "3", "45,5%", "1.000", "Niños y niñas"]
    assert rows[2][4:6] == ["30,0%", "2.000"]


def test_csv_whose_encoding_cannot_be_told_is_refused_asking_for_utf8():
    result = read("ambiguous_single_byte.csv")
    assert where(result) == [("file_unreadable", None, None, None, None)]
    assert result.findings[0].param_dict() == {"reason": "encoding"}
    assert "CSV UTF-8" in i18n.finding_message(result.findings[0], "en")

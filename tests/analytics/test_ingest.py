"""The upload reader: format by content, every cell as text, exact row numbers,
and hostile files turned into findings without harming the app's process.

Fixtures are in tests/data/ingest/ (regenerate with tests/data/make_ingest_fixtures.py);
the zip bombs are built here at run time.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import pickle
import shutil
import stat
import struct
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import i18n
from analytics.findings import Finding
from analytics.intake import reading, sandbox
from analytics.intake.cell_text import cell_text, clean_text
from analytics.intake.reading import MAX_BYTES, ReadResult, read_upload
from analytics.paths import ROOT

DATA = Path(__file__).parents[1] / "data" / "ingest"
CODES = {
    "file_unreadable",
    "file_too_large",
    "file_encrypted",
    "file_unsafe",
    "formula_not_calculated",
    "error_cell",
    "hidden_content",
    "too_many_rows",
    "too_many_cells",
}
AVANCE_HEADER = ["país", "periodo", "módulo", "etapa", "cobertura_pct", "personal_capacitado", "notas"]


def read(name: str, as_name: str | None = None) -> ReadResult:
    return read_upload((DATA / name).read_bytes(), as_name or name)


def only_error(result: ReadResult) -> tuple[str, dict[str, str]]:
    assert result.kind is None and result.sheets == []
    assert len(result.findings) == 1, result.findings
    finding = result.findings[0]
    assert finding.is_error
    return finding.code, finding.param_dict()


# --- workbooks ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name, kind", [("typed.xlsx", "xlsx"), ("typed_lo.xlsx", "xlsx"), ("typed_lo.ods", "ods")]
)
def test_workbook_cells_come_back_as_text_on_their_spreadsheet_rows(name, kind):
    result = read(name)
    assert result.kind == kind and result.findings == []
    assert [s.name for s in result.sheets] == ["avance", "desafíos", "listas"]
    rows = result.sheets[0].rows
    assert rows[0][:7] == AVANCE_HEADER
    assert rows[1][:5] + rows[1][6:7] == ["ARG", "2024", "Salud", "3", "45.5", "NA"]
    assert rows[2] == [""] * len(rows[0]), "row 3 is blank and keeps its place"
    assert rows[3][:5] + rows[3][6:8] == ["BOL", "2024", "Justicia", "2", "0.25", "NULL", "2024-06-30"]
    assert rows[4][:8] == ["CHL", "N/A", "None", "", "1e+20", "-7", "=1+2", "2024-06-30 13:05:00"]
    assert rows[4][8] == "09:30:00"
    assert rows[5][6] == "José dice:\nhola\u200b"
    assert unicodedata.is_normalized("NFC", rows[5][6])
    assert len({len(r) for r in rows}) == 1


@pytest.mark.parametrize("name", ["typed.xlsx", "typed_lo.xlsx", "typed_lo.ods"])
def test_sheet_with_data_away_from_a1_keeps_row_and_column_positions(name):
    sheets = {s.name: s.rows for s in read(name).sheets}
    assert sheets["desafíos"][2][2] == "x"  # C3
    assert sheets["desafíos"][4][4] == "7"  # E5
    assert sheets["listas"] == [["HEALTH"], ["JUSTICE"]], "hidden sheets are read too"


def test_booleans_read_as_true_false():
    rows = read("typed.xlsx").sheets[0].rows
    assert (rows[1][5], rows[3][5]) == ("TRUE", "FALSE")


def test_format_is_decided_by_content_not_by_name():
    assert read("typed.xlsx", as_name="avance.csv").kind == "xlsx"
    assert read("typed_lo.ods", as_name="avance.xlsx").kind == "ods"
    assert read("utf8_bom.csv", as_name="avance.xlsx").kind == "csv"


def test_formula_saved_without_result_is_reported_with_row_and_header():
    result = read("formula_openpyxl.xlsx")
    assert result.kind == "xlsx" and result.sheets[0].rows[1] == ["ARG", "", "10"]
    got = [(f.code, f.sheet, f.row, f.column) for f in result.findings]
    assert got == [
        ("formula_not_calculated", "avance", 2, "etapa"),
        ("formula_not_calculated", "avance", 3, "cobertura_pct"),
        ("formula_not_calculated", "avance", 3, "E"),
    ]
    assert all(f.is_error for f in result.findings)


def test_formula_result_stored_by_libreoffice_is_read():
    result = read("formula_lo.xlsx")
    assert result.findings == []
    rows = result.sheets[0].rows
    assert (rows[1][1], rows[2][2], rows[2][4]) == ("3", "20", "4")


def test_libreoffice_installed_here_stores_formula_results(tmp_path):
    """The same check against the LibreOffice on this machine, not only the committed file."""
    if shutil.which("soffice") is None:
        if os.environ.get("CI"):
            pytest.fail("soffice is required in CI (install libreoffice-calc-nogui)")
        pytest.skip("LibreOffice (soffice) is not installed; CI runs this test")
    src = tmp_path / "formulas.xlsx"
    shutil.copy(DATA / "formula_openpyxl.xlsx", src)
    out = tmp_path / "out"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    result = read_upload((out / "formulas.xlsx").read_bytes(), "formulas.xlsx")
    assert result.findings == [] and result.sheets[0].rows[1][1] == "3"


# --- CSV -----------------------------------------------------------------------


def test_csv_windows_1252_semicolon_with_decimal_commas():
    result = read("win1252_semicolon.csv")
    assert result.kind == "csv" and result.findings == []
    sheet = result.sheets[0]
    assert sheet.name == "win1252_semicolon"
    assert sheet.rows[0] == ["país", "período", "módulo", "etapa", "cobertura_pct", "notas"]
    assert sheet.rows[1] == ["ARG", "2024", "Salud", "3", "45,5", "NA"]
    assert sheet.rows[2][2] == "Justicia y policía"
    assert sheet.rows[2][5] == "línea uno; con punto y coma\nlínea dos"
    assert sheet.rows[3] == [""] * 6, "the blank line keeps its row"
    assert sheet.rows[4] == ["CHL", "2024", "Coordinación", "NULL", "", "None"]


def test_csv_utf8_with_bom_quoted_newline_and_nfc():
    sheet = read("utf8_bom.csv").sheets[0]
    assert sheet.rows[0][0] == "country", "the BOM does not stick to the first header"
    assert sheet.rows[1] == ["ARG", "2024", "HEALTH", "3", "multi\nline"]
    assert sheet.rows[2] == ["BOL", "2024", "JUSTICE", "N/A", "José"]
    assert unicodedata.is_normalized("NFC", sheet.rows[2][4])


def test_csv_delimiter_comes_from_the_header_line():
    result = read_upload(b'country,notes\nARG,"a; b; c"\nBOL,x;y\n', "x.csv")
    assert result.sheets[0].rows == [["country", "notes"], ["ARG", "a; b; c"], ["BOL", "x;y"]]


def test_csv_excel_sep_line_and_utf16():
    rows = read_upload(b"sep=;\na;b\n1,5;2\n").sheets[0].rows
    assert rows == [["a", "b"], ["1,5", "2"]]
    rows = read_upload("país\tetapa\r\nPerú\t3\r\n".encode("utf-16")).sheets[0].rows
    assert rows == [["país", "etapa"], ["Perú", "3"]]


def test_csv_sheet_name_is_the_file_stem():
    assert read_upload(b"a\n1\n", r"C:\fakepath\avance.csv").sheets[0].name == "avance"
    assert read_upload(b"a\n1\n", "").sheets[0].name == "csv"


def test_csv_with_nul_or_undecodable_bytes_is_unreadable():
    assert only_error(read_upload(b"a,b\n1,\x002\n"))[0] == "file_unreadable"
    assert only_error(read_upload(b"a,b\n\x81\x8d,2\n")) == ("file_unreadable", {"reason": "encoding"})
    junk = bytes(range(1, 32)) * 50
    assert only_error(read_upload(junk)) == ("file_unreadable", {"reason": "binary"})


# --- refusals ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["encrypted.xlsx", "encrypted.ods"])
def test_password_protected_files(name):
    assert only_error(read(name)) == ("file_encrypted", {})


def test_legacy_xls_is_unreadable():
    assert only_error(read("legacy.xls")) == ("file_unreadable", {"reason": "legacy_format"})


def test_xml_with_doctype_is_unsafe():
    assert only_error(read("doctype.xlsx")) == ("file_unsafe", {"reason": "dtd"})


def test_zip_that_is_not_a_spreadsheet():
    assert only_error(read("not_a_spreadsheet.zip")) == ("file_unreadable", {"reason": "not_spreadsheet"})


def test_too_large_file_is_refused_before_reading():
    code, params = only_error(read_upload(b"a" * (MAX_BYTES + 1), "big.csv"))
    assert (code, params) == ("file_too_large", {"limit_mb": "10"})


@pytest.mark.parametrize("data", [b"", b"   \n", (DATA / "typed.xlsx").read_bytes()[:3000]])
def test_empty_and_truncated_files_are_unreadable(data):
    assert only_error(read_upload(data, "x.xlsx"))[0] == "file_unreadable"


def test_encrypted_zip_entries_are_refused():
    data = bytearray((DATA / "typed.xlsx").read_bytes())
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos != -1:
            struct.pack_into("<H", data, pos + flag_at, struct.unpack_from("<H", data, pos + flag_at)[0] | 1)
            pos = data.find(sig, pos + 4)
    assert only_error(read_upload(bytes(data)))[0] == "file_encrypted"


def minimal_xlsx(sheet_xml_chunks, *, extra_entries: int = 0) -> bytes:
    """A valid one-sheet workbook whose sheet XML is streamed from chunks."""
    rels_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
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
            f'<?xml version="1.0"?><Relationships xmlns="{rels_ns}"><Relationship '
            f'Id="rId1" Type="{doc_rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main" xmlns:r="{doc_rel}"><sheets><sheet name="avance" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{rels_ns}">'
            f'<Relationship Id="rId1" Type="{doc_rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for chunk in sheet_xml_chunks:
                fh.write(chunk)
        for i in range(extra_entries):
            z.writestr(f"xl/extra/{i}.txt", "")
    return buf.getvalue()


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData>'
)


def zeros_sheet(megabytes: int):
    yield SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    block = b"0" * (1 << 20)
    for _ in range(megabytes):
        yield block
    yield b"</t></is></c></row></sheetData></worksheet>"


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """~500 MB of sheet XML compressed to ~0.5 MB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    path.write_bytes(minimal_xlsx(zeros_sheet(500)))
    return path


def test_minimal_workbook_builder_is_readable():
    sheet = (
        SHEET_HEAD + b'<row r="2"><c r="B2" t="inlineStr"><is><t>hi</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    result = read_upload(minimal_xlsx([sheet]))
    assert result.kind == "xlsx" and result.sheets[0].rows == [["", ""], ["", "hi"]]


def test_zip_bomb_is_refused_fast_and_the_process_survives(zip_bomb):
    data = zip_bomb.read_bytes()
    assert len(data) < 1024 * 1024
    started = time.perf_counter()
    result = read_upload(data, "bomb.xlsx")
    assert time.perf_counter() - started < 5
    assert only_error(result) == ("file_unsafe", {"reason": "inflated_size"})
    assert read("typed.xlsx").kind == "xlsx"


def test_high_compression_ratio_is_refused():
    assert only_error(read_upload(minimal_xlsx(zeros_sheet(20)))) == (
        "file_unsafe",
        {"reason": "compression_ratio"},
    )


def test_too_many_entries_is_refused():
    data = minimal_xlsx([SHEET_HEAD + b"</sheetData></worksheet>"], extra_entries=10_001)
    assert only_error(read_upload(data)) == ("file_unsafe", {"reason": "too_many_entries"})


# --- the worker ------------------------------------------------------------------


def test_far_corner_cell_is_refused_before_the_parser_allocates():
    """A tiny sheet claiming the far corner would make the parser allocate 17
    billion cells; its rows are counted from the XML first and it is refused."""
    sheet = (
        SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    )
    started = time.perf_counter()
    assert only_error(read_upload(minimal_xlsx([sheet]))) == ("too_many_rows", {"max": "50000"})
    assert read_upload(minimal_xlsx([sheet])).findings[0].value == "1048575"
    assert time.perf_counter() - started < 10
    assert read("typed.xlsx").kind == "xlsx"


def test_worker_timeout_becomes_a_finding(monkeypatch):
    monkeypatch.setattr(sandbox, "WORKER_TIMEOUT", 0.001)
    assert only_error(read("typed.xlsx")) == ("file_unreadable", {"reason": "timeout"})


def fake_python(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-python"
    script.write_text("#!/bin/sh\ncat >/dev/null\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.mark.parametrize(
    "body, reason",
    [
        ("kill -KILL $$", "worker_killed"),
        ("echo 'Traceback: /secret/path' >&2; exit 3", "worker_failed"),
        ("echo not-a-pickle", "worker_failed"),
    ],
)
def test_worker_failures_become_findings(tmp_path, monkeypatch, body, reason):
    monkeypatch.setattr(sys, "executable", fake_python(tmp_path, body))
    assert only_error(read("typed.xlsx")) == ("file_unreadable", {"reason": reason})


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_worker_output_cannot_run_code_in_the_app(tmp_path, monkeypatch):
    (tmp_path / "payload").write_bytes(pickle.dumps({"sheets": [("a", [[_Exploit()]])], "formulas": []}))
    monkeypatch.setattr(sys, "executable", fake_python(tmp_path, f"cat '{tmp_path / 'payload'}'"))
    monkeypatch.chdir(tmp_path)
    assert only_error(read("typed.xlsx")) == ("file_unreadable", {"reason": "worker_failed"})
    assert not (tmp_path / "pwned").exists() and not (ROOT / "pwned").exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf"]),
    body=st.binary(max_size=2000),
    cut=st.integers(min_value=0, max_value=7000),
    flips=st.lists(st.tuples(st.integers(0, 6000), st.integers(0, 255)), max_size=8),
)
def test_never_raises(prefix, body, cut, flips):
    for data in (prefix + body, _mutated(flips)[:cut] if cut else _mutated(flips)):
        result = read_upload(data, "x.xlsx")
        assert isinstance(result, ReadResult)
        assert {f.code for f in result.findings} <= CODES
        assert all(isinstance(c, str) for s in result.sheets for r in s.rows for c in r)


def _mutated(flips: list[tuple[int, int]]) -> bytes:
    data = bytearray((DATA / "typed.xlsx").read_bytes())
    for pos, byte in flips:
        data[pos % len(data)] = byte
    return bytes(data)


# --- text rules and messages ---------------------------------------------------------------


def test_clean_text():
    assert clean_text("a\r\nb\rc") == "a\nb\nc"
    assert clean_text("x\x00\x01\x1b\x7f\x85y\tz\n") == "xy\tz\n"
    assert clean_text("Jose\u0301") == "José"
    assert clean_text("\u200bABC\u202e") == "\u200bABC\u202e"


@pytest.mark.parametrize(
    "value, text",
    [
        (3.0, "3"),
        (45.5, "45.5"),
        (-0.0, "0"),
        (1e20, "1e+20"),
        (7, "7"),
        (True, "TRUE"),
        (False, "FALSE"),
        (dt.datetime(2024, 6, 30), "2024-06-30"),
        (dt.datetime(2024, 6, 30, 13, 5, 0, 999_999), "2024-06-30 13:05:01"),
        (dt.date(2024, 6, 30), "2024-06-30"),
        (dt.time(9, 30), "09:30:00"),
        (dt.timedelta(hours=30), "1 day, 6:00:00"),
        ("NA", "NA"),
        ("", ""),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("code", sorted(CODES))
@pytest.mark.parametrize("lang", ["es", "en"])
def test_messages_say_what_and_what_to_do_without_library_names(code, lang):
    assert i18n.has(f"finding.{code}")
    if code == "hidden_content":
        finding = reading._hidden("rows", "avance", rows="5, 7\u20139")
    else:
        finding = Finding.error(
            code,
            sheet="avance",
            row=4,
            column="etapa",
            limit_mb=10,
            reason="corrupt",
            value="#N/A",
            max=50000,
            range="A1:XFD3000",
        )
    message = i18n.finding_message(finding, lang)
    assert "{" not in message
    lowered = message.lower()
    for word in ("calamine", "openpyxl", "xlsxwriter", "pandas", "python", "traceback", "corrupt"):
        assert word not in lowered
    if code == "file_too_large":
        assert "10 MB" in message
    if code == "formula_not_calculated":
        assert "Excel" in message and "LibreOffice" in message and "avance" in message
        assert message.startswith("Fila 4, columna «etapa»" if lang == "es" else "Row 4, column 'etapa'")

"""Regenerate tests/data/realworld/: files as real tools write them, one per
behaviour that tests/analytics/test_ingest_realworld.py pins down.

    python tests/data/make_realworld_fixtures.py

How each file is made (the tests rely on these facts):

- ``*_openpyxl.xlsx``: written by openpyxl 3.1, the way scripts and many
  "Excel-like" tools write workbooks: number formats on cells ('0%', '0.0%',
  'yyyy'), error literals (``t="e"``), formulas with **no stored result**.
- ``*_xlsxwriter.xlsx``: written by xlsxwriter 3.3: formulas stored as 0 with
  ``<calcPr fullCalcOnLoad="1">`` (Excel recalculates on open; a reader cannot).
- ``*_lo.xlsx`` / ``*_lo.ods``: the openpyxl file opened and saved by LibreOffice (headless ``soffice --convert-to``, a private profile), which
  recalculates every formula and stores the results, writes percent cells with
  its own number formats (xlsx) or ``office:value-type="percentage"`` (ods), keeps
  hidden rows (``hidden="true"``, ods ``table:visibility="collapse"``), hidden
  columns, hidden sheets (ods: ``table:display="false"``) and merged ranges (ods:
  ``table:number-rows-spanned`` with covered cells).
- ``filtered_lo.*``: LibreOffice itself applies a standard AutoFilter through its
  UNO API (the system Python's ``uno`` module, Debian's python3-uno), hiding the
  rows whose module is "Justicia": ``<autoFilter>`` plus ``hidden="true"`` rows in
  xlsx, ``table:visibility="filter"`` in ods.
- CSV files are the bytes those programs write: old Excel for Mac ("CSV
  (Macintosh)": Mac Roman, CR line ends, ``;`` in a Spanish locale), Excel for
  Windows in Spanish (Windows-1252, ``;``, CRLF, decimal commas), Excel's
  "Unicode text" (UTF-16 LE with BOM, tabs, CRLF), and LibreOffice's own CSV
  export in es-ES with "save cell contents as shown" (``1.000``, ``45,5%``).
  Excel's bytes are built here exactly (Excel does not run on this machine);
  LibreOffice's are produced by LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import xlsxwriter

OUT = Path(__file__).with_name("realworld")
HEADERS = ["país", "periodo", "módulo", "etapa", "cobertura_pct", "personal_capacitado", "notas"]

# Run by the system Python (which has LibreOffice's ``uno``): opens SRC in a
# private headless LibreOffice, applies an AutoFilter on sheet "avance" that hides
# the rows whose third column is "Justicia", and stores it as each of OUTS.
UNO_FILTER = r"""
import os, shutil, subprocess, sys, tempfile, time, uno
from com.sun.star.beans import PropertyValue
from com.sun.star.sheet import TableFilterField
from com.sun.star.sheet.FilterOperator import NOT_EQUAL

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

src, outs = sys.argv[1], sys.argv[2:]
tmp = tempfile.mkdtemp()
pipe = "espfilter%d" % os.getpid()
office = subprocess.Popen(["soffice", "--headless", "--norestore", "--nologo",
                           "-env:UserInstallation=file://" + tmp + "/profile",
                           "--accept=pipe,name=%s;urp;" % pipe])
desktop = None
try:
    ctx = uno.getComponentContext()
    resolver = ctx.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", ctx)
    for _ in range(150):
        try:
            remote = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            time.sleep(0.2)
    desktop = remote.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", remote)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    sheet = doc.Sheets.getByName("avance")
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.RangeAddress
    area = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow)
    unnamed = doc.getPropertyValue("UnnamedDatabaseRanges")
    unnamed.setByTable(area.RangeAddress)
    db = unnamed.getByTable(0)
    db.AutoFilter = True
    desc = db.getFilterDescriptor()
    field = TableFilterField()
    field.Field = 2
    field.Operator = NOT_EQUAL
    field.IsNumeric = False
    field.StringValue = "Justicia"
    desc.FilterFields = (field,)
    desc.ContainsHeader = True
    db.refresh()
    for out in outs:
        name = "Calc MS Excel 2007 XML" if out.endswith(".xlsx") else "calc8"
        doc.storeToURL(uno.systemPathToFileUrl(out), (prop("FilterName", name),))
    doc.close(True)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        office.wait(30)
    except Exception:
        office.kill()
    shutil.rmtree(tmp, ignore_errors=True)
"""


# --- workbooks written by openpyxl and xlsxwriter -------------------------------------


def percent_openpyxl(path: Path) -> None:
    """Percent cells (0.45 as '0%', 0.455 as '0.0%'), a percent formula =H4/I4
    saved without a result, float noise and a plain thousand."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append([*HEADERS, "cubiertos", "total"])
    sheet.append(["ARG", "2024", "Salud", 3, 0.45, 1000, "sin ruido", 9, 20])
    sheet.append(["BOL", "2024", "Justicia", 2, 0.455, 7.000000000000001, "ruido", 0.1 + 0.2, 20])
    sheet.append(["CHL", "2024", "Policía", 1, "=H4/I4", 12, "fórmula", 9, 20])
    sheet["E2"].number_format = "0%"
    sheet["E3"].number_format = "0.0%"
    sheet["E4"].number_format = "0.0%"
    book.save(path)


def dates_openpyxl(path: Path) -> None:
    """Dates in the period column: one shown as its year only ('yyyy'), one as a
    full date, one with a time; and a period typed as text."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS)
    sheet.append(["ARG", dt.datetime(2025, 3, 1), "Salud", 3])
    sheet.append(["BOL", dt.datetime(2024, 6, 30), "Salud", 3])
    sheet.append(["CHL", dt.datetime(2024, 6, 30, 13, 5), "Salud", 3])
    sheet.append(["PER", "2024-Q1", "Salud", 3])
    sheet["B2"].number_format = "yyyy"
    sheet["B3"].number_format = "dd/mm/yyyy"
    sheet["B4"].number_format = "dd/mm/yyyy hh:mm"
    book.save(path)


def merged_openpyxl(path: Path) -> None:
    """Country and period merged down three rows; a note merged across two columns."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS)
    sheet.append(["ARG", "2024", "Salud", 3, None, None, "nota ancha"])
    sheet.append([None, None, "Justicia", 2])
    sheet.append([None, None, "Policía", 1])
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("B2:B4")
    sheet.merge_cells("G2:H2")
    book.save(path)


def hidden_openpyxl(path: Path) -> None:
    """Hidden rows with data (5, 7–9), a hidden empty row (11), a hidden column
    with data (C) and one without (J); a hidden known sheet, the hidden lists
    sheet, a hidden sheet with another name, and instructions with a hidden row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS)
    for i in range(2, 11):
        sheet.append([f"C{i:02d}", "2024", "Salud", i % 6])
    for row in (5, 7, 8, 9, 11):
        sheet.row_dimensions[row].hidden = True
    sheet.column_dimensions["C"].hidden = True
    sheet.column_dimensions["J"].hidden = True
    challenges = book.create_sheet("desafíos")
    challenges.append(["país", "periodo", "módulo", "categoría", "severidad", "estado", "descripción"])
    challenges.append(["ARG", "2024", "HEALTH", "FUNDING", "HIGH", "OPEN", "oculto"])
    challenges.sheet_state = "hidden"
    lists = book.create_sheet("listas")
    lists.append(["HEALTH"])
    lists.sheet_state = "hidden"
    other = book.create_sheet("Hoja3")
    other.append(["borrador"])
    other.sheet_state = "hidden"
    help_sheet = book.create_sheet("instrucciones")
    help_sheet.append(["Complete la hoja avance"])
    help_sheet.append(["fila oculta de ayuda"])
    help_sheet.row_dimensions[2].hidden = True
    book.save(path)


def filter_source_openpyxl(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS[:4])
    for row in (
        ["ARG", "2024", "Salud", 3],
        ["ARG", "2024", "Justicia", 2],
        ["BOL", "2024", "Salud", 1],
        ["BOL", "2024", "Justicia", 4],
        ["CHL", "2024", "Justicia", 4],
        ["CHL", "2024", "Policía", 2],
    ):
        sheet.append(row)
    book.save(path)


def errors_openpyxl(path: Path) -> None:
    """Error literals as a program stores them (``t="e"``), in several columns,
    and one in the ignored lists sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS)
    sheet.append(["ARG", "2024", "Salud", "#N/A", "#DIV/0!", 5, "ok"])
    sheet.append(["BOL", "2024", "#REF!", 2, "#VALUE!", "#NUM!", "#NAME?"])
    sheet["J3"] = "#NULL!"
    lists = book.create_sheet("listas")
    lists.append(["#N/A"])
    book.save(path)


def error_formulas_openpyxl(path: Path) -> None:
    """Formulas that evaluate to errors once LibreOffice calculates them."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS)
    sheet.append(["ARG", "2024", "Salud", "=NA()", "=1/0", '="a"+1', "ok"])
    sheet.append(["BOL", "2024", "Justicia", "=NOSUCHFUNCTION(1)", '=INDIRECT("ZZZ0")', 4, "ok"])
    book.save(path)


def formulas_xlsxwriter(path: Path) -> None:
    """Formulas as xlsxwriter stores them: result 0, full recalculation on load;
    one formula given its value by the writer (stored, so it is read)."""
    book = xlsxwriter.Workbook(path, {"strings_to_formulas": False})
    pct = book.add_format({"num_format": "0%"})
    sheet = book.add_worksheet("avance")
    sheet.write_row(0, 0, [*HEADERS, "cubiertos", "total"])
    sheet.write_row(1, 0, ["ARG", "2024", "Salud"])
    sheet.write_formula(1, 3, "=1+2")
    sheet.write_formula(1, 4, "=H2/I2", pct)
    sheet.write_formula(1, 5, "=H2+I2", None, 29)
    sheet.write_row(1, 7, [9, 20])
    book.close()


def formulas_openpyxl(path: Path) -> None:
    """The same formulas as openpyxl writes them: no stored result at all."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append([*HEADERS, "cubiertos", "total"])
    sheet.append(["ARG", "2024", "Salud", "=1+2", "=H2/I2", "=H2+I2", None, 9, 20])
    sheet["E2"].number_format = "0%"
    book.save(path)


# --- LibreOffice -----------------------------------------------------------------------


def soffice(src: Path, target: str, outdir: Path, env: dict[str, str] | None = None) -> Path:
    """Convert with a private LibreOffice profile, so a running office is not used."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=180,
            env={**os.environ, **(env or {})},
        )
    produced = outdir / f"{src.stem}.{target.split(':')[0]}"
    if not produced.exists():
        raise RuntimeError(f"LibreOffice did not write {produced}")
    return produced


def saved_by_libreoffice(src: Path, stem: str, work: Path) -> None:
    """``stem``_lo.xlsx and ``stem``_lo.ods: SRC opened and saved by LibreOffice."""
    staged = work / f"{stem}_lo{src.suffix}"
    shutil.copy(src, staged)
    out = work / "out"
    out.mkdir(exist_ok=True)
    shutil.copy(soffice(staged, "xlsx:Calc MS Excel 2007 XML", out), OUT / f"{stem}_lo.xlsx")
    shutil.copy(soffice(staged, "ods", out), OUT / f"{stem}_lo.ods")


def filtered_by_libreoffice(work: Path) -> None:
    src = work / "filter_source.xlsx"
    filter_source_openpyxl(src)
    system_python = shutil.which("python3", path="/usr/bin") or "python3"
    outs = [str((work / name).resolve()) for name in ("filtered_lo.xlsx", "filtered_lo.ods")]
    subprocess.run(
        [system_python, "-c", UNO_FILTER, str(src.resolve()), *outs],
        check=True,
        capture_output=True,
        timeout=180,
    )
    for name in ("filtered_lo.xlsx", "filtered_lo.ods"):
        shutil.copy(work / name, OUT / name)


def libreoffice_spanish_csv(work: Path) -> None:
    """LibreOffice's CSV export (';', UTF-8) in es-ES, cells saved as shown."""
    src = work / "libreoffice_es.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS)
    sheet.append(["ARG", "2024", "Capacitación", 3, 0.455, 1000, "Niños y niñas"])
    sheet.append(["BOL", "2024", "Salud", 2, 0.3, 2000, "Perú"])
    for row in (2, 3):
        sheet[f"E{row}"].number_format = "0.0%"
        sheet[f"F{row}"].number_format = "#,##0"
    book.save(src)
    out = work / "csv"
    out.mkdir()
    # A fresh profile takes its locale from the environment: es-ES separators.
    produced = soffice(
        src,
        "csv:Text - txt - csv (StarCalc):59,34,76,1",
        out,
        env={"LANG": "es_ES.UTF-8", "LC_ALL": "es_ES.UTF-8"},
    )
    shutil.copy(produced, OUT / "libreoffice_es.csv")


# --- CSV bytes as Excel writes them ----------------------------------------------------------

SPANISH_ROWS = [
    ["país", "periodo", "módulo", "etapa", "cobertura_pct", "personal_capacitado", "notas"],
    ["ARG", "2024", "Capacitación", "3", "45,5", "1000", "Niños y niñas"],
    ["BOL", "2024", "Policía", "2", "12", "20", "línea uno\nlínea dos"],
    ["PER", "2024", "Coordinación", "1", "", "7", "Perú; Ñandú"],
]


def _csv_text(rows: list[list[str]], sep: str, newline: str) -> str:
    def field(value: str) -> str:
        if any(ch in value for ch in (sep, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(sep.join(field(v) for v in row) + newline for row in rows)


def excel_csv_files() -> None:
    # Excel 2011 for Mac, "CSV (Macintosh)", Spanish locale.
    (OUT / "excel_mac_roman_cr.csv").write_bytes(_csv_text(SPANISH_ROWS, ";", "\r").encode("mac_roman"))
    # Excel for Windows in Spanish, "CSV (delimitado por comas)".
    (OUT / "excel_windows_es.csv").write_bytes(_csv_text(SPANISH_ROWS, ";", "\r\n").encode("cp1252"))
    # Excel "Unicode text": UTF-16 LE with BOM, tab-separated, CRLF.
    text = _csv_text(SPANISH_ROWS, "\t", "\r\n")
    (OUT / "excel_unicode_text.txt").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    # The same text as UTF-16 LE without a BOM, comma-separated.
    (OUT / "utf16le_no_bom.csv").write_bytes(_csv_text(SPANISH_ROWS, ",", "\r\n").encode("utf-16-le"))
    # UTF-8 without BOM, LF (Google Sheets, LibreOffice defaults).
    (OUT / "utf8_no_bom.csv").write_bytes(_csv_text(SPANISH_ROWS, ",", "\n").encode("utf-8"))
    # Single-byte text whose only non-ASCII byte reads plausibly both ways
    # (Windows-1252 "5€", Mac Roman "5Ä"): neither the words nor the detector can tell.
    (OUT / "ambiguous_single_byte.csv").write_bytes(b"pais;periodo;precio\r\nARG;2024;5\x80\r\n")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    percent_openpyxl(OUT / "percent_openpyxl.xlsx")
    dates_openpyxl(OUT / "dates_openpyxl.xlsx")
    errors_openpyxl(OUT / "errors_openpyxl.xlsx")
    formulas_xlsxwriter(OUT / "formulas_xlsxwriter.xlsx")
    formulas_openpyxl(OUT / "formulas_openpyxl.xlsx")
    excel_csv_files()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        saved_by_libreoffice(OUT / "percent_openpyxl.xlsx", "percent", work)
        saved_by_libreoffice(OUT / "dates_openpyxl.xlsx", "dates", work)
        # Not the xlsxwriter file: its docProps name "Microsoft Excel" as the
        # writer, so LibreOffice trusts the stored zeros and does not recalculate.
        saved_by_libreoffice(OUT / "formulas_openpyxl.xlsx", "formulas", work)
        for stem, build in (
            ("merged", merged_openpyxl),
            ("hidden", hidden_openpyxl),
            ("errors", error_formulas_openpyxl),
        ):
            src = work / f"{stem}_source.xlsx"
            build(src)
            saved_by_libreoffice(src, stem, work)
        filtered_by_libreoffice(work)
        libreoffice_spanish_csv(work)
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>8}  {path.relative_to(OUT.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()

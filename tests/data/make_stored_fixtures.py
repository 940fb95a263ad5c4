"""Regenerate tests/data/stored/: valid reports as real tools write them, each of which
tests/analytics/test_stored_as_seen.py loads and reads back through a snapshot.

    python tests/data/make_stored_fixtures.py

Every file reports Peru, 2024, and shows the same report to the person who opens it:

    módulo        etapa  cobertura_pct  personal_capacitado  notas
    Salud           3        45 %            1.000           Capacitación del personal
    Justicia        2        45,5 %              7           Niñas y adolescentes
    Coordinación    1                           20           Línea 141

How each one is written (what the test relies on):

- ``typed_openpyxl.xlsx``: numbers typed into formatted cells (0.45 as '0%', 0.455 as '0.0%',
  1000 as '#,##0', 7.000000000000001 as '0'), the period a date shown as 'yyyy'.
- ``typed_lo.xlsx`` / ``typed_lo.ods``: that file opened and saved by LibreOffice headless.
- ``formulas_lo.xlsx`` / ``formulas_lo.ods``: coverage and staff as formulas over helper
  columns (=H2/I2, =3+4), written by openpyxl (no results) and calculated and saved by
  LibreOffice.
- ``merged_lo.xlsx`` / ``merged_lo.ods``: country and period merged down the three rows.
- ``text_numbers_openpyxl.xlsx``: the staff typed as text the Spanish way ("1.000") and
  coverage typed as text with a percent sign ("45,5%").
- ``excel_mac_roman_cr.csv``: bytes as Excel 2011 for Mac writes "CSV (Macintosh)" in a
  Spanish locale: Mac Roman, ';', CR line ends, "1.000" and "45,5".
- ``libreoffice_es.csv``: LibreOffice's own CSV export in es-ES (';', UTF-8), cells as shown.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import openpyxl
from make_realworld_fixtures import soffice

OUT = Path(__file__).with_name("stored")
HEADERS = ["país", "periodo", "módulo", "etapa", "cobertura_pct", "personal_capacitado", "notas"]
NOTES = ["Capacitación del personal", "Niñas y adolescentes", "Línea 141"]


def typed_openpyxl(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS)
    year = dt.datetime(2024, 1, 1)
    sheet.append(["PER", year, "Salud", 3, 0.45, 1000, NOTES[0]])
    sheet.append(["PER", year, "Justicia", 2, 0.455, 7.000000000000001, NOTES[1]])
    sheet.append(["PER", year, "Coordinación", 1, None, 20, NOTES[2]])
    for row in (2, 3, 4):
        sheet[f"B{row}"].number_format = "yyyy"
        sheet[f"F{row}"].number_format = "#,##0"
    sheet["E2"].number_format = "0%"
    sheet["E3"].number_format = "0.0%"
    book.save(path)


def formulas_openpyxl(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append([*HEADERS, "cubiertos", "total"])
    sheet.append(["PER", "2024", "Salud", 3, "=H2/I2", 1000, NOTES[0], 9, 20])
    sheet.append(["PER", "2024", "Justicia", 2, "=H3/I3", "=3+4", NOTES[1], 91, 200])
    sheet.append(["PER", "2024", "Coordinación", "=0+1", None, 20, NOTES[2]])
    sheet["E2"].number_format = "0%"
    sheet["E3"].number_format = "0.0%"
    book.save(path)


def merged_openpyxl(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS)
    sheet.append(["PER", "2024", "Salud", 3, 0.45, 1000, NOTES[0]])
    sheet.append([None, None, "Justicia", 2, 0.455, 7, NOTES[1]])
    sheet.append([None, None, "Coordinación", 1, None, 20, NOTES[2]])
    sheet["E2"].number_format = "0%"
    sheet["E3"].number_format = "0.0%"
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("B2:B4")
    book.save(path)


def text_numbers_openpyxl(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(HEADERS)
    sheet.append(["PER", "2024", "Salud", "3", "45%", "1.000", NOTES[0]])
    sheet.append(["PER", "2024", "Justicia", "2", "45,5%", "7", NOTES[1]])
    sheet.append(["PER", "2024", "Coordinación", "1", "", "20", NOTES[2]])
    book.save(path)


def excel_mac_csv(path: Path) -> None:
    rows = [
        HEADERS,
        ["PER", "2024", "Salud", "3", "45", "1.000", NOTES[0]],
        ["PER", "2024", "Justicia", "2", "45,5", "7", NOTES[1]],
        ["PER", "2024", "Coordinación", "1", "", "20", NOTES[2]],
    ]
    path.write_bytes("".join(";".join(r) + "\r" for r in rows).encode("mac_roman"))


def libreoffice_csv(work: Path) -> None:
    src = work / "libreoffice_es.xlsx"
    typed_openpyxl(src)
    book = openpyxl.load_workbook(src)
    for row in (2, 3, 4):  # LibreOffice writes a date as shown: keep the period as text
        book.active[f"B{row}"].value = "2024"
        book.active[f"B{row}"].number_format = "@"
    book.save(src)
    out = work / "csv"
    out.mkdir()
    produced = soffice(
        src,
        "csv:Text - txt - csv (StarCalc):59,34,76,1,,3082,false,true,true",
        out,
        env={"LANG": "es_ES.UTF-8", "LC_ALL": "es_ES.UTF-8"},
    )
    shutil.copy(produced, OUT / "libreoffice_es.csv")


def saved_by_libreoffice(src: Path, stem: str, work: Path) -> None:
    out = work / "out"
    out.mkdir(exist_ok=True)
    staged = work / f"{stem}_lo.xlsx"
    shutil.copy(src, staged)
    shutil.copy(soffice(staged, "xlsx:Calc MS Excel 2007 XML", out), OUT / f"{stem}_lo.xlsx")
    shutil.copy(soffice(staged, "ods", out), OUT / f"{stem}_lo.ods")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    typed_openpyxl(OUT / "typed_openpyxl.xlsx")
    text_numbers_openpyxl(OUT / "text_numbers_openpyxl.xlsx")
    excel_mac_csv(OUT / "excel_mac_roman_cr.csv")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        saved_by_libreoffice(OUT / "typed_openpyxl.xlsx", "typed", work)
        for stem, build in (("formulas", formulas_openpyxl), ("merged", merged_openpyxl)):
            src = work / f"{stem}_source.xlsx"
            build(src)
            saved_by_libreoffice(src, stem, work)
        libreoffice_csv(work)
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>8}  {path.name}")


if __name__ == "__main__":
    main()

"""Regenerate the files in tests/data/ingest/ used by tests/analytics/test_ingest.py.

    python tests/data/make_ingest_fixtures.py

Needs xlsxwriter and openpyxl, LibreOffice (``soffice``) for the files that
LibreOffice writes, the system Python's ``uno`` module (Debian's python3-uno,
pulled in by LibreOffice) for the password-protected .ods, and msoffcrypto-tool
for the password-protected .xlsx (LibreOffice 7.4 cannot write one). Large files
(zip bombs) are not kept here: the tests build them at run time.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter

OUT = Path(__file__).with_name("ingest")
PASSWORD = "secret"
HEADERS = ["país", "periodo", "módulo", "etapa", "cobertura_pct", "personal_capacitado", "notas"]

# Written by the system Python (which has LibreOffice's ``uno``): opens SRC in a
# private headless LibreOffice and stores it as DST with a password.
UNO_ENCRYPT = r"""
import os, shutil, subprocess, sys, tempfile, time, uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

src, dst, filter_name, password = sys.argv[1:5]
tmp = tempfile.mkdtemp()
pipe = "espfixtures%d" % os.getpid()
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
    doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", filter_name), prop("Password", password)))
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


def typed_xlsx(path: Path) -> None:
    """Typed cells, a blank row, text that must stay text, an offset sheet and a hidden one."""
    book = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    clock = book.add_format({"num_format": "hh:mm"})
    sheet = book.add_worksheet("avance")
    sheet.write_row(0, 0, HEADERS)
    sheet.write_row(1, 0, ["ARG", "2024", "Salud", 3, 45.5, True, "NA"])
    sheet.write_row(3, 0, ["BOL", "2024", "Justicia", 2.0, 0.25, False, "NULL"])
    sheet.write_datetime(3, 7, dt.datetime(2024, 6, 30), date)
    sheet.write_row(4, 0, ["CHL", "N/A", "None", "", 1e20, -7, "=1+2"])
    sheet.write_datetime(4, 7, dt.datetime(2024, 6, 30, 13, 5), stamp)
    sheet.write_datetime(4, 8, dt.time(9, 30), clock)
    sheet.write_string(5, 6, "Jose\u0301\x01 dice:\r\nhola\u200b")
    offset = book.add_worksheet("desafíos")
    offset.write("C3", "x")
    offset.write("E5", 7)
    hidden = book.add_worksheet("listas")
    hidden.write_column(0, 0, ["HEALTH", "JUSTICE"])
    hidden.hide()
    book.close()


def formula_openpyxl(path: Path) -> None:
    """Formulas saved with no result, as openpyxl always does."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "avance"
    sheet.append(["país", "etapa", "cobertura_pct"])
    sheet.append(["ARG", "=1+2", 10])
    sheet.append(["BOL", 2, "=C2*2"])
    sheet["E3"] = "=B2+1"
    book.save(path)


def csv_files(out: Path) -> None:
    text = (
        "país;período;módulo;etapa;cobertura_pct;notas\r\n"
        "ARG;2024;Salud;3;45,5;NA\r\n"
        'BOL;2024;Justicia y policía;2;12,0;"línea uno; con punto y coma\r\nlínea dos"\r\n'
        "\r\n"
        "CHL;2024;Coordinación;NULL;;None\r\n"
    )
    (out / "win1252_semicolon.csv").write_bytes(text.encode("cp1252"))
    text = 'country,period,module,stage,notes\nARG,2024,HEALTH,3,"multi\nline"\nBOL,2024,JUSTICE,N/A,Jose\u0301\n'
    (out / "utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def with_doctype(src: Path, dst: Path) -> None:
    """A copy of SRC whose first sheet declares a DTD with an entity."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                decl, rest = data.split(b"?>", 1)
                data = decl + b'?><!DOCTYPE worksheet [<!ENTITY e "expanded">]>' + rest
            zout.writestr(info, data)


def not_a_spreadsheet(dst: Path) -> None:
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "not a workbook")


def soffice(src: Path, target: str, outdir: Path) -> Path:
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
        )
    produced = outdir / f"{src.stem}.{target.split(':')[0]}"
    if not produced.exists():
        raise RuntimeError(f"LibreOffice did not write {produced}")
    return produced


def encrypted_ods(src: Path, dst: Path) -> None:
    system_python = shutil.which("python3", path="/usr/bin") or "python3"
    subprocess.run(
        [system_python, "-c", UNO_ENCRYPT, str(src.resolve()), str(dst.resolve()), "calc8", PASSWORD],
        check=True,
        capture_output=True,
        timeout=180,
    )


def encrypted_xlsx(src: Path, dst: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with src.open("rb") as fh:
        OOXMLFile(fh).encrypt(PASSWORD, out)
    dst.write_bytes(out.getvalue())


def main() -> None:
    OUT.mkdir(exist_ok=True)
    typed_xlsx(OUT / "typed.xlsx")
    formula_openpyxl(OUT / "formula_openpyxl.xlsx")
    csv_files(OUT)
    with_doctype(OUT / "typed.xlsx", OUT / "doctype.xlsx")
    not_a_spreadsheet(OUT / "not_a_spreadsheet.zip")
    encrypted_xlsx(OUT / "typed.xlsx", OUT / "encrypted.xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(OUT / "typed.xlsx", work / "typed_lo.xlsx")
        shutil.copy(OUT / "formula_openpyxl.xlsx", work / "formula_lo.xlsx")
        (work / "out").mkdir()
        for name in ("typed_lo.xlsx", "formula_lo.xlsx"):
            shutil.copy(soffice(work / name, "xlsx:Calc MS Excel 2007 XML", work / "out"), OUT / name)
        shutil.copy(soffice(work / "typed_lo.xlsx", "ods", work / "out"), OUT / "typed_lo.ods")
        shutil.copy(soffice(work / "typed_lo.xlsx", "xls:MS Excel 97", work / "out"), OUT / "legacy.xls")
        encrypted_ods(OUT / "typed_lo.ods", OUT / "encrypted.ods")
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>8}  {path.relative_to(OUT.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()

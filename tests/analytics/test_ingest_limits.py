"""Bounded memory: sheets, rows and cells are counted before anything large is
unpacked, in the worker and in the app's process, and past the limits the file
is refused with a finding that says how far it reaches.

The memory test runs each read in a fresh interpreter and measures the peak
resident size (VmHWM) it adds: a functional bound, not a timing.
"""

from __future__ import annotations

import io
import json
import pickle
import stat
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from analytics import i18n
from analytics.intake import archive, sandbox, validate
from analytics.intake.reading import MAX_CELLS, MAX_ROWS, read_upload

ROOT = Path(__file__).resolve().parents[2]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PEAK_LIMIT_MB = 100


def workbook(sheets: list[bytes]) -> bytes:
    """A valid workbook of the given sheet XMLs, named s0, s1, …"""
    buf = io.BytesIO()
    n = len(sheets)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
            '.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(n)
            )
            + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_REL}"><sheets>'
            + "".join(f'<sheet name="s{i}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(n))
            + "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{RELS}">'
            + "".join(
                f'<Relationship Id="rId{i + 1}" Type="{DOC_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(n)
            )
            + "</Relationships>",
        )
        for i, xml in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return buf.getvalue()


def sheet(body: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="'
        + MAIN.encode()
        + b'"><sheetData>'
        + body
        + (b"</sheetData></worksheet>")
    )


def sparse_sheet() -> bytes:
    """Cells at A1, XFD1 and A3000: a used range of 3,000 × 16,384 cells."""
    return sheet(
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="XFD1"><v>1</v></c></row>'
        b'<row r="3000"><c r="A3000"><v>2</v></c></row>'
    )


def dense_sheet(rows: int, cols: int) -> bytes:
    """``rows`` numbered rows of ``cols`` cells written without ``r`` (valid, and
    what compresses best): under 1 MB each, so no per-entry zip threshold applies."""
    return sheet(
        b"".join(
            b'<row r="%d">' % r + b"<c><v>%d</v></c>" % (r % 97) * cols + b"</row>"
            for r in range(1, rows + 1)
        )
    )


def many_sheets_bomb(rows: int = 300, cols: int = 140) -> bytes:
    """200 sheets of a few hundred rows, each entry under the zip thresholds:
    about 800 KB that would be 8.4 million cells."""
    data = workbook([dense_sheet(rows, cols)] * 200)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert all(i.file_size < archive.RATIO_MIN_SIZE for i in z.infolist())
    return data


def only_error(result):
    assert result.kind is None and result.sheets == []
    assert len(result.findings) == 1, result.findings
    return result.findings[0]


def test_ingest_limits_are_the_validators():
    assert MAX_ROWS == validate.MAX_ROWS == 50_000


# --- refusals -----------------------------------------------------------------------------


def test_sparse_sheet_with_a_huge_used_range_is_refused_before_it_is_a_grid():
    finding = only_error(read_upload(workbook([sparse_sheet()])))
    assert (finding.code, finding.sheet, finding.value) == ("too_many_cells", "s0", str(3000 * 16384))
    assert finding.param_dict() == {"max": str(MAX_CELLS), "range": "A1:XFD3000"}
    for lang in ("es", "en"):
        message = i18n.finding_message(finding, lang)
        assert "A1:XFD3000" in message and "{" not in message


def test_many_sheets_past_the_row_limit_are_refused_with_the_count():
    finding = only_error(read_upload(many_sheets_bomb(rows=300)))
    assert (finding.code, finding.value, finding.param_dict()) == (
        "too_many_rows",
        str(200 * 299),
        {"max": "50000"},
    )


def test_many_sheets_within_the_row_limit_but_past_the_cell_limit_are_refused():
    finding = only_error(read_upload(many_sheets_bomb(rows=240, cols=250)))
    assert finding.code == "too_many_cells" and int(finding.value) > MAX_CELLS


def test_exactly_the_row_limit_is_read_and_one_more_row_is_refused():
    def rows(n: int) -> bytes:
        return sheet(
            b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, n + 1))
        )

    accepted = read_upload(workbook([rows(MAX_ROWS + 1)]))
    assert accepted.findings == [] and len(accepted.sheets[0].rows) == MAX_ROWS + 1
    assert accepted.sheets[0].rows[-1] == [str(MAX_ROWS + 1)]
    finding = only_error(read_upload(workbook([rows(MAX_ROWS + 2)])))
    assert (finding.code, finding.value) == ("too_many_rows", str(MAX_ROWS + 1))


def test_cells_out_of_order_cannot_hide_the_far_corner():
    """The last cell written is not the lowest one: every row number counts."""
    xml = sheet(b'<row r="1"><c r="B1048000"><v>1</v></c><c r="A1"><v>2</v></c></row>')
    finding = only_error(read_upload(workbook([xml])))
    assert finding.code == "too_many_rows"


def test_a_dimension_that_understates_the_sheet_is_not_trusted():
    xml = sheet(b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD3000"><v>2</v></c></row>').replace(
        b"<sheetData>", b'<dimension ref="A1:B2"/><sheetData>'
    )
    finding = only_error(read_upload(workbook([xml])))
    assert (finding.code, finding.param_dict()["range"]) == ("too_many_cells", "A1:XFD3000")


def test_merged_range_cannot_grow_the_grid_past_the_cell_limit():
    xml = sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>').replace(
        b"</sheetData></worksheet>",
        b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD3000"/></mergeCells></worksheet>',
    )
    finding = only_error(read_upload(workbook([xml])))
    assert (finding.code, finding.param_dict()) == ("file_unreadable", {"reason": "too_complex"})


NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
CELL = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'


def ods(rows_xml: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
            'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>',
        )
        z.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}><office:body>'
            f'<office:spreadsheet><table:table table:name="avance">{rows_xml}</table:table>'
            "</office:spreadsheet></office:body></office:document-content>",
        )
    return buf.getvalue()


def test_ods_repeated_rows_are_counted_before_they_are_expanded():
    finding = only_error(
        read_upload(ods(f'<table:table-row table:number-rows-repeated="1000000">{CELL}</table:table-row>'))
    )
    assert (finding.code, finding.value) == ("too_many_rows", "999999")


def test_ods_sparse_table_is_refused_before_it_is_a_grid():
    far = (
        f'<table:table-row>{CELL}<table:table-cell table:number-columns-repeated="16382"/>{CELL}</table:table-row>'
        '<table:table-row table:number-rows-repeated="2998"><table:table-cell/></table:table-row>'
        f"<table:table-row>{CELL}</table:table-row>"
    )
    finding = only_error(read_upload(ods(far)))
    assert (finding.code, finding.sheet, finding.param_dict()["range"]) == (
        "too_many_cells",
        "avance",
        "A1:XFD3000",
    )


def test_ods_trailing_empty_repeats_as_libreoffice_writes_them_cost_nothing():
    tail = '<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    result = read_upload(ods(f"<table:table-row>{CELL}{CELL}</table:table-row>{tail}"))
    assert result.findings == [] and result.sheets[0].rows == [["x", "x"]]


def test_csv_past_the_row_limit_is_refused_with_the_count():
    data = b"a\n" + b"1\n" * (MAX_ROWS + 5)
    finding = only_error(read_upload(data, "big.csv"))
    assert (finding.code, finding.value) == ("too_many_rows", str(MAX_ROWS + 5))


def test_csv_with_more_separators_than_cells_allowed_is_refused_before_parsing():
    finding = only_error(read_upload(b"a," * (MAX_CELLS + 1) + b"\n", "wide.csv"))
    assert (finding.code, finding.sheet) == ("too_many_cells", "wide")
    assert finding.param_dict()["range"] == "A1:XFD1"


def test_csv_whose_dense_area_is_past_the_cell_limit_is_refused():
    data = b"," * 20_000 + b"x\n" + b"y\n" * 60
    finding = only_error(read_upload(data, "ancho.csv"))
    assert (finding.code, finding.value, finding.param_dict()["range"]) == (
        "too_many_cells",
        str(61 * 20_001),
        "A1:ACOG61",
    )


# --- the app's process never unpacks more than the limits ---------------------------------


def fake_python(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-python"
    script.write_text("#!/bin/sh\ncat >/dev/null\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_worker_answer_past_the_payload_limit_is_not_read_further(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_PAYLOAD", 1 << 20)
    monkeypatch.setattr(sys, "executable", fake_python(tmp_path, "head -c 50000000 /dev/zero"))
    finding = only_error(read_upload(workbook([sparse_sheet()])))
    assert (finding.code, finding.param_dict()) == ("file_unreadable", {"reason": "too_complex"})


def test_worker_answer_declaring_more_cells_than_allowed_is_never_unpacked(tmp_path, monkeypatch):
    huge = {"name": "a", "width": 16384, "height": 3000, "rows": "", "dates": []}
    (tmp_path / "payload").write_bytes(pickle.dumps({"sheets": [huge]}))
    monkeypatch.setattr(sys, "executable", fake_python(tmp_path, f"cat '{tmp_path / 'payload'}'"))
    finding = only_error(read_upload(workbook([sparse_sheet()])))
    assert (finding.code, finding.param_dict()) == ("file_unreadable", {"reason": "worker_failed"})


PEAK = textwrap.dedent(
    """
    import json, sys, threading
    from analytics.intake.reading import read_upload

    def hwm_kb():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

    data = open(sys.argv[1], "rb").read()
    at_once = int(sys.argv[2])
    before = hwm_kb()
    results = [None] * at_once

    def read(i):
        results[i] = read_upload(data, "bomb.xlsx")

    threads = [threading.Thread(target=read, args=(i,)) for i in range(at_once)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    codes = sorted({f.code for r in results for f in r.findings})
    print(json.dumps({"mb": (hwm_kb() - before) / 1024, "codes": codes}))
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc for VmHWM")
@pytest.mark.parametrize("at_once", [1, 4], ids=["one-upload", "four-at-once"])
@pytest.mark.parametrize(
    "build, code",
    [
        (lambda: many_sheets_bomb(rows=300), "too_many_rows"),
        (lambda: workbook([sparse_sheet()]), "too_many_cells"),
    ],
    ids=["200-sheets", "sparse-A1-XFD1-A3000"],
)
def test_reading_a_bomb_adds_at_most_100_mb_to_the_apps_peak_memory(tmp_path, build, code, at_once):
    """Four at once must stay within the bound of one: the app never unpacks past the limits."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(build())
    out = subprocess.run(
        [sys.executable, "-c", PEAK, str(path), str(at_once)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    measured = json.loads(out.stdout)
    assert measured["codes"] == [code]
    assert measured["mb"] <= PEAK_LIMIT_MB, measured

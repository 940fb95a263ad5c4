"""Every workbook the product writes (templates, the editor's saves, snapshots) keeps text as
text: xlsxwriter's conversions are off, whatever other options a writer asks for."""

from __future__ import annotations

import io

import openpyxl

from analytics.sheets.workbook import new_workbook


def test_text_that_looks_like_a_formula_a_link_or_a_number_stays_text():
    buf = io.BytesIO()
    wb = new_workbook(buf, strings_to_formulas=True, strings_to_urls=True, strings_to_numbers=True)
    ws = wb.add_worksheet("s")
    for i, text in enumerate(["=1+1", "https://example.org", "1e5"]):
        ws.write(i, 0, text)
    wb.close()
    cells = [row[0] for row in openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["s"].iter_rows()]
    assert [(c.value, c.data_type, c.hyperlink) for c in cells] == [
        ("=1+1", "s", None),
        ("https://example.org", "s", None),
        ("1e5", "s", None),
    ]

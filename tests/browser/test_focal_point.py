"""A focal point's whole path in the browser: template → fill → upload → findings →
preview → confirm → the new stage on the overview and the country profile; and a
bad file that is refused with its row and column named and nothing saved.

These tests write to the session's shared server (one more submission for Peru).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium not installed (required when CI is set)", allow_module_level=True)

LANG = "es"
COUNTRY, NAME = "PER", "Perú"
PERIOD = str(date.today().year - 1)
PROGRESS_SHEET, STAGE_HEADER, MODULE_HEADER = "avance", "etapa", "módulo"
HEALTH = "Salud"  # the module's label in the Spanish template


def _upload_page(new_tab: Callable[..., Any], url: str, tr: Callable[..., str]) -> Any:
    tab = new_tab()
    tab.open(url + f"upload?lang={LANG}", tr("nav.upload", LANG))
    return tab


def _choose(tab: Any, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with widget key ``key``."""
    box = tab.main.locator(f".st-key-{key} input")
    box.click()
    box.fill(option)
    tab.page.get_by_role("option", name=option, exact=True).click()
    tab.page.wait_for_function(
        "([k, v]) => document.querySelector(`.st-key-${k} input`)?.value === v", arg=[key, option]
    )
    tab.idle()


def _download_template(tab: Any, folder: Path) -> Path:
    _choose(tab, "report_country", NAME)
    period = tab.main.locator(".st-key-report_period input")
    if period.input_value() != PERIOD:
        period.fill(PERIOD)
        period.press("Enter")
        tab.idle()
    with tab.page.expect_download() as info:
        tab.main.locator(".st-key-dl_template button").click()
    download = info.value
    assert download.suggested_filename == f"esp_{COUNTRY}_{PERIOD}_{LANG}.xlsx"
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def _edit_progress(src: Path, dst: Path, edit: Callable[[Any, dict[str, int]], None]) -> Path:
    """Open the template with openpyxl, let ``edit(sheet, columns)`` change it, save."""
    from openpyxl import load_workbook

    wb = load_workbook(src)
    ws = wb[PROGRESS_SHEET]
    columns = {str(c.value).rstrip(" *"): c.column for c in ws[1] if c.value}
    edit(ws, columns)
    wb.save(dst)
    return dst


def _upload(tab: Any, path: Path, tr: Callable[..., str]) -> None:
    tab.main.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    tab.main.get_by_role("heading", name=tr("report.step3", LANG)).wait_for()
    tab.idle()


def test_a_bad_stage_is_named_by_row_and_column_and_nothing_is_saved(
    app_url: str, new_tab: Callable[..., Any], tr: Callable[..., str], tmp_path: Path
) -> None:
    tab = _upload_page(new_tab, app_url, tr)
    before = tab.footer_version()
    template = _download_template(tab, tmp_path)

    def bad_stage(ws: Any, col: dict[str, int]) -> None:
        ws.cell(row=3, column=col[STAGE_HEADER]).value = "avanzado"

    bad = _edit_progress(template, tmp_path / "bad.xlsx", bad_stage)
    _upload(tab, bad, tr)

    tab.main.get_by_text(re.compile(r"^El archivo tiene \d+ error")).wait_for()
    nothing = tab.main.locator("[data-testid=stAlert]").filter(has_text=tr("report.nothing_saved", LANG))
    assert nothing.is_visible()
    tab.wait_cell("avanzado")
    rows = tab.grid_rows()
    # Columns: severity, sheet, row(s), column (its header in the file: "etapa *"), value,
    # message, count.
    hits = [
        r
        for r in rows
        if len(r) >= 6 and r[1] == PROGRESS_SHEET and r[2] == "3" and r[3].rstrip(" *") == STAGE_HEADER
    ]
    assert hits, f"no finding for row 3, column {STAGE_HEADER!r} in {rows}"
    assert hits[0][4] == "avanzado"
    assert STAGE_HEADER in hits[0][5] and "avanzado" in hits[0][5]  # the message says what, too
    # No preview, no confirm button, and the data version did not move.
    assert tab.main.locator(".st-key-report_confirm").count() == 0
    assert tab.footer_version() == before
    assert tab.exceptions() == [] and tab.errors == [] and tab.unexpected_requests() == []
    tab.screenshot("focal_point_rejected_es")


def test_focal_point_reports_a_new_stage_and_sees_it(
    app_url: str, new_tab: Callable[..., Any], tr: Callable[..., str], tmp_path: Path
) -> None:
    tab = _upload_page(new_tab, app_url, tr)
    before = tab.footer_version()
    template = _download_template(tab, tmp_path)

    def health_to_5(ws: Any, col: dict[str, int]) -> None:
        rows = [
            r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=col[MODULE_HEADER]).value == HEALTH
        ]
        assert len(rows) == 1, "the template has one progress row per module"
        assert ws.cell(row=rows[0], column=col["país"]).value == NAME
        assert ws.cell(row=rows[0], column=col["periodo"]).value == PERIOD
        ws.cell(row=rows[0], column=col[STAGE_HEADER]).value = "5"

    filled = _edit_progress(template, tmp_path / f"esp_{COUNTRY}_{PERIOD}_filled.xlsx", health_to_5)
    _upload(tab, filled, tr)

    tab.main.get_by_text(re.compile(r"^El archivo es válido")).wait_for()
    tab.main.get_by_role("heading", name=tr("report.step4", LANG)).wait_for()
    # The preview lists Health's stage going to 5 (sheet, country, period, module in words, field, old, new).
    tab.wait_cell(tr("col.stage", LANG))
    changes = [
        r
        for r in tab.grid_rows()
        if len(r) == 7 and r[1:5] == [NAME, PERIOD, HEALTH, tr("col.stage", LANG)]  # the country by name
    ]
    assert changes and changes[0][6] == "5", tab.grid_rows()
    ack = tab.main.locator(".st-key-report_ack")
    if ack.count():  # warnings must be acknowledged before the button is enabled
        ack.locator("label").click()
        tab.idle()
    tab.screenshot("focal_point_preview_es")
    confirm = tab.main.locator(".st-key-report_confirm button")
    assert confirm.inner_text().strip().endswith(tr("report.confirm", LANG))
    confirm.click()

    saved = tab.main.get_by_text(re.compile(r"^Guardado: envío \d+\. Versión de datos \d+\.$"))
    saved.wait_for()
    tab.idle()
    submission, version = map(int, re.findall(r"\d+", saved.inner_text()))
    assert version > before
    assert tab.exceptions() == [] and tab.errors == [] and tab.unexpected_requests() == []
    tab.screenshot("focal_point_saved_es")

    # The overview (up to that year, Peru only): the matrix shows stage 5 for Health.
    overview = new_tab()
    overview.open(
        app_url + f"?lang={LANG}&to={PERIOD}&countries={COUNTRY}&tab=matrix", tr("nav.overview", LANG)
    )
    assert overview.footer_version() == version
    overview.wait_plots(
        1, within=overview.main.locator(".st-key-overview_matrix")
    )  # charts draw in any order
    cell = overview.vega_mark("overview_matrix", "matrix_text", f"{NAME} · {HEALTH} ·")
    assert cell is not None and cell["text"].split()[0] == "5", cell
    expander = overview.main.locator(".st-key-tv_overview_matrix")
    expander.locator("summary").click()  # the table is drawn once opened (a rerun)
    overview.wait_cell(NAME)  # the table reads as people read it: names and labels, not codes
    rows = overview.grid_rows(expander)
    assert any(r[:2] == [NAME, HEALTH] and r[2].startswith("5 ") and r[3] == PERIOD for r in rows), rows
    assert overview.exceptions() == []
    overview.screenshot("focal_point_overview_es")

    # The profile, through the link under the success message: the submission on top.
    tab.main.get_by_role("link", name=tr("report.see_profile", LANG, country=NAME)).click()
    tab.page.wait_for_url(f"**/country?*country={COUNTRY}*")
    tab.wait_title(tr("nav.country", LANG))
    assert tab.main.locator(".st-key-profile_pick input").input_value() == NAME
    tab.wait_cell(str(submission))
    top = [r for r in tab.grid_rows() if r and r[0] == str(submission)]
    assert top and filled.name in top[0], top
    tab.wait_plots(1, within=tab.main.locator(".st-key-country_stages"))
    health = tab.page.evaluate(
        """([mod, year]) => {
          const gd = document.querySelector('.st-key-country_stages .js-plotly-plot');
          const tr = gd._fullData.find(t => t.name === mod);
          const i = [...tr.x].findIndex(x => String(x) === year);
          return i < 0 ? null : [tr.customdata[i], tr.y[i]];
        }""",
        [HEALTH, PERIOD],
    )
    assert health is not None and health[0] == 5  # the true stage (hovered); drawn a little off the line
    assert abs(health[1] - 5) < 0.25
    assert tab.exceptions() == [] and tab.errors == []
    tab.screenshot("focal_point_profile_es")

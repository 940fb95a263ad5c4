"""The focal point's round trip in the browser, for a period that already has a report:
the template holds every stored challenge, adding one row adds exactly that row, and
taking a row out is shown first and must be acknowledged before the confirm.

A server of its own: Guatemala's challenges for last year are set to exactly two rows
through the command line before it starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium not installed (required when CI is set)", allow_module_level=True)

LANG = "es"
COUNTRY, NAME = "GTM", "Guatemala"
PERIOD = str(date.today().year - 1)
SHEET = "desafíos"
STORED = [
    ("HEALTH", "FINANCING", "HIGH", "OPEN", "Presupuesto insuficiente para los centros de salud"),
    ("JUSTICE", "WORKFORCE", "MEDIUM", "IN_PROGRESS", "Rotación del personal fiscal capacitado"),
]
NEW_DESCRIPTION = "Falta de intérpretes de idiomas mayas en las comisarías"


@pytest.fixture(scope="module")
def round_trip_url(
    db_copy: Callable[[str], Path], start_app: Callable[[Path], Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    from openpyxl import Workbook

    db = db_copy("esp-round-trip")
    wb = Workbook()
    ws = wb.active
    ws.title = "challenges"
    ws.append(["country", "period", "module", "category", "severity", "status", "description"])
    for row in STORED:
        ws.append([COUNTRY, PERIOD, *row])
    path = tmp_path_factory.mktemp("round-trip") / "two_challenges.xlsx"
    wb.save(path)
    out = run_cli(db, "load", str(path), "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    with start_app(db) as url:
        yield url


def _open_upload(new_tab: Callable[..., Any], url: str, tr: Callable[..., str]) -> Any:
    tab = new_tab()
    tab.open(url + f"upload?lang={LANG}", tr("nav.upload", LANG))
    box = tab.main.locator(".st-key-report_country input")
    box.click()
    box.fill(NAME)
    tab.page.get_by_role("option", name=NAME, exact=True).click()
    tab.idle()
    period = tab.main.locator(".st-key-report_period input")
    if period.input_value() != PERIOD:
        period.fill(PERIOD)
        period.press("Enter")
        tab.idle()
    return tab


def _template(tab: Any, folder: Path, name: str) -> Path:
    with tab.page.expect_download() as info:
        tab.main.locator(".st-key-dl_template button").click()
    path = folder / name
    info.value.save_as(path)
    return path


def _challenge_rows(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    ws = load_workbook(path)[SHEET]
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True) if any(v not in (None, "") for v in r)]


def _upload(tab: Any, path: Path, tr: Callable[..., str]) -> None:
    tab.main.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    tab.main.get_by_role("heading", name=tr("report.step3", LANG)).wait_for()
    tab.idle()


def _metric(tab: Any, label: str) -> int:
    box = tab.main.locator("[data-testid=stMetric]").filter(has_text=label).first
    return int(box.locator("[data-testid=stMetricValue]").inner_text().strip())


def _confirm(tab: Any, tr: Callable[..., str]) -> int:
    tab.main.locator(".st-key-report_confirm button").click()
    saved = tab.main.get_by_text(re.compile(r"^Guardado: envío \d+\. Versión de datos \d+\.$"))
    saved.wait_for()
    tab.idle()
    return int(re.findall(r"\d+", saved.inner_text())[0])


def test_adding_a_challenge_to_a_reported_period_adds_exactly_that_row(
    round_trip_url: str, new_tab: Callable[..., Any], tr: Callable[..., str], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    tab = _open_upload(new_tab, round_trip_url, tr)
    template = _template(tab, tmp_path, "before.xlsx")
    before = _challenge_rows(template)
    assert sorted(r[6] for r in before) == sorted(r[4] for r in STORED), before

    wb = load_workbook(template)
    ws = wb[SHEET]
    last = ws.max_row
    while not any(c.value not in (None, "") for c in ws[last]):
        last -= 1
    for col in range(1, 8):  # a copy of the last row with a new description
        ws.cell(row=last + 1, column=col).value = ws.cell(row=last, column=col).value
    ws.cell(row=last + 1, column=7).value = NEW_DESCRIPTION
    filled = tmp_path / "one_more.xlsx"
    wb.save(filled)

    _upload(tab, filled, tr)
    tab.main.get_by_role("heading", name=tr("report.step4", LANG)).wait_for()
    assert _metric(tab, tr("report.rows_added", LANG)) == 1
    assert _metric(tab, tr("report.rows_removed", LANG)) == 0
    assert _metric(tab, tr("report.values_changed", LANG)) == 0
    assert tab.main.locator(".st-key-report_ack_removed").count() == 0
    tab.screenshot("round_trip_added_preview_es")
    _confirm(tab, tr)

    after = _challenge_rows(_template(tab, tmp_path, "after.xlsx"))
    assert len(after) == len(before) + 1
    assert sorted(map(tuple, before)) == sorted(tuple(r) for r in after if r[6] != NEW_DESCRIPTION)
    assert [r for r in after if r[6] == NEW_DESCRIPTION]
    assert tab.exceptions() == [] and tab.errors == [] and tab.unexpected_requests() == []


def test_a_row_taken_out_is_shown_first_and_must_be_acknowledged(
    round_trip_url: str, new_tab: Callable[..., Any], tr: Callable[..., str], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    tab = _open_upload(new_tab, round_trip_url, tr)
    template = _template(tab, tmp_path, "before.xlsx")
    before = _challenge_rows(template)
    assert len(before) >= 2
    gone = before[0][6]
    wb = load_workbook(template)
    ws = wb[SHEET]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=7).value == gone)
    ws.delete_rows(row)
    taken = tmp_path / "one_less.xlsx"
    wb.save(taken)

    _upload(tab, taken, tr)
    tab.main.get_by_role("heading", name=tr("report.step4", LANG)).wait_for()
    warning = tab.main.locator("[data-testid=stAlert]").filter(has_text=tr("report.removed_title", LANG, n=1))
    warning.wait_for()
    # The removal comes first in the preview: above the counts and the confirm.
    metrics = tab.main.locator("[data-testid=stMetric]").first
    assert warning.bounding_box()["y"] < metrics.bounding_box()["y"]
    tab.wait_cell(gone)
    assert _metric(tab, tr("report.rows_removed", LANG)) == 1
    confirm = tab.main.locator(".st-key-report_confirm button")
    assert confirm.is_disabled()
    tab.screenshot("round_trip_removal_preview_es")
    tab.main.locator(".st-key-report_ack_removed label").click()
    tab.idle()
    others = tab.main.locator(".st-key-report_ack label")
    if others.count():  # any other warning is acknowledged apart
        others.click()
        tab.idle()
    tab.page.wait_for_function("() => !document.querySelector('.st-key-report_confirm button').disabled")
    _confirm(tab, tr)

    after = _challenge_rows(_template(tab, tmp_path, "after.xlsx"))
    assert sorted(map(tuple, after)) == sorted(tuple(r) for r in before if r[6] != gone)
    assert tab.exceptions() == [] and tab.errors == [] and tab.unexpected_requests() == []

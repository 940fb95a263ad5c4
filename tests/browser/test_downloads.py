"""The downloads page hands out a readable workbook and a brief that draws offline.

Both files are fetched through the page's buttons (a real browser download); the
brief is then opened from disk (file://) with every other request aborted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium not installed (required when CI is set)", allow_module_level=True)

LANG = "en"
SHEETS = {"README", "metadata", "countries", "progress", "challenges", "practices", "submissions"}


def _download(tab: Any, key: str, folder: Path) -> Path:
    with tab.page.expect_download() as info:
        tab.main.locator(f".st-key-{key} button").click()
    download = info.value
    assert download.failure() is None
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


@pytest.fixture(scope="module")
def files(
    app_url: str,
    tab_factory: Callable[..., Any],
    tr: Callable[..., str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    """The workbook and the brief, downloaded through the page's buttons."""
    folder = tmp_path_factory.mktemp("downloads")
    tab = tab_factory()
    try:
        tab.open(app_url + f"downloads?lang={LANG}", tr("nav.downloads", LANG))
        got = {fmt: _download(tab, f"dl_{fmt}", folder) for fmt in ("xlsx", "html")}
        assert tab.exceptions() == [] and tab.errors == [] and tab.unexpected_requests() == []
    finally:
        tab.close()
    return got


def test_the_workbook_opens_and_has_its_sheets(files: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    path = files["xlsx"]
    assert path.name.startswith("esp-monitor_") and path.suffix == ".xlsx"
    wb = load_workbook(path, read_only=True)
    try:
        assert SHEETS <= set(wb.sheetnames)
        progress = wb["progress"]
        header = [c.value for c in next(progress.iter_rows(max_row=1))]
        assert header and all(header)
        assert progress.max_row > 15  # the illustrative dataset: many country-module rows
        # No formulas anywhere in the data sheets (user text is never a formula).
        for name in SHEETS - {"README"}:
            for row in wb[name].iter_rows(values_only=True):
                assert not any(isinstance(v, str) and v.startswith("=") for v in row)
    finally:
        wb.close()


@pytest.fixture(scope="module")
def brief(files: dict[str, Path], tab_factory: Callable[..., Any]) -> Iterator[Any]:
    """The brief opened from disk; anything but file:, data: and blob: is aborted."""
    path = files["html"]
    assert path.suffix == ".html"
    tab = tab_factory(width=1300, height=1000, allow=("file:", "data:", "blob:"))
    try:
        tab.page.goto(path.as_uri())
        tab.page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot')]"
            ".filter(g => g.querySelector('.main-svg')).length >= 5"
        )
        yield tab
    finally:
        tab.close()


def test_the_brief_draws_offline_from_disk(brief: Any) -> None:
    page = brief.page
    assert page.locator(".js-plotly-plot .main-svg").count() >= 5
    # The map's base geometry is inside the file too: its shapes are drawn.
    page.wait_for_function("() => document.querySelectorAll('.choroplethlocation').length > 0")
    page.wait_for_timeout(500)
    assert brief.errors == []
    assert brief.blocked == []
    page.screenshot(path=str(_shot("brief_offline_en")), full_page=True)


def test_the_brief_axis_labels_are_not_cut_off(brief: Any) -> None:
    assert brief.clipped_labels() == []


def _shot(name: str) -> Path:
    folder = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"

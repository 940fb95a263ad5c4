"""Clicking a country on the overview opens its profile (real app, internet cut off).

A click on the map's shapes, discs or numbers, or on a stage matrix cell or its number,
selects the country (``analytics.figures.vega``); ``app_pages/overview.py`` then switches to the
country profile.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium not installed (required when CI is set)", allow_module_level=True)


def _click(tab: Any, x: float, y: float) -> None:
    """Hover first, as a person does, then click."""
    tab.page.mouse.move(x - 4, y)
    tab.page.wait_for_timeout(150)
    tab.page.mouse.move(x, y)
    tab.page.wait_for_timeout(300)
    tab.page.mouse.click(x, y)


def _expect_profile(tab: Any, iso3: str, name: str, tr: Callable[..., str], timeout: int) -> None:
    tab.page.wait_for_url(f"**/country?*country={iso3}*", timeout=timeout)
    tab.wait_title(tr("nav.country", "en"))
    assert tab.exceptions() == []
    assert tab.main.locator(".st-key-profile_pick input").input_value() == name
    # The profile is about that country: its stage chart says so in its title.
    assert tab.wait_plots(1) >= 1
    assert name in tab.main.locator(".st-key-country_stages .gtitle").text_content()


def _overview(new_tab: Callable[..., Any], app_url: str, tr: Callable[..., str], matrix: bool = False) -> Any:
    """The overview on its map, or on the stage matrix's tab (chosen as a person does)."""
    tab = new_tab()
    tab.open(app_url + "?lang=en", tr("nav.overview", "en"))
    tab.wait_plots(1, within=tab.main.locator(".st-key-overview_map"))
    if matrix:
        tab.main.get_by_role("tab", name=tr("overview.tab_matrix", "en")).click()
        tab.wait_plots(1, within=tab.main.locator(".st-key-overview_matrix"))
        tab.page.wait_for_url("**tab=matrix*")
        assert tab.main.locator(".st-key-overview_map").count() == 0  # one chart at a time
    return tab


def test_clicking_saint_lucia_on_the_map_opens_its_profile(
    new_tab: Callable[..., Any], app_url: str, tr: Callable[..., str]
) -> None:
    tab = _overview(new_tab, app_url, tr)
    disc = tab.vega_mark("overview_map", "discs", "Saint Lucia:")
    assert disc, "no Saint Lucia disc on the map"
    _click(tab, disc["x"], disc["y"])
    _expect_profile(tab, "LCA", "Saint Lucia", tr, timeout=60_000)
    assert tab.unexpected_requests() == []
    tab.screenshot("selection_map_lca_en")


def test_clicking_a_stage_matrix_cell_opens_that_country(
    new_tab: Callable[..., Any], app_url: str, tr: Callable[..., str]
) -> None:
    tab = _overview(new_tab, app_url, tr, matrix=True)
    cell = tab.vega_mark("overview_matrix", "matrix_text", "Peru · ")
    assert cell, "no Peru row in the stage matrix"
    _click(tab, cell["x"], cell["y"])  # its number, which covers most of the cell
    _expect_profile(tab, "PER", "Peru", tr, timeout=15_000)

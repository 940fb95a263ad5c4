"""Clicking a country on the overview opens its profile (real app, internet cut off).

The map's markers and the stage matrix's cells carry the ISO3 in ``customdata``;
``app_pages/overview.py`` switches to the country profile on a selection.
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

# Screen position of the point of a trace whose customdata is ISO3, in the chart inside
# the container ``key`` (geo: plotly's own projection; cartesian: the axes).
POINT_JS = """([key, iso3, traceType]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const box = gd.querySelector('.main-svg').getBoundingClientRect();
  const flat = v => Array.isArray(v) ? v[0] : v;
  for (const tr of gd._fullData) {
    if (tr.type !== traceType || !tr.customdata) continue;
    if (traceType === 'scattergeo') {
      const i = [...tr.customdata].findIndex(c => flat(c) === iso3);
      if (i < 0 || tr.hoverinfo === 'skip') continue;
      const [x, y] = gd._fullLayout.geo._subplot.projection([tr.lon[i], tr.lat[i]]);
      return [box.left + x, box.top + y];
    }
    if (traceType === 'heatmap') {
      const row = tr.customdata.findIndex(r => flat(r) === iso3);
      if (row < 0) continue;
      const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      return [box.left + xa._offset + xa.c2p(0), box.top + ya._offset + ya.c2p(row)];
    }
  }
  return null;
}"""


def _click(tab: Any, x: float, y: float) -> None:
    """Hover first (plotly selects what is hovered), then click."""
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


def _overview(new_tab: Callable[..., Any], app_url: str, tr: Callable[..., str]) -> Any:
    tab = new_tab()
    tab.open(app_url + "?lang=en", tr("nav.overview", "en"))
    tab.wait_plots(2)
    return tab


def test_clicking_saint_lucia_on_the_map_opens_its_profile(
    new_tab: Callable[..., Any], app_url: str, tr: Callable[..., str]
) -> None:
    tab = _overview(new_tab, app_url, tr)
    tab.page.wait_for_function(
        "() => document.querySelectorAll('.st-key-overview_map .choroplethlocation').length > 0"
    )
    xy = tab.page.evaluate(POINT_JS, ["overview_map", "LCA", "scattergeo"])
    assert xy, "no Saint Lucia marker on the map"
    _click(tab, *xy)
    _expect_profile(tab, "LCA", "Saint Lucia", tr, timeout=60_000)
    assert tab.unexpected_requests() == []
    tab.screenshot("selection_map_lca_en")


def test_clicking_a_stage_matrix_cell_opens_that_country(
    new_tab: Callable[..., Any], app_url: str, tr: Callable[..., str]
) -> None:
    tab = _overview(new_tab, app_url, tr)
    xy = tab.page.evaluate(POINT_JS, ["overview_matrix", "PER", "heatmap"])
    assert xy, "no Peru row in the stage matrix"
    _click(tab, *xy)
    _expect_profile(tab, "PER", "Peru", tr, timeout=15_000)

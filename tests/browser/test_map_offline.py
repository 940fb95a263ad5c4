"""The maps draw and stay clickable in a real browser with the internet cut off.

Why a browser: plotly.js fetches its base map (world_110m.json) at draw time and draws
nothing if that fails; AppTest cannot run JavaScript or click inside a Plotly chart.

Starts ``streamlit run`` on a free loopback port, drives /usr/bin/chromium through
Playwright (never ``playwright install``), aborts every non-loopback request (the
server and the browser come from conftest.py).
Skips only when chromium is missing and ``CI`` is unset; in CI a missing browser fails.
Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "browser" / "map_probe_app.py"
SHOTS = ROOT / "artifacts" / "screenshots"
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
# Screen position of a lon/lat in the geo subplot, from plotly's own projection.
LONLAT_TO_PAGE_JS = """([lon, lat]) => {
  const gd = document.querySelector('.js-plotly-plot');
  const [x, y] = gd._fullLayout.geo._subplot.projection([lon, lat]);
  const r = gd.querySelector('.main-svg').getBoundingClientRect();
  return [r.left + x, r.top + y];
}"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium not installed (required when CI is set)", allow_module_level=True)

from playwright.sync_api import Page  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, streamlit: Callable[..., Any]) -> Iterator[str]:
    """Streamlit serving the probe page; ``static/`` is found next to the main script,
    so the main script is a stub beside a link to the repo's static folder."""
    launch = tmp_path_factory.mktemp("probe")
    (launch / "static").symlink_to(ROOT / "static", target_is_directory=True)
    stub = launch / "map_probe_app.py"
    stub.write_text(f"import runpy\nrunpy.run_path({str(PROBE)!r}, run_name='__main__')\n")
    with streamlit(stub, log_dir=launch, extra_args=("--server.enableStaticServing", "true")) as url:
        yield url


class Offline:
    """A page whose non-loopback requests are aborted and recorded."""

    def __init__(self, browser: Any) -> None:
        self.page: Page = browser.new_page(viewport={"width": 1100, "height": 900})
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(LOOPBACK):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def selection(self) -> dict[str, Any]:
        text = self.page.locator(".st-key-selection code").inner_text()
        return json.loads(text) or {}

    def click(self, x: float, y: float, expect: str) -> dict[str, Any]:
        """Hover first (plotly selects on click what is hovered), click, await rerun."""
        self.page.mouse.move(x - 4, y)
        self.page.wait_for_timeout(150)
        self.page.mouse.move(x, y)
        self.page.wait_for_timeout(300)
        self.page.mouse.click(x, y)
        self.page.wait_for_function(
            "s => document.querySelector('.st-key-selection code')?.innerText.includes(s)",
            arg=f'"customdata": "{expect}"',
            timeout=15000,
        )
        return self.selection()


@pytest.fixture()
def offline(browser: Any) -> Iterator[Offline]:
    tab = Offline(browser)
    yield tab
    tab.page.close()


def _open(tab: Offline, url: str, ready_js: str) -> None:
    tab.page.goto(url)
    tab.page.wait_for_function(ready_js, timeout=30000)
    tab.page.wait_for_timeout(300)  # let the last transition settle before screenshots


def test_map_draws_offline_and_selects(server: str, offline: Offline) -> None:
    _open(offline, server + "?mode=map", "document.querySelectorAll('.choroplethlocation').length >= 15")
    page = offline.page
    assert page.locator(".choroplethlocation").count() == 15
    assert page.locator(".geo .scatterlayer .point").count() >= 15
    # The base map came from our static folder, and nothing left the machine.
    assert any(u.endswith("/app/static/topojson/world_110m.json") for u in offline.requests)
    assert not [u for u in offline.requests if "cdn.plot.ly" in u]
    assert offline.blocked == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "map_probe_map.png"), full_page=True)

    # Saint Lucia's marker (scattergeo): a point with lon/lat, customdata LCA.
    x, y = page.evaluate(LONLAT_TO_PAGE_JS, [-60.97, 13.895])
    chosen = offline.click(x, y, "LCA")["points"]
    assert [p["customdata"] for p in chosen] == ["LCA"]
    assert {"lon", "lat"} <= chosen[0].keys()
    assert chosen[0]["text"] == "4"  # the value disc, not the (unhoverable) name label
    page.screenshot(path=str(SHOTS / "map_probe_map_lca_selected.png"), full_page=True)

    # A choropleth shape (Patagonia, far from Argentina's marker): location + customdata.
    x, y = page.evaluate(LONLAT_TO_PAGE_JS, [-69.0, -46.0])
    chosen = offline.click(x, y, "ARG")["points"]
    assert [(p["customdata"], p["location"]) for p in chosen] == [("ARG", "ARG")]


def test_tiles_draw_offline_and_select(server: str, offline: Offline) -> None:
    _open(offline, server + "?mode=tiles", "document.querySelectorAll('.scatterlayer .point').length >= 15")
    page = offline.page
    assert page.locator(".scatterlayer .point").count() == 15
    assert offline.blocked == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "map_probe_tiles.png"), full_page=True)

    label = page.locator(".scatterlayer .textpoint", has_text="LCA")  # inside its tile
    box = label.bounding_box()
    assert box is not None
    chosen = offline.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, "LCA")
    assert [p["customdata"] for p in chosen["points"]] == ["LCA"]
    page.screenshot(path=str(SHOTS / "map_probe_tiles_lca_selected.png"), full_page=True)

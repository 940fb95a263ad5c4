"""Every page opens in both languages in a real browser, with the internet cut off.

Per language, one tab opens ``/?lang=..`` and then visits each page through the
sidebar (as a user does; a reload per page would be four times slower). For each
page: no exception box, the translated title, the illustrative-data notice, charts
drawn where the page has charts, and a full screenshot in artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium not installed (required when CI is set)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "overview",
    "country",
    "modules",
    "challenges",
    "practices",
    "capacity",
    "completeness",
    "upload",
    "correct",
    "downloads",
    "submissions",
    "review",
    "my_reports",
]
WITH_CHARTS = {"overview", "country", "modules", "challenges", "practices", "capacity", "completeness"}
LANGS = ["es", "en"]


def _map_countries() -> int:
    with (ROOT / "data" / "reference" / "countries.csv").open(encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))


@contextmanager
def tabs_by_language(
    tab_factory: Callable[..., Any], app_url: str, tr: Callable[..., str], **size: int
) -> Iterator[Callable[[str], Any]]:
    """One tab (one Streamlit session) per language, opened at ``/?lang=..`` and kept for
    the whole module; the tests walk it through the sidebar."""
    opened: dict[str, Any] = {}

    def get(lang: str) -> Any:
        if lang not in opened:
            tab = opened[lang] = tab_factory(**size)
            tab.open(app_url + f"?lang={lang}", tr("nav.overview", lang))
        return opened[lang]

    yield get
    for tab in opened.values():
        tab.close()


@pytest.fixture(scope="module")
def lang_tab(
    tab_factory: Callable[..., Any], app_url: str, tr: Callable[..., str]
) -> Iterator[Callable[[str], Any]]:
    with tabs_by_language(tab_factory, app_url, tr, width=1440) as get:
        yield get


@pytest.mark.parametrize("key", PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_page(key: str, lang: str, lang_tab: Callable[[str], Any], tr: Callable[..., str]) -> None:
    tab = lang_tab(lang)
    title = tr(f"nav.{key}", lang)
    if key != "overview" or tab.main.locator("h1").first.inner_text().strip() != title:
        tab.nav(title)

    assert tab.exceptions() == []
    assert tab.main.locator("h1").first.inner_text().strip() == title
    notice = tab.main.locator("[data-testid=stAlert] [data-testid=stMarkdownContainer]").filter(
        has_text=tr("ui.illustrative_notice", lang)
    )
    assert notice.first.is_visible()
    assert notice.first.inner_text().startswith("Datos ilustrativos" if lang == "es" else "Illustrative data")
    if key in WITH_CHARTS:
        assert tab.wait_plots(1) >= 1
    if key == "overview":
        # The map drew every country's shape and the land around them from the app's own
        # files, every outside request aborted.
        shapes = ".st-key-overview_map svg.marks g.shapes_marks > path"
        tab.page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[shapes, _map_countries()]
        )
        assert tab.page.locator(shapes).count() == _map_countries()
        assert tab.page.locator(".st-key-overview_map svg.marks g.land_marks > path").count() > 50
        assert any(u.endswith("/app/static/topojson/world_110m.json") for u in tab.requests)
        assert any(u.endswith("/app/static/geo/lac_countries.geojson") for u in tab.requests)
        assert tab.wait_plots(1) == 1  # the map; the matrix's tab and the community section wait
        tab.screenshot(f"{key}_map_{lang}")
        tab.main.get_by_role("tab", name=tr("overview.tab_matrix", lang)).click()  # drawn once chosen
        tab.wait_plots(1, within=tab.main.locator(".st-key-overview_matrix"))
        tab.page.wait_for_url("**tab=matrix*")  # a link keeps the tab
        assert tab.wait_plots(1) == 1  # the matrix, in the map's place
        assert not tab.main.locator(".st-key-matrix_narrow").is_visible()  # the list is for phones
        tab.main.locator(".st-key-overview_community summary").click()  # drawn once opened
        tab.idle()
        assert tab.wait_plots(3) == 3
        # The expander opens with an animation: its last chart lies inside it once it has.
        tab.page.wait_for_function(
            """() => { const d = document.querySelector('.st-key-overview_community details');
                const last = [...d.querySelectorAll('.js-plotly-plot')].pop();
                return last && last.getBoundingClientRect().bottom <= d.getBoundingClientRect().bottom; }"""
        )
    assert tab.unexpected_requests() == []
    assert tab.errors == []
    tab.screenshot(f"{key}_{lang}")
    assert tab.clipped_labels() == []  # axis labels inside their charts


@pytest.fixture(scope="module")
def phone_tab(
    tab_factory: Callable[..., Any], app_url: str, tr: Callable[..., str]
) -> Iterator[Callable[[str], Any]]:
    """One tab per language at a phone's width (390 px)."""
    with tabs_by_language(tab_factory, app_url, tr, width=390, height=844) as get:
        yield get


@pytest.mark.parametrize("key", PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_page_on_a_phone(
    key: str, lang: str, phone_tab: Callable[[str], Any], tr: Callable[..., str]
) -> None:
    """Every page at 390 px: it opens without an exception, and the overview's stage matrix
    gives way to a list that can be read on the phone."""
    tab = phone_tab(lang)
    title = tr(f"nav.{key}", lang)
    if tab.main.locator("h1").first.inner_text().strip() != title:
        tab.open(
            tab.page.url.split("?")[0].rsplit("/", 1)[0] + f"/{'' if key == 'overview' else key}?lang={lang}",
            title,
        )
    assert tab.exceptions() == []
    assert tab.main.locator("h1").first.inner_text().strip() == title
    if key in WITH_CHARTS:
        assert tab.wait_plots(1) >= 1
    if key == "overview":
        assert tab.clipped_labels() == []  # the islands' names inside the map
        tab.screenshot(f"{key}_map_{lang}_390")
        tab.main.get_by_role("tab", name=tr("overview.tab_matrix", lang)).click()
        tab.main.locator(".st-key-matrix_narrow").wait_for()
        tab.main.locator(".st-key-overview_matrix").wait_for(state="hidden")
        narrow = tab.main.locator(".st-key-matrix_narrow")
        assert narrow.is_visible() and tr("module_short.HEALTH", lang) in narrow.inner_text()
    assert tab.unexpected_requests() == [] and tab.errors == []
    tab.screenshot(f"{key}_{lang}_390")

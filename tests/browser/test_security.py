"""User text is shown as text, never run or rendered as markup, in a real browser.

Before the shared server starts, conftest.py loads a file through the CLI whose
challenge description is a script and an ``onerror`` image, and whose practice title
and description are Markdown and HTML (``hostile``). The challenges page (searched),
the practices page and the country profile must show the literal text, and
``window.__pwned`` must stay unset.
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

# Did any of it run, or become an element? (Streamlit's own scripts have a src.)
PWNED_JS = """() => [typeof window.__pwned, [...document.querySelectorAll(
  '[data-testid=stMain] :is(img[src="x"], [onerror], script, a[href^="javascript" i], b, i)')]
  .map(e => e.outerHTML.slice(0, 200))]"""


def _assert_not_run(tab: Any) -> None:
    tab.page.wait_for_timeout(500)  # an <img onerror> would have fired by now
    assert tab.page.evaluate(PWNED_JS) == ["undefined", []]
    assert tab.exceptions() == []
    assert tab.errors == []
    assert tab.unexpected_requests() == []


def test_challenges_page_search_shows_the_script_as_text(
    app_url: str, hostile: dict[str, str], new_tab: Callable[..., Any], tr: Callable[..., str]
) -> None:
    tab = new_tab()
    tab.open(app_url + "challenges?lang=en", tr("nav.challenges", "en"))
    box = tab.main.locator(".st-key-challenge_q input")
    box.fill("pwned")
    box.press("Enter")
    found = tr("challenges.found", "en", n=1)
    tab.main.get_by_text(found, exact=True).wait_for()
    tab.idle()
    tab.wait_cell(hostile["challenge"])
    assert hostile["challenge"] in tab.grid_texts()
    _assert_not_run(tab)
    tab.screenshot("security_challenges_en")


def test_practices_page_shows_markup_as_text(
    app_url: str, hostile: dict[str, str], new_tab: Callable[..., Any], tr: Callable[..., str]
) -> None:
    tab = new_tab()
    tab.open(app_url + "practices?lang=en", tr("nav.practices", "en"))
    title = tab.main.get_by_text(hostile["title"], exact=True)
    title.wait_for()
    assert title.is_visible()
    # The title is bold as a whole (the page's own markup), with nothing nested inside.
    assert title.evaluate("e => e.querySelectorAll('b, strong, em, i').length") == 0
    description = tab.main.get_by_text(hostile["description"], exact=True)
    assert description.is_visible()
    _assert_not_run(tab)


def test_country_profile_shows_the_script_and_markup_as_text(
    app_url: str, hostile: dict[str, str], new_tab: Callable[..., Any], tr: Callable[..., str]
) -> None:
    tab = new_tab()
    tab.open(app_url + f"country?lang=en&country={hostile['country']}", tr("nav.country", "en"))
    assert tab.main.locator(".st-key-profile_pick input").input_value() == hostile["name_en"]
    tab.main.get_by_role("heading", name=tr("country.practices_title", "en")).wait_for()
    tab.wait_cell(hostile["title"])
    cells = tab.grid_texts()
    assert hostile["challenge"] in cells
    assert hostile["title"] in cells
    assert hostile["description"] in cells
    _assert_not_run(tab)
    tab.screenshot("security_country_en")

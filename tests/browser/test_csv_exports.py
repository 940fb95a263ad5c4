"""Tables offer no CSV download of their own (Streamlit's would export text unneutralised):
hovering a table shows its toolbar without "Download as CSV", and the product's own CSV
button beside it is there. What that button produces is checked in tests/pages/test_csv_downloads.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium not installed (required when CI is set)", allow_module_level=True)


def test_a_table_toolbar_has_no_csv_download_and_the_products_own_is_there(
    app_url: str, new_tab: Callable[..., Any], tr: Callable[..., str]
) -> None:
    tab = new_tab()
    tab.open(app_url + "challenges?lang=en", tr("nav.challenges", "en"))
    table = tab.main.locator("[data-testid=stDataFrame]").last
    table.wait_for()
    table.scroll_into_view_if_needed()
    table.hover()
    toolbar = tab.page.locator("[data-testid=stElementToolbar]").filter(has=tab.page.locator("button")).last
    toolbar.locator('button[aria-label^="Search"]').wait_for(state="visible")
    assert tab.page.locator('[data-testid=stElementToolbar] button[aria-label^="Download"]').count() == 0
    assert tab.main.locator(".st-key-dl_challenges_table button").is_visible()
    assert tab.exceptions() == [] and tab.errors == []
    tab.screenshot("table_toolbar_without_csv_en")

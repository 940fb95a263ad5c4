"""The exchange between countries in a real browser, internet cut off: the flow of who learned
from whom draws (one node per country on each side, one band per adaptation), and a practice's
card names the countries that adapted it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium not installed (required when CI is set)", allow_module_level=True)

ADAPTED_BY = {
    "es": "Adaptada por: Honduras (2022), El Salvador (2022), Trinidad y Tobago (2023)",
    "en": "Adapted by: Honduras (2022), El Salvador (2022), Trinidad and Tobago (2023)",
}


def _adaptations() -> tuple[int, int]:
    """(nodes, bands) the illustrative adaptations draw: each source country on the left, each
    adopting country on the right, one band per (source, adopter)."""
    from analytics.demo.dataset import ADOPTIONS

    pairs = {(source, adopter) for adopter, _, sources in ADOPTIONS for source in sources}
    return len({s for s, _ in pairs}) + len({a for _, a in pairs}), len(pairs)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_exchange_view_draws_and_a_card_names_who_adapted_it(
    lang: str, app_url: str, new_tab: Callable[..., Any], tr: Callable[..., str]
) -> None:
    tab = new_tab()
    tab.open(
        app_url + f"practices?lang={lang}&q={quote('Fiscalías especializadas')}", tr("nav.practices", lang)
    )
    assert tab.exceptions() == []
    flow = tab.main.locator(".st-key-practices_exchange")
    tab.wait_plots(1, within=flow)
    nodes, bands = _adaptations()
    tab.page.wait_for_function(
        "n => document.querySelectorAll('.st-key-practices_exchange .sankey-node').length >= n", arg=nodes
    )
    assert flow.locator(".sankey-node").count() == nodes
    assert flow.locator(".sankey-link").count() == bands
    labels = flow.locator(".sankey-node .node-label").evaluate_all("els => els.map(e => e.textContent)")
    assert labels.count("Guyana") == 2, "a country that learned and taught stands on both sides"
    flow.screenshot(path=str(tab.screenshot(f"exchange_{lang}").with_name(f"exchange_view_{lang}.png")))

    card = tab.main.locator("[class*=st-key-practice_card_]").filter(has_text=ADAPTED_BY[lang])
    assert card.count() == 1, "one card: Guatemala's specialised prosecution units"
    assert f"Guatemala · {tr('module_short.JUSTICE', lang)} · " in card.inner_text()
    assert card.get_by_text(tr("practices.replicable_badge", lang)).first.is_visible()
    honduras = tab.main.locator("[class*=st-key-practice_card_]").filter(
        has_text=tr("practices.adopted_from", lang, countries="Guatemala")
    )
    assert honduras.count() == 2, (
        "Honduras and El Salvador adapted it (Trinidad and Tobago wrote its own title)"
    )
    assert tab.unexpected_requests() == [] and tab.errors == []

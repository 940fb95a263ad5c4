"""The protocol client's own logic, without a server: widget keys, and the change a person makes."""

from __future__ import annotations

import random

from benchmarks.protoload import change_for
from benchmarks.stclient import Tab, Widget, _key


def test_a_widget_is_known_by_the_key_the_app_gave_it():
    assert _key("$$ID-056ee3b5996c31908b85c47810c6718a-w_spot") == "w_spot"
    assert _key("$$ID-53b8c081b70acadf038a19772b8310d6-None") == "$$ID-53b8c081b70acadf038a19772b8310d6-None"


def test_a_person_picks_another_spotlight_choice_and_the_other_tab():
    tab = Tab("http://127.0.0.1:1/")
    tab.widgets = {
        "w_spot": Widget("$$ID-a-w_spot", "selectbox", ["All", "With", "Without"]),
        "overview_tab": Widget("$$ID-b-overview_tab", "tabs", ["Map", "Matrix"]),
    }
    rng = random.Random(0)
    assert {change_for("filter", tab, rng)["w_spot"] for _ in range(20)} == {"With", "Without"}
    assert change_for("tab", tab, rng) == {"overview_tab": "Matrix"}
    tab.query = "lang=es&tab=matrix"
    assert change_for("tab", tab, rng) == {"overview_tab": "Map"}
    assert change_for("rerun", tab, rng) is None

"""Views follow the sidebar's filters: the country profile opens on the first of the chosen
countries and lists them first."""

from __future__ import annotations


def test_the_profile_opens_on_the_first_chosen_country_and_lists_the_chosen_first(app):
    app.query_params["lang"] = "es"
    app.query_params["countries"] = "URY,PER"
    app.session_state["_esp_start_page"] = "country"
    app.run()
    assert not app.exception
    pick = app.selectbox(key="profile_pick")
    assert pick.value == "PER"  # Perú before Uruguay, in Spanish order
    assert list(pick.options[:2]) == ["Perú", "Uruguay"]


def test_a_country_in_the_link_still_opens_even_outside_the_filter(app):
    app.query_params["lang"] = "en"
    app.query_params["countries"] = "URY"
    app.query_params["country"] = "GTM"
    app.session_state["_esp_start_page"] = "country"
    app.run()
    assert app.selectbox(key="profile_pick").value == "GTM"

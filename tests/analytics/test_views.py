"""The view state in the URL: what a shared link reproduces."""

from analytics.insights.filters import ViewState, from_query_params, to_query_params

KNOWN = {"known_countries": {"PER"}, "known_subregions": set(), "known_cohorts": set()}


def test_including_what_awaits_review_round_trips_through_the_url():
    state = ViewState(pending=True)
    params = to_query_params(state)
    assert params["pending"] == "1"
    assert from_query_params(params, **KNOWN) == state
    assert "pending" not in to_query_params(ViewState())


def test_only_a_yes_switches_it_on():
    for value, expected in (("1", True), ("true", True), ("0", False), ("x", False), ("", False)):
        assert from_query_params({"pending": value}, **KNOWN).pending is expected

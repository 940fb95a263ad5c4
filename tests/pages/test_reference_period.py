"""Each view says which period its numbers describe, and numbers side by side agree: the
overview's KPIs, map and matrix describe the end of the latest full year; completeness opens
on that year and names the year under way as such."""

from __future__ import annotations

from datetime import date

from analytics.i18n import t

LAST_FULL = date.today().year - 1


def texts(at) -> str:
    return "\n".join(
        str(e.value)
        for kind in ("markdown", "caption")
        for e in getattr(at, kind)
        if getattr(e, "value", None)
    )


def test_overview_states_its_year_and_its_kpi_and_matrix_agree(open_app):
    app = open_app("overview", "en")
    shown = texts(app)
    assert f"at the end of {LAST_FULL} (latest full year)" in shown
    pilot = int(next(m for m in app.metric if m.label == t("overview.kpi_pilot_or_beyond", "en")).value)
    app.query_params["tab"] = "matrix"  # the matrix's tab: the same number in its sentence
    assert f"At the end of {LAST_FULL}, {pilot} of " in texts(app.run())


def test_completeness_opens_on_the_latest_full_year_and_names_the_year_under_way(open_app):
    app = open_app("completeness", "es")
    pick = app.selectbox(key="completeness_year_pick")
    assert pick.value == LAST_FULL
    assert t("completeness.year_under_way", "es", year=LAST_FULL + 1) in pick.options
    assert f"Para {LAST_FULL}, " in texts(app)


def test_the_completeness_year_is_kept_in_the_url(open_app):
    app = open_app("completeness", "en")
    app.selectbox(key="completeness_year_pick").set_value(LAST_FULL - 2).run()
    assert app.query_params["year"] == [str(LAST_FULL - 2)] or app.query_params["year"] == str(LAST_FULL - 2)
    year_under_way = LAST_FULL + 1
    app.selectbox(key="completeness_year_pick").set_value(year_under_way).run()
    assert f"{year_under_way} is under way" in texts(app)

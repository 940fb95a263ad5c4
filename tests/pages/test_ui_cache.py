"""The app's caches: shared between sessions, keyed by database and data version,
never changed by what a page does with what it gets."""

from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from analytics.figures import charts
    from analytics.insights import completeness, membership
    from webui import cache, context

    c = context.start(None)
    first = cache.cached(membership.milestones)
    first["date"] = None  # a page changing its copy...
    again = cache.cached(membership.milestones)  # ...never reaches the cache
    st.text(" ".join(map(str, ["dates_intact", bool(again["date"].notna().all())])))
    growth = cache.cached(completeness.last_reported, as_of=c.as_of)
    fig_a = cache.figure(charts.milestones, again, "en")
    fig_b = cache.figure(charts.milestones, cache.cached(membership.milestones), "en")
    st.text(" ".join(map(str, ["same_figure", fig_a is fig_b, type(fig_a).__name__])))
    changed = again.head(2)
    st.text(
        " ".join(
            map(str, ["other_rows_other_figure", cache.figure(charts.milestones, changed, "en") is not fig_a])
        )
    )
    st.text(" ".join(map(str, ["frames", len(growth) > 0])))


def _run(demo_db):
    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return {m.value.split()[0]: m.value.split()[1:] for m in at.text}


def test_a_page_changing_a_cached_frame_does_not_change_the_cache(demo_db):
    out = _run(demo_db)
    assert out["dates_intact"] == ["True"]


def test_equal_inputs_share_one_figure_and_other_inputs_get_another(demo_db):
    out = _run(demo_db)
    assert out["same_figure"] == ["True", "SharedFigure"]
    assert out["other_rows_other_figure"] == ["True"]


def test_chart_table_view_is_drawn_only_once_opened(open_app):
    from analytics.i18n import t

    stage, module = t("col.stage", "en"), t("col.module", "en")
    app = open_app("overview", "en")
    assert not [d for d in app.dataframe if stage in d.value.columns and module in d.value.columns]
    app.query_params["tab"] = "matrix"
    app.session_state["tv_overview_matrix"] = True
    app.run()
    matrix = next(d.value for d in app.dataframe if stage in d.value.columns and module in d.value.columns)
    assert len(matrix) > 0


def test_run_log_records_each_page_run_when_asked(open_app, tmp_path, monkeypatch):
    import json

    log = tmp_path / "runs.jsonl"
    monkeypatch.setenv("ESP_RUN_LOG", str(log))
    open_app("modules", "en").run()
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["page"] for r in runs] == ["modules", "modules"]
    assert all(r["ms"] > 0 for r in runs)


def test_the_community_section_is_drawn_only_once_opened(open_app):
    app = open_app("overview", "en")
    assert not [c for c in app.get("plotly_chart") if "overview_membership" in c.proto.id]
    n = len(app.get("plotly_chart"))
    app.session_state["overview_community"] = True
    app.run()
    assert len(app.get("plotly_chart")) == n + 2  # membership growth and the milestones

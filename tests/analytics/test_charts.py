"""Figure builders: what they draw, in which language."""

import pandas as pd

from analytics import reference
from analytics.figures import charts
from analytics.insights import completeness, membership, progress, status
from analytics.ledger import workflow
from tests.helpers import ADMIN, progress_rows, workbook


def test_stage_matrix_prints_stage_and_arrow_and_marks_each_cell_clickable(store, con):
    for period, stages in (("2023", (1, 1, 1, 1)), ("2024", (3, 1, 0, 1))):
        workflow.load(
            store, workbook(progress=progress_rows("PER", period, stages)), "f.xlsx", principal=ADMIN
        )
    ref = reference.build(con)
    fig = charts.stage_matrix(status.stage_status(con, year=2024), ref, "es", 2024, "Etapa por país")
    texts = set(fig.data[1].text)
    assert {"3 ▲", "1 =", "0 ▼"} <= texts
    assert not fig.layout.annotations, "the numbers are one text trace, not an annotation each"
    assert fig.data[0].type == "heatmap" and fig.data[1].type == "scatter"
    assert set(fig.data[1].customdata) == {"PER"}
    assert "Salud" in list(fig.data[0].x) and fig.layout.title.text.startswith("Etapa por país")


def test_builders_translate_titles(con):
    ref = reference.build(con)
    growth = membership.membership_growth(ref, until=2020)
    assert charts.membership(growth, ref, "en").layout.title.text.startswith("Growth")
    assert charts.membership(growth, ref, "es").layout.title.text.startswith("Crecimiento")
    ms = membership.milestones(con)
    assert len(charts.milestones(ms, "en").data[1].x) == len(ms)


def test_completeness_figure_marks_reported_missing_and_not_yet_member(store, con):
    ref = reference.build(con)
    workflow.load(store, workbook(progress=progress_rows("PER", "2018")), "f.xlsx", principal=ADMIN)
    comp = completeness.completeness(con, ref, until=2018)
    fig = charts.completeness(comp, ref, "en")
    cells = dict(zip(fig.data[0].y, [row for row in fig.data[0].text]))
    assert cells["Peru"][list(fig.data[0].x).index("2018")] == "✓"
    assert cells["Mexico"][list(fig.data[0].x).index("2017")] == ""
    assert cells["Mexico"][list(fig.data[0].x).index("2018")] == "✗"
    still_open = charts.completeness(comp, ref, "en", open_year=2018)
    cells = dict(zip(still_open.data[0].y, still_open.data[0].text))
    assert (
        cells["Mexico"][list(still_open.data[0].x).index("2018<br>(under way)")] == "…"
    )  # not missing: the year is not over
    assert cells["Peru"][list(still_open.data[0].x).index("2018<br>(under way)")] == "✓"


def test_heatmap_counts_by_category_and_module(con):
    ref = reference.build(con)
    df = pd.DataFrame(
        {"category": ["DATA", "DATA", "LEGAL"], "module": ["HEALTH", "HEALTH", "CROSS"], "count": [1, 2, 5]}
    )
    fig = charts.heatmap(
        df,
        x="module",
        y="category",
        value="count",
        x_labels=reference.short_module_names("en"),
        y_labels=ref.labels("category", "en"),
        title="t",
        colorbar="n",
    )
    z = pd.DataFrame(fig.data[0].z, index=fig.data[0].y, columns=fig.data[0].x)
    assert z.loc["Data and information systems", "Health"] == 3
    assert z.loc["Legal and policy framework", "Cross-cutting"] == 5


def test_country_steps_keep_modules_at_one_stage_apart_and_hover_the_true_stage(store, con):
    workflow.load(
        store, workbook(progress=progress_rows("PER", "2024", (2, 2, 2, 2))), "f.xlsx", principal=ADMIN
    )
    ref = reference.build(con)
    fig = charts.stage_steps(status.yearly_progress(con, countries=["PER"]), ref, "en", "Peru")
    drawn = [tr.y[0] for tr in fig.data]
    assert len(set(drawn)) == 4 and all(abs(y - 2) < 0.25 for y in drawn)
    assert [tr.customdata[0] for tr in fig.data] == [2, 2, 2, 2]


def test_values_awaiting_review_are_outlined_ringed_hatched_and_named(store, con, monkeypatch):
    from analytics.ledger.reads import WORKING

    monkeypatch.setenv("ESP_REVIEW", "on")
    workflow.load(
        store, workbook(progress=progress_rows("PER", "2024", (3, 1, 0, 1))), "f.xlsx", principal=ADMIN
    )
    ref = reference.build(con)
    published = charts.stage_matrix(status.stage_status(con, year=2024), ref, "es", 2024, "t")
    assert not published.layout.shapes, "nothing awaits review in published data"
    matrix = status.stage_status(con, scope=WORKING, year=2024)
    assert matrix["awaiting"].all()
    fig = charts.stage_matrix(matrix, ref, "en", 2024, "t")
    dotted = [s for s in fig.layout.shapes if s.line.dash == "dot"]
    assert len(dotted) == 4, "one outline per awaiting cell"
    assert "awaiting review" in [d.name for d in fig.data]
    yearly = status.yearly_progress(con, scope=WORKING)
    steps = charts.stage_steps(yearly, ref, "es", "t")
    rings = [d for d in steps.data if d.name == "en espera de revisión"]
    assert sum(len(d.x) for d in rings) == 4 and [d.showlegend for d in rings].count(True) == 1
    rank = progress.module_ranking(con, "HEALTH", scope=WORKING, year=2024)
    assert list(charts.ranking(rank, ref, "en", "t").data[0].marker.pattern.shape) == ["/"]
    comp = completeness.completeness(con, ref, scope=WORKING, until=2024)
    assert comp.set_index(["year", "country"]).loc[(2024, "PER"), "awaiting"]
    grid = charts.completeness(comp, ref, "en")
    assert len([s for s in grid.layout.shapes if s.line.dash == "dot"]) == 1


def test_a_value_carried_forward_is_veiled_names_its_year_and_the_legend_says_so(store, con):
    workflow.load(
        store, workbook(progress=progress_rows("PER", "2023", (1, 2, 3, 4))), "f.xlsx", principal=ADMIN
    )
    ref = reference.build(con)
    fig = charts.stage_matrix(status.stage_status(con, year=2025), ref, "en", 2025, "t")
    assert [list(r) for r in fig.data[0].z] == [[None] * 4], "no carried cell in its full colour"
    pale = next(d for d in fig.data if d.type == "heatmap" and d.name == "carried")
    assert [list(r) for r in pale.z] == [[1, 2, 3, 4]] and pale.showscale is False
    assert pale.colorscale[2][1] == charts._paler(charts.STAGE_COLORS[1])
    assert all("2023" in text for text in fig.data[1].text)
    assert any(d.name and d.name.startswith("Pale: value carried forward") for d in fig.data)
    hover = fig.data[1].hovertext[0]
    assert "carried forward from 2023" in hover and "at the end of 2025" in hover


def test_challenges_over_time_are_small_multiples_one_per_category_with_the_year_under_way_dotted(con):
    ref = reference.build(con)
    cats = ref.labels("category", "en")
    trend = pd.DataFrame(
        [
            {"year": y, "category": k, "count": i + y - 2020}
            for i, k in enumerate(cats)
            for y in (2023, 2024, 2025)
        ]
    )
    fig = charts.small_multiples(
        trend,
        x="year",
        y="count",
        facet="category",
        labels=cats,
        title="t",
        y_title="n",
        lang="en",
        open_year=2025,
    )
    titles = [a.text.replace("<br>", " ") for a in fig.layout.annotations]
    assert titles == list(cats.values())  # one small chart per category, in the vocabulary's order
    solid = [d for d in fig.data if d.line.dash is None]
    dotted = [d for d in fig.data if d.line.dash == "dot"]
    assert len(solid) == len(dotted) == len(cats)
    assert all(list(d.x) == [2023, 2024] for d in solid) and all(list(d.x) == [2024, 2025] for d in dotted)
    assert "year under way" in fig.layout.title.text

"""Capacity frames on a tiny known report: counts as reported, never inferred."""

import pandas as pd
import pytest

from analytics import reference
from analytics.figures import charts
from analytics.insights import capacity
from analytics.ledger import workflow
from tests.helpers import ADMIN, workbook

COURSE_ES, COURSE_EN = "Curso virtual sobre servicios esenciales", "Virtual course on essential services"
ROWS = [
    # country, period, module, activity, kind, institution, total, women, men, completed
    ("HND", "2023", "CROSS", COURSE_ES, "COURSE", "GOVERNMENT", 40, 30, 10, 30),
    ("HND", "2023", "CROSS", COURSE_ES, "COURSE", "CSO", 10, None, None, 5),  # no split: not reported
    ("HND", "2024", "JUSTICE", "Intercambio con Guatemala", "EXCHANGE", "GOVERNMENT", 6, 4, 1, None),
    ("GUY", "2024", "CROSS", COURSE_EN, "COURSE", "GOVERNMENT", 20, 12, None, 20),  # women only
    ("GUY", "2024", "HEALTH", "Workshop on protocols", "WORKSHOP", "UNFPA", 4, None, None, None),
]
COLUMNS = [
    "country",
    "period",
    "module",
    "activity",
    "kind",
    "institution_type",
    "participants_total",
    "participants_women",
    "participants_men",
    "completed",
]


@pytest.fixture
def cap(store, con):
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    chk, out = workflow.load(store, workbook(capacity=frame), "capacity.xlsx", principal=ADMIN)
    assert out and out.submission_id, [(f.code, f.row, f.column) for f in chk.findings if f.is_error]
    return capacity.capacity(con)


def test_capacity_reads_every_standing_row_with_its_year(cap):
    assert len(cap) == 5 and sorted(set(cap["year"])) == [2023, 2024]


def test_capacity_as_of_before_the_upload_is_empty(store, con, cap):
    from datetime import datetime

    assert capacity.capacity(con, as_of=datetime(2020, 1, 1)).empty


def test_totals_count_completion_only_where_reported(cap):
    k = capacity.totals(cap)
    assert k["participants"] == 80 and k["countries"] == 2
    assert k["activities"] == 4, "one activity per country, period and name, whatever the institutions"
    assert k["completion_pct"] == round(100 * (30 + 5 + 20) / (40 + 10 + 20), 1)
    assert k["split_participants"] == 40 + 6 + 20


def test_women_and_men_are_never_inferred(cap):
    g = capacity.gender_by_year(cap).set_index(["year", "group"])["participants"]
    assert (g[2023, "women"], g[2023, "men"], g[2023, "not_reported"]) == (30, 10, 10)
    # 2024: 4 + 12 women, 1 man; the rest of each row (1, 8, 4) is not reported
    assert (g[2024, "women"], g[2024, "men"], g[2024, "not_reported"]) == (16, 1, 13)
    assert list(capacity.gender_by_year(cap)["group"][:3]) == ["women", "men", "not_reported"]


def test_by_country_year_and_by_institution(cap):
    per = capacity.by_country_year(cap).set_index(["country", "year"])
    assert per.loc[("HND", 2023), "participants"] == 50 and per.loc[("GUY", 2024), "activities"] == 2
    inst = capacity.by_institution(cap)
    assert inst.iloc[0].to_dict() == {"institution_type": "GOVERNMENT", "participants": 66, "pct": 82.5}
    assert inst["pct"].sum() == pytest.approx(100)


def test_by_kind_leaves_completion_blank_where_no_row_reports_it(cap):
    kinds = capacity.by_kind(cap).set_index("kind")
    assert kinds.loc["COURSE", "participants"] == 70 and kinds.loc["COURSE", "completion_pct"] == 78.6
    assert pd.isna(kinds.loc["EXCHANGE", "completion_pct"]) and pd.isna(kinds.loc["WORKSHOP", "completed"])


def test_completion_by_country_uses_only_rows_that_report_it(cap):
    comp = capacity.completion_by_country(cap).set_index("country")
    assert comp.loc["GUY"].to_dict() == {"participants": 20, "completed": 20, "completion_pct": 100.0}
    assert comp.loc["HND", "participants"] == 50, "the exchange without completions is left out"
    assert list(comp.index) == ["GUY", "HND"]


def test_the_virtual_course_is_found_under_each_language_s_name(cap, con):
    names = capacity.course_names(cap)
    assert set(names["activity"]) == {COURSE_ES, COURSE_EN}
    chosen = capacity.virtual_course_names(names)
    assert set(chosen) == {COURSE_ES, COURSE_EN}
    assert capacity.virtual_course_names(pd.DataFrame({"activity": ["Curso de virtualización"]})) == []
    ref = reference.build(con)
    members = ref.countries[ref.countries["member"]]
    reach = capacity.course_reach(cap, chosen, members).set_index("country")
    assert (
        len(reach) == 15 and reach.loc["HND", "participants"] == 50 and reach.loc["GUY", "first_year"] == 2024
    )
    assert reach.loc["PER", "participants"] == 0 and pd.isna(reach.loc["PER", "first_year"])
    per_year = capacity.course_by_year(cap, chosen)
    assert per_year.to_dict("records") == [
        {"year": 2023, "participants": 50, "countries": 1, "countries_so_far": 1},
        {"year": 2024, "participants": 20, "countries": 1, "countries_so_far": 2},
    ]
    assert "2 de 15" in capacity.reach_sentence(reach.reset_index(), per_year, "es")


def test_sentences_name_the_numbers_in_both_languages(cap, con):
    ref = reference.build(con)
    per = capacity.by_country_year(cap)
    assert capacity.trained_sentence(per, ref, "es").startswith("De 2023 a 2024, 80 personas")
    assert "Honduras (56)" in capacity.trained_sentence(per, ref, "en")
    assert "82%" in capacity.institution_sentence(capacity.by_institution(cap), ref, "en")
    assert "«Curso»" in capacity.kind_sentence(capacity.by_kind(cap), ref, "es")
    gender = capacity.gender_sentence(capacity.gender_by_year(cap), "en")
    assert "46 women and 11 men" in gender and "23 participants" in gender


def test_the_women_and_men_sentence_writes_numbers_and_plurals_per_language():
    g = pd.DataFrame(
        {
            "year": [2024, 2024, 2024],
            "group": ["women", "men", "not_reported"],
            "participants": [4140, 1, 2275],
        }
    )
    en = capacity.gender_sentence(g, "en")
    es = capacity.gender_sentence(g, "es")
    assert "4,140 women and 1 man" in en and "2,275 participants" in en
    assert "4.140 mujeres y 1 hombre" in es and "2.275 participantes" in es


def test_gender_chart_stacks_what_was_reported_with_not_reported_in_grey(cap):
    g = capacity.gender_by_year(cap)
    fig = charts.stacked_bars(
        g,
        x="year",
        y="participants",
        series="group",
        series_labels=capacity.gender_labels("en"),
        title="t",
        x_title="x",
        y_title="y",
        colors={"not_reported": charts.NO_DATA_COLOR},
    )
    assert [tr.name for tr in fig.data] == ["Women", "Men", "Not reported"]
    assert fig.data[2].marker.color == charts.NO_DATA_COLOR and fig.layout.barmode == "stack"
    assert list(fig.data[0].y) == [30, 16]


def test_an_empty_capacity_gives_empty_frames_and_a_no_data_sentence(con):
    cap = capacity.capacity(con)
    assert cap.empty and capacity.by_country_year(cap).empty and capacity.gender_by_year(cap).empty
    assert capacity.totals(cap)["completion_pct"] is None
    assert capacity.completion_by_country(cap).empty and capacity.course_names(cap).empty


def test_a_capacity_report_awaiting_review_is_published_only_once_approved(store, con):
    from analytics.ledger import reads, review
    from analytics.ledger.permissions import DEMO_REVIEWER

    frame = pd.DataFrame(ROWS[:1], columns=COLUMNS)
    chk = workflow.check(con, workbook(capacity=frame), "c.xlsx", principal=ADMIN)
    out = workflow.commit(store, chk, principal=ADMIN, publish=False)
    assert capacity.capacity(con).empty, "awaiting review: not published"
    waiting = capacity.capacity(con, scope=reads.WORKING)
    assert waiting["awaiting"].tolist() == [True]
    review.approve(store, [out.submission_id], principal=DEMO_REVIEWER)
    assert capacity.capacity(con)["participants_total"].tolist() == [40]

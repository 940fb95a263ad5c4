"""Queries on a known tiny dataset."""

import pandas as pd
import pytest

from analytics import reference
from analytics.insights import challenges, completeness, filters, membership, progress, status
from analytics.ledger import workflow
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, progress_rows, workbook

STORE_KINDS = BOTH_KINDS


def load(store, **tables):
    chk, out = workflow.load(store, workbook(**tables), "f.xlsx", principal=ADMIN)
    assert out is not None, [(f.code, f.row) for f in chk.findings if f.is_error]


@pytest.fixture
def tiny(store, con):
    load(
        store,
        progress=pd.concat(
            [progress_rows("PER", "2023", (1, 1, 1, 1)), progress_rows("GTM", "2023", (2, 2, 2, 2))]
        ),
    )
    load(
        store,
        progress=pd.concat(
            [progress_rows("PER", "2024", (3, 1, 0, 1)), progress_rows("GTM", "2024", (2, 2, 2, 2))]
        ),
    )
    return con


def test_stage_status_holds_the_stage_at_the_end_of_the_year_and_the_change_since_the_year_before(tiny):
    m = status.stage_status(tiny, year=2024).set_index(["country", "module"])
    assert m.loc[("PER", "HEALTH"), "stage"] == 3 and m.loc[("PER", "HEALTH"), "change"] == 1
    assert m.loc[("PER", "SOCIAL"), "change"] == -1
    assert m.loc[("PER", "JUSTICE"), "change"] == 0
    assert m.loc[("GTM", "HEALTH"), "previous_stage"] == 2
    assert m["carried_from"].isna().all() and len(m) == 8


def test_stage_status_of_an_earlier_year_has_no_change_before_the_first_report(tiny):
    m = status.stage_status(tiny, year=2023)
    assert set(m["period"]) == {"2023"} and m["change"].isna().all()


def test_a_later_year_carries_each_value_forward_and_says_from_when(tiny):
    m = status.stage_status(tiny, year=2025).set_index(["country", "module"])
    assert m.loc[("PER", "HEALTH"), "stage"] == 3
    assert set(m["carried_from"]) == {2024}
    assert (m["change"] == 0).all()  # nothing reported in 2025: the same as at the end of 2024


def test_kpis_matrix_and_map_agree_on_the_same_year(tiny):
    ref = reference.build(tiny)
    k = status.kpis(tiny, ref, year=2024).set_index("kpi")
    m = status.stage_status(tiny, year=2024)
    assert k.loc["pilot_or_beyond", "value"] == int((m["stage"] >= status.PILOT_STAGE).sum())
    v = status.map_values(tiny, ref, lang="en", year=2024).set_index("country")
    assert v.loc["PER", "value"] == round(m[m["country"] == "PER"]["stage"].mean(), 1)
    assert v.loc["PER", "carried"] == 0
    later = status.map_values(tiny, ref, lang="en", year=2025).set_index("country")
    assert later.loc["PER", "carried"] == 4 and later.loc["PER", "carried_from"] == 2024


def test_kpis_compare_the_year_with_the_one_before(tiny):
    ref = reference.build(tiny)
    k = status.kpis(tiny, ref, year=2024).set_index("kpi")
    assert k.loc["pilot_or_beyond", "value"] == 1 and k.loc["pilot_or_beyond", "previous"] == 0
    assert k.loc["reported", "value"] == 2
    assert k.loc["members", "value"] == 15 and k.loc["members", "previous"] == 15
    assert k.loc["average_stage", "value"] == pytest.approx((3 + 1 + 0 + 1 + 8) / 8, abs=0.01)


def test_map_values_cover_every_member_with_nan_for_no_report(tiny):
    ref = reference.build(tiny)
    v = status.map_values(tiny, ref, lang="en", measure="HEALTH")
    assert len(v) == 15 and v.set_index("country").loc["PER", "value"] == 3
    assert v["value"].isna().sum() == 13


def test_completeness_expects_only_countries_that_had_joined(tiny):
    ref = reference.build(tiny)
    comp = completeness.completeness(tiny, ref, until=2024).set_index(["year", "country"])
    assert bool(comp.loc[(2017, "PER"), "expected"]) is True
    assert bool(comp.loc[(2017, "MEX"), "expected"]) is False
    assert bool(comp.loc[(2018, "MEX"), "expected"]) is True
    assert bool(comp.loc[(2018, "BOL"), "expected"]) is False  # later members: 2019 at the earliest
    assert bool(comp.loc[(2024, "PER"), "progress"]) and not comp.loc[(2024, "URY"), "progress"]


def test_module_distribution_carries_stages_forward_and_counts_what_it_carried(tiny):
    d = progress.module_distribution(tiny, "HEALTH", years=range(2023, 2026))
    assert d[d["year"] == 2024].set_index("stage")["countries"].to_dict() == {3: 1, 2: 1}
    assert d[d["year"] == 2024]["carried"].sum() == 0
    assert d[d["year"] == 2025].set_index("stage")["carried"].to_dict() == {3: 1, 2: 1}


def test_membership_growth_counts_members_by_route(con):
    ref = reference.build(con)
    g = membership.membership_growth(ref, until=2020)
    assert g[g["year"] == 2017]["members"].sum() == 4
    assert g[g["year"] == 2018]["members"].sum() == 11
    assert g[g["year"] == 2019]["members"].sum() == 15


def test_shared_challenges_and_search(store, con):
    ch = pd.DataFrame(
        [
            {
                "country": c,
                "period": "2024",
                "module": "HEALTH",
                "category": "DATA",
                "severity": "HIGH",
                "description": f"Registros {c}",
            }
            for c in ("PER", "GTM")
        ]
    )
    alone = ch.head(1).assign(category="FINANCING", description="Sin presupuesto")
    load(store, challenges=pd.concat([ch, alone]))
    df = challenges.challenges(con)
    shared = challenges.shared_challenges(df)
    assert shared.iloc[0]["n_countries"] == 2 and shared.iloc[0]["countries"] == "GTM, PER"
    assert list(shared["category"]) == ["DATA"]  # one country alone is not "shared"
    assert len(challenges.shared_challenges(df, min_countries=1)) == 2
    assert len(filters.search(df, "registros per", ["description"])) == 1
    assert len(filters.search(df, "REGISTROS", ["description"])) == 2


def test_last_reported_is_the_latest_period(tiny):
    last = completeness.last_reported(tiny).set_index("country")
    assert last.loc["PER", "last_period"] == "2024"


def test_preview_changes_name_the_module_and_category_in_words(con):
    from analytics.present import tables

    ref = reference.build(con)
    changed = pd.DataFrame(
        {
            "sheet": ["progress", "challenges"],
            "country": ["PER", "PER"],
            "period": ["2024", "2024"],
            "key": ["HEALTH", "CROSS / DATA / a / b"],
            "field": ["stage", "status"],
            "old": ["1", "OPEN"],
            "new": ["2", "RESOLVED"],
        }
    )
    keys = list(tables.changed_values(changed, ref, "en")["key"])
    assert keys[0] == ref.labels("module", "en")["HEALTH"]
    assert keys[1] == " / ".join(
        [ref.labels("module", "en")["CROSS"], ref.labels("category", "en")["DATA"], "a / b"]
    )


def test_preview_changes_name_a_capacity_row_s_module_and_institution_type_in_words(con):
    from analytics.present import tables

    ref = reference.build(con)
    changed = pd.DataFrame(
        {
            "sheet": ["capacity"],
            "country": ["PER"],
            "period": ["2024"],
            "key": ["CROSS / Curso / módulo 2 / CSO"],
            "field": ["participants_total"],
            "old": ["10"],
            "new": ["12"],
        }
    )
    assert list(tables.changed_values(changed, ref, "es")["key"]) == [
        "Transversal / Curso / módulo 2 / Organizaciones de la sociedad civil"
    ]


def test_membership_and_milestones_follow_the_chosen_countries(con):
    ref = reference.build(con)
    g = membership.membership_growth(ref, until=2020, countries=["PER", "MEX"])
    assert g[g["year"] == 2017]["members"].sum() == 1 and g[g["year"] == 2020]["members"].sum() == 2
    every = membership.milestones(con)
    mine = membership.milestones(con, ["MEX"])
    assert 0 < len(mine) < len(every)
    assert all(not c or "MEX" in c.split(";") for c in mine["countries"].fillna(""))

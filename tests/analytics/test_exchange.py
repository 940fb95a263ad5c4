"""Exchange between countries: adaptations read from practices' adopted_from, and the
practice each came from."""

import pandas as pd
import pytest

from analytics import reference
from analytics.figures import charts
from analytics.insights import exchange, practices
from analytics.ledger import workflow
from tests.helpers import ADMIN, workbook


def practice(country, period, module, title, adopted_from="", replicable="no"):
    return {
        "country": country,
        "period": period,
        "module": module,
        "title": title,
        "description": "d",
        "adopted_from": adopted_from,
        "replicable": replicable,
    }


PRACTICES = [
    practice("GTM", "2019", "JUSTICE", "Fiscalías especializadas", replicable="sí"),
    practice("GTM", "2019", "HEALTH", "Protocolo de salud"),
    practice("URY", "2019", "SOCIAL", "Casas de acogida en red", replicable="yes"),
    practice("URY", "2019", "SOCIAL", "Línea de ayuda 24 horas"),
    practice("HND", "2022", "JUSTICE", "Fiscalías especializadas", "Guatemala"),
    practice("TTO", "2023", "JUSTICE", "Specialised prosecution units", "GTM"),
    practice("PRY", "2023", "SOCIAL", "Casas de acogida", "URY"),  # two SOCIAL practices: the closest title
    practice("ARG", "2022", "COORD", "Mesa de coordinación", "URY; GTM"),  # no COORD practice at either
    practice("PER", "2022", "HEALTH", "Protocolo propio", "PER"),  # its own country: no exchange
]


@pytest.fixture
def edges(store, con):
    frame = pd.DataFrame(PRACTICES)
    chk, out = workflow.load(store, workbook(practices=frame), "practices.xlsx", principal=ADMIN)
    assert out and out.submission_id, [(f.code, f.row, f.column, f.value) for f in chk.findings if f.is_error]
    return exchange.edges(practices.practices(con))


def test_every_source_country_of_every_practice_is_one_adaptation(edges):
    pairs = sorted(zip(edges["source"], edges["adopter"]))
    assert pairs == [("GTM", "ARG"), ("GTM", "HND"), ("GTM", "TTO"), ("URY", "ARG"), ("URY", "PRY")]


def test_the_original_practice_is_the_source_s_in_the_same_module_else_the_closest_title(edges):
    origin = {(r.source, r.adopter): r.source_title for r in edges.itertuples()}
    assert origin[("GTM", "HND")] == "Fiscalías especializadas"
    assert origin[("GTM", "TTO")] == "Fiscalías especializadas", "same module, another language"
    assert origin[("URY", "PRY")] == "Casas de acogida en red", "of two in the module, the closest title"
    assert pd.isna(origin[("URY", "ARG")]) and pd.isna(origin[("GTM", "ARG")]), "nothing close: on no card"


def test_adopters_by_practice_lists_who_adapted_each_card_earliest_first(edges, con):
    pr = practices.practices(con).set_index("title")
    gtm = pr[pr["country"] == "GTM"].loc["Fiscalías especializadas"]
    by = exchange.adopters_by_practice(edges)
    assert by[(int(gtm["submission_id"]), int(gtm["row_number"]))] == [("HND", "2022"), ("TTO", "2023")]
    assert len(by) == 2, "only practices someone adapted"


def test_flows_count_practices_per_pair_and_within_filters_either_side_and_years(edges):
    flow = exchange.flows(edges)
    assert flow["practices"].sum() == 5 and len(flow) == 5
    only_hnd = exchange.within(edges, ["HND"], None, None)
    assert list(zip(only_hnd["source"], only_hnd["adopter"])) == [("GTM", "HND")]
    assert len(exchange.within(edges, ["GTM"], None, None)) == 3, "as source too"
    assert set(exchange.within(edges, None, 2023, None)["adopter"]) == {"TTO", "PRY"}


def test_took_and_gave_and_the_country_sentence(edges, con):
    ref = reference.build(con)
    took, gave = exchange.took_and_gave(edges, "GTM")
    assert took.empty and sorted(gave["adopter"]) == ["ARG", "HND", "TTO"]
    sentence = exchange.country_sentence(took, gave, "Guatemala", ref, "es")
    assert "no reporta prácticas adaptadas" in sentence and "(3 en total)" in sentence
    took, gave = exchange.took_and_gave(edges, "ARG")
    assert exchange.country_sentence(took, gave, "Argentina", ref, "en").startswith(
        "Argentina adapted practices from Guatemala, Uruguay (2 in all)."
    )
    table = exchange.exchange_table(took, ref, "es", side="source")
    assert list(table.columns) == ["learned_from", "module", "title", "source_title", "period"]


def test_the_flow_sentence_names_every_country_most_learned_from(edges, con):
    ref = reference.build(con)
    flow = exchange.flows(edges)
    assert "Most learned from: Guatemala (practices adapted by 3 countries)" in exchange.flow_sentence(
        flow, ref, "en"
    )
    assert exchange.flow_sentence(flow.iloc[0:0], ref, "es") == exchange.t("exchange.none", "es")


def test_the_flow_draws_two_columns_and_escapes_practice_titles(edges, con):
    ref = reference.build(con)
    hostile = edges.assign(title=edges["title"].where(edges["adopter"] != "HND", "<b onmouseover=x>t</b>"))
    fig = charts.exchange_flow(exchange.flows(hostile), ref, "es", "Intercambio")
    sankey = fig.data[0]
    assert sankey.type == "sankey"
    assert list(sankey.node.label) == [
        "Guatemala",
        "Uruguay",
        "Argentina",
        "Honduras",
        "Paraguay",
        "Trinidad y Tobago",
    ]
    assert all(s < 2 <= t for s, t in zip(sankey.link.source, sankey.link.target)), (
        "sources left, adopters right"
    )
    hover = " ".join(sankey.link.customdata)
    assert "<b" not in hover and "&lt;b onmouseover=x&gt;" in hover


def test_practices_without_the_columns_or_rows_give_no_edges():
    assert exchange.edges(pd.DataFrame()).empty
    assert exchange.flows(exchange.edges(pd.DataFrame())).empty

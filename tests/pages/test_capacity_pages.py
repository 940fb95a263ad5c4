"""The capacity page, the exchange on the practices page and the country profile, on the
illustrative data (AppTest), and the illustrative data's review states."""

import re

import pytest

from analytics.i18n import t


def unescaped(text: str) -> str:
    """Markdown as the reader sees it (the pages escape every special character)."""
    return re.sub(r"\\(.)", r"\1", text)


def markdown(app) -> str:
    return unescaped("\n".join(m.value for m in app.markdown))


def captions(app) -> str:
    return unescaped("\n".join(c.value for c in app.caption))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_capacity_page_draws_every_chart_with_its_sentence(open_app, lang):
    app = open_app("capacity", lang)
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == t("nav.capacity", lang)
    charts = app.get("plotly_chart")
    assert len(charts) == 7, (
        "trained, institution, kind, completion, women and men, reach by country and by year"
    )
    text = markdown(app)
    assert ("personas participaron" if lang == "es" else "people took part") in text
    assert ("no informado" if lang == "es" else "not reported") in text
    assert ("El curso llegó a" if lang == "es" else "The course reached") in text
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics[t("capacity.kpi_countries", lang)]) == 15


def test_the_course_picker_starts_with_the_virtual_course_in_both_languages_names(open_app):
    app = open_app("capacity", "en")
    picked = app.multiselect(key="capacity_courses").value
    assert sorted(picked) == [
        "Curso virtual sobre servicios esenciales",
        "Virtual course on essential services",
    ]
    app.multiselect(key="capacity_courses").set_value(["Virtual course on essential services"]).run()
    assert "The course reached 3 of 15 member countries" in markdown(app)


def test_the_capacity_page_honours_the_countries_and_years_of_the_sidebar(open_app):
    app = open_app("capacity", "en")
    app.multiselect(key="w_countries").set_value(["HND"]).run()
    app.slider(key="w_years").set_value((2019, 2021)).run()
    assert not app.exception
    assert int({m.label: m.value for m in app.metric}[t("capacity.kpi_countries", "en")]) == 1
    assert "From 2019 to 2021" in markdown(app) and "Honduras" in markdown(app)


def test_the_practices_page_shows_the_exchange_and_who_adapted_each_card(open_app):
    app = open_app("practices", "es")
    assert not app.exception, [e.value for e in app.exception]
    assert any(s.value == t("exchange.title", "es") for s in app.subheader)
    assert len(app.get("plotly_chart")) == 1
    assert "De quienes más se aprendió: Guatemala, Uruguay (prácticas adaptadas por 3 países)" in markdown(
        app
    )
    app.text_input(key="practice_q").set_value("Fiscalías especializadas").run()
    text = captions(app)
    assert "Adaptada por: Honduras (2022), El Salvador (2022), Trinidad y Tobago (2023)" in text
    assert "Adaptada de: Guatemala" in text
    app.checkbox(key="practice_replicable").check().run()
    assert "Adaptada por: Honduras" in captions(app), "Guatemala's practice is marked replicable"


def test_the_country_profile_says_what_it_took_and_gave(open_app):
    app = open_app("country", "en")
    app.selectbox(key="profile_pick").set_value("GUY").run()
    text = markdown(app)
    assert "Guyana adapted practices from Dominican Republic (1 in all)." in text
    assert "Practices of Guyana were adapted by Saint Lucia (1 in all)." in text


def test_the_illustrative_data_keeps_its_review_states(demo_db):
    from analytics.ledger import reads
    from analytics.store.duckstore import DuckDBStore

    store = DuckDBStore.open(demo_db)
    try:
        states = reads.history(store.reader())["status"].value_counts().to_dict()
    finally:
        store.close()
    assert states["submitted"] == 2 and states["returned"] == 1
    assert states["approved"] == sum(states.values()) - 3


def test_a_capacity_file_goes_through_preview_and_commit_and_shows_on_the_page(open_app):
    import pandas as pd

    from tests.helpers import workbook

    rows = pd.DataFrame(
        [
            {
                "country": "HND",
                "period": "2025",
                "module": "JUSTICE",
                "activity": "Taller de fiscalías / segunda edición",
                "kind": "Taller",
                "institution_type": "Instituciones de gobierno",
                "participants_total": 999,
                "participants_women": 600,
                "participants_men": 399,
            }
        ]
    )
    app = open_app("upload", "es")
    app.file_uploader[0].set_value(("capacidades.xlsx", workbook(capacity=rows), "application/octet-stream"))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics[t("report.rows_added", "es")] == "1" and int(metrics[t("report.rows_removed", "es")]) >= 1
    for box in [c for c in app.checkbox if c.key in ("report_ack_removed", "report_ack")]:
        box.check().run()
    app.button(key="report_confirm").click().run()
    assert any("Guardado: envío" in s.value for s in app.success), [e.value for e in app.error]
    page = open_app("capacity", "es")
    page.multiselect(key="w_countries").set_value(["HND"]).run()
    page.slider(key="w_years").set_value((2025, 2025)).run()
    assert "999" in {m.value for m in page.metric}, "administrators' own uploads publish in local mode"

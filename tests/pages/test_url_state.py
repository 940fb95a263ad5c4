"""The sidebar's state lives in the URL: a link reproduces the view."""


def test_url_parameters_set_the_sidebar_and_are_written_back(app):
    app.query_params.update(
        {
            "lang": "en",
            "countries": "PER,GTM,XXX",
            "from": "2019",
            "spotlight": "yes",
            "cohort": "pilot_volunteer_2017",
        }
    )
    app.run()
    assert not app.exception
    assert app.radio(key="w_lang").value == "en"
    assert app.multiselect(key="w_countries").value == ["PER", "GTM"]
    assert app.slider(key="w_years").value[0] == 2019
    assert app.selectbox(key="w_spot").value == "yes"
    assert app.multiselect(key="w_cohort").value == ["pilot_volunteer_2017"]
    assert app.title[0].value == "Regional overview"
    qp = app.query_params
    assert qp["lang"] == ["en"] or qp["lang"] == "en"
    assert "XXX" not in str(qp["countries"])


def test_changing_the_language_changes_the_labels_and_the_url(app):
    app.run()
    assert app.title[0].value == "Panorama regional"
    app.radio(key="w_lang").set_value("en").run()
    assert app.title[0].value == "Regional overview"
    assert "en" in str(app.query_params["lang"])
    assert any("Illustrative data" in w.value for w in app.warning)


def test_filters_narrow_what_the_views_count(app):
    app.run()
    all_members = next(m for m in app.metric if "miembros" in m.label).value
    app.multiselect(key="w_countries").set_value(["PER", "GTM"]).run()
    assert all_members == "15"
    assert next(m for m in app.metric if "miembros" in m.label).value == "2"
    assert "PER" in str(app.query_params["countries"])


def test_the_practices_list_keeps_its_filters_and_page_in_the_url(app):
    app.query_params["lang"] = "en"
    app.query_params["modules"] = "JUSTICE"
    app.query_params["replicable"] = "1"
    app.session_state["_esp_start_page"] = "practices"
    app.run()
    assert not app.exception
    assert app.multiselect(key="practice_modules").value == ["JUSTICE"]
    assert app.checkbox(key="practice_replicable").value is True
    app.text_input(key="practice_q").input("unidades").run()
    assert app.query_params["q"] in ("unidades", ["unidades"])
    assert app.query_params["modules"] in ("JUSTICE", ["JUSTICE"])


def test_the_overview_draws_the_map_or_the_matrix_and_keeps_the_tab_in_the_url(app):
    from analytics.i18n import t

    app.query_params["lang"] = "en"
    app.run()
    shown = " ".join(m.value for m in app.markdown)
    assert "countries have data" in shown and "country\\-modules" not in shown  # the map alone
    assert "tab" not in app.query_params
    app.session_state["overview_tab"] = t("overview.tab_matrix", "en")  # as a click on the tab
    app.run()
    shown = " ".join(m.value for m in app.markdown)
    assert "country\\-modules" in shown and "countries have data" not in shown  # the matrix alone
    assert app.query_params["tab"] in ("matrix", ["matrix"])
    app.radio(key="w_lang").set_value("es").run()  # another language: the same tab
    assert app.tabs[1].label == t("overview.tab_matrix", "es")
    assert "combinaciones país\\-módulo" in " ".join(m.value for m in app.markdown)


def test_an_unknown_overview_tab_in_the_url_opens_the_map(app):
    app.query_params.update({"lang": "en", "tab": "<script>alert(1)</script>"})
    app.run()
    assert not app.exception
    assert "countries have data" in " ".join(m.value for m in app.markdown)
    assert "tab" not in app.query_params  # the map is the default: nothing to keep

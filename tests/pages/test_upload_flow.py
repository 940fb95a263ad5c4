"""The focal point's and the administrator's flows, through the real pages (AppTest)."""

import re

from tests.helpers import progress_rows, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def version(app) -> int:
    footer = [c.value for c in app.caption if "Versión de datos" in c.value or "Data version" in c.value][-1]
    return int(re.search(r"(\d+)", footer).group(1))


def upload(app, data: bytes, name="avance.xlsx"):
    app.file_uploader[0].set_value((name, data, XLSX))
    return app.run()


def peru_stage(open_app, module="HEALTH") -> int:
    app = open_app("country")
    app.selectbox(key="profile_pick").set_value("PER")
    app.session_state["tv_country_stages"] = True  # open the chart's table view
    app.run()
    from analytics.i18n import t

    stage, mod, year = t("col.stage", "es"), t("col.module", "es"), t("col.year", "es")
    stages = next(d.value for d in app.dataframe if stage in d.value.columns and mod in d.value.columns)
    label = t(f"module_short.{module}", "es")
    row = stages[stages[mod].str.startswith(label) & (stages[year].astype(int) == 2025)].iloc[0]
    return int(str(row[stage]).split()[0])  # "3 Piloto": the table reads as people read it


def test_good_file_goes_from_findings_to_preview_to_commit(open_app):
    assert peru_stage(open_app) != 5
    app = open_app("upload")
    before = version(app)
    upload(app, workbook(progress=progress_rows(period="2025", stages=(5, 5, 5, 5))))
    assert not app.exception
    assert any("válido" in s.value for s in app.success), [e.value for e in app.error]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Reportes reemplazados"] == "1" and int(metrics["Valores cambiados"]) >= 1
    ack = [c for c in app.checkbox if c.key == "report_ack"]
    if ack:
        ack[0].check().run()
    app.button(key="report_confirm").click().run()
    assert any("Guardado: envío" in s.value for s in app.success), [e.value for e in app.error]
    # a clean success state: the saved file is not checked again (no "identical" notice,
    # no findings table), and it says what changed and links to the country
    assert not any("idéntico" in i.value for i in app.info)
    assert not [d for d in app.dataframe if "Qué pasa y qué hacer" in d.value.columns]
    assert any("valores cambiados: " in c.value for c in app.caption)
    assert version(open_app("overview")) == before + 1
    assert peru_stage(open_app) == 5


def test_bad_file_shows_findings_and_saves_nothing(open_app):
    app = open_app("upload", "en")
    before = version(app)
    bad = progress_rows(period="2025").astype({"stage": object})
    bad.loc[1, "stage"] = "avanzado"
    upload(app, workbook(progress=bad))
    table = app.dataframe[0].value
    assert table["Row(s)"].tolist() == ["3"] and table["Column"].tolist() == ["stage"]
    assert "Use a number 0–5" in table["What is wrong and what to do"].iloc[0]
    assert any("Nothing was saved" in e.value for e in app.error)
    assert not [b for b in app.button if b.key == "report_confirm"]
    assert version(open_app("overview", "en")) == before


def test_identical_file_commits_nothing_and_names_the_earlier_submission(open_app):
    app = open_app("upload")
    data = workbook(progress=progress_rows(period="2025", stages=(4, 4, 4, 4)))
    upload(app, data)
    app.run()
    ack = [c for c in app.checkbox if c.key == "report_ack"]
    if ack:
        ack[0].check().run()
    app.button(key="report_confirm").click().run()
    done = next(s.value for s in app.success if "Guardado" in s.value)
    sid = re.search(r"envío (\d+)", done).group(1)
    v = version(app)
    app.button(key="report_another").click().run()
    upload(app, data, name="again.xlsx")
    assert any(f"idéntico al envío {sid}" in i.value for i in app.info)
    assert not [b for b in app.button if b.key == "report_confirm"]
    assert version(app) == v


def test_editor_save_of_an_unchanged_report_commits_nothing(open_app):
    app = open_app("correct", "en")
    before = version(app)
    app.selectbox(key="edit_country").set_value("PER")
    app.text_input(key="edit_period").set_value("2024").run()
    app.button(key="edit_check").click().run()
    assert not app.exception
    # findings: the unchanged report is valid, with a no_change warning...
    table = next(d.value for d in app.dataframe if "What is wrong and what to do" in d.value.columns)
    assert "identical to the one stored" in " ".join(table["What is wrong and what to do"])
    # ...and since it changes nothing, there is nothing to confirm and nothing is written
    assert any("This file changes nothing" in i.value for i in app.info)
    assert not [b for b in app.button if b.key == "edit_confirm"]
    assert version(open_app("submissions", "en")) == before


def commit_via_page(open_app, data: bytes) -> None:
    app = open_app("upload")
    upload(app, data)
    ack = [c for c in app.checkbox if c.key == "report_ack"]
    if ack:
        ack[0].check().run()
    app.button(key="report_confirm").click().run()
    assert any("Guardado: envío" in s.value for s in app.success), [e.value for e in app.error]


def test_rollback_brings_back_the_earlier_values_and_keeps_history(open_app):
    earlier = peru_stage(open_app)
    commit_via_page(open_app, workbook(progress=progress_rows(period="2025", stages=(5, 5, 5, 5))))
    assert peru_stage(open_app) == 5
    app = open_app("submissions", "en")
    before = version(app)
    latest = app.selectbox(key="adm_open").value
    app.text_area[0].set_value("Wrong file")
    app.checkbox[0].check()
    next(b for b in app.button if "Roll back" in (b.label or "")).click().run()
    assert any(f"Submission {latest} rolled back" in s.value for s in app.success), [
        e.value for e in app.error
    ]
    listed = next(d.value for d in app.dataframe if "Submission" in d.value.columns)
    assert listed[listed["Submission"] == latest].iloc[0]["Status"] == "Rolled back", (
        "the list refreshes at once"
    )
    app = open_app("submissions", "en")
    assert version(app) == before + 1
    listed = next(d.value for d in app.dataframe if "Submission" in d.value.columns)
    row = listed[listed["Submission"] == latest].iloc[0]
    assert row["Status"] == "Rolled back"
    assert peru_stage(open_app) == earlier


def test_rollback_needs_a_reason(open_app):
    app = open_app("submissions", "en")
    before = version(app)
    app.checkbox[0].check()
    next(b for b in app.button if "Roll back" in (b.label or "")).click().run()
    assert any("Give a reason" in e.value for e in app.error)
    assert version(open_app("submissions", "en")) == before

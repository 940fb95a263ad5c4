import io

import openpyxl
import pytest

from analytics.exports import template
from analytics.ledger import reads, workflow
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, progress_rows, workbook

STORE_KINDS = BOTH_KINDS


@pytest.mark.parametrize("lang,sheet,header", [("es", "avance", "etapa *"), ("en", "progress", "stage *")])
def test_template_is_prefilled_with_one_row_per_module_in_the_users_language(con, lang, sheet, header):
    data = template.template(con, country="PER", period="2025", lang=lang)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == ("instrucciones" if lang == "es" else "instructions")
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    assert header in headers
    assert ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4 and {r[0] for r in rows} == {"Perú" if lang == "es" else "Peru"}
    assert {r[1] for r in rows} == {"2025"}
    lists = wb[template.LIST_SHEET[lang]]
    assert lists.sheet_state == "hidden"
    assert ws.data_validations.dataValidation, "drop-down lists on coded columns"


def test_template_filled_in_with_openpyxl_loads(store, con):
    data = template.template(con, country="GTM", period="2025", lang="es")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["avance"]
    for i, row in enumerate(ws.iter_rows(min_row=2, max_row=5), start=0):
        row[3].value = f"{i + 1} " + ["Preparación", "Adaptación", "Piloto", "Ampliación"][i]
        row[4].value = 10 * (i + 1)
    ch = wb["desafíos"]
    ch.append(["Guatemala", "2025", "Transversal", "Financiamiento", "Alta", "Abierto", "Recortes"])
    buf = io.BytesIO()
    wb.save(buf)
    chk, out = workflow.load(store, buf.getvalue(), "filled.xlsx", principal=ADMIN)
    assert chk.ok, [(f.code, f.row, f.column, f.value) for f in chk.findings]
    cur = reads.current(con, "progress")
    assert sorted(cur["stage"]) == [1, 2, 3, 4]
    assert reads.current(con, "challenges").iloc[0]["category"] == "FINANCING"


def test_template_carries_the_latest_stored_values(store, con):
    workflow.load(
        store, workbook(progress=progress_rows(period="2023", stages=(4, 3, 2, 1))), "a.xlsx", principal=ADMIN
    )
    wb = openpyxl.load_workbook(io.BytesIO(template.template(con, country="PER", period="2024", lang="en")))
    stages = [r[3] for r in wb["progress"].iter_rows(min_row=2, values_only=True)]
    assert stages == ["4 Scale-up", "3 Pilot", "2 Adaptation", "1 Preparation"]


def test_template_holds_no_formula(con):
    wb = openpyxl.load_workbook(io.BytesIO(template.template(con, country="PER", period="2025")))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f"


def _progress_cells(data: bytes) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [(r[3], r[6]) for r in wb["progress"].iter_rows(min_row=2, values_only=True)]


def test_template_for_a_reported_period_starts_from_that_report_with_its_notes(store, con):
    workflow.load(
        store,
        workbook(progress=progress_rows(period="2024", stages=(2, 2, 2, 2), notes='=HYPERLINK("x")')),
        "a.xlsx",
        principal=ADMIN,
    )
    workflow.load(
        store, workbook(progress=progress_rows(period="2025", stages=(4, 4, 4, 4))), "b.xlsx", principal=ADMIN
    )
    cells = _progress_cells(template.template(con, country="PER", period="2024", lang="en"))
    assert cells == [("2 Adaptation", '=HYPERLINK("x")')] * 4


def test_template_never_carries_values_back_from_a_later_period(store, con):
    workflow.load(
        store,
        workbook(progress=progress_rows(period="2023", stages=(1, 1, 1, 1), notes="old")),
        "a.xlsx",
        principal=ADMIN,
    )
    workflow.load(
        store, workbook(progress=progress_rows(period="2025", stages=(4, 4, 4, 4))), "b.xlsx", principal=ADMIN
    )
    cells = _progress_cells(template.template(con, country="PER", period="2024", lang="en"))
    assert cells == [("1 Preparation", None)] * 4


def test_untouched_template_reuploaded_changes_nothing(store, con):
    workflow.load(
        store,
        workbook(progress=progress_rows(period="2024", stages=(1, 2, 3, 4), notes="n")),
        "a.xlsx",
        principal=ADMIN,
    )
    workflow.load(
        store, workbook(progress=progress_rows(period="2025", stages=(4, 4, 4, 4))), "b.xlsx", principal=ADMIN
    )
    data = template.template(con, country="PER", period="2024", lang="en")
    result = workflow.check(con, data, "template.xlsx", principal=ADMIN)
    assert result.validation.ok
    assert workflow.preview(con, result, principal=ADMIN).empty


def test_template_from_a_returned_file_holds_its_rows_and_says_which_it_is(store, con, monkeypatch):
    from analytics.errors import NotFound
    from analytics.ledger import review
    from analytics.ledger.permissions import Principal
    from tests.helpers import PER_FOCAL

    monkeypatch.setenv("ESP_REVIEW", "on")
    reviewer = Principal("revisora@example.org", "reviewer")
    _, first = workflow.load(
        store, workbook(progress=progress_rows("PER", "2024", (1, 1, 1, 1))), "a.xlsx", principal=PER_FOCAL
    )
    review.approve(store, [first.submission_id], principal=reviewer)
    _, sent = workflow.load(
        store, workbook(progress=progress_rows("PER", "2024", (4, 1, 1, 1))), "b.xlsx", principal=PER_FOCAL
    )
    review.return_(store, sent.submission_id, principal=reviewer, comment="revise salud")

    def health(data: bytes) -> tuple[str, str]:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        [row] = [r for r in wb["avance"].iter_rows(min_row=2, values_only=True) if r[2] == "Salud"]
        return str(row[3]).split()[0], wb["instrucciones"]["A2"].value

    stage, says = health(
        template.template(con, country="PER", period="2024", from_submission=sent.submission_id)
    )
    assert stage == "4" and f"#{sent.submission_id}" in says and "devuelto" in says
    stage, says = health(template.template(con, country="PER", period="2024"))
    assert stage == "1" and f"#{first.submission_id}" in says, "the published report"
    with pytest.raises(NotFound):
        template.template(con, country="PER", period="2023", from_submission=sent.submission_id)

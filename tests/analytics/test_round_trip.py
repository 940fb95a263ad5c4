"""The focal point's round trip: template → spreadsheet tool → upload changes exactly what
the person changed, and an untouched template changes nothing."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analytics.exports import snapshot, template
from analytics.ledger import reads, workflow
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, progress_rows, workbook

STORE_KINDS = BOTH_KINDS

CHALLENGES = pd.DataFrame(
    [
        {
            "country": "PER",
            "period": "2024",
            "module": "CROSS",
            "category": "FINANCING",
            "severity": "HIGH",
            "status": "OPEN",
            "description": "Recortes presupuestarios",
        },
        {
            "country": "PER",
            "period": "2024",
            "module": "HEALTH",
            "category": "DATA",
            "severity": "LOW",
            "status": "IN_PROGRESS",
            "description": "Registros no desagregados",
        },
    ]
)
PRACTICES = pd.DataFrame(
    [
        {
            "country": "PER",
            "period": "2024",
            "module": "JUSTICE",
            "title": "Fiscalías especializadas",
            "description": "Salas de entrevista",
            "url": "https://example.org/a",
            "adopted_from": "Guatemala; HND",
            "replicable": "sí",
        }
    ]
)
CAPACITY = pd.DataFrame(
    [
        {
            "country": "PER",
            "period": "2024",
            "module": "CROSS",
            "activity": "Curso virtual sobre servicios esenciales",
            "kind": "Curso",
            "institution_type": "Instituciones de gobierno",
            "participants_total": 50,
            "participants_women": 35,
            "participants_men": 15,
            "completed": 41,
        },
        {
            "country": "PER",
            "period": "2024",
            "module": "JUSTICE",
            "activity": "Intercambio con Guatemala",
            "kind": "EXCHANGE",
            "institution_type": "UNFPA",
            "participants_total": 3,
            "notes": "sin desglose",
        },
    ]
)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def reported(store):
    data = workbook(
        progress=progress_rows(stages=(1, 2, 3, 0), coverage_pct=45.5, trained_staff=1000, notes="nota"),
        challenges=CHALLENGES,
        practices=PRACTICES,
        capacity=CAPACITY,
    )
    chk, out = workflow.load(store, data, "peru-2024.xlsx", principal=ADMIN)
    assert out and out.submission_id == 1, [f.code for f in chk.findings if f.is_error]
    return store


def tables(con) -> dict[str, pd.DataFrame]:
    snap = snapshot.build(con)
    return {
        s: snap.tables[s].drop(columns=["submission_id"])
        for s in ("progress", "challenges", "practices", "capacity")
    }


def template_book(con, lang="es") -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(template.template(con, country="PER", period="2024", lang=lang)))


def saved(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_template_holds_the_whole_current_report_of_every_sheet_in_stored_order(reported, lang):
    wb = template_book(reported.reader(), lang)
    sheets = {
        "es": ("avance", "desafíos", "prácticas", "capacidades"),
        "en": ("progress", "challenges", "practices", "capacity"),
    }[lang]
    progress, challenges, practices, capacity = (
        list(wb[s].iter_rows(min_row=2, values_only=True)) for s in sheets
    )
    assert len(progress) == 4 and [r[3][0] for r in progress] == ["1", "2", "3", "0"]
    assert {r[4] for r in progress} == {"45.5"} and {r[5] for r in progress} == {"1000"}
    assert {r[6] for r in progress} == {"nota"}, "the period's own notes come back"
    assert [r[6] for r in challenges] == ["Recortes presupuestarios", "Registros no desagregados"]
    assert challenges[0][2] == ("Transversal" if lang == "es" else "Cross-cutting")
    assert [r[3] for r in practices] == ["Fiscalías especializadas"]
    assert practices[0][6:] == (
        ("Guatemala; Honduras", "Sí") if lang == "es" else ("Guatemala; Honduras", "Yes")
    ), "the countries by name, yes/no in the reader's language"
    assert [r[3:10] for r in capacity] == [
        (
            "Curso virtual sobre servicios esenciales",
            "Curso" if lang == "es" else "Course",
            "Instituciones de gobierno" if lang == "es" else "Government institutions",
            "50",
            "35",
            "15",
            "41",
        ),
        (
            "Intercambio con Guatemala",
            "Intercambio entre países" if lang == "es" else "Exchange between countries",
            "UNFPA",
            "3",
            None,
            None,
            None,
        ),
    ], "a split not reported stays blank"
    note = wb[wb.sheetnames[0]]["A2"].value
    assert "#1" in note


def test_an_untouched_template_changes_nothing_and_commits_nothing(reported):
    con = reported.reader()
    before = reads.data_version(con)
    chk, out = workflow.load(
        reported, template.template(con, country="PER", period="2024"), "t.xlsx", principal=ADMIN
    )
    assert chk.ok and chk.changes_nothing
    assert {f.code for f in chk.findings} == {"no_change"}
    assert out is not None and out.unchanged and out.duplicate_of is None
    assert reads.data_version(con) == before and len(reads.history(con)) == 1


@pytest.mark.parametrize(
    "sheet,edit",
    [
        ("avance", lambda ws: setattr(ws["D3"], "value", "4 Ampliación")),
        (
            "desafíos",
            lambda ws: ws.append(
                ["Perú", "2024", "Salud", "Personal y capacitación", "Media", "Abierto", "Alta rotación"]
            ),
        ),
        ("prácticas", lambda ws: setattr(ws["D2"], "value", "Fiscalías especializadas en género")),
        ("prácticas", lambda ws: setattr(ws["G2"], "value", "Guatemala; Honduras; El Salvador")),
        ("capacidades", lambda ws: setattr(ws["G3"], "value", "4")),
        (
            "capacidades",
            lambda ws: ws.append(
                [
                    "Perú",
                    "2024",
                    "Salud",
                    "Taller de protocolos",
                    "Taller",
                    "Organizaciones de la sociedad civil",
                    12,
                ]
            ),
        ),
    ],
)
def test_filling_the_template_changes_exactly_what_was_changed(reported, sheet, edit):
    con = reported.reader()
    old = tables(con)
    wb = template_book(con)
    edit(wb[sheet])
    chk, out = workflow.load(reported, saved(wb), "edited.xlsx", principal=ADMIN)
    assert out and out.submission_id == 2, [(f.code, f.row, f.column) for f in chk.findings if f.is_error]
    new = tables(con)
    changed = {s for s in new if not new[s].reset_index(drop=True).equals(old[s].reset_index(drop=True))}
    key = {
        "avance": "progress",
        "desafíos": "challenges",
        "prácticas": "practices",
        "capacidades": "capacity",
    }[sheet]
    assert changed == {key}
    if key == "progress":
        assert new["progress"].set_index("module").loc["JUSTICE", "stage"] == 4
        assert new["progress"]["stage"].tolist().count(4) == 1
    elif key == "challenges":
        assert len(new["challenges"]) == 3 and "Alta rotación" in set(new["challenges"]["description"])
        assert old["challenges"].merge(new["challenges"]).shape[0] == 2, "the two earlier challenges stay"
    elif key == "practices":
        row = new["practices"].iloc[0]
        assert (row["title"], row["adopted_from"]) in {
            ("Fiscalías especializadas en género", "GTM;HND"),
            ("Fiscalías especializadas", "GTM;HND;SLV"),
        }
    else:
        kept = old["capacity"].merge(new["capacity"]).shape[0]
        totals = new["capacity"]["participants_total"].tolist()
        assert (kept, tuple(totals)) in {(1, (50, 4)), (2, (50, 3, 12))}, (
            "only the changed or added row differs"
        )


def test_a_row_taken_out_is_a_rows_removed_warning_naming_it(reported):
    con = reported.reader()
    wb = template_book(con, "en")
    wb["challenges"].delete_rows(3)
    chk = workflow.check(con, saved(wb), "less.xlsx", principal=ADMIN)
    removed = [f for f in chk.findings if f.code == "rows_removed"]
    assert len(removed) == 1
    assert (
        removed[0].param_dict()["what_en"]
        == "Peru 2024 · Health · Data and information systems · Registros no desagregados"
    )
    preview = workflow.preview(con, chk, principal=ADMIN)
    assert preview.removed["description"].tolist() == ["Registros no desagregados"]


def test_a_sheet_with_headers_and_no_rows_clears_its_block(reported):
    con = reported.reader()
    wb = template_book(con, "en")
    wb["challenges"].delete_rows(2, 2)
    chk, out = workflow.load(reported, saved(wb), "no-challenges.xlsx", principal=ADMIN)
    assert out and out.submission_id == 2
    assert sum(f.code == "rows_removed" for f in chk.findings) == 2
    assert reads.current(con, "challenges").empty
    assert len(reads.current(con, "progress")) == 4 and len(reads.current(con, "practices")) == 1


def test_stage_warnings_only_for_stages_the_file_changes(store):
    workflow.load(
        store, workbook(progress=progress_rows(period="2023", stages=(3, 3, 3, 3))), "a.xlsx", principal=ADMIN
    )
    workflow.load(
        store, workbook(progress=progress_rows(period="2024", stages=(2, 3, 3, 3))), "b.xlsx", principal=ADMIN
    )
    con = store.reader()
    wb = openpyxl.load_workbook(io.BytesIO(template.template(con, country="PER", period="2024", lang="en")))
    wb["progress"]["E3"].value = "50"  # coverage of JUSTICE; HEALTH's lower stage stays as stored
    chk = workflow.check(con, saved(wb), "c.xlsx", principal=ADMIN)
    assert chk.ok and not chk.changes_nothing
    assert not [f for f in chk.findings if f.code == "stage_regressed"]
    wb["progress"]["D2"].value = "1 Preparation"  # now the file changes HEALTH's stage, lower again
    chk = workflow.check(con, saved(wb), "d.xlsx", principal=ADMIN)
    assert [(f.code, f.row) for f in chk.findings if f.code == "stage_regressed"] == [("stage_regressed", 2)]


# CI installs LibreOffice (.ci/run): there, a missing soffice fails the test instead of skipping it.
@pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"), reason="LibreOffice (soffice) is not installed here"
)
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_template_saved_by_libreoffice_changes_nothing(reported, tmp_path: Path, fmt):
    con = reported.reader()
    src = tmp_path / "plantilla.xlsx"
    src.write_bytes(template.template(con, country="PER", period="2024"))
    out_dir = tmp_path / "out"
    subprocess.run(
        [
            SOFFICE or "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    data = (out_dir / f"plantilla.{fmt}").read_bytes()
    assert data != src.read_bytes()
    chk = workflow.check(con, data, f"plantilla.{fmt}", principal=ADMIN)
    assert chk.ok, [(f.code, f.sheet, f.row, f.column, f.value) for f in chk.findings if f.is_error]
    assert chk.changes_nothing, [(f.code, f.param_dict()) for f in chk.findings]


def test_an_editor_tab_left_empty_clears_that_report(reported):
    from analytics.present import editor

    con = reported.reader()
    rows = editor.rows(
        {s: reads.current(con, s, countries=["PER"]) for s in ("progress", "challenges", "practices")},
        "2024",
        reference_of(con),
        "en",
    )
    frames = editor.frames(
        {
            "progress": rows["progress"],
            "challenges": rows["challenges"].iloc[0:0],
            "practices": rows["practices"],
        },
        "PER",
        "2024",
    )
    chk = workflow.check_frames(con, frames, file_name="editor.xlsx", principal=ADMIN)
    assert sum(f.code == "rows_removed" for f in chk.findings) == 2
    workflow.commit(reported, chk, principal=ADMIN, source="editor")
    assert reads.current(con, "challenges").empty and len(reads.current(con, "practices")) == 1


def reference_of(con):
    from analytics import reference

    return reference.build(con)


def test_rolling_back_a_replaced_submission_says_nothing_visible_changes(reported):
    con = reported.reader()
    wb = template_book(con)
    wb["avance"]["D2"].value = "2 Adaptación"
    workflow.load(reported, saved(wb), "fix.xlsx", principal=ADMIN)
    effect = reads.rollback_effect(con, 1)
    progress = effect[effect["sheet"] == "progress"].iloc[0]
    assert progress["shown_now"] == 2, "the later submission holds progress"
    others = effect[effect["sheet"] != "progress"]
    assert set(others["shown_now"]) == {2}, "the template held every sheet, so #2 replaced them all"
    after = reads.rollback_effect(con, 2)
    assert set(after["shown_after"]) == {1}, "rolling back #2 brings #1 back everywhere"


def test_the_editor_shows_every_sheet_even_empty_with_the_types_it_edits(reported):
    """An empty practices or capacity report still gives text columns as text and counts as
    whole numbers (Streamlit's editor refuses a text column holding floats)."""
    from analytics.present import editor

    con = reported.reader()
    current = {
        s: reads.current(con, s, countries=["PER"])
        for s in ("progress", "challenges", "practices", "capacity")
    }
    empty = editor.rows(current, "2023", reference_of(con), "es")
    assert empty["practices"].empty and list(empty["practices"].columns)[-2:] == [
        "adopted_from",
        "replicable",
    ]
    assert empty["practices"]["adopted_from"].dtype == object
    assert str(empty["capacity"]["participants_total"].dtype) == "Int64"
    full = editor.rows(current, "2024", reference_of(con), "es")
    assert full["practices"][["adopted_from", "replicable"]].values.tolist() == [
        ["Guatemala; Honduras", "Sí"]
    ]
    assert full["capacity"]["kind"].tolist() == ["Curso", "Intercambio entre países"]
    assert full["capacity"]["participants_women"].tolist()[1] is pd.NA

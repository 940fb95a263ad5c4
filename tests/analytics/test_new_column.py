"""A new column is one declaration plus its texts: added to a copy of the capacity sheet's
declaration, it shows up in the in-app editor's controls, in the template (header and,
for a coded column, its drop-down) and in validation, and is stored."""

from __future__ import annotations

import dataclasses
import io

import openpyxl
import pandas as pd
import pytest

from analytics import i18n
from analytics.exports.template import template
from analytics.ledger import reads, workflow
from analytics.present import editor
from analytics.reference import build as build_reference
from analytics.sheets.schema import SHEETS, Column
from analytics.store import facts
from analytics.store.duckstore import DuckDBStore
from tests.helpers import ADMIN, workbook
from webui.editor import column_config

PRIORITY = Column(key="priority", en="priority", es="prioridad", kind="severity")  # coded: a drop-down
SESSIONS = Column(key="sessions", en="sessions", es="sesiones", kind="count")  # a whole number ≥ 0
TEXTS = {
    "col.priority": {"es": "Prioridad", "en": "Priority"},
    "snapshot.col.priority": {"es": "prioridad", "en": "priority"},
    "col.sessions": {"es": "Sesiones", "en": "Sessions"},
    "snapshot.col.sessions": {"es": "sesiones", "en": "sessions"},
}
ACTIVITY = {
    "country": "PER",
    "period": "2024",
    "module": "HEALTH",
    "activity": "Taller de protocolos",
    "kind": "WORKSHOP",
    "institution_type": "GOVERNMENT",
    "participants_total": 20,
}


@pytest.fixture
def store(monkeypatch):
    """A store made after the capacity sheet gained two columns (its table follows the declaration)."""
    capacity = SHEETS["capacity"]
    monkeypatch.setitem(
        SHEETS, "capacity", dataclasses.replace(capacity, columns=(*capacity.columns, PRIORITY, SESSIONS))
    )
    for key, texts in TEXTS.items():
        monkeypatch.setitem(i18n.catalogue(), key, texts)
    s = DuckDBStore.memory()
    facts.load(s)
    yield s
    s.close()


def test_the_editor_offers_a_new_coded_column_as_a_select_box_and_a_count_as_a_whole_number(store):
    ref = build_reference(store.reader())
    config = column_config(SHEETS["capacity"], ref, "en")
    assert config["priority"]["label"] == "Priority"
    assert config["priority"]["type_config"]["options"] == ["Low", "Medium", "High"]
    assert config["sessions"]["label"] == "Sessions"
    assert config["sessions"]["type_config"]["min_value"] == 0
    assert config["sessions"]["type_config"]["step"] == 1
    rows = editor.rows({"capacity": reads.current(store.reader(), "capacity")}, "2024", ref, "en")
    assert list(rows["capacity"].columns)[-2:] == ["priority", "sessions"]
    assert str(rows["capacity"]["sessions"].dtype) == "Int64"


def test_the_template_has_the_new_headers_and_a_drop_down_for_the_coded_one(store):
    book = openpyxl.load_workbook(
        io.BytesIO(template(store.reader(), country="PER", period="2024", lang="es"))
    )
    sheet = book["capacidades"]
    headers = [c.value for c in sheet[1]]
    assert headers[-2:] == ["prioridad", "sesiones"]
    priority = openpyxl.utils.get_column_letter(len(headers) - 1)
    [rule] = [v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(f"{priority}2")]
    assert rule.type == "list"
    lists = book["listas"]
    [list_column] = [c.column_letter for c in lists[1] if c.value == "severity"]
    assert rule.formula1 == f"listas!${list_column}$2:${list_column}$4"
    assert [lists[f"{list_column}{i}"].value for i in (2, 3, 4)] == ["Baja", "Media", "Alta"]
    sessions = openpyxl.utils.get_column_letter(len(headers))
    [count_rule] = [
        v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(f"{sessions}2")
    ]
    assert (count_rule.type, count_rule.operator, count_rule.formula1) == ("whole", "greaterThanOrEqual", "0")


def test_validation_reads_checks_and_stores_the_new_columns(store):
    con = store.reader()
    bad = workbook(capacity=pd.DataFrame([{**ACTIVITY, "priority": "Urgente", "sessions": "-2"}]))
    chk = workflow.check(con, bad, "bad.xlsx", principal=ADMIN)
    assert {(f.code, f.column) for f in chk.findings if f.is_error} == {
        ("unknown_severity", "priority"),
        ("out_of_range", "sessions"),
    }
    good = workbook(capacity=pd.DataFrame([{**ACTIVITY, "priority": "Alta", "sessions": "3"}]))
    chk, out = workflow.load(store, good, "good.xlsx", principal=ADMIN)
    assert out and out.submission_id, [(f.code, f.column) for f in chk.findings]
    stored = reads.current(con, "capacity").iloc[0]
    assert (stored["priority"], stored["sessions"]) == ("HIGH", 3)

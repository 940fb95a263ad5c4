import io
import zipfile
from datetime import datetime, timedelta

import openpyxl
import pandas as pd
import pytest

from analytics.exports import snapshot, writers
from analytics.insights import filters
from analytics.ledger import reads, workflow
from analytics.neutralise import neutralise
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, progress_rows, workbook

STORE_KINDS = BOTH_KINDS

EVIL = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tTab"]


@pytest.fixture
def loaded(store, con):
    ch = pd.DataFrame(
        [
            {
                "country": "PER",
                "period": "2024",
                "module": "CROSS",
                "category": "DATA",
                "severity": "LOW",
                "description": d,
            }
            for d in EVIL
        ]
    )
    pr = pd.DataFrame(
        [
            {
                "country": "PER",
                "period": "2024",
                "module": "JUSTICE",
                "title": "Fiscalías",
                "description": "d",
                "adopted_from": "Guatemala;Honduras",
                "replicable": "sí",
            },
            {
                "country": "PER",
                "period": "2024",
                "module": "HEALTH",
                "title": "Protocolo",
                "description": "d",
            },
        ]
    )
    cap = pd.DataFrame(
        [
            {
                "country": "PER",
                "period": "2024",
                "module": "CROSS",
                "activity": "Curso virtual",
                "kind": "Curso",
                "institution_type": "Organizaciones de la sociedad civil",
                "participants_total": 30,
                "participants_women": 20,
                "participants_men": 9,
                "completed": 25,
                "notes": "=1+1",
            },
            {
                "country": "PER",
                "period": "2024",
                "module": "HEALTH",
                "activity": "Taller",
                "kind": "WORKSHOP",
                "institution_type": "GOVERNMENT",
                "participants_total": 12,
            },
        ]
    )
    data = workbook(progress=progress_rows(), challenges=ch, practices=pr, capacity=cap)
    chk, out = workflow.load(store, data, "a.xlsx", principal=ADMIN)
    assert out and out.submission_id == 1, [(f.code, f.column) for f in chk.findings if f.is_error]
    return con


def test_tables_have_the_spec_columns(loaded):
    snap = snapshot.build(loaded)
    assert list(snap.tables) == list(snapshot.TABLES)
    for name, cols in snapshot.COLUMNS.items():
        assert list(snap.tables[name].columns) == cols
    meta = dict(snap.tables["metadata"].to_numpy())
    assert {"as_of", "data_version", "generated_at", "language", "app_version", "illustrative_data"} <= set(
        meta
    )
    assert meta["data_version"] == "1" and meta["illustrative_data"] == "no"
    assert len(snap.tables["countries"]) == 15


def test_capacity_and_practices_tables_hold_the_spec_columns_with_codes(loaded):
    snap = snapshot.build(loaded)
    cap, pr = snap.tables["capacity"], snap.tables["practices"]
    assert list(cap.columns) == [
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
        "notes",
        "submission_id",
    ]
    assert cap[["kind", "institution_type"]].values.tolist() == [
        ["COURSE", "CSO"],
        ["WORKSHOP", "GOVERNMENT"],
    ]
    assert cap["participants_women"].isna().tolist() == [False, True], "a split not reported stays empty"
    assert cap["notes"].tolist()[0] == "'=1+1"
    assert list(pr.columns)[-3:] == ["adopted_from", "replicable", "submission_id"]
    assert pr["adopted_from"].fillna("").tolist() == ["GTM;HND", ""] and pr["replicable"].tolist() == [
        True,
        False,
    ]


def test_the_workbook_puts_labels_beside_the_new_codes(loaded):
    wb = openpyxl.load_workbook(io.BytesIO(writers.write(loaded, "xlsx", lang="es")[1]))
    rows = list(wb["capacidades"].iter_rows(values_only=True))
    head = rows[0]
    assert rows[1][head.index("tipo (etiqueta)")] == "Curso"
    assert rows[1][head.index("tipo_institución (etiqueta)")] == "Organizaciones de la sociedad civil"
    rows = list(wb["prácticas"].iter_rows(values_only=True))
    head = rows[0]
    assert rows[1][head.index("adaptada_de (países)")] == "Guatemala; Honduras"
    assert [r[head.index("replicable (etiqueta)")] for r in rows[1:]] == ["Sí", "No"]


def test_formula_like_text_is_neutralised(loaded):
    desc = snapshot.build(loaded).tables["challenges"]["description"].tolist()
    assert desc == ["'" + d for d in EVIL]


@pytest.mark.parametrize(
    "text,safe", [("=1+1", "'=1+1"), ("\rcmd", "'\rcmd"), ("a=b", "a=b"), ("", ""), ("-", "'-")]
)
def test_neutralise(text, safe):
    assert neutralise(text) == safe


def test_xlsx_holds_no_formula_and_headers_follow_the_language(loaded):
    _, data = writers.write(loaded, "xlsx", lang="en")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "README" and "progress" in wb.sheetnames
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    es = openpyxl.load_workbook(io.BytesIO(writers.write(loaded, "xlsx", lang="es")[1]))
    assert "avance" in es.sheetnames
    headers = [c.value for c in es["avance"][1]]
    assert "módulo (código)" in headers and "módulo" in headers


@pytest.mark.parametrize(
    "fmt,reader",
    [
        ("csv", lambda b: pd.read_csv(io.BytesIO(b), dtype=str, keep_default_na=False)),
        ("parquet", lambda b: pd.read_parquet(io.BytesIO(b))),
    ],
)
def test_zip_snapshots_round_trip_to_the_same_tables(loaded, fmt, reader):
    at = datetime(2100, 1, 1)
    snap = snapshot.build(loaded, as_of=at)
    _, data = writers.write(loaded, fmt, as_of=at)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "README.txt" in zf.namelist()
        for name in snapshot.TABLES:
            back = reader(zf.read(f"{name}.{fmt}"))
            assert list(back.columns) == list(snap.tables[name].columns)
            if name != "metadata":
                assert cells(back) == cells(snap.tables[name]), name


def cells(df: pd.DataFrame) -> list[list[str]]:
    def text(v):
        if v is None or v is pd.NaT or (not isinstance(v, str) and pd.isna(v)):
            return ""
        if isinstance(v, float) and v == int(v):
            return str(int(v))
        return str(v)

    return [[text(v) for v in row] for row in df.astype(object).itertuples(index=False)]


def test_same_as_of_and_data_give_the_same_tables(loaded):
    at = reads.last_update(loaded) + timedelta(seconds=1)
    a = snapshot.build(loaded, as_of=at)
    b = snapshot.build(loaded, as_of=at)
    for name in snapshot.TABLES:
        x, y = a.tables[name], b.tables[name]
        if name == "metadata":
            x, y = x[x["key"] != "generated_at"], y[y["key"] != "generated_at"]
        pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True))


def test_as_of_before_a_commit_leaves_it_out(loaded):
    before = reads.last_update(loaded) - timedelta(seconds=1)
    snap = snapshot.build(loaded, as_of=before)
    assert snap.tables["progress"].empty and snap.data_version == 0


def test_filters_restrict_rows_and_are_stated(loaded):
    snap = snapshot.build(loaded, filters=filters.Filters(countries=("GTM",)))
    assert snap.tables["progress"].empty and list(snap.tables["countries"]["country"]) == ["GTM"]
    assert dict(snap.tables["metadata"].to_numpy())["filters"] == "countries=GTM"

"""Every CSV that leaves the app is neutralised: no cell starts with ``=``, ``+``, ``-``, ``@``,
tab or carriage return. The product's own buttons (chart and table CSVs, the findings CSV, the
snapshot's CSV zip) produce their files here; the dataframe toolbar's own CSV download is off
(``client.disableDataExport``), which tests/browser/test_csv_exports.py checks in a browser."""

from __future__ import annotations

import csv
import io
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module

from analytics.i18n import t
from analytics.ledger import workflow
from analytics.neutralise import FORMULA_PREFIXES
from analytics.store.duckstore import DuckDBStore
from tests.helpers import ADMIN, progress_rows, workbook

ROOT = Path(__file__).resolve().parents[2]
EVIL = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture
def media(monkeypatch):
    """Keep AppTest's media manager so downloads can be produced after the run."""
    managers = []

    class Recording(app_test_module.MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return managers


def produce(media, button) -> bytes:
    mgr = media[-1]
    url = button.proto.url or mgr.execute_deferred(button.proto.deferred_file_id)
    return mgr._storage.get_file(url.rsplit("/", 1)[-1].split("?")[0].rsplit(".", 1)[0]).content


def formula_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [
        cell
        for row in csv.reader(io.StringIO(text, newline=""))
        for cell in row
        if cell.startswith(FORMULA_PREFIXES)
    ]


def buttons(app) -> dict:
    return {b.proto.id.rsplit("-", 1)[-1]: b for b in app.get("download_button")}


@pytest.fixture
def evil_db(demo_db):
    """The demo data plus challenges whose descriptions a spreadsheet would run."""
    store = DuckDBStore.open(demo_db)
    challenges = pd.DataFrame(
        [
            {
                "country": "PER",
                "period": "2025",
                "module": "CROSS",
                "category": "DATA",
                "severity": "LOW",
                "description": d,
            }
            for d in EVIL
        ]
    )
    _, out = workflow.load(store, workbook(challenges=challenges), "evil.xlsx", principal=ADMIN)
    assert out is not None and out.submission_id
    store.close()
    return demo_db


def test_the_dataframe_toolbar_download_is_off_in_the_app_config():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True


@pytest.mark.usefixtures("evil_db")
def test_table_csvs_hold_the_text_neutralised(open_app, media):
    app = open_app("challenges", "en")
    assert not app.exception
    data = produce(media, buttons(app)["dl_challenges_table"])
    assert formula_cells(data) == []
    cells = {cell for row in csv.reader(io.StringIO(data.decode())) for cell in row}
    assert {"'" + d for d in EVIL[:5]} <= cells  # a CR in an upload is stored as a line break


@pytest.mark.usefixtures("evil_db")
def test_chart_table_csvs_are_neutralised(open_app, media):
    app = open_app("challenges", "en")
    for key in ("challenges_heatmap", "challenges_trend", "challenges_severity"):
        app.session_state[f"tv_{key}"] = True  # open each chart's table view
    app.run()
    found = {k: b for k, b in buttons(app).items() if k.startswith("dl_")}
    assert {"dl_challenges_heatmap", "dl_challenges_trend", "dl_challenges_severity"} <= set(found)
    for key, button in found.items():
        assert formula_cells(produce(media, button)) == [], key


def test_the_findings_csv_is_neutralised(open_app, media):
    bad = progress_rows(period="2025").astype({"stage": object})
    for i, d in enumerate(EVIL[:4]):
        bad.loc[i, "stage"] = d
    app = open_app("upload", "en")
    app.file_uploader[0].set_value(("evil.xlsx", workbook(progress=bad), "x"))
    app.run()
    data = produce(media, buttons(app)["dl_findings"])
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    value, code = t("report.col_value", "en"), t("report.col_code", "en")
    assert {r[value] for r in rows if r[code] == "bad_stage"} >= {"'" + d for d in EVIL[:3]}
    assert formula_cells(data) == []


@pytest.mark.usefixtures("evil_db")
def test_the_snapshot_csv_zip_is_neutralised(open_app, media):
    app = open_app("downloads", "en")
    data = produce(media, buttons(app)["dl_csv"])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".csv"):
                assert formula_cells(z.read(name)) == [], name
        assert "'=HYPERLINK" in z.read("challenges.csv").decode()


def test_the_check_itself_finds_formula_cells():
    """The helper finds what it is meant to find (so the tests above can fail)."""
    raw = pd.DataFrame({"a": EVIL[:5]}).to_csv(index=False).encode()
    assert len(formula_cells(raw)) == 5

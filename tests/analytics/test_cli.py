"""The command line, run as users run it: a subprocess on a real store (a DuckDB file, or
a PostgreSQL database)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BOTH_KINDS
from tests.helpers import progress_rows, workbook

ROOT = Path(__file__).resolve().parents[2]
STORE_KINDS = BOTH_KINDS


@pytest.fixture
def bare_cli(esp_db):
    """The command line on a store that does not exist yet."""

    def run(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
        env = {**os.environ, "ESP_DB": esp_db}
        return subprocess.run(
            [sys.executable, "-m", "analytics", "--lang", lang, *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=180,
        )

    return run


@pytest.fixture
def cli(bare_cli):
    """The command line on a store made by ``init``."""
    assert bare_cli("init").returncode == 0
    return bare_cli


def test_init_creates_the_database_and_names_it(bare_cli, esp_db, store_kind):
    r = bare_cli("init")
    assert r.returncode == 0, r.stderr
    if store_kind == "duckdb":
        assert Path(esp_db).exists() and esp_db in r.stdout
    else:
        assert "@" not in r.stdout.split("postgresql://", 1)[1].split()[0], "no user in messages"
    again = bare_cli("init")
    assert again.returncode == 0, "init on an existing store migrates it and keeps the data"


def test_check_prints_findings_as_json_and_exits_1_on_errors(cli, tmp_path):
    bad = tmp_path / "bad.xlsx"
    df = progress_rows().astype({"stage": object})
    df.loc[2, "stage"] = "avanzado"
    bad.write_bytes(workbook(progress=df))
    r = cli("check", str(bad), "--json", "--lang", "es")
    assert r.returncode == 1
    findings = json.loads(r.stdout)
    f = next(f for f in findings if f["code"] == "bad_stage")
    assert set(f) >= {"severity", "sheet", "row", "column", "code", "message"}
    assert (f["severity"], f["sheet"], f["row"], f["column"]) == ("error", "progress", 4, "stage")
    assert f["message"].startswith("Fila 4, columna «stage»: «avanzado» no es una etapa")


def test_check_exits_0_without_errors(cli, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(progress=progress_rows()))
    assert cli("check", str(good)).returncode == 0


def test_load_commits_then_reports_the_identical_file_and_history_lists_it(cli, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(progress=progress_rows()))
    first = json.loads(cli("load", str(good), "--json", "--user", "someone@example.org").stdout)
    assert first["status"] == "committed" and first["submission_id"] == 1
    again = cli("load", str(good), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["status"] == "unchanged"
    assert json.loads(again.stdout)["duplicate_of"] == 1
    hist = json.loads(cli("history", "--json").stdout)
    assert [h["id"] for h in hist] == [1] and hist[0]["uploaded_by"] == "someone@example.org"
    assert set(hist[0]) == {
        "id",
        "file_name",
        "sha256",
        "uploaded_by",
        "committed_at",
        "rolled_back_at",
        "rows",
        "status",
    }
    assert hist[0]["status"] == "approved", "local mode has no review: published on commit"


def test_load_of_a_bad_file_exits_1_and_writes_nothing(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("country,period,module,stage\nPER,2099,HEALTH,1\n")
    r = cli("load", str(bad), "--json")
    assert r.returncode == 1 and json.loads(r.stdout)["status"] == "rejected"
    assert json.loads(cli("history", "--json").stdout) == []


def test_rollback_then_unknown_id(cli, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(progress=progress_rows()))
    cli("load", str(good))
    assert cli("rollback", "1").returncode == 0
    hist = json.loads(cli("history", "--json").stdout)
    assert hist[0]["rolled_back_at"] is not None
    r = cli("rollback", "99")
    assert r.returncode == 1 and "99" in r.stderr


def test_template_and_snapshot_write_files(cli, tmp_path):
    out = tmp_path / "t.xlsx"
    assert cli("template", "--country", "Perú", "--period", "2025", "-o", str(out)).returncode == 0
    assert out.read_bytes()[:2] == b"PK"
    for fmt in ("xlsx", "csv", "parquet", "html"):
        snap = tmp_path / f"s.{fmt}"
        r = cli("snapshot", "--format", fmt, "--as-of", "2026-01-01T00:00:00", "-o", str(snap))
        assert r.returncode == 0, r.stderr
        assert snap.stat().st_size > 500


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["check"],
        ["template", "--country", "Narnia", "--period", "2024", "-o", "x.xlsx"],
        ["template", "--country", "PER", "--period", "2024-Q9", "-o", "x.xlsx"],
        ["snapshot", "--format", "pdf", "-o", "x"],
        ["snapshot", "--format", "csv", "--as-of", "yesterday", "-o", "x"],
        ["rollback", "abc"],
        ["check", "/no/such/file.xlsx"],
    ],
)
def test_bad_arguments_exit_2_with_a_one_line_reason(cli, args):
    r = cli(*args)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr

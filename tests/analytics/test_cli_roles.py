"""The command line with a roles file: ``--user`` must name someone in it whose
role allows the command; else exit 1 with the reason and nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import progress_rows, workbook

ROOT = Path(__file__).resolve().parents[2]
ROLES = """
[[users]]
email = "punto.focal.peru@example.org"
role = "focal_point"
countries = ["PER"]

[[users]]
email = "analista@example.org"
role = "analyst"

[[users]]
email = "gestora@example.org"
role = "manager"

[[users]]
email = "Admin.Regional@example.org"
role = "admin"
"""
FP, ANALYST, MANAGER, ADMIN = (
    "punto.focal.peru@example.org",
    "analista@example.org",
    "gestora@example.org",
    "admin.regional@example.org",
)


@pytest.fixture
def roles(tmp_path, db_file, monkeypatch):
    path = tmp_path / "users.toml"
    path.write_text(ROLES)
    monkeypatch.setenv("ESP_USERS", str(path))
    assert cli("init").returncode == 0
    return path


@pytest.fixture
def files(tmp_path):
    out = {}
    for country in ("PER", "GTM"):
        out[country] = tmp_path / f"informe_{country}.xlsx"
        out[country].write_bytes(workbook(progress=progress_rows(country, "2024")))
    return out


def cli(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "ESP_LOCK_WAIT": "5"}
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", lang, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def history(db_file: Path) -> pd.DataFrame:
    from analytics.ledger import reads
    from analytics.store.duckstore import DuckDBStore

    store = DuckDBStore.open(db_file)
    try:
        return reads.history(store.reader())
    finally:
        store.close()


def test_a_focal_point_of_peru_loading_a_guatemala_file_is_refused_and_nothing_is_written(
    roles, files, db_file
):
    r = cli("load", str(files["GTM"]), "--user", FP)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "country_not_allowed" in r.stdout
    assert r.stdout.count("(country_not_allowed)") == 4  # one line per row, each naming its row
    assert "Row 2" in r.stdout and "GTM" in r.stdout
    assert "Nothing was saved" in r.stdout
    assert history(db_file).empty


def test_the_json_output_names_the_refused_rows(roles, files, db_file):
    import json

    r = cli("load", str(files["GTM"]), "--user", FP, "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["status"] == "rejected"
    assert sorted(f["row"] for f in out["findings"] if f["code"] == "country_not_allowed") == [2, 3, 4, 5]
    assert history(db_file).empty


def test_a_focal_point_loads_their_own_country_and_is_recorded(roles, files, db_file):
    r = cli("load", str(files["PER"]), "--user", FP.upper())
    assert r.returncode == 0, r.stdout + r.stderr
    assert history(db_file)["uploaded_by"].tolist() == [FP]


@pytest.mark.parametrize("who,country", [(ANALYST, "PER"), (MANAGER, "GTM")])
def test_an_analyst_or_manager_loading_anything_is_refused(roles, files, db_file, who, country):
    r = cli("load", str(files[country]), "--user", who)
    assert r.returncode == 1
    assert "You are not allowed to do this (upload)." in r.stderr
    assert history(db_file).empty


def test_an_unknown_user_is_refused(roles, files, db_file, tmp_path):
    for args in (
        ["load", str(files["PER"])],
        ["rollback", "1"],
        ["snapshot", "--format", "csv", "-o", str(tmp_path / "s.zip")],
    ):
        r = cli(*args, "--user", "intruso@example.org")
        assert r.returncode == 1, args
        assert "intruso@example.org is not in the roles file" in r.stderr, args
    assert history(db_file).empty
    assert not (tmp_path / "s.zip").exists()


def test_with_a_roles_file_the_user_must_be_given(roles, files, db_file):
    r = cli("load", str(files["PER"]))
    assert r.returncode == 1
    assert "--user EMAIL" in r.stderr
    assert history(db_file).empty


def test_the_reason_is_in_the_chosen_language(roles, files, db_file):
    r = cli("load", str(files["GTM"]), "--user", FP, lang="es")
    assert r.returncode == 1 and "No puede reportar datos de GTM" in r.stdout
    r = cli("load", str(files["PER"]), "--user", ANALYST, lang="es")
    assert r.returncode == 1 and "No tiene permiso" in r.stderr
    r = cli("load", str(files["PER"]), "--user", "nadie@example.org", lang="es")
    assert r.returncode == 1 and "no figura en el archivo de roles" in r.stderr


def test_rollback_by_a_focal_point_is_refused_and_by_an_admin_works(roles, files, db_file):
    assert cli("load", str(files["PER"]), "--user", FP).returncode == 0
    r = cli("rollback", "1", "--user", FP, "--reason", "mine")
    assert r.returncode == 1 and "(rollback)" in r.stderr
    assert pd.isna(history(db_file).iloc[0]["rolled_back_at"])
    r = cli("rollback", "1", "--user", ADMIN, "--reason", "wrong period")
    assert r.returncode == 0, r.stderr
    row = history(db_file).iloc[0]
    assert row["rolled_back_by"] == ADMIN and row["rollback_reason"] == "wrong period"


def test_an_admin_may_load_any_country(roles, files, db_file):
    for country in ("PER", "GTM"):
        r = cli("load", str(files[country]), "--user", ADMIN)
        assert r.returncode == 0, r.stdout + r.stderr
    assert history(db_file)["uploaded_by"].tolist() == [ADMIN, ADMIN]


@pytest.mark.parametrize("who", [ANALYST, MANAGER])
def test_readers_may_take_a_snapshot(roles, db_file, tmp_path, who):
    out = tmp_path / "s.zip"
    r = cli("snapshot", "--format", "csv", "-o", str(out), "--user", who)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 0


def test_an_invalid_roles_file_refuses_with_the_reason(roles, files, db_file):
    roles.write_text('[[users]]\nemail = "a@example.org"\nrole = "boss"\n')
    r = cli("load", str(files["PER"]), "--user", "a@example.org")
    assert r.returncode == 1 and "The roles file users.toml is not valid" in r.stderr
    assert history(db_file).empty


def test_without_a_roles_file_the_command_line_is_the_local_administrator(db_file, files):
    assert not Path(os.environ["ESP_USERS"]).exists()
    assert cli("init").returncode == 0
    assert cli("load", str(files["GTM"])).returncode == 0
    assert cli("load", str(files["PER"]), "--user", "operadora@example.org").returncode == 0
    assert cli("rollback", "1", "--reason", "test").returncode == 0
    h = history(db_file)
    assert h["uploaded_by"].tolist() == ["local-admin@localhost", "operadora@example.org"]
    assert h.iloc[0]["rolled_back_by"] == "local-admin@localhost"

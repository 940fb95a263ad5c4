"""The review commands with a roles file: a focal point's load awaits review, a reviewer
approves or returns it (with a comment), and only then is it published."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import progress_rows, workbook

ROOT = Path(__file__).resolve().parents[2]
FP, REVIEWER, ANALYST = "punto.focal.peru@example.org", "revision@example.org", "analista@example.org"
ROLES = f"""
[[users]]
email = "{FP}"
role = "focal_point"
countries = ["PER"]

[[users]]
email = "{REVIEWER}"
role = "reviewer"

[[users]]
email = "{ANALYST}"
role = "analyst"
"""


@pytest.fixture
def cli(tmp_path, db_file, monkeypatch):
    (tmp_path / "users.toml").write_text(ROLES)
    monkeypatch.setenv("ESP_USERS", str(tmp_path / "users.toml"))
    monkeypatch.delenv("ESP_REVIEW", raising=False)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "analytics", "--lang", "en", *args],
            cwd=ROOT,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run("init").returncode == 0
    return run


def load(cli, tmp_path, stages, name="peru.xlsx") -> int:
    f = tmp_path / name
    f.write_bytes(workbook(progress=progress_rows("PER", "2024", stages=stages)))
    out = cli("load", str(f), "--user", FP, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)["submission_id"]


def listed(cli, *extra) -> list[dict]:
    out = cli("review", "list", "--json", *extra)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def published_stages(cli, tmp_path) -> list[int]:
    out = tmp_path / "snap.zip"
    assert cli("snapshot", "--format", "csv", "--user", ANALYST, "-o", str(out)).returncode == 0
    import io
    import zipfile

    import pandas as pd

    with zipfile.ZipFile(out) as z:
        return sorted(pd.read_csv(io.BytesIO(z.read("progress.csv")))["stage"].tolist())


def test_a_load_awaits_review_and_is_published_once_a_reviewer_approves_it(cli, tmp_path):
    sid = load(cli, tmp_path, (1, 2, 3, 4))
    [row] = listed(cli, "--status", "submitted")
    assert row["id"] == sid and row["country"] == ["PER"] and row["periods"] == ["2024"]
    assert row["uploaded_by"] == FP and row["reviewed_by"] is None
    assert published_stages(cli, tmp_path) == []
    out = cli("review", "approve", str(sid), "--comment", "todo en orden", "--user", REVIEWER)
    assert out.returncode == 0 and f"submission {sid}" in out.stdout
    assert published_stages(cli, tmp_path) == [1, 2, 3, 4]
    history = json.loads(cli("history", "--json").stdout)
    assert history[0]["status"] == "approved"
    assert listed(cli, "--status", "approved")[0]["comment"] == "todo en orden"


def test_returning_needs_a_comment_and_keeps_the_file_unpublished(cli, tmp_path):
    sid = load(cli, tmp_path, (1, 1, 1, 1))
    without = cli("review", "return", str(sid), "--comment", " ", "--user", REVIEWER)
    assert without.returncode == 2 and "comment" in without.stderr
    assert cli("review", "return", str(sid), "--user", REVIEWER).returncode == 2
    out = cli("review", "return", str(sid), "--comment", "Falta la cobertura de salud", "--user", REVIEWER)
    assert out.returncode == 0, out.stderr
    [row] = listed(cli, "--status", "returned")
    assert row["comment"] == "Falta la cobertura de salud" and row["reviewed_by"] == REVIEWER
    again = cli("review", "approve", str(sid), "--user", REVIEWER)
    assert again.returncode == 1 and "not awaiting review" in again.stderr
    snapshot = tmp_path / "with.zip"
    assert (
        cli(
            "snapshot", "--format", "csv", "--include-unreviewed", "--user", REVIEWER, "-o", str(snapshot)
        ).returncode
        == 0
    )
    assert published_stages(cli, tmp_path) == []


@pytest.mark.parametrize("who,reason", [(FP, "not allowed"), (ANALYST, "not allowed")])
def test_only_a_reviewer_may_approve(cli, tmp_path, who, reason):
    sid = load(cli, tmp_path, (2, 2, 2, 2))
    out = cli("review", "approve", str(sid), "--user", who)
    assert out.returncode == 1 and reason in out.stderr
    assert listed(cli)[0]["status"] == "submitted"


def test_unknown_submission_and_missing_user_are_refused(cli, tmp_path):
    load(cli, tmp_path, (2, 2, 2, 2))
    assert cli("review", "approve", "99", "--user", REVIEWER).returncode == 1
    assert cli("review", "approve", "1").returncode == 1
    assert cli("review", "approve", "--user", REVIEWER).returncode == 2

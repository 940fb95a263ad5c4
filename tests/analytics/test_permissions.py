"""The permission matrix: every role x every action x own/other country, asked of
``allowed()`` and of the real write functions (a forged principal is refused by
the core whatever the door)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics.errors import EspError, PermissionDenied
from analytics.ledger import permissions, reads, workflow
from analytics.ledger.permissions import ACTIONS, LOCAL_ADMIN, ROLES, Principal, allowed, require
from tests.helpers import ADMIN, progress_rows, workbook

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 28)
OWN, OTHER = "PER", "GTM"
PRINCIPALS = {
    "analyst": Principal("analista@example.org", "analyst"),
    "manager": Principal("gestora@example.org", "manager"),
    "focal_point": Principal("fp.peru@example.org", "focal_point", frozenset({OWN})),
    "reviewer": Principal("revisora@example.org", "reviewer"),
    "admin": Principal("admin@example.org", "admin"),
}
# What each role may do; for "upload" a focal point only in its own country.
EXPECTED = {
    ("analyst", "read"): True,
    ("analyst", "download"): True,
    ("analyst", "upload"): False,
    ("analyst", "review"): False,
    ("analyst", "rollback"): False,
    ("analyst", "view_submissions"): False,
    ("analyst", "unreviewed"): False,
    ("manager", "read"): True,
    ("manager", "download"): True,
    ("manager", "upload"): False,
    ("manager", "review"): False,
    ("manager", "rollback"): False,
    ("manager", "view_submissions"): False,
    ("manager", "unreviewed"): False,
    ("focal_point", "read"): True,
    ("focal_point", "download"): True,
    ("focal_point", "upload"): "own",
    ("focal_point", "review"): False,
    ("focal_point", "rollback"): False,
    ("focal_point", "view_submissions"): False,
    ("focal_point", "unreviewed"): "own",
    ("reviewer", "read"): True,
    ("reviewer", "download"): True,
    ("reviewer", "upload"): False,
    ("reviewer", "review"): True,
    ("reviewer", "rollback"): False,
    ("reviewer", "view_submissions"): True,
    ("reviewer", "unreviewed"): True,
    ("admin", "read"): True,
    ("admin", "download"): True,
    ("admin", "upload"): True,
    ("admin", "review"): True,
    ("admin", "rollback"): True,
    ("admin", "view_submissions"): True,
    ("admin", "unreviewed"): True,
}
MATRIX = [(r, a, w) for r in ROLES for a in ACTIONS for w in ("own", "other")]


def expected(role: str, action: str, where: str) -> bool:
    e = EXPECTED[(role, action)]
    return where == "own" if e == "own" else e


def test_the_matrix_covers_every_role_and_action():
    assert set(EXPECTED) == {(r, a) for r in ROLES for a in ACTIONS}
    assert set(ROLES) == {"analyst", "focal_point", "manager", "reviewer", "admin"}


@pytest.mark.parametrize("role,action,where", MATRIX)
def test_allowed(role, action, where):
    p = PRINCIPALS[role]
    country = OWN if where == "own" else OTHER
    assert allowed(p, action, country) is expected(role, action, where)
    if expected(role, action, where):
        require(p, action, country)
    else:
        with pytest.raises(PermissionDenied) as e:
            require(p, action, country)
        # "may do this, not here" names the country; "may not do this" names the action
        if role == "focal_point" and action in ("upload", "unreviewed"):
            assert e.value.code == "country_not_allowed" and e.value.params["country"] == OTHER
        else:
            assert e.value.code == "permission_denied" and e.value.params["action"] == action


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    "who",
    [None, Principal("x@example.org", "superuser"), Principal("x@example.org", "ADMIN"), Principal("", "")],
    ids=["none", "unknown-role", "wrong-case-role", "empty"],
)
def test_no_principal_or_a_made_up_role_may_do_nothing(who, action):
    assert not allowed(who, action, OWN)
    with pytest.raises(PermissionDenied):
        require(who, action, OWN)


def test_writable_countries():
    assert permissions.writable_countries(PRINCIPALS["admin"]) is None
    assert permissions.writable_countries(PRINCIPALS["focal_point"]) == {OWN}
    assert permissions.writable_countries(PRINCIPALS["analyst"]) == set()
    assert permissions.writable_countries(PRINCIPALS["manager"]) == set()


# --- the real write functions -------------------------------------------------


def _file(country: str) -> bytes:
    return workbook(progress=progress_rows(country))


def _seed(store, country: str) -> int:
    """A live submission for ``country``, committed by an administrator."""
    chk, out = workflow.load(
        store,
        workbook(progress=progress_rows(country, "2023")),
        f"seed_{country}.xlsx",
        principal=ADMIN,
        today=TODAY,
    )
    assert out is not None and out.submission_id, [f.code for f in chk.findings]
    return out.submission_id


UPLOADS = [(r, w) for r in ROLES for w in ("own", "other")]


@pytest.mark.parametrize("role,where", UPLOADS)
def test_load(store, con, role, where):
    """The door every file takes (page upload and command line)."""
    p = PRINCIPALS[role]
    country = OWN if where == "own" else OTHER
    if expected(role, "upload", where):
        chk, out = workflow.load(store, _file(country), "f.xlsx", principal=p, today=TODAY)
        assert out is not None and out.submission_id == 1
        assert reads.history(con)["uploaded_by"].tolist() == [p.email]
    elif role == "focal_point":
        chk, out = workflow.load(store, _file(country), "f.xlsx", principal=p, today=TODAY)
        assert out is None and not chk.ok
        refused = [f for f in chk.findings if f.code == "country_not_allowed"]
        assert [f.row for f in refused] == [2, 3, 4, 5]  # every row of the other country, named
        assert reads.history(con).empty and reads.data_version(con) == 0
    else:
        with pytest.raises(PermissionDenied) as e:
            workflow.load(store, _file(country), "f.xlsx", principal=p, today=TODAY)
        assert e.value.code == "permission_denied"
        assert reads.history(con).empty and reads.data_version(con) == 0


def test_a_focal_points_file_touching_another_country_is_refused_whole(store, con):
    mixed = pd.concat([progress_rows(OWN), progress_rows(OTHER)])
    chk, out = workflow.load(
        store, workbook(progress=mixed), "mixed.xlsx", principal=PRINCIPALS["focal_point"], today=TODAY
    )
    assert out is None
    assert [f.row for f in chk.findings if f.code == "country_not_allowed"] == [6, 7, 8, 9]
    assert reads.history(con).empty
    for sheet in reads.SHEETS:
        assert reads.current(con, sheet).empty


@pytest.mark.parametrize("role,where", UPLOADS)
def test_commit_and_preview_with_a_forged_check(store, con, role, where):
    """A check made for someone else (an administrator) then committed with this
    principal, as a forged request from a page would: the core looks again."""
    p = PRINCIPALS[role]
    country = OWN if where == "own" else OTHER
    chk = workflow.check(con, _file(country), "f.xlsx", principal=ADMIN, today=TODAY)
    assert chk.ok
    if expected(role, "upload", where):
        workflow.preview(con, chk, principal=p)
        out = workflow.commit(store, chk, principal=p, source="upload")
        assert out.submission_id == 1
        assert reads.history(con)["uploaded_by"].tolist() == [p.email]
        return
    code = "country_not_allowed" if role == "focal_point" else "permission_denied"
    with pytest.raises(PermissionDenied) as e:
        workflow.preview(con, chk, principal=p)
    assert e.value.code == code
    with pytest.raises(PermissionDenied) as e:
        workflow.commit(store, chk, principal=p, source="upload")
    assert e.value.code == code
    assert reads.history(con).empty and reads.data_version(con) == 0


@pytest.mark.parametrize("role,where", UPLOADS)
def test_editor_save(store, con, role, where):
    """The in-app editor's save: rows become a workbook, checked then committed."""
    p = PRINCIPALS[role]
    country = OWN if where == "own" else OTHER
    chk = workflow.check_frames(
        con, {"progress": progress_rows(country)}, file_name="editor.xlsx", principal=p, today=TODAY
    )
    if expected(role, "upload", where):
        assert chk.ok
        out = workflow.commit(store, chk, principal=p, source="editor")
        row = reads.history(con).iloc[0]
        assert (out.submission_id, row["uploaded_by"], row["source"]) == (1, p.email, "editor")
        return
    if role == "focal_point":
        assert not chk.ok
        assert {f.code for f in chk.findings if f.is_error} == {"country_not_allowed"}
    else:  # no countries to write: every row is refused
        assert not chk.ok
    with pytest.raises(EspError):  # rejected: never written
        workflow.commit(store, chk, principal=p, source="editor")
    assert reads.history(con).empty


@pytest.mark.parametrize("role,where", UPLOADS)
def test_rollback(store, con, role, where):
    p = PRINCIPALS[role]
    sid = _seed(store, OWN if where == "own" else OTHER)
    version = reads.data_version(con)
    if expected(role, "rollback", where):
        assert workflow.rollback(store, sid, principal=p, reason="wrong file") == version + 1
        row = reads.history(con).iloc[0]
        assert row["rolled_back_by"] == p.email and row["rollback_reason"] == "wrong file"
        return
    with pytest.raises(PermissionDenied) as e:
        workflow.rollback(store, sid, principal=p, reason="mine")
    assert e.value.code == "permission_denied" and e.value.params["action"] == "rollback"
    assert reads.data_version(con) == version
    assert pd.isna(reads.history(con).iloc[0]["rolled_back_at"])


def test_refusal_is_checked_before_the_reason_or_the_submission(store, con):
    """No hint about what exists, and nothing written, for someone who may not roll back."""
    with pytest.raises(PermissionDenied):
        workflow.rollback(store, 999, principal=PRINCIPALS["focal_point"], reason="")


def test_identity_is_stored_on_every_submission_and_rollback(store, con):
    fp, admin = PRINCIPALS["focal_point"], PRINCIPALS["admin"]
    workflow.load(store, _file(OWN), "a.xlsx", principal=fp, today=TODAY)
    workflow.load(store, _file(OTHER), "b.xlsx", principal=admin, today=TODAY)
    workflow.rollback(store, 1, principal=admin, reason="superseded")
    h = reads.history(con)
    assert h["uploaded_by"].tolist() == [fp.email, admin.email]
    assert h["rolled_back_by"].tolist()[0] == admin.email and pd.isna(h["rolled_back_by"].tolist()[1])


# --- the roles file -----------------------------------------------------------


def test_the_committed_example_roles_file_reads(monkeypatch):
    roles = permissions.load_roles(ROOT / "config" / "users.example.toml")
    assert roles["punto.focal.peru@example.org"] == Principal(
        "punto.focal.peru@example.org", "focal_point", frozenset({"PER"})
    )
    assert roles["analista@example.org"].role == "analyst"
    assert {p.role for p in roles.values()} == set(ROLES)


def test_roles_file_lookup(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    path.write_text(
        '[[users]]\nemail = "Punto.Focal@Example.org"\nrole = "focal_point"\n'
        'countries = ["per", "bol"]\n\n[[users]]\nemail = "a@example.org"\nrole = "analyst"\n'
        'countries = ["PER"]\n'
    )
    monkeypatch.setenv("ESP_USERS", str(path))
    roles = permissions.load_roles()
    fp = permissions.principal_for("  punto.focal@EXAMPLE.org ", roles)
    assert fp.role == "focal_point" and fp.countries == {"PER", "BOL"}
    assert permissions.principal_for("a@example.org", roles).countries == frozenset()  # only focal points
    assert permissions.principal_for("stranger@example.org", roles) is None
    assert permissions.principal_for("", roles) is None and permissions.principal_for(None, roles) is None


def test_without_a_roles_file_everyone_is_the_local_administrator(tmp_path, monkeypatch):
    monkeypatch.setenv("ESP_USERS", str(tmp_path / "absent.toml"))
    assert permissions.load_roles() is None
    assert permissions.principal_for("anyone@example.org", None) is LOCAL_ADMIN


@pytest.mark.parametrize(
    "text,detail",
    [
        ('[[users]]\nemail = "a@example.org"\nrole = "boss"\n', "role"),
        ('[[users]]\nrole = "analyst"\n', "e-mail"),
        ('[[users]]\nemail = "not-an-email"\nrole = "analyst"\n', "e-mail"),
        ('[[users]]\nemail = "f@example.org"\nrole = "focal_point"\n', "needs countries"),
        ('[[users]]\nemail = "f@example.org"\nrole = "focal_point"\ncountries = "PER"\n', "list"),
        ('[[users]]\nemail = "f@example.org"\nrole = "focal_point"\ncountries = ["Peru"]\n', "ISO3"),
        (
            '[[users]]\nemail = "a@example.org"\nrole = "analyst"\n[[users]]\nemail = "A@example.org"\nrole = "admin"\n',
            "twice",
        ),
        ('users = "everyone"\n', "[[users]]"),
        ("[[users]\n", ""),
    ],
)
def test_an_invalid_roles_file_is_refused_with_the_reason(tmp_path, text, detail):
    path = tmp_path / "users.toml"
    path.write_text(text)
    with pytest.raises(permissions.RolesFileError) as e:
        permissions.load_roles(path)
    assert e.value.code == "roles_file_invalid" and detail in e.value.params["detail"]


def test_the_documented_matrix_is_the_one_enforced():
    """docs/roles-and-sign-in.md states the same matrix as ``_GRANTS``."""
    doc = (ROOT / "docs" / "roles-and-sign-in.md").read_text(encoding="utf-8")
    for role in ROLES:
        row = re.search(rf"^\|\s*`{role}`\s*\|(.*)\|\s*$", doc, re.M)
        assert row, role
        cells = [c.strip().lower() for c in row.group(1).split("|")]
        said = [not c.startswith("no") for c in cells[: len(ACTIONS)]]
        assert said == [EXPECTED[(role, a)] is not False for a in ACTIONS], role

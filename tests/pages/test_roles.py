"""Signed-in users of each role (identity mocked with AppTest's ``user`` and
``secrets``): what each sees, what is hidden, and that a forged request is still
refused by the core."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from analytics.errors import PermissionDenied
from analytics.i18n import t
from analytics.ledger import reads, workflow
from analytics.ledger.permissions import Principal
from analytics.store import factory
from tests.helpers import progress_rows, workbook

FP, ANALYST, MANAGER, ADMIN = (
    "punto.focal.peru@example.org",
    "analista@example.org",
    "gestora@example.org",
    "admin.regional@example.org",
)
ROLES = f"""
[[users]]
email = "{FP}"
role = "focal_point"
countries = ["PER"]

[[users]]
email = "{ANALYST}"
role = "analyst"

[[users]]
email = "{MANAGER}"
role = "manager"

[[users]]
email = "{ADMIN}"
role = "admin"
"""
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "test-client",
    "client_secret": "test-secret",
    "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
}
CONTACT = "esp-ayuda@example.org"
UPLOAD = "upload"  # app.py's url_path for app_pages/report.py
PAGES = {
    "upload": "app_pages/report.py",
    "correct": "app_pages/correct.py",
    "downloads": "app_pages/downloads.py",
    "submissions": "app_pages/submissions.py",
    "overview": "app_pages/overview.py",
}


@pytest.fixture
def roles_file(tmp_path, monkeypatch, demo_db):
    path = tmp_path / "users.toml"
    path.write_text(ROLES)
    monkeypatch.setenv("ESP_USERS", str(path))
    return path


@pytest.fixture
def signed_in(app, roles_file):
    """The app with sign-in configured; call with an e-mail (None: signed out)."""

    def run(email: str | None, page: str = "overview", *, iat: float | None = None, **claims):
        app.secrets["auth"] = dict(AUTH)
        app.secrets["esp"] = {"admin_contact": CONTACT, "max_session_hours": 8}
        if email is None:
            app.user = {"is_logged_in": False}
        else:
            app.user = {
                "is_logged_in": True,
                "email": email,
                "name": email.split("@")[0],
                "iat": int(time.time() - 60) if iat is None else iat,
                **claims,
            }
        app.session_state["_esp_start_page"] = page
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return run


def reachable(at, page: str) -> bool:
    """Whether the last run's ``st.navigation`` registered the page for this user
    (AppTest refuses to switch to an unregistered page). On success the next
    ``run()`` opens that page."""
    try:
        at.switch_page(PAGES[page])
    except ValueError:
        return False
    return True


def nav(at) -> dict[str, bool]:
    return {p: reachable(at, p) for p in PAGES}


def all_text(at) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        parts += [str(getattr(e, "value", "") or "") for e in getattr(at, kind)]
    return "\n".join(parts)


def history() -> pd.DataFrame:
    opened = factory.open_store()
    try:
        return reads.history(opened.reader())
    finally:
        opened.close()


# --- what each role sees ----------------------------------------------------------


@pytest.mark.parametrize(
    "email,role,expected",
    [
        (
            ANALYST,
            "analyst",
            {"overview": True, "downloads": True, "upload": False, "correct": False, "submissions": False},
        ),
        (
            MANAGER,
            "manager",
            {"overview": True, "downloads": True, "upload": False, "correct": False, "submissions": False},
        ),
        (
            FP,
            "focal_point",
            {"overview": True, "downloads": True, "upload": True, "correct": True, "submissions": False},
        ),
        (
            ADMIN,
            "admin",
            {"overview": True, "downloads": True, "upload": True, "correct": True, "submissions": True},
        ),
    ],
)
def test_navigation_shows_only_what_the_role_can_use(signed_in, email, role, expected):
    at = signed_in(email)
    assert at.title[0].value == t("nav.overview", "es")
    assert nav(at) == expected
    assert t("auth.signed_in_as", "es", email=email, role=t(f"role.{role}", "es")) in [
        c.value for c in at.sidebar.caption
    ]
    assert t("auth.local_mode", "es") not in all_text(at)
    assert [b.label for b in at.sidebar.button] == [t("auth.sign_out", "es")]


@pytest.mark.parametrize("email", [ANALYST, MANAGER])
def test_readers_asking_for_the_upload_or_submissions_page_get_the_overview(signed_in, email):
    for page in (UPLOAD, "correct", "submissions"):
        at = signed_in(email, page)
        assert at.title[0].value == t("nav.overview", "es")
        assert not at.get("file_uploader") and not any(
            b.label == t("admin.rollback", "es") for b in at.button
        )


def test_a_manager_may_download(signed_in):
    at = signed_in(MANAGER, "downloads")
    assert at.title[0].value == t("nav.downloads", "es")
    assert len(at.get("download_button")) >= 4


def test_a_focal_point_can_only_pick_their_own_countries(signed_in):
    at = signed_in(FP, UPLOAD)
    assert at.title[0].value == t("nav.upload", "es")
    assert at.selectbox(key="report_country").options == ["Perú"]
    assert at.selectbox(key="report_country").value == "PER"
    at.switch_page(PAGES["correct"]).run()
    assert at.title[0].value == t("nav.correct", "es")
    assert at.selectbox(key="edit_country").options == ["Perú"]


def test_an_admin_may_pick_every_country(signed_in):
    at = signed_in(ADMIN, UPLOAD)
    assert len(at.selectbox(key="report_country").options) == 15


def test_a_focal_points_upload_of_another_country_is_refused_in_the_page(signed_in):
    before = len(history())
    at = signed_in(FP, UPLOAD)
    at.get("file_uploader")[0].upload("informe_gtm.xlsx", workbook(progress=progress_rows("GTM", "2024")))
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert t("report.nothing_saved", "es") in errors
    findings = at.dataframe[0].value
    assert findings[t("report.col_message", "es")].str.contains("GTM").all()
    assert not any(b.label == t("report.confirm", "es") for b in at.button)
    assert len(history()) == before


def test_a_focal_points_upload_of_their_country_is_recorded_under_their_name(signed_in):
    before = len(history())
    at = signed_in(FP, UPLOAD)
    at.get("file_uploader")[0].upload("informe_per.xlsx", workbook(progress=progress_rows("PER", "2025")))
    at.run()
    acks = [box for box in at.checkbox if box.key == "report_ack"]
    if acks:  # warnings (e.g. stages lower than before) must be acknowledged first
        acks[0].check()
        at.run()
    at.button(key="report_confirm").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    h = history()
    assert len(h) == before + 1
    assert h.iloc[-1]["uploaded_by"] == FP and h.iloc[-1]["countries"] == "PER"


def test_an_admin_sees_every_submission_and_may_roll_back(signed_in):
    at = signed_in(ADMIN, "submissions")
    assert at.title[0].value == t("nav.submissions", "es")
    sid = at.selectbox(key="adm_open").value
    at.text_area[0].input("archivo equivocado")
    at.checkbox[0].check()
    next(b for b in at.button if b.label == t("admin.rollback", "es")).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.success) == 1 and f"Envío {sid} revertido" in at.success[0].value
    row = history().set_index("id").loc[sid]
    assert row["rolled_back_by"] == ADMIN and row["rollback_reason"] == "archivo equivocado"


def test_a_forged_request_is_still_refused_by_the_core(demo_db):
    """What a tampered page could send: the focal point's principal with another
    country's data, or a rollback. The core refuses both; nothing changes."""
    fp = Principal(FP, "focal_point", frozenset({"PER"}))
    admin = Principal(ADMIN, "admin")
    opened = factory.open_store()
    con = opened.reader()
    try:
        before = reads.data_version(con)
        chk = workflow.check(
            con, workbook(progress=progress_rows("GTM", "2025")), "forged.xlsx", principal=admin
        )
        assert chk.ok
        with pytest.raises(PermissionDenied) as e:
            workflow.commit(opened, chk, principal=fp, source="upload")
        assert e.value.code == "country_not_allowed" and e.value.params["country"] == "GTM"
        with pytest.raises(PermissionDenied):
            workflow.rollback(opened, 1, principal=fp, reason="forged")
        assert reads.data_version(con) == before
    finally:
        opened.close()


# --- sign-in screens ----------------------------------------------------------------


def test_a_user_without_a_role_sees_a_polite_no_access_page(signed_in):
    at = signed_in("desconocida@example.org")
    assert [x.value for x in at.title] == [t("auth.no_access_title", "es")]
    text = all_text(at)
    assert "desconocida@example.org" in text and CONTACT in text
    assert [b.label for b in at.button] == [t("auth.sign_out", "es")]
    assert (
        not at.get("radio")
        and not at.get("multiselect")
        and not at.get("plotly_chart")
        and not at.get("dataframe")
    )


def test_an_unverified_address_is_never_matched_against_the_roles_file(signed_in):
    at = signed_in(ADMIN, email_verified=False)
    assert [x.value for x in at.title] == [t("auth.no_access_title", "es")]
    assert not at.get("multiselect") and not at.get("dataframe")


def test_signed_out_users_are_asked_to_sign_in(signed_in):
    at = signed_in(None)
    assert t("auth.sign_in_prompt", "es") in all_text(at)
    assert [b.label for b in at.button] == [t("auth.sign_in", "es")]
    assert not at.get("multiselect") and not at.get("dataframe")


def test_an_old_identity_token_forces_a_new_sign_in(signed_in):
    at = signed_in(ADMIN, iat=time.time() - 9 * 3600)  # max_session_hours = 8
    assert [w.value for w in at.warning] == [t("auth.session_expired", "es")]
    assert [b.label for b in at.button] == [t("auth.sign_in_again", "es")]
    assert not at.get("multiselect") and not at.get("dataframe")
    at = signed_in(ADMIN, iat=time.time() - 7 * 3600)
    assert at.title[0].value == t("nav.overview", "es")


def test_a_token_without_an_issue_time_forces_a_new_sign_in(signed_in, app):
    app.secrets["auth"] = dict(AUTH)
    app.user = {"is_logged_in": True, "email": ADMIN}
    app.run()
    assert [w.value for w in app.warning] == [t("auth.session_expired", "es")]


def test_sign_out_is_offered_and_works(signed_in):
    at = signed_in(ANALYST)
    at.sidebar.button[0].click()
    at.run()
    assert at.user.get("is_logged_in") is False
    assert [b.label for b in at.button] == [t("auth.sign_in", "es")]


def test_the_role_is_read_again_on_every_run(signed_in, roles_file):
    at = signed_in(FP, UPLOAD)
    assert at.title[0].value == t("nav.upload", "es")
    roles_file.write_text(ROLES.replace('role = "focal_point"', 'role = "analyst"'))
    at.run()
    assert at.title[0].value == t("nav.overview", "es") and not reachable(at, UPLOAD)
    roles_file.write_text(ROLES.replace(FP, "otra@example.org"))
    at.run()
    assert [x.value for x in at.title] == [t("auth.no_access_title", "es")]


def test_sessions_of_different_users_do_not_share_a_role(signed_in, app, roles_file):
    from streamlit.testing.v1 import AppTest

    at = signed_in(ADMIN, "submissions")
    assert at.title[0].value == t("nav.submissions", "es")
    other = AppTest.from_file(app._script_path, default_timeout=60)
    other.secrets["auth"] = dict(AUTH)
    other.user = {"is_logged_in": True, "email": ANALYST, "iat": int(time.time())}
    other.session_state["_esp_start_page"] = "submissions"
    other.run()
    assert other.title[0].value == t("nav.overview", "es") and not reachable(other, "submissions")


def test_a_broken_roles_file_lets_nobody_in(signed_in, roles_file):
    roles_file.write_text('[[users]]\nemail = "x"\n')
    at = signed_in(ADMIN)
    assert [x.value for x in at.title] == [t("auth.no_access_title", "es")]


def test_sign_in_without_a_roles_file_lets_nobody_in(signed_in, roles_file):
    roles_file.unlink()
    at = signed_in(ADMIN)
    assert [x.value for x in at.title] == [t("auth.no_access_title", "es")]

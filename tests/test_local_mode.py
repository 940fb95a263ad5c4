"""Local mode (no ``[auth]`` in secrets): a single local administrator, and only
on a loopback address."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from streamlit import config

from analytics.i18n import t
from tests.conftest import ROOT
from webui import auth


@pytest.mark.parametrize(
    "address,expected",
    [
        ("127.0.0.1", True),
        ("127.0.0.53", True),
        ("localhost", True),
        ("LocalHost", True),
        (" 127.0.0.1 ", True),
        ("::1", True),
        ("[::1]", True),
        (None, False),  # Streamlit's default: every interface
        ("", False),
        ("0.0.0.0", False),
        ("::", False),
        ("[::]", False),
        ("192.168.1.20", False),
        ("10.0.0.5", False),
        ("::ffff:192.168.1.20", False),
        ("esp-monitor.example.org", False),
        ("localhost.example.org", False),
        ("127.0.0.1.nip.io", False),
    ],
)
def test_is_loopback(address, expected):
    assert auth.is_loopback(address) is expected


@contextmanager
def server_address(value):
    before = config.get_option("server.address")
    config.set_option("server.address", value)
    try:
        yield
    finally:
        config.set_option("server.address", before)


def local_app(page: str = "overview"):
    """The app without ``[auth]`` (secrets given, so a developer's own
    .streamlit/secrets.toml cannot change the mode)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["esp"] = {"admin_contact": "esp@example.org"}
    at.session_state["_esp_start_page"] = page
    return at


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", "::", None])
def test_local_mode_refuses_a_non_loopback_address(ready_db, address):
    with server_address(address):
        at = local_app("submissions").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [t("auth.local_not_loopback", "es")]
    # nothing else: no title, no sidebar, no widgets, no data
    assert not at.title and not at.sidebar.children
    assert len(at.main.children) == 1
    for kind in ("markdown", "dataframe", "button", "selectbox", "multiselect", "radio", "metric"):
        assert not at.get(kind), kind


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1"])
def test_local_mode_runs_as_the_local_administrator_on_loopback(ready_db, address):
    with server_address(address):
        at = local_app("submissions").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("nav.submissions", "es")  # an administrator's page
    assert t("auth.local_mode", "es") in [c.value for c in at.sidebar.caption]
    assert not any(b.label == t("auth.sign_out", "es") for b in at.sidebar.button)


def test_with_sign_in_configured_any_address_is_allowed(ready_db, tmp_path, monkeypatch):
    """Production listens on every interface behind a proxy; sign-in protects it."""
    users = tmp_path / "users.toml"
    users.write_text('[[users]]\nemail = "analista@example.org"\nrole = "analyst"\n')
    monkeypatch.setenv("ESP_USERS", str(users))
    with server_address("0.0.0.0"):
        at = local_app()
        at.secrets["auth"] = {
            "redirect_uri": "https://esp.example.org/oauth2callback",
            "cookie_secret": "s",
            "client_id": "c",
            "client_secret": "s",
            "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
        }
        at.user = {"is_logged_in": True, "email": "analista@example.org", "iat": int(time.time())}
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert at.title[0].value == t("nav.overview", "es")
    assert t("auth.local_mode", "es") not in [c.value for c in at.sidebar.caption]


def test_without_auth_there_is_no_sign_in_even_with_a_roles_file(ready_db, tmp_path, monkeypatch):
    """Local mode ignores the roles file: the one person is the administrator."""
    users = tmp_path / "users.toml"
    users.write_text('[[users]]\nemail = "analista@example.org"\nrole = "analyst"\n')
    monkeypatch.setenv("ESP_USERS", str(users))
    with server_address("127.0.0.1"):
        at = local_app("submissions").run()
    assert at.title[0].value == t("nav.submissions", "es")


@pytest.mark.parametrize(
    "esp,env,hours",
    [
        ({}, None, 12),
        ({"max_session_hours": 2}, None, 2),
        ({"max_session_hours": "0.5"}, None, 0.5),
        ({}, "3", 3),
        ({"max_session_hours": "x"}, None, 12),
        ({"max_session_hours": 0}, None, 12),
        ({"max_session_hours": -1}, None, 12),
    ],
)
def test_max_session_hours(monkeypatch, esp, env, hours):
    monkeypatch.setattr(auth, "esp_settings", lambda: dict(esp))
    if env is None:
        monkeypatch.delenv("ESP_MAX_SESSION_HOURS", raising=False)
    else:
        monkeypatch.setenv("ESP_MAX_SESSION_HOURS", env)
    assert auth.max_age_seconds() == hours * 3600


def test_token_age(monkeypatch):
    monkeypatch.setattr(auth, "esp_settings", lambda: {"max_session_hours": 1})
    now = 1_800_000_000
    assert not auth.token_too_old({"iat": now - 3599}, now=now)
    assert auth.token_too_old({"iat": now - 3601}, now=now)
    assert not auth.token_too_old({"iat": str(now - 60)}, now=now)
    assert auth.token_too_old({}, now=now) and auth.token_too_old({"iat": "soon"}, now=now)

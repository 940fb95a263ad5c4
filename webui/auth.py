"""Who is using the app: OIDC sign-in when configured, local administrator otherwise.

The role is derived again from the roles file on every run (never cached across
users). Local mode (no ``[auth]`` in secrets) only runs on a loopback address.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time

import streamlit as st

from analytics.i18n import t
from analytics.ledger import permissions
from analytics.ledger.permissions import Principal

DEFAULT_MAX_AGE_HOURS = 12.0
_LOG = logging.getLogger(__name__)


def esp_settings() -> dict:
    """The ``[esp]`` section of secrets (empty when there is none)."""
    try:
        return dict(st.secrets.get("esp", {}))
    except Exception:  # no secrets file at all
        return {}


def auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def is_loopback(address: str | None) -> bool:
    """True only for an address that cannot be reached from another machine."""
    address = (address or "").strip().lower()
    if not address:
        return False  # Streamlit binds every interface when unset
    if address in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def max_age_seconds() -> float:
    """``[esp] max_session_hours`` (or ESP_MAX_SESSION_HOURS), default 12 hours."""
    raw = esp_settings().get("max_session_hours", os.environ.get("ESP_MAX_SESSION_HOURS"))
    try:
        hours = float(raw) if raw is not None else DEFAULT_MAX_AGE_HOURS
    except (TypeError, ValueError):
        hours = DEFAULT_MAX_AGE_HOURS
    if not hours > 0:
        hours = DEFAULT_MAX_AGE_HOURS
    return hours * 3600


def token_too_old(claims: dict, now: float | None = None) -> bool:
    """True when the identity token was issued longer ago than the allowed maximum."""
    issued = claims.get("iat")
    try:
        issued = float(issued)
    except (TypeError, ValueError):
        return True  # no or unreadable issue time: ask for a fresh token
    return (time.time() if now is None else now) - issued > max_age_seconds()


def current_user():
    """The identity Streamlit holds for this session (``st.user``); one seam for tests."""
    return st.user


def identify(lang: str) -> Principal | None:
    """The signed-in principal, or stop the page with the right screen."""
    if not auth_configured():
        if not is_loopback(st.get_option("server.address")):
            st.error(t("auth.local_not_loopback", lang))
            st.stop()
        return permissions.LOCAL_ADMIN
    user = current_user()
    if not user.get("is_logged_in"):
        st.title("ESP Monitor")
        st.write(t("auth.sign_in_prompt", lang))
        st.button(t("auth.sign_in", lang), on_click=st.login, type="primary")
        st.stop()
    claims = user.to_dict() if hasattr(user, "to_dict") else dict(user)
    if token_too_old(claims):
        st.warning(t("auth.session_expired", lang))
        st.button(t("auth.sign_in_again", lang), on_click=st.logout, type="primary")
        st.stop()
    email = str(user.get("email") or "").strip()
    if email and user.get("email_verified") is False:
        # An identity provider that says it has not verified the address: never
        # match it against the roles file.
        st.title(t("auth.no_access_title", lang))
        st.write(t("auth.email_unverified", lang, email=email, contact=_admin_contact(lang)))
        st.button(t("auth.sign_out", lang), on_click=st.logout)
        st.stop()
    # Read again on every run: a change to the roles file applies at the next click.
    try:
        roles = permissions.load_roles()
    except permissions.RolesFileError as e:
        _LOG.error("roles file unreadable, nobody has access: %s", e)
        roles = {}
    # No roles file while sign-in is on means nobody has a role (never the local admin).
    principal = permissions.principal_for(email, roles or {})
    if principal is None:
        st.title(t("auth.no_access_title", lang))
        st.write(t("auth.no_access", lang, email=str(user.get("email") or "?"), contact=_admin_contact(lang)))
        st.button(t("auth.sign_out", lang), on_click=st.logout)
        st.stop()
    return principal


def _admin_contact(lang: str) -> str:
    """Whom users without access should write to: ``[esp] admin_contact``."""
    return str(esp_settings().get("admin_contact") or t("auth.default_contact", lang))


def sign_out_button(lang: str) -> None:
    if auth_configured() and current_user().get("is_logged_in"):
        st.sidebar.button(t("auth.sign_out", lang), on_click=st.logout, icon=":material/logout:")

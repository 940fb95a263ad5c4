"""Who is using the app: OIDC sign-in when configured, local administrator otherwise.

The role is derived again from the roles file on every run (never cached across
users). Local mode (no ``[auth]`` in secrets) only runs on a loopback address.
"""

from __future__ import annotations

import ipaddress
import os
import time

import streamlit as st

from analytics import permissions
from analytics.i18n import t
from analytics.permissions import Principal

DEFAULT_MAX_AGE_HOURS = 12.0


def auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def is_loopback(address: str | None) -> bool:
    if not address:
        return False  # Streamlit binds every interface when unset
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def max_age_seconds() -> float:
    try:
        hours = float(st.secrets.get("esp", {}).get("max_session_hours", DEFAULT_MAX_AGE_HOURS))
    except Exception:
        hours = float(os.environ.get("ESP_MAX_SESSION_HOURS", DEFAULT_MAX_AGE_HOURS))
    return hours * 3600


def token_too_old(claims: dict, now: float | None = None) -> bool:
    """True when the identity token was issued longer ago than the allowed maximum."""
    issued = claims.get("iat")
    if issued is None:
        return True
    return (now or time.time()) - float(issued) > max_age_seconds()


def identify(lang: str) -> Principal | None:
    """The signed-in principal, or stop the page with the right screen."""
    if not auth_configured():
        if not is_loopback(st.get_option("server.address")):
            st.error(t("auth.local_not_loopback", lang))
            st.stop()
        return permissions.LOCAL_ADMIN
    user = st.user
    if not user.is_logged_in:
        st.title("ESP Monitor")
        st.write(t("auth.sign_in_prompt", lang))
        st.button(t("auth.sign_in", lang), on_click=st.login, type="primary")
        st.stop()
    if token_too_old(user.to_dict()):
        st.warning(t("auth.session_expired", lang))
        st.button(t("auth.sign_in_again", lang), on_click=st.logout, type="primary")
        st.stop()
    try:
        roles = permissions.load_roles()
    except permissions.RolesFileError:
        roles = {}
    principal = permissions.principal_for(str(user.get("email") or ""), roles or {})
    if principal is None:
        st.title(t("auth.no_access_title", lang))
        st.write(t("auth.no_access", lang, email=str(user.get("email") or "?"),
                   contact=_admin_contact()))
        st.button(t("auth.sign_out", lang), on_click=st.logout)
        st.stop()
    return principal


def _admin_contact() -> str:
    try:
        return str(st.secrets.get("esp", {}).get("admin_contact", "the regional administrator"))
    except Exception:
        return "the regional administrator"


def sign_out_button(lang: str) -> None:
    if auth_configured() and st.user.is_logged_in:
        st.sidebar.button(t("auth.sign_out", lang), on_click=st.logout, icon=":material/logout:")

"""Who may do what. Every write in the core asks here first, whatever the door
(page, editor, command line).

The role x action matrix (``_GRANTS``); uploads are further limited to a focal
point's own countries, and nobody reviews a file they uploaded:

=============  ====  ========  ======  ======  ========  ================  ==========
role           read  download  upload  review  rollback  view_submissions  unreviewed
=============  ====  ========  ======  ======  ========  ================  ==========
analyst        yes   yes       no      no      no        no                no
manager        yes   yes       no      no      no        no                no
focal_point    yes   yes       own     no      no        no                own
reviewer       yes   yes       no      yes     no        yes               all
admin          yes   yes       all     yes     yes       yes               all
=============  ====  ========  ======  ======  ========  ================  ==========

``unreviewed``: may include submissions awaiting review in what they see.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from analytics.errors import EspError, PermissionDenied
from analytics.paths import CONFIG_DIR

ROLES = ("analyst", "focal_point", "manager", "reviewer", "admin")
ACTIONS = ("read", "download", "upload", "review", "rollback", "view_submissions", "unreviewed")
_GRANTS = {
    "analyst": {"read", "download"},
    "manager": {"read", "download"},
    "focal_point": {"read", "download", "upload", "unreviewed"},
    "reviewer": {"read", "download", "review", "view_submissions", "unreviewed"},
    "admin": set(ACTIONS),
}
DEFAULT_USERS_PATH = CONFIG_DIR / "users.toml"


@dataclass(frozen=True)
class Principal:
    email: str
    role: str
    countries: frozenset[str] = field(default_factory=frozenset)
    name: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


LOCAL_ADMIN = Principal("local-admin@localhost", "admin")
DEMO_LOADER = Principal("demo@example.org", "admin")
# Approves the illustrative dataset (a reviewer other than its uploader, as review requires).
DEMO_REVIEWER = Principal("reviewer@example.org", "reviewer")


def allowed(principal: Principal | None, action: str, country: str | None = None) -> bool:
    """True when ``principal`` may do ``action`` (on ``country`` for uploads and for
    seeing what awaits review)."""
    if principal is None or action not in _GRANTS.get(principal.role, set()):
        return False
    if action in ("upload", "unreviewed") and principal.role == "focal_point":
        return country is None or country in principal.countries
    return True


def unreviewed_countries(principal: Principal | None) -> tuple[str, ...] | None:
    """Countries whose submissions awaiting review the principal may see: None for every
    country, () for none."""
    if not allowed(principal, "unreviewed"):
        return ()
    if principal.role == "focal_point":
        return tuple(sorted(principal.countries))
    return None


def require(principal: Principal | None, action: str, country: str | None = None) -> None:
    """Raise ``PermissionDenied`` unless allowed: code ``permission_denied`` when the
    role may not do the action at all, ``country_not_allowed`` when it may, but not
    for this country."""
    if allowed(principal, action, country):
        return
    user = getattr(principal, "email", None) or "?"
    if country is not None and allowed(principal, action):
        raise PermissionDenied("country_not_allowed", action=action, user=user, country=country)
    raise PermissionDenied(action=action, user=user, role=getattr(principal, "role", None) or "-")


def writable_countries(principal: Principal) -> set[str] | None:
    """Countries the principal may write; None means every country."""
    if principal.role == "admin":
        return None
    if principal.role == "focal_point":
        return set(principal.countries)
    return set()


class RolesFileError(EspError):
    code = "roles_file_invalid"


def users_path() -> Path:
    return Path(os.environ.get("ESP_USERS") or DEFAULT_USERS_PATH)


def load_roles(path: str | os.PathLike | None = None) -> dict[str, Principal] | None:
    """The roles file as e-mail → principal; None when there is no file."""
    p = Path(path) if path else users_path()
    if not p.exists():
        return None
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise RolesFileError(path=p.name, detail=str(e)[:120]) from e
    users = data.get("users", [])
    if not isinstance(users, list):
        raise RolesFileError(path=p.name, detail="[[users]] entries expected")
    out: dict[str, Principal] = {}
    for i, entry in enumerate(users, start=1):
        if not isinstance(entry, dict):
            raise RolesFileError(path=p.name, detail=f"entry {i}: a [[users]] table expected")
        email = str(entry.get("email", "")).strip().lower()
        role = str(entry.get("role", "")).strip().lower()
        if not _EMAIL.match(email) or role not in ROLES:
            raise RolesFileError(
                path=p.name, detail=f"entry {i}: an e-mail and a role of {', '.join(ROLES)} required"
            )
        if email in out:
            raise RolesFileError(path=p.name, detail=f"entry {i}: {email} is listed twice")
        raw = entry.get("countries", [])
        if isinstance(raw, str) or not isinstance(raw, list):
            raise RolesFileError(path=p.name, detail=f'entry {i}: countries must be a list like ["PER"]')
        countries = frozenset(str(c).strip().upper() for c in raw)
        bad = sorted(c for c in countries if not _ISO3.match(c))
        if bad:
            raise RolesFileError(path=p.name, detail=f"entry {i}: not ISO3 country codes: {', '.join(bad)}")
        if role == "focal_point" and not countries:
            raise RolesFileError(path=p.name, detail=f"entry {i}: a focal_point needs countries")
        out[email] = Principal(
            email, role, countries if role == "focal_point" else frozenset(), str(entry.get("name", ""))
        )
    return out


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def principal_for(email: str | None, roles: dict[str, Principal] | None) -> Principal | None:
    """The principal for a signed-in e-mail; unknown users get none."""
    if roles is None:
        return LOCAL_ADMIN
    if not email:
        return None
    return roles.get(email.strip().lower())

"""Who may do what. Every write in the core asks here first, whatever the door
(page, editor, command line)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .db import ROOT
from .errors import EspError, PermissionDenied

ROLES = ("analyst", "focal_point", "manager", "admin")
ACTIONS = ("read", "download", "upload", "rollback", "view_submissions")
_GRANTS = {
    "analyst": {"read", "download"},
    "manager": {"read", "download"},
    "focal_point": {"read", "download", "upload"},
    "admin": set(ACTIONS),
}
DEFAULT_USERS_PATH = ROOT / "config" / "users.toml"


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


def allowed(principal: Principal | None, action: str, country: str | None = None) -> bool:
    """True when ``principal`` may do ``action`` (on ``country`` for uploads)."""
    if principal is None or action not in _GRANTS.get(principal.role, set()):
        return False
    if action == "upload" and principal.role == "focal_point":
        return country is None or country in principal.countries
    return True


def require(principal: Principal | None, action: str, country: str | None = None) -> None:
    if not allowed(principal, action, country):
        raise PermissionDenied(action=action, user=getattr(principal, "email", "?"))


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
    out: dict[str, Principal] = {}
    for i, entry in enumerate(data.get("users", []), start=1):
        email = str(entry.get("email", "")).strip().lower()
        role = str(entry.get("role", "")).strip()
        if not email or role not in ROLES:
            raise RolesFileError(path=p.name, detail=f"entry {i}: email and a role of {ROLES} required")
        countries = frozenset(str(c).strip().upper() for c in entry.get("countries", []))
        if role == "focal_point" and not countries:
            raise RolesFileError(path=p.name, detail=f"entry {i}: a focal_point needs countries")
        out[email] = Principal(email, role, countries, str(entry.get("name", "")))
    return out


def principal_for(email: str | None, roles: dict[str, Principal] | None) -> Principal | None:
    """The principal for a signed-in e-mail; unknown users get none."""
    if roles is None:
        return LOCAL_ADMIN
    if not email:
        return None
    return roles.get(email.strip().lower())

"""The product's exceptions. Each carries a stable code and params; the text is
made in the user's language at the edge (see ``i18n.error_message``)."""

from __future__ import annotations


class EspError(Exception):
    """Base of every error the product raises on purpose."""

    code = "error"

    def __init__(self, code: str | None = None, **params: object) -> None:
        self.code = code or type(self).code
        self.params = params
        super().__init__(f"{self.code}: {params}" if params else self.code)


class DatabaseError(EspError):
    code = "db_error"


class DatabaseInUse(DatabaseError):
    code = "db_in_use"


class DatabaseInvalid(DatabaseError):
    code = "db_invalid"


class DatabaseTooNew(DatabaseError):
    code = "db_too_new"


class WriteConflict(DatabaseError):
    """Another write got there first; the caller may simply try again."""

    code = "db_busy"


class PermissionDenied(EspError):
    code = "permission_denied"


class NotFound(EspError):
    code = "not_found"


class DatabaseMissing(DatabaseError):
    """No store where ``ESP_DB`` points: only ``init`` creates one."""

    code = "db_missing"


class DatabaseVanished(DatabaseError):
    """The file a running process opened was removed or replaced: nothing may be written."""

    code = "db_vanished"


class DatabaseDamaged(DatabaseError):
    code = "db_damaged"


class DatabaseReadOnly(DatabaseError):
    code = "db_read_only"


class DatabaseStaleLog(DatabaseError):
    """A write-ahead log beside the file belongs to another copy of it."""

    code = "db_stale_wal"


class DatabaseUnreachable(DatabaseError):
    code = "db_unreachable"

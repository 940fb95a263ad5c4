"""Review before publication: a committed submission awaits review until a reviewer
approves it (it is then published) or returns it with a comment (it never is).

Review actions are written like every other ledger event: one transaction, a new
data version, never deleted. Nobody reviews a file they uploaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from analytics.errors import EspError
from analytics.ledger import permissions, reads
from analytics.ledger.permissions import Principal
from analytics.ledger.write import write
from analytics.store.protocol import Store, Transaction

APPROVED, RETURNED, REOPENED = "approved", "returned", "reopened"
ACTIONS = (APPROVED, RETURNED, REOPENED)
AUTO = "auto"  # who approves on commit while review is off


def review_enabled() -> bool:
    """``ESP_REVIEW=on|off``; by default on where a roles file is in use, off in local mode
    (whose single administrator would otherwise review their own files)."""
    setting = (os.environ.get("ESP_REVIEW") or "").strip().lower()
    if setting in ("on", "off"):
        return setting == "on"
    return permissions.users_path().exists()


def scope_for(principal: Principal | None, include_pending: bool) -> reads.Scope:
    """What a reader's views stand on: published data, plus what awaits review when they
    asked for it and may see it (a focal point: their own countries only)."""
    if not include_pending or not permissions.allowed(principal, "unreviewed"):
        return reads.PUBLISHED
    countries = permissions.unreviewed_countries(principal)
    return reads.WORKING if countries is None else reads.Scope(pending=countries)


def record(
    tx: Transaction, submission_id: int, action: str, by: str, at: datetime, comment: str | None, version: int
) -> None:
    """Write one review action inside the caller's transaction."""
    tx.insert(
        "reviews",
        pd.DataFrame(
            [
                {
                    "submission_id": submission_id,
                    "action": action,
                    "acted_by": by,
                    "acted_at": at,
                    "comment": (comment or "").strip()[:2000] or None,
                    "version": version,
                }
            ]
        ),
    )


def _check(tx: Transaction, submission_id: int, principal: Principal, action: str) -> dict:
    state = reads.status(tx.con, submission_id)
    wanted = reads.APPROVED if action == REOPENED else reads.SUBMITTED
    if state["status"] != wanted:
        raise EspError(
            "not_awaiting_review" if action != REOPENED else "not_approved",
            id=submission_id,
            status=state["status"],
        )
    if action != REOPENED and state["uploaded_by"] == principal.email:
        raise EspError("own_submission", id=submission_id)
    return state


def _act(
    store: Store,
    ids: Iterable[int],
    action: str,
    *,
    principal: Principal,
    comment: str | None,
    at: datetime | None,
) -> int:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise EspError("nothing_to_review")

    def body(tx: Transaction, when: datetime) -> int:
        for sid in ids:
            _check(tx, sid, principal, action)
        version = tx.next_version()
        for sid in ids:
            record(tx, sid, action, principal.email, when, comment, version)
        return version

    return write(store, body, at=at)


def approve(
    store: Store,
    ids: Iterable[int],
    *,
    principal: Principal,
    comment: str | None = None,
    at: datetime | None = None,
) -> int:
    """Approve submissions awaiting review (all of them or none); return the new data version.

    ``at`` back-dates the illustrative dataset's approvals, like ``workflow.commit``.
    """
    permissions.require(principal, "review")
    if at is not None and principal.email != permissions.DEMO_REVIEWER.email:
        raise EspError("backdating_not_allowed")
    return _act(store, ids, APPROVED, principal=principal, comment=comment, at=at)


def return_(
    store: Store, submission_id: int, *, principal: Principal, comment: str, at: datetime | None = None
) -> int:
    """Return a submission awaiting review with a comment (required); it is never published."""
    permissions.require(principal, "review")
    if not (comment or "").strip():
        raise EspError("comment_required")
    if at is not None and principal.email != permissions.DEMO_REVIEWER.email:
        raise EspError("backdating_not_allowed")
    return _act(store, [submission_id], RETURNED, principal=principal, comment=comment, at=at)


def reopen(store: Store, submission_id: int, *, principal: Principal, comment: str) -> int:
    """Take an approval back (administrators): the submission awaits review again."""
    permissions.require(principal, "rollback")
    if not (comment or "").strip():
        raise EspError("comment_required")
    return _act(store, [submission_id], REOPENED, principal=principal, comment=comment, at=None)

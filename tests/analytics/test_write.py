"""The one write path of the ledger: every event (commit, review action, rollback) is tried
again when another write beat it to its turn, is refused when back-dated before the latest
event, and is reported plainly once the attempts run out, with nothing written."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pandas as pd
import pytest

from analytics import i18n
from analytics.errors import EspError, WriteConflict
from analytics.ledger import reads, review, workflow, write
from analytics.ledger.permissions import Principal
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, PER_FOCAL, progress_rows, workbook

STORE_KINDS = BOTH_KINDS
REVIEWER = Principal("revisora@example.org", "reviewer")


class Contended:
    """A store whose next ``conflicts`` writes run their body and then lose their turn, as a
    write does when another commits first: the store rolls it back and says so."""

    def __init__(self, store, conflicts: int) -> None:
        self._store, self.conflicts, self.attempts = store, conflicts, 0

    def __getattr__(self, name):
        return getattr(self._store, name)

    @contextmanager
    def transaction(self):
        self.attempts += 1
        with self._store.transaction() as tx:
            yield tx
            if self.conflicts:
                self.conflicts -= 1
                raise WriteConflict()


@pytest.fixture(autouse=True)
def no_wait(monkeypatch):
    monkeypatch.setattr(write, "_backoff", lambda attempt: None)
    monkeypatch.setenv("ESP_REVIEW", "on")


def _submitted(store) -> int:
    _, out = workflow.load(store, workbook(progress=progress_rows()), "f.xlsx", principal=PER_FOCAL)
    assert out and out.submission_id
    return out.submission_id


def _commit(store, sid):
    chk = workflow.check(
        store.reader(), workbook(progress=progress_rows(period="2023")), "g.xlsx", principal=ADMIN
    )
    return workflow.commit(store, chk, principal=ADMIN).version


EVENTS = {
    "commit": (_commit, "submissions"),
    "approve": (lambda store, sid: review.approve(store, [sid], principal=REVIEWER), "reviews"),
    "return": (lambda store, sid: review.return_(store, sid, principal=REVIEWER, comment="no"), "reviews"),
    "rollback": (
        lambda store, sid: workflow.rollback(store, sid, principal=ADMIN, reason="wrong file"),
        "rollbacks",
    ),
}


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


@pytest.mark.parametrize("event", list(EVENTS))
def test_every_ledger_event_is_written_once_after_losing_its_turn_twice(store, event):
    act, table = EVENTS[event]
    sid = _submitted(store)
    before, rows = reads.data_version(store.reader()), _count(store.reader(), table)
    contended = Contended(store, conflicts=2)
    version = act(contended, sid)
    assert contended.attempts == 3
    assert version == before + 1 == reads.data_version(store.reader())
    assert _count(store.reader(), table) == rows + 1


@pytest.mark.parametrize("event", list(EVENTS))
def test_an_event_that_keeps_losing_its_turn_is_told_plainly_and_writes_nothing(store, event):
    act, table = EVENTS[event]
    sid = _submitted(store)
    before, rows = reads.data_version(store.reader()), _count(store.reader(), table)
    contended = Contended(store, conflicts=99)
    with pytest.raises(WriteConflict) as raised:
        act(contended, sid)
    assert contended.attempts == write.ATTEMPTS
    assert raised.value.code == "db_busy" and "several attempts failed" in i18n.error_message(
        raised.value, "en"
    )
    assert reads.data_version(store.reader()) == before and _count(store.reader(), table) == rows


def test_rows_the_caller_adds_are_written_with_the_event_or_not_at_all(store):
    sid = _submitted(store)

    def approve_and_note(tx, at):
        version = tx.next_version()
        review.record(tx, sid, review.APPROVED, REVIEWER.email, at, None, version)
        tx.insert(
            "rollbacks",
            pd.DataFrame(
                [
                    {
                        "submission_id": sid,
                        "rolled_back_at": at,
                        "rolled_back_by": "x",
                        "reason": "r",
                        "version": version,
                    }
                ]
            ),
        )
        raise EspError("something_else")

    with pytest.raises(EspError, match="something_else"):
        write.write(store, approve_and_note)
    assert _count(store.reader(), "reviews") == 0 and _count(store.reader(), "rollbacks") == 0


def test_an_event_dated_before_the_latest_one_is_refused(store):
    _submitted(store)
    latest = reads.last_update(store.reader())
    with pytest.raises(EspError) as raised:
        write.write(store, lambda tx, at: tx.next_version(), at=latest - timedelta(seconds=1))
    assert raised.value.code == "backdating_not_allowed"
    assert write.write(store, lambda tx, at: at, at=latest) == latest

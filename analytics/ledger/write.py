"""The one way an event enters the ledger: a commit, a review action, a rollback.

``write(store, body)`` runs ``body(tx, at)`` inside one store transaction and
returns what it returns. Around it, once for every kind of event:

- a write that another write beat to its turn (``WriteConflict``) is tried again
  after a short random wait, a few times, then reported plainly (``db_busy``);
- the event's time is taken inside the transaction, so it follows every event
  already written, and a back-dated time before the latest event is refused
  (``backdating_not_allowed``): "as of" must never see history change behind it.

Everything ``body`` writes through ``tx`` is committed together or not at all, so
a caller that has more to record about the same event (e.g. a notification to send)
adds its rows in ``body`` with the same ``tx``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from analytics import clock
from analytics.errors import EspError, WriteConflict
from analytics.ledger import reads
from analytics.store.protocol import Store, Transaction

ATTEMPTS = 5
T = TypeVar("T")


def write(store: Store, body: Callable[[Transaction, datetime], T], *, at: datetime | None = None) -> T:
    """Run ``body(tx, time of the event)`` as one transaction of ``store``.

    ``at`` back-dates the event (the illustrative dataset; callers decide who may);
    without it the event happens now. Raises ``WriteConflict`` once every attempt met
    another write, and ``EspError('backdating_not_allowed')`` for a time before the
    latest event.
    """
    last: WriteConflict | None = None
    for attempt in range(ATTEMPTS):
        try:
            with store.transaction() as tx:
                when = clock.utc(at) if at else clock.now()
                latest = reads.last_update(tx.con)
                if latest is not None and when < latest:
                    raise EspError("backdating_not_allowed")
                return body(tx, when)
        except WriteConflict as e:
            last = e
            if attempt + 1 < ATTEMPTS:
                _backoff(attempt)
    raise WriteConflict(attempts=ATTEMPTS) from last


def _backoff(attempt: int) -> None:
    """A short, random wait before trying again, longer each time, so two retries do not meet again."""
    time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))

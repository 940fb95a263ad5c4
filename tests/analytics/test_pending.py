"""The review queue and what approving a submission would change against what is published now."""

from __future__ import annotations

import pytest

from analytics.ledger import pending, review, workflow
from analytics.ledger.permissions import Principal
from tests.helpers import progress_rows, workbook

FP = Principal("fp.peru@example.org", "focal_point", frozenset({"PER"}))
FP_GTM = Principal("fp.gtm@example.org", "focal_point", frozenset({"GTM"}))
REVIEWER = Principal("revisora@example.org", "reviewer")


@pytest.fixture(autouse=True)
def review_on(monkeypatch):
    monkeypatch.setenv("ESP_REVIEW", "on")


def commit(store, who=FP, **tables) -> int:
    chk, out = workflow.load(store, workbook(**tables), "f.xlsx", principal=who)
    assert out and out.submission_id, [f.code for f in chk.findings if f.is_error]
    return out.submission_id


def test_change_against_nothing_published_is_every_row_added(store, con):
    sid = commit(store, progress=progress_rows("PER", "2024", stages=(1, 2, 3, 4)))
    change = pending.change(con, sid)
    assert change.visible and change.count == 4
    assert len(change.added) == 4 and change.changed.empty and change.removed.empty
    assert change.blocks["shown_now"].isna().all()


def test_change_lists_values_old_to_new_and_rows_removed_against_what_is_published(store, con):
    first = commit(store, progress=progress_rows("PER", "2024", stages=(1, 2, 3, 4)))
    review.approve(store, [first], principal=REVIEWER)
    rows = progress_rows("PER", "2024", stages=(2, 2, 3, 4)).iloc[:3]  # Health 1 → 2, Coordination gone
    second = commit(store, progress=rows)
    change = pending.change(con, second)
    assert change.visible and change.count == 2
    [row] = change.changed.to_dict("records")
    assert (row["key"], row["field"], row["old"], row["new"]) == ("HEALTH", "stage", "1", "2")
    assert change.removed[["country", "period", "module"]].values.tolist() == [["PER", "2024", "COORD"]]
    assert list(change.blocks["shown_now"]) == [first]


def test_change_is_measured_against_published_data_not_other_files_awaiting_review(store, con):
    first = commit(store, progress=progress_rows("PER", "2024", stages=(1, 1, 1, 1)))
    review.approve(store, [first], principal=REVIEWER)
    commit(store, progress=progress_rows("PER", "2024", stages=(3, 3, 3, 3)))  # awaits review
    third = commit(store, progress=progress_rows("PER", "2024", stages=(2, 1, 1, 1)))
    change = pending.change(con, third)
    assert [(r["old"], r["new"]) for r in change.changed.to_dict("records")] == [("1", "2")]


def test_the_queue_filters_by_country_period_and_uploader(store, con):
    a = commit(store, progress=progress_rows("PER", "2024"))
    b = commit(store, FP_GTM, progress=progress_rows("GTM", "2023"))
    c = commit(store, progress=progress_rows("PER", "2023-Q2"))
    review.return_(store, c, principal=REVIEWER, comment="falta la cobertura")
    queue = pending.listing(con, status="submitted")
    assert list(queue["id"]) == [b, a], "newest first, returned files are not in the queue"
    assert list(pending.listing(con, status="submitted", country="GTM")["id"]) == [b]
    assert list(pending.listing(con, period="2023")["id"]) == [c, b]
    assert list(pending.listing(con, uploader=FP.email)["id"]) == [c, a]
    returned = pending.listing(con, status="returned").iloc[0]
    assert returned["comment"] == "falta la cobertura" and returned["reviewed_by"] == REVIEWER.email


def test_status_by_period_counts_each_state_and_dates_the_last_action(store, con):
    a = commit(store, progress=progress_rows("PER", "2024"))
    review.approve(store, [a], principal=REVIEWER)
    b = commit(store, progress=progress_rows("PER", "2024", stages=(2, 2, 2, 2)))
    review.return_(store, b, principal=REVIEWER, comment="revisar")
    commit(store, progress=progress_rows("PER", "2024", stages=(3, 2, 2, 2)))
    commit(store, FP_GTM, progress=progress_rows("GTM", "2023"))
    df = pending.status_by_period(con).set_index(["country", "period"])
    per = df.loc[("PER", "2024")]
    assert (per["submitted"], per["approved"], per["returned"], per["rolled_back"]) == (1, 1, 1, 0)
    gtm = df.loc[("GTM", "2023")]
    assert (gtm["submitted"], gtm["approved"], gtm["year"]) == (1, 0, 2023)
    assert per["last_action_at"] < gtm["last_action_at"], "the GTM file came last"


def test_the_reviewer_sees_the_same_diff_the_uploader_confirmed(store, con):
    first = commit(store, progress=progress_rows("PER", "2024", stages=(1, 2, 3, 4)))
    review.approve(store, [first], principal=REVIEWER)
    rows = progress_rows("PER", "2024", stages=(2, 2, 3, 4)).iloc[:3]
    chk = workflow.check(con, workbook(progress=rows), "g.xlsx", principal=FP)
    before_commit = workflow.preview(con, chk, principal=FP)
    _, out = workflow.load(store, workbook(progress=rows), "g.xlsx", principal=FP)
    before_approval = pending.change(con, out.submission_id)
    for part in ("added", "changed", "removed"):
        assert getattr(before_commit, part).equals(getattr(before_approval, part)), part
    assert list(before_commit.replaced["shown_now"]) == list(before_approval.replaced["shown_now"]) == [first]
    assert before_commit.count == before_approval.count == 2

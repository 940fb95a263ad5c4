"""Review before publication: submitted → approved (published) or returned (never published);
published as of T honours approval times; nobody reviews their own file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics.errors import EspError, PermissionDenied
from analytics.ledger import pending, reads, review, workflow
from analytics.ledger.permissions import Principal
from analytics.ledger.reads import PUBLISHED, WORKING, Scope
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, progress_rows, workbook

STORE_KINDS = BOTH_KINDS

FP = Principal("fp.peru@example.org", "focal_point", frozenset({"PER"}))
FP_GTM = Principal("fp.gtm@example.org", "focal_point", frozenset({"GTM"}))
REVIEWER = Principal("revisora@example.org", "reviewer")


@pytest.fixture(autouse=True)
def review_on(monkeypatch):
    monkeypatch.setenv("ESP_REVIEW", "on")


def commit(store, stages, who=FP, country="PER", period="2024") -> int:
    chk, out = workflow.load(
        store, workbook(progress=progress_rows(country, period, stages=stages)), "f.xlsx", principal=who
    )
    assert out and out.submission_id, [f.code for f in chk.findings if f.is_error]
    return out.submission_id


def health(con, scope=PUBLISHED, as_of=None, country="PER") -> int | None:
    df = reads.current(con, "progress", scope=scope, as_of=as_of)
    row = df[(df["country"] == country) & (df["module"] == "HEALTH")]
    return None if row.empty else int(row.iloc[0]["stage"])


def state(con, sid) -> str:
    return reads.status(con, sid)["status"]


def test_a_commit_awaits_review_and_is_published_only_once_approved(store, con):
    sid = commit(store, (2, 2, 2, 2))
    assert state(con, sid) == "submitted"
    assert health(con) is None, "analysts see published data only"
    assert health(con, WORKING) == 2 and reads.current(con, "progress", scope=WORKING)["awaiting"].all()
    before = reads.data_version(con)
    version = review.approve(store, [sid], principal=REVIEWER, comment="ok")
    assert version == before + 1 and reads.data_version(con) == version
    assert state(con, sid) == "approved" and health(con) == 2
    assert not reads.current(con, "progress")["awaiting"].any()


def test_published_as_of_a_time_honours_when_it_was_approved(store, con):
    sid = commit(store, (2, 2, 2, 2))
    committed = reads.last_update(con)
    review.approve(store, [sid], principal=REVIEWER)
    approved = reads.last_update(con)
    between = committed + (approved - committed) / 2
    assert health(con, as_of=between) is None, "committed but not yet approved then"
    assert health(con, WORKING, as_of=between) == 2
    assert health(con, as_of=approved + timedelta(microseconds=1)) == 2


def test_a_returned_submission_needs_a_comment_and_is_never_published(store, con):
    first = commit(store, (1, 1, 1, 1))
    review.approve(store, [first], principal=REVIEWER)
    second = commit(store, (3, 3, 3, 3))
    with pytest.raises(EspError) as e:
        review.return_(store, second, principal=REVIEWER, comment="  ")
    assert e.value.code == "comment_required"
    review.return_(store, second, principal=REVIEWER, comment="La etapa de salud no coincide con el informe")
    assert state(con, second) == "returned"
    assert health(con) == 1 and health(con, WORKING) == 1, "a returned file stands nowhere"
    row = reads.history(con).set_index("id").loc[second]
    assert row["reviewed_by"] == REVIEWER.email and "no coincide" in row["review_comment"]
    with pytest.raises(EspError) as e:
        review.approve(store, [second], principal=REVIEWER)
    assert e.value.code == "not_awaiting_review"


def test_nobody_reviews_their_own_file_and_focal_points_never_review(store, con):
    sid = commit(store, (2, 2, 2, 2), who=ADMIN)
    with pytest.raises(EspError) as e:
        review.approve(store, [sid], principal=ADMIN)
    assert e.value.code == "own_submission"
    with pytest.raises(PermissionDenied):
        review.approve(store, [sid], principal=FP)
    assert state(con, sid) == "submitted"


def test_approving_an_older_submission_after_a_newer_one_changes_nothing_visible(store, con):
    older = commit(store, (1, 1, 1, 1))
    newer = commit(store, (4, 4, 4, 4))
    review.approve(store, [newer], principal=REVIEWER)
    assert health(con) == 4
    effect = reads.approval_effect(con, older)
    assert not effect["publishes"].any() and set(effect["shown_now"]) == {newer}
    change = pending.change(con, older)
    assert not change.visible and change.count == 0, "the reviewer is told it changes nothing visible"
    before = reads.current(con, "progress")
    review.approve(store, [older], principal=REVIEWER)
    assert health(con) == 4, "the newer approved submission still stands"
    after = reads.current(con, "progress")
    assert after.drop(columns="awaiting").equals(before.drop(columns="awaiting"))


def test_approving_several_is_all_or_none(store, con):
    a = commit(store, (1, 1, 1, 1))
    b = commit(store, (2, 2, 2, 2), who=FP_GTM, country="GTM")
    review.return_(store, b, principal=REVIEWER, comment="falta la cobertura")
    before = reads.data_version(con)
    with pytest.raises(EspError):
        review.approve(store, [a, b], principal=REVIEWER)
    assert state(con, a) == "submitted" and reads.data_version(con) == before


def test_rolling_back_an_approved_submission_brings_back_the_previous_approved_one(store, con):
    first = commit(store, (1, 1, 1, 1))
    review.approve(store, [first], principal=REVIEWER)
    second = commit(store, (3, 3, 3, 3))
    review.approve(store, [second], principal=REVIEWER)
    workflow.rollback(store, second, principal=ADMIN, reason="archivo equivocado")
    assert health(con) == 1 and state(con, second) == "rolled_back"


def test_a_focal_point_sees_awaiting_review_only_for_their_own_countries(store, con):
    commit(store, (2, 2, 2, 2))
    commit(store, (3, 3, 3, 3), who=FP_GTM, country="GTM")
    mine = Scope(pending=("PER",))
    assert health(con, mine) == 2 and health(con, mine, country="GTM") is None
    assert health(con, WORKING, country="GTM") == 3


def test_with_review_off_a_commit_is_published_at_once(store, con, monkeypatch):
    monkeypatch.setenv("ESP_REVIEW", "off")
    sid = commit(store, (2, 2, 2, 2))
    assert state(con, sid) == "approved" and health(con) == 2
    reviews = reads.reviews(con)
    assert reviews.iloc[-1]["by"] == review.AUTO


def test_an_administrator_may_take_an_approval_back(store, con):
    sid = commit(store, (2, 2, 2, 2))
    review.approve(store, [sid], principal=REVIEWER)
    review.reopen(store, sid, principal=ADMIN, comment="aprobado por error")
    assert state(con, sid) == "submitted" and health(con) is None
    assert list(reads.reviews(con)["action"]) == ["approved", "reopened"]


@pytest.mark.parametrize(
    "who,asked,expected",
    [
        (REVIEWER, True, WORKING),
        (ADMIN, True, WORKING),
        (FP, True, Scope(pending=("PER",))),
        (Principal("analista@example.org", "analyst"), True, PUBLISHED),
        (Principal("gestora@example.org", "manager"), True, PUBLISHED),
        (None, True, PUBLISHED),
        (REVIEWER, False, PUBLISHED),
    ],
)
def test_only_those_allowed_may_include_what_awaits_review(who, asked, expected):
    assert review.scope_for(who, asked) == expected

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from analytics.errors import EspError, NotFound, PermissionDenied
from analytics.ledger import reads, workflow
from analytics.ledger.permissions import Principal
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, PER_FOCAL, progress_rows, workbook

STORE_KINDS = BOTH_KINDS

TODAY = date(2026, 11, 28)


def load(store, data, name="f.xlsx", who=ADMIN):
    chk, out = workflow.load(store, data, name, principal=who, today=TODAY)
    assert chk.ok, [(f.code, f.row, f.column) for f in chk.findings if f.is_error]
    return out


def stage(con, country, period, module, as_of=None):
    df = reads.current(con, "progress", as_of=as_of)
    row = df[(df.country == country) & (df.period == period) & (df.module == module)]
    return None if row.empty else int(row.iloc[0]["stage"])


def test_commit_makes_the_file_the_report_and_raises_the_version(store, con):
    assert reads.data_version(con) == 0
    out = load(store, workbook(progress=progress_rows()))
    assert out.submission_id == 1 and out.version == 1 and out.rows == 4
    assert stage(con, "PER", "2024", "JUSTICE") == 2
    assert reads.data_version(con) == 1


def test_a_new_submission_replaces_the_block_and_keeps_history(store, con):
    load(store, workbook(progress=progress_rows(stages=(1, 1, 1, 1))))
    load(store, workbook(progress=progress_rows(stages=(2, 2, 2, 2))))
    assert stage(con, "PER", "2024", "HEALTH") == 2
    assert len(reads.current(con, "progress")) == 4
    assert len(reads.history(con)) == 2
    blocks = reads.submission_blocks(con, 2)
    assert list(blocks["replaced_submission_id"]) == [1]
    assert len(reads.submission_rows(con, 1)["progress"]) == 4  # old rows kept


def test_blocks_of_other_periods_and_sheets_are_untouched(store, con):
    load(store, workbook(progress=progress_rows(period="2023", stages=(1, 1, 1, 1))))
    load(store, workbook(progress=progress_rows(period="2024", stages=(3, 3, 3, 3))))
    assert stage(con, "PER", "2023", "HEALTH") == 1
    assert stage(con, "PER", "2024", "HEALTH") == 3


def test_identical_file_changes_nothing_and_names_the_earlier_submission(store, con):
    data = workbook(progress=progress_rows())
    first = load(store, data)
    again = load(store, data)
    assert again.submission_id is None and again.duplicate_of == first.submission_id
    assert reads.data_version(con) == 1
    assert len(reads.history(con)) == 1


def test_rollback_brings_back_the_previous_report_and_keeps_everything(store, con):
    load(store, workbook(progress=progress_rows(stages=(1, 1, 1, 1))))
    load(store, workbook(progress=progress_rows(stages=(4, 4, 4, 4))))
    v = workflow.rollback(store, 2, principal=ADMIN, reason="wrong file")
    assert v == 3 and reads.data_version(con) == 3
    assert stage(con, "PER", "2024", "HEALTH") == 1
    h = reads.history(con)
    assert len(h) == 2 and h.iloc[1]["rolled_back_at"] is not pd.NaT
    assert h.iloc[1]["rollback_reason"] == "wrong file"
    with pytest.raises(EspError):
        workflow.rollback(store, 2, principal=ADMIN, reason="again")


def test_rollback_of_unknown_submission_is_not_found(store, con):
    with pytest.raises(NotFound):
        workflow.rollback(store, 99, principal=ADMIN, reason="x")


def test_rollback_requires_a_reason_and_an_admin(store, con):
    load(store, workbook(progress=progress_rows()))
    with pytest.raises(EspError):
        workflow.rollback(store, 1, principal=ADMIN, reason="  ")
    with pytest.raises(PermissionDenied):
        workflow.rollback(store, 1, principal=PER_FOCAL, reason="mine")


def test_as_of_shows_what_was_committed_and_not_yet_rolled_back(store, con):
    load(store, workbook(progress=progress_rows(stages=(1, 1, 1, 1))))
    t1 = reads.last_update(con) + timedelta(microseconds=1)
    load(store, workbook(progress=progress_rows(stages=(2, 2, 2, 2))))
    t2 = reads.last_update(con) + timedelta(microseconds=1)
    workflow.rollback(store, 2, principal=ADMIN, reason="r")
    assert stage(con, "PER", "2024", "HEALTH", as_of=t1) == 1
    assert stage(con, "PER", "2024", "HEALTH", as_of=t2) == 2
    assert stage(con, "PER", "2024", "HEALTH") == 1
    assert reads.data_version(con, t1) == 1
    assert reads.data_version(con, t2) == 2
    before = datetime(2000, 1, 1)
    assert reads.current(con, "progress", as_of=before).empty
    assert reads.data_version(con, before) == 0


def test_rejected_file_writes_nothing(store, con):
    bad = progress_rows().astype({"stage": object})
    bad.loc[1, "stage"] = "avanzado"
    chk, out = workflow.load(store, workbook(progress=bad), "bad.xlsx", principal=ADMIN, today=TODAY)
    assert out is None and not chk.ok
    assert reads.data_version(con) == 0 and reads.history(con).empty


def test_focal_point_cannot_write_another_country(store, con):
    data = workbook(progress=pd.concat([progress_rows("PER"), progress_rows("GTM")]))
    chk, out = workflow.load(store, data, "x.xlsx", principal=PER_FOCAL, today=TODAY)
    assert out is None
    errs = [f for f in chk.findings if f.code == "country_not_allowed"]
    assert [f.row for f in errs] == [6, 7, 8, 9]
    assert reads.history(con).empty


def test_analyst_cannot_load(store, con):
    with pytest.raises(PermissionDenied):
        workflow.load(
            store,
            workbook(progress=progress_rows()),
            "x.xlsx",
            principal=Principal("a@example.org", "analyst"),
            today=TODAY,
        )


def test_preview_lists_replaced_blocks_added_rows_and_changes_and_writes_nothing(store, con):
    load(store, workbook(progress=progress_rows(stages=(1, 1, 1, 1))))
    new = progress_rows(stages=(1, 3, 1, 1))
    chal = pd.DataFrame(
        [
            {
                "country": "PER",
                "period": "2024",
                "module": "CROSS",
                "category": "FINANCING",
                "severity": "HIGH",
                "description": "Sin fondos",
            }
        ]
    )
    chk = workflow.check(con, workbook(progress=new, challenges=chal), "n.xlsx", principal=ADMIN, today=TODAY)
    p = workflow.preview(con, chk, principal=ADMIN)
    assert list(p.replaced["shown_now"]) == [1]
    assert p.changed[["key", "field", "old", "new"]].values.tolist() == [["JUSTICE", "stage", "1", "3"]]
    assert list(p.added["sheet"]) == ["challenges"]
    assert reads.data_version(con) == 1 and len(reads.history(con)) == 1
    assert stage(con, "PER", "2024", "JUSTICE") == 1


def test_check_warns_no_change_for_identical_content(store, con):
    load(store, workbook(progress=progress_rows()))
    chk = workflow.check(
        con,
        workbook(progress=progress_rows(), challenges=pd.DataFrame()),
        "same.xlsx",
        principal=ADMIN,
        today=TODAY,
    )
    assert "no_change" in {f.code for f in chk.findings}


def test_check_warns_when_a_stage_falls_below_the_previous_period(store, con):
    load(store, workbook(progress=progress_rows(period="2023", stages=(3, 3, 3, 3))))
    chk = workflow.check(
        con,
        workbook(progress=progress_rows(period="2024", stages=(3, 2, 3, 3))),
        "r.xlsx",
        principal=ADMIN,
        today=TODAY,
    )
    regressed = [f for f in chk.findings if f.code == "stage_regressed"]
    assert [(f.row, f.param_dict()["previous"]) for f in regressed] == [(3, "3")]
    assert chk.ok


def test_raw_file_is_kept_byte_for_byte(store, con):
    data = workbook(progress=progress_rows())
    load(store, data, "orig.xlsx")
    name, raw = store.raw_file(1)
    assert name == "orig.xlsx" and raw == data
    assert reads.history(con).iloc[0]["sha256"] == workflow.sha256(data)


def test_backdating_is_only_for_the_illustrative_data(store, con):
    chk = workflow.check(con, workbook(progress=progress_rows()), "x.xlsx", principal=ADMIN, today=TODAY)
    with pytest.raises(EspError):
        workflow.commit(store, chk, principal=ADMIN, committed_at=datetime(2020, 1, 1))

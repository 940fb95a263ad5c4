"""The review pages with signed-in people (identity mocked with AppTest's ``user`` and
``secrets``, as in test_roles.py): a reviewer's queue and decisions, a focal point's
"My reports", the switch that includes what awaits review, and the downloads' choice."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module

from analytics.i18n import t
from analytics.ledger import reads, review, workflow
from analytics.ledger.permissions import Principal
from analytics.store import factory
from tests.helpers import progress_rows, workbook

FP, REVIEWER, ANALYST, ADMIN = (
    "punto.focal.peru@example.org",
    "revision.regional@example.org",
    "analista@example.org",
    "admin.regional@example.org",
)
ROLES = f"""
[[users]]
email = "{FP}"
role = "focal_point"
countries = ["PER"]

[[users]]
email = "{REVIEWER}"
role = "reviewer"

[[users]]
email = "{ANALYST}"
role = "analyst"

[[users]]
email = "{ADMIN}"
role = "admin"
"""
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "test-client",
    "client_secret": "test-secret",
    "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
}
COMMENT = "La cobertura de salud no coincide con el informe anual."


@pytest.fixture
def roles(tmp_path, monkeypatch, demo_db):
    path = tmp_path / "users.toml"
    path.write_text(ROLES)
    monkeypatch.setenv("ESP_USERS", str(path))
    monkeypatch.delenv("ESP_REVIEW", raising=False)  # on by default with a roles file
    return path


@pytest.fixture
def signed_in(app, roles):
    """The app with sign-in configured, opened at ``page`` as ``email``."""

    def run(email: str, page: str = "overview", lang: str = "es", **params: str):
        app.secrets["auth"] = dict(AUTH)
        app.user = {"is_logged_in": True, "email": email, "iat": int(time.time() - 60)}
        app.query_params["lang"] = lang
        for k, v in params.items():
            app.query_params[k] = v
        app.session_state["_esp_start_page"] = page
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return run


@pytest.fixture
def media(monkeypatch):
    """Keep AppTest's media manager so deferred downloads can be produced after the run."""
    managers = []

    class Recording(app_test_module.MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return managers


def produce(at, media, key: str) -> bytes:
    """The bytes a deferred download button with widget key ``key`` hands out."""
    [button] = [b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}")]
    mgr = media[-1]
    url = mgr.execute_deferred(button.proto.deferred_file_id)
    return mgr._storage.get_file(url.rsplit("/", 1)[-1].split("?")[0].rsplit(".", 1)[0]).content


def with_store(fn):
    opened = factory.open_store()
    try:
        return fn(opened)
    finally:
        opened.close()


def history() -> pd.DataFrame:
    return with_store(lambda s: reads.history(s.reader())).set_index("id")


def upload(email: str, role: str, stages=(4, 4, 4, 4), period: str = "2024") -> int:
    """A file committed through the core as ``email`` (it then awaits review)."""
    who = Principal(email, role, frozenset({"PER"}) if role == "focal_point" else frozenset())

    def go(s):
        chk, out = workflow.load(
            s, workbook(progress=progress_rows("PER", period, stages=stages)), "peru.xlsx", principal=who
        )
        assert out and out.submission_id, [f.code for f in chk.findings if f.is_error]
        return out.submission_id

    return with_store(go)


def awaiting() -> list[int]:
    h = history()
    return sorted(h.index[h["status"] == "submitted"])


def texts(at) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success", "error", "text"):
        parts += [str(getattr(e, "value", "") or "") for e in getattr(at, kind)]
    return "\n".join(parts)


def nav_has(at, path: str) -> bool:
    try:
        at.switch_page(path)
    except ValueError:
        return False
    return True


# --- who gets what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "email,review_page,my_reports",
    [(REVIEWER, True, False), (ADMIN, True, True), (FP, False, True), (ANALYST, False, False)],
)
def test_the_review_page_is_for_reviewers_and_my_reports_for_those_who_upload(
    signed_in, email, review_page, my_reports
):
    at = signed_in(email)
    assert nav_has(at, "app_pages/review.py") is review_page
    at = signed_in(email)
    assert nav_has(at, "app_pages/my_reports.py") is my_reports


@pytest.mark.parametrize("email", [ANALYST, FP])
def test_asking_for_the_review_page_without_the_role_gives_the_overview(signed_in, email):
    at = signed_in(email, "review")
    assert at.title[0].value == t("nav.overview", "es")
    assert not any(b.label == t("review.approve", "es") for b in at.button)


# --- the reviewer's page ------------------------------------------------------------------


def test_the_queue_lists_what_awaits_review_and_filters_by_country(signed_in):
    queued = awaiting()
    assert len(queued) == 2, "the illustrative dataset leaves two files awaiting review"
    at = signed_in(REVIEWER, "review")
    assert at.title[0].value == t("nav.review", "es")
    queue = at.dataframe[0].value
    assert sorted(queue[t("review.qcol_id", "es")]) == queued
    assert queue[t("review.qcol_changes", "es")].str.startswith("cambios:").all()
    at.selectbox(key="rv_country").set_value("PER").run()
    [only] = list(at.dataframe[0].value[t("review.qcol_id", "es")])
    assert "PER" in history().loc[only, "countries"]
    assert at.selectbox(key="rv_open").options == [f"#{only} · demo@example.org"]
    at.selectbox(key="rv_country").set_value("GTM").run()
    assert t("review.none", "es") in [i.value for i in at.info]


def test_an_opened_file_shows_values_old_to_new_its_warnings_and_the_original(signed_in):
    first = upload(FP, "focal_point", stages=(1, 1, 1, 1), period="2019")
    with_store(lambda s: review.approve(s, [first], principal=Principal(REVIEWER, "reviewer")))
    second = upload(FP, "focal_point", stages=(3, 1, 1, 1), period="2019")
    at = signed_in(REVIEWER, "review")
    at.selectbox(key="rv_open").set_value(second).run()
    assert at.subheader[0].value == t("review.detail", "es", id=second)
    changed = next(d.value for d in at.dataframe if t("report.pcol_old", "es") in d.value.columns).to_dict(
        "records"
    )
    assert [(r[t("report.pcol_old", "es")], r[t("report.pcol_new", "es")]) for r in changed] == [("1", "3")]
    assert any(m.label == t("report.values_changed", "es") and m.value == "1" for m in at.metric)
    assert any(b.proto.id.endswith(f"-rv_raw_{second}") for b in at.get("download_button"))


def test_returning_needs_a_comment_and_the_message_says_so(signed_in):
    sid = awaiting()[-1]
    at = signed_in(REVIEWER, "review")
    at.selectbox(key="rv_open").set_value(sid).run()
    at.button(key=f"rv_return_{sid}").click().run()
    assert t("error.comment_required", "es") in [e.value for e in at.error]
    assert history().loc[sid, "status"] == "submitted"
    at.text_area(key=f"rv_comment_{sid}").input(COMMENT)
    at.button(key=f"rv_return_{sid}").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"Devuelto: #{sid}")
    row = history().loc[sid]
    assert row["status"] == "returned" and row["review_comment"] == COMMENT and row["reviewed_by"] == REVIEWER


def test_approving_publishes_and_is_recorded_with_the_optional_comment(signed_in):
    sid = awaiting()[0]
    before = with_store(lambda s: s.version())
    at = signed_in(REVIEWER, "review")
    at.selectbox(key="rv_open").set_value(sid).run()
    at.text_area(key=f"rv_comment_{sid}").input("Todo en orden")
    at.button(key=f"rv_approve_{sid}").click().run()
    assert at.success[0].value.startswith(f"Aprobado: #{sid}")
    row = history().loc[sid]
    assert row["status"] == "approved" and row["review_comment"] == "Todo en orden"
    assert with_store(lambda s: s.version()) == before + 1
    assert sid not in at.selectbox(key="rv_open").options


def test_approving_all_shown_asks_first_and_approves_only_what_the_filters_show(signed_in):
    queued = awaiting()
    at = signed_in(REVIEWER, "review")
    at.selectbox(key="rv_country").set_value("PER").run()
    [shown] = list(at.dataframe[0].value[t("review.qcol_id", "es")])
    bulk = next(b for b in at.button if b.label == t("review.bulk_button", "es", n=1))
    assert bulk.disabled, "nothing happens before the confirmation is ticked"
    sure = next(c for c in at.checkbox if c.key.startswith("rv_bulk_sure_"))
    assert sure.label == t("review.bulk_confirm", "es", n=1, ids=f"#{shown}")
    sure.check().run()
    next(b for b in at.button if b.label == t("review.bulk_button", "es", n=1)).click().run()
    assert not at.exception and at.success[0].value.startswith(f"Aprobado: #{shown}")
    assert awaiting() == [i for i in queued if i != shown], "the file the filter hid still awaits review"


def test_nobody_decides_on_their_own_file_and_bulk_approval_leaves_it_out(signed_in):
    own = upload(ADMIN, "admin", period="2018")
    at = signed_in(ADMIN, "review")
    at.selectbox(key="rv_open").set_value(own).run()
    assert t("review.own_file", "es") in [i.value for i in at.info]
    assert not any(b.key in (f"rv_approve_{own}", f"rv_return_{own}") for b in at.button)
    assert t("review.bulk_own_left_out", "es", n=1) in texts(at)
    sure = next(c for c in at.checkbox if c.key.startswith("rv_bulk_sure_"))
    assert f"#{own}" not in sure.label


# --- the focal point's side -----------------------------------------------------------------


def test_my_reports_shows_the_state_the_comment_and_templates_to_fix_a_returned_file(signed_in, media):
    published = upload(FP, "focal_point", stages=(1, 1, 1, 1), period="2019")
    with_store(lambda s: review.approve(s, [published], principal=Principal(REVIEWER, "reviewer")))
    sent = upload(FP, "focal_point", stages=(3, 1, 1, 1), period="2019")
    with_store(lambda s: review.return_(s, sent, principal=Principal(REVIEWER, "reviewer"), comment=COMMENT))
    upload(FP, "focal_point", stages=(2, 2, 2, 2), period="2018")  # awaits review

    at = signed_in(FP, "my_reports")
    assert at.title[0].value == t("nav.my_reports", "es")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("review.status_returned", "es")] == "1"
    assert metrics[t("review.status_submitted", "es")] == "1"
    assert metrics[t("review.status_approved", "es")] == "1"
    assert COMMENT in [x.value for x in at.text]
    infos = [i.value for i in at.info]
    assert t("myreports.next_returned", "es") in infos and t("myreports.next_submitted", "es") in infos

    from_file = openpyxl.load_workbook(io.BytesIO(produce(at, media, f"mr_tpl_returned_{sent}")))
    from_published = openpyxl.load_workbook(io.BytesIO(produce(at, media, f"mr_tpl_published_{sent}")))

    def health(wb) -> str:
        ws = wb["avance"]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2) if r[2].value == "Salud"]
        return str(rows[0][3]).split()[0]

    assert health(from_file) == "3" and health(from_published) == "1"
    assert f"#{sent}" in from_file["instrucciones"]["A2"].value
    assert f"#{published}" in from_published["instrucciones"]["A2"].value


def test_the_report_page_names_returned_files(signed_in):
    sent = upload(FP, "focal_point", period="2019")
    with_store(lambda s: review.return_(s, sent, principal=Principal(REVIEWER, "reviewer"), comment=COMMENT))
    at = signed_in(FP, "upload")
    assert at.title[0].value == t("nav.upload", "es")
    assert any(f"#{sent}" in w.value for w in at.warning)


def test_my_reports_is_empty_until_a_file_is_sent(signed_in):
    at = signed_in(FP, "my_reports", lang="en")
    assert t("myreports.none", "en") in [i.value for i in at.info]


# --- including what awaits review ---------------------------------------------------------


def test_a_reviewer_may_include_what_awaits_review_and_the_url_keeps_it(signed_in):
    at = signed_in(REVIEWER)
    assert t("review.pending_notice_all", "es") not in texts(at)
    at.toggle(key="w_pending").set_value(True).run()
    assert "1" in str(at.query_params["pending"])
    assert t("review.pending_notice_all", "es") in [i.value for i in at.info]
    assert t("review.kpi_note", "es") in texts(at)


def test_a_focal_point_includes_only_their_own_countries(signed_in):
    at = signed_in(FP, pending="1")
    assert at.toggle(key="w_pending").value is True
    assert t("review.pending_notice_own", "es") in [i.value for i in at.info]


@pytest.mark.parametrize("email", [ANALYST, "gestora@example.org"])
def test_analysts_and_managers_never_get_the_switch_even_from_a_link(signed_in, roles, email):
    roles.write_text(ROLES + '\n[[users]]\nemail = "gestora@example.org"\nrole = "manager"\n')
    at = signed_in(email, pending="1")
    assert not [x for x in at.toggle if x.key == "w_pending"]
    assert "pending" not in at.query_params
    assert t("review.pending_notice_all", "es") not in texts(at)


def test_downloads_offer_what_awaits_review_only_to_those_allowed(signed_in, media):
    at = signed_in(ANALYST, "downloads")
    assert not [c for c in at.checkbox if c.key == "dl_unreviewed"]
    at = signed_in(REVIEWER, "downloads")
    box = next(c for c in at.checkbox if c.key == "dl_unreviewed")
    assert t("downloads.holds_published", "es") in at.info[-1].value

    def metadata() -> dict[str, str]:
        data = produce(at, media, "dl_csv")
        meta = pd.read_csv(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read("metadata.csv")))
        return dict(zip(meta["key"], meta["value"]))

    assert metadata()["includes_unreviewed"] == "no"
    box.check().run()
    assert t("downloads.holds_unreviewed", "es") in at.info[-1].value
    assert metadata()["includes_unreviewed"] == "yes"

"""Review before publication, walked in a real browser by three people who really sign in.

The app runs with a roles file and an ``[auth]`` section pointing ``st.login`` at a small
OpenID Connect provider on loopback (``oidc_provider.py``), so each person signs in through
Streamlit's own sign-in (authorisation code + PKCE, an RS256 id_token checked against the
provider's keys): a focal point of Peru, a regional reviewer and an analyst.

The walk: the focal point uploads a report → the reviewer returns it with a comment (after
being told a comment is required) → the focal point sees the comment in "My reports",
downloads the template pre-filled from the returned file, fixes it and uploads it again →
the reviewer approves the fix → the analyst's overview changes only then.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import esp_env, free_port, streamlit_server
from tests.browser.oidc_provider import Provider

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
    pytest.skip("/usr/bin/chromium not installed (required when CI is set)", allow_module_level=True)

FOCAL, REVIEWER, ANALYST = (
    "punto.focal.peru@example.org",
    "revision.regional@example.org",
    "analista@example.org",
)
ROLES = f"""
[[users]]
email = "{FOCAL}"
role = "focal_point"
countries = ["PER"]

[[users]]
email = "{REVIEWER}"
role = "reviewer"

[[users]]
email = "{ANALYST}"
role = "analyst"
"""
CLIENT_ID, CLIENT_SECRET = "esp-monitor-tests", "client-secret-for-tests-only"
LANG = "es"
COUNTRY, NAME, HEALTH = "PER", "Perú", "Salud"
PERIOD = str(date.today().year - 1)
COMMENT = "La etapa de Salud no coincide con el informe anual: corríjala y vuelva a enviar."


@pytest.fixture(scope="module")
def signed_app(db_copy: Callable[[str], Path]) -> Iterator[tuple[str, Provider]]:
    """The app with sign-in on: its own copy of the illustrative data, the roles file, and
    secrets whose ``[auth]`` points at the test provider (``--secrets.files``)."""
    db = db_copy("esp-review")
    folder = db.parent
    (folder / "users.toml").write_text(ROLES)
    with Provider(CLIENT_ID, CLIENT_SECRET) as provider:
        port = free_port()
        secrets = folder / "secrets.toml"
        secrets.write_text(
            f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "cookie-secret-for-the-review-walk-0123456789"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{provider.metadata_url}"

[esp]
max_session_hours = 8
"""
        )
        env = esp_env(db)
        env.update(ESP_USERS=str(folder / "users.toml"), NO_PROXY="127.0.0.1,localhost")
        env.pop("ESP_REVIEW", None)  # on by default with a roles file
        with streamlit_server(
            "app.py", env=env, log_dir=folder, port=port, extra_args=("--secrets.files", str(secrets))
        ) as url:
            yield url, provider


def sign_in(tab: Any, url: str, email: str, tr: Callable[..., str]) -> None:
    """Streamlit's sign-in button → the provider's page → back in the app as ``email``."""
    tab.page.goto(url + f"?lang={LANG}")
    tab.page.get_by_role("button", name=tr("auth.sign_in", LANG)).click()
    tab.page.locator("#login_email").fill(email)
    tab.page.locator("#sign_in").click()
    tab.page.wait_for_url(re.compile(r"^" + re.escape(url)))
    tab.wait_title()
    role_line = tab.page.locator("[data-testid=stSidebar]").get_by_text(email, exact=False)
    role_line.first.wait_for()


def open_page(tab: Any, url: str, path: str, title: str) -> None:
    tab.page.goto(url + path)
    tab.wait_title(title)


def screenshot(tab: Any, name: str) -> None:
    """A screenshot once every element has drawn (widgets of a first visit load late)."""
    tab.page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')")
    tab.idle()
    tab.screenshot(name)


def health_cell(tab: Any, lang: str = LANG) -> str:
    """The overview matrix's Health cell for Peru (its stage), as drawn."""
    from tests.browser.conftest import t

    module, name = t("module_short.HEALTH", lang), {"es": NAME, "en": "Peru"}[lang]
    tab.wait_plots(1, within=tab.main.locator(".st-key-overview_matrix"))
    cell = tab.vega_mark("overview_matrix", "matrix_text", f"{name} · {module} ·")
    assert cell is not None
    return cell["text"].split()[0]


def outlined_cells(tab: Any) -> int:
    """How many cells of the matrix are outlined as awaiting review."""
    return tab.page.locator(".st-key-overview_matrix svg.marks g.matrix_awaiting_marks > path").count()


def choose(tab: Any, key: str, option: str) -> None:
    box = tab.main.locator(f".st-key-{key} input")
    box.click()
    box.fill(option.split(" ")[0])
    tab.page.get_by_role("option", name=option, exact=True).click()
    tab.idle()


def upload_report(tab: Any, url: str, path: Path, tr: Callable[..., str]) -> int:
    """Upload ``path`` on the report page, acknowledge its warnings, confirm; the new id."""
    open_page(tab, url, f"upload?lang={LANG}", tr("nav.upload", LANG))
    tab.main.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    tab.main.get_by_role("heading", name=tr("report.step4", LANG)).wait_for()
    tab.idle()
    for box in ("report_ack_removed", "report_ack"):
        ack = tab.main.locator(f".st-key-{box}")
        if ack.count():
            ack.locator("label").click()
            tab.idle()
    tab.main.locator(".st-key-report_confirm button").click()
    saved = tab.main.get_by_text(re.compile(r"^Guardado: envío \d+\."))
    saved.wait_for()
    tab.idle()
    return int(re.search(r"envío (\d+)", saved.inner_text()).group(1))


def set_health(src: Path, dst: Path, stage: int) -> int:
    """Save ``src`` as ``dst`` with Health's stage set; returns the stage it held."""
    from openpyxl import load_workbook

    wb = load_workbook(src)
    ws = wb["avance"]
    col = {str(c.value).rstrip(" *"): c.column for c in ws[1] if c.value}
    [row] = [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=col["módulo"]).value == HEALTH]
    held = ws.cell(row=row, column=col["etapa"]).value
    ws.cell(row=row, column=col["etapa"]).value = str(stage)
    wb.save(dst)
    return int(str(held).split()[0])


def download(tab: Any, locator: Any, folder: Path) -> Path:
    with tab.page.expect_download() as info:
        locator.click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_a_report_is_published_only_once_a_reviewer_approves_it(
    signed_app: tuple[str, Provider],
    new_tab: Callable[..., Any],
    tr: Callable[..., str],
    tmp_path: Path,
) -> None:
    url, provider = signed_app
    overview = f"?lang={LANG}&to={PERIOD}&countries={COUNTRY}&tab=matrix"
    focal, reviewer, analyst = new_tab(), new_tab(), new_tab()
    for tab, email in ((focal, FOCAL), (reviewer, REVIEWER), (analyst, ANALYST)):
        sign_in(tab, url, email, tr)
    assert [c["email"] for c in provider.issued] == [FOCAL, REVIEWER, ANALYST]

    # The analyst sees published data, with no way to include what awaits review.
    open_page(analyst, url, overview + "&pending=1", tr("nav.overview", LANG))
    published = health_cell(analyst)
    assert analyst.page.locator(".st-key-w_pending").count() == 0
    assert "pending" not in analyst.page.url and outlined_cells(analyst) == 0
    nav = analyst.page.locator("[data-testid=stSidebarNav]").inner_text()
    assert tr("nav.review", LANG) not in nav and tr("nav.upload", LANG) not in nav
    first, fix = (5, 0) if published != "5" else (4, 1)

    # 1. The focal point downloads the template, changes Health and uploads it.
    open_page(focal, url, f"upload?lang={LANG}", tr("nav.upload", LANG))
    template = download(focal, focal.main.locator(".st-key-dl_template button"), tmp_path)
    set_health(template, tmp_path / "peru_primera.xlsx", first)
    sent = upload_report(focal, url, tmp_path / "peru_primera.xlsx", tr)
    open_page(analyst, url, overview, tr("nav.overview", LANG))
    assert health_cell(analyst) == published, "awaiting review: not published"

    # 2. The reviewer sees what it changes and returns it: first without a comment.
    open_page(reviewer, url, f"review?lang={LANG}", tr("nav.review", LANG))
    choose(reviewer, "rv_open", f"#{sent} · {FOCAL}")
    reviewer.wait_cell(tr("col.stage", LANG))
    changes = [
        r
        for r in reviewer.grid_rows()
        if len(r) == 7 and r[1:5] == [NAME, PERIOD, HEALTH, tr("col.stage", LANG)]  # the country by name
    ]
    assert changes and changes[0][5:] == [published, str(first)], reviewer.grid_rows()
    screenshot(reviewer, "review_walk_reviewer_es")
    reviewer.main.locator(f".st-key-rv_return_{sent} button").click()
    error = reviewer.main.locator("[data-testid=stAlert]").filter(has_text=tr("error.comment_required", LANG))
    error.wait_for()
    reviewer.idle()
    comment = reviewer.main.locator(f".st-key-rv_comment_{sent} textarea")
    comment.fill(COMMENT)
    comment.press("Tab")
    reviewer.idle()
    reviewer.main.locator(f".st-key-rv_return_{sent} button").click()
    reviewer.main.get_by_text(re.compile(rf"^Devuelto: #{sent}, con su comentario")).wait_for()
    reviewer.idle()
    assert reviewer.exceptions() == []
    open_page(analyst, url, overview, tr("nav.overview", LANG))
    assert health_cell(analyst) == published, "a returned file is never published"

    # 3. The focal point reads the comment and starts again from the returned file.
    open_page(focal, url, f"my_reports?lang={LANG}", tr("nav.my_reports", LANG))
    card = focal.main.locator(f".st-key-mr_card_{sent}")
    assert tr("review.status_returned", LANG) in card.inner_text()
    assert COMMENT in card.inner_text() and REVIEWER in card.inner_text()
    screenshot(focal, "review_walk_my_reports_es")
    returned = download(focal, card.locator(f".st-key-mr_tpl_returned_{sent} button"), tmp_path)
    assert set_health(returned, tmp_path / "peru_corregido.xlsx", fix) == first, (
        "pre-filled from the returned file"
    )
    from openpyxl import load_workbook

    contents = load_workbook(returned)["instrucciones"]["A2"].value
    assert f"#{sent}" in contents and "devuelto" in contents
    corrected = upload_report(focal, url, tmp_path / "peru_corregido.xlsx", tr)
    assert corrected > sent
    open_page(analyst, url, overview, tr("nav.overview", LANG))
    assert health_cell(analyst) == published, "the fix awaits review too"

    # The reviewer may look at it in the views, marked as awaiting review.
    for lang in ("es", "en"):
        open_page(
            reviewer,
            url,
            f"?lang={lang}&to={PERIOD}&countries={COUNTRY}&tab=matrix&pending=1",
            tr("nav.overview", lang),
        )
        assert health_cell(reviewer, lang) == str(fix) and outlined_cells(reviewer) >= 1
        screenshot(reviewer, f"overview_pending_{lang}")
        open_page(reviewer, url, f"completeness?lang={lang}&pending=1", tr("nav.completeness", lang))
        reviewer.wait_plots(1)
        screenshot(reviewer, f"completeness_pending_{lang}")
        assert reviewer.exceptions() == []

    # 4. The reviewer approves the fix; only now does the analyst's overview change.
    open_page(reviewer, url, f"review?lang={LANG}", tr("nav.review", LANG))
    choose(reviewer, "rv_open", f"#{corrected} · {FOCAL}")
    version = reviewer.footer_version()
    reviewer.main.locator(f".st-key-rv_approve_{corrected} button").dblclick()  # an impatient reviewer
    reviewer.main.get_by_text(re.compile(rf"^Aprobado: #{corrected}")).wait_for()
    reviewer.idle()
    assert reviewer.footer_version() == version + 1, "approved once"
    refused = tr("error.not_awaiting_review", LANG, id=corrected, status="approved")
    assert refused not in reviewer.main.inner_text(), "the second click did nothing"
    open_page(analyst, url, overview, tr("nav.overview", LANG))
    assert health_cell(analyst) == str(fix)
    screenshot(analyst, "review_walk_analyst_after_es")

    open_page(focal, url, "my_reports?lang=en", tr("nav.my_reports", "en"))
    assert (
        tr("review.status_approved", "en") in focal.main.locator(f".st-key-mr_card_{corrected}").inner_text()
    )
    screenshot(focal, "review_walk_my_reports_en")
    open_page(reviewer, url, "review?lang=en", tr("nav.review", "en"))
    screenshot(reviewer, "review_walk_reviewer_en")
    for tab in (focal, reviewer, analyst):
        assert tab.exceptions() == [] and tab.errors == [] and tab.unexpected_requests() == []

"""ESP Monitor — the frame: page config, identity, shared sidebar, navigation.

Pages live in ``app_pages/`` and are listed explicitly with ``st.navigation``.
NOTE: not ``pages/``: with a folder of that name beside the entry script,
Streamlit serves a deep link (``/country``) from the folder directly, without this
frame, until some session has opened ``/``. Each page only draws what
``analytics`` returns; the Streamlit side lives in ``webui/``.
"""

import time
from pathlib import Path

import streamlit as st

from analytics.i18n import t
from analytics.ledger.permissions import allowed
from webui import auth, context, sidebar, urlstate

STARTED = time.perf_counter()
FAVICON = Path(__file__).parent / "static" / "favicon.png"  # local: a :material: icon is fetched from Google
st.set_page_config(page_title="ESP Monitor", page_icon=str(FAVICON), layout="wide")

principal = auth.identify(context.session_lang())
c = context.start(principal)

# The page opened at "/" (tests pick another through session state: AppTest's
# switch_page runs a page without this frame).
start = st.session_state.get("_esp_start_page", "overview")


def page(path: str, key: str, icon: str) -> st.Page:
    return st.Page(path, title=c.t(f"nav.{key}"), icon=icon, url_path=key, default=key == start)


sections = {
    c.t("nav.explore"): [
        page("app_pages/overview.py", "overview", ":material/public:"),
        page("app_pages/country.py", "country", ":material/flag:"),
        page("app_pages/modules.py", "modules", ":material/view_module:"),
        page("app_pages/challenges.py", "challenges", ":material/warning:"),
        page("app_pages/practices.py", "practices", ":material/lightbulb:"),
        page("app_pages/capacity.py", "capacity", ":material/school:"),
        page("app_pages/completeness.py", "completeness", ":material/fact_check:"),
    ],
}
if allowed(principal, "upload"):
    sections[c.t("nav.report")] = [
        page("app_pages/report.py", "upload", ":material/upload_file:"),
        page("app_pages/correct.py", "correct", ":material/edit_note:"),
        page("app_pages/my_reports.py", "my_reports", ":material/assignment:"),
    ]
if allowed(principal, "download"):
    sections[c.t("nav.download")] = [page("app_pages/downloads.py", "downloads", ":material/download:")]
if allowed(principal, "view_submissions"):
    sections[c.t("nav.admin")] = [page("app_pages/submissions.py", "submissions", ":material/history:")]
if allowed(principal, "review"):
    sections.setdefault(c.t("nav.admin"), []).insert(
        0, page("app_pages/review.py", "review", ":material/rule:")
    )

nav = st.navigation(sections, position="sidebar", expanded=True)
c = sidebar.sidebar(c)
urlstate.sync_url()
with st.sidebar:
    if not auth.auth_configured():
        st.caption(t("auth.local_mode", c.lang))
    elif principal is not None:
        st.caption(
            t("auth.signed_in_as", c.lang, email=principal.email, role=t(f"role.{principal.role}", c.lang))
        )
    auth.sign_out_button(c.lang)
sidebar.notices(c)
try:
    nav.run()
    sidebar.footer(c)
finally:
    context.end_run(nav.url_path or start, STARTED)

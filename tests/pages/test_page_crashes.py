"""Two pages that stopped for everyone: the capacity page's search over activities whose
notes are blank, and the country profile once a published report leaves coverage and
trained staff blank."""

import pytest

from analytics.i18n import t
from analytics.ledger import workflow
from analytics.store.duckstore import DuckDBStore
from tests.helpers import ADMIN, progress_rows, workbook


@pytest.mark.parametrize("text", ["curso", "virtual", "zzz no such text", "   ", "%_[]\\*" * 50])
def test_the_capacity_search_survives_blank_notes_and_any_text(open_app, text):
    app = open_app("capacity", "es")
    app.text_input(key="capacity_q").set_value(text).run()
    assert not app.exception, [e.value for e in app.exception]


def test_the_capacity_search_finds_activities_by_name(open_app):
    app = open_app("capacity", "en")
    table = app.dataframe[-1].value
    app.text_input(key="capacity_q").set_value("virtual").run()
    assert not app.exception, [e.value for e in app.exception]
    found = app.dataframe[-1].value
    assert 0 < len(found) < len(table)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_country_profile_draws_every_section_when_coverage_and_staff_are_blank(demo_db, open_app, lang):
    store = DuckDBStore.open(demo_db)
    try:
        rows = progress_rows("PER", "2025", stages=(3, 3, 2, 4))
        _, outcome = workflow.load(store, workbook(progress=rows), "blank.xlsx", principal=ADMIN)
        assert outcome is not None
    finally:
        store.close()
    app = open_app("country", lang)
    app.selectbox(key="profile_pick").set_value("PER").run()
    assert not app.exception, [e.value for e in app.exception]
    text = "\n".join(m.value for m in app.markdown)
    assert t("country.context_title", lang) in [s.value for s in app.subheader]
    assert "2025" in text

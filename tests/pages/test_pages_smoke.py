import pytest

from tests.pages.conftest import PAGES


def texts(at) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        parts += [getattr(e, "value", "") or "" for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exception_in_both_languages(app, page, lang):
    app.query_params["lang"] = lang
    app.session_state["_esp_start_page"] = page
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    from analytics.i18n import t

    assert app.title[0].value == t(f"nav.{page}", lang)
    shown = texts(app)
    assert ("Datos ilustrativos" if lang == "es" else "Illustrative data") in shown

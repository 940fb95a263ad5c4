import re
from datetime import timedelta

import pandas as pd
import pytest

from analytics import reference
from analytics.exports import writers
from analytics.ledger import reads, workflow
from tests.conftest import BOTH_KINDS
from tests.helpers import ADMIN, progress_rows, workbook

STORE_KINDS = BOTH_KINDS

SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture
def brief_con(store, con):
    ch = pd.DataFrame(
        [
            {
                "country": c,
                "period": "2024",
                "module": "HEALTH",
                "category": "DATA",
                "severity": "HIGH",
                "description": SCRIPT,
            }
            for c in ("PER", "GTM")
        ]
    )
    workflow.load(store, workbook(progress=progress_rows(), challenges=ch), "a.xlsx", principal=ADMIN)
    return con


def html(con, lang="es", **kw) -> str:
    return writers.write(con, "html", lang=lang, **kw)[1].decode("utf-8")


def test_brief_names_every_member_country(brief_con):
    text = html(brief_con, lang="en")
    ref = reference.build(brief_con)
    for name in ref.countries[ref.countries["member"]]["name_en"]:
        assert name in text, name


def test_user_text_is_escaped_and_inert(brief_con):
    text = html(brief_con)
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "onerror=alert(1)>" not in text


def test_no_external_url_in_any_src_or_href_of_scripts_styles_images(brief_con):
    text = html(brief_con)
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
        for m in re.finditer(rf"<{tag}\b[^>]*\b{attr}\s*=\s*[\"']?([^\"' >]+)", text, re.I):
            assert not re.match(r"(https?:)?//", m.group(1)), (tag, m.group(1))
    assert "cdn.plot.ly" not in re.sub(r"<script>.*?</script>", "", text, flags=re.S)
    assert "window.PlotlyGeoAssets" in text and "Content-Security-Policy" in text


def test_brief_respects_as_of(brief_con):
    before = reads.last_update(brief_con) - timedelta(seconds=1)
    old = html(brief_con, as_of=before)
    assert "&lt;script&gt;" not in old
    assert "&lt;script&gt;" in html(brief_con)


def test_same_as_of_and_data_give_the_same_brief_apart_from_generation_time(brief_con):
    at = reads.last_update(brief_con) + timedelta(seconds=1)
    a, b = html(brief_con, as_of=at), html(brief_con, as_of=at)
    strip = re.compile(r"(generado el|generated) \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert strip.sub("", a) == strip.sub("", b)


def test_brief_says_when_data_is_illustrative(store, con):
    from analytics.demo import dataset

    dataset.load_demo(store)
    assert "Datos ilustrativos" in html(con)
    assert "ESP Monitor&#x27;s own" in html(con, lang="en")


def test_a_brief_that_includes_files_awaiting_review_says_so_and_charts_them(store, con, monkeypatch):
    from analytics.i18n import t

    monkeypatch.setenv("ESP_REVIEW", "on")
    workflow.load(
        store, workbook(progress=progress_rows("PER", "2024", (5, 5, 5, 5))), "a.xlsx", principal=ADMIN
    )
    published = html(con, lang="en")
    assert t("snapshot.unreviewed_yes", "en") not in published
    assert "awaiting review" not in published, "nothing marked: the file is not in it"
    working = html(con, lang="en", scope=reads.WORKING)
    assert t("snapshot.unreviewed_yes", "en") in working
    assert "awaiting review" in working, "the charts mark what awaits review"


def test_brief_holds_the_exchange_and_capacity_sections(brief_con, store):
    pr = pd.DataFrame(
        [
            {
                "country": "GTM",
                "period": "2019",
                "module": "JUSTICE",
                "title": "Fiscalías",
                "description": "d",
            },
            {
                "country": "HND",
                "period": "2022",
                "module": "JUSTICE",
                "title": SCRIPT,
                "description": "d",
                "adopted_from": "GTM",
                "replicable": "sí",
            },
        ]
    )
    cap = pd.DataFrame(
        [
            {
                "country": "HND",
                "period": "2022",
                "module": "CROSS",
                "activity": "Curso virtual",
                "kind": "COURSE",
                "institution_type": "GOVERNMENT",
                "participants_total": 40,
                "participants_women": 30,
                "participants_men": 10,
            }
        ]
    )
    workflow.load(store, workbook(practices=pr, capacity=cap), "b.xlsx", principal=ADMIN)
    text = html(brief_con)
    assert "Intercambio entre países: quién aprendió de quién" in text and '"type":"sankey"' in text
    assert "Adaptada por: Honduras (2022)" in text and "Adaptada de: Guatemala" in text
    assert "De 2022 a 2022, 40 personas participaron" in text
    assert "El curso llegó a 1 de 15 países miembros" in text
    assert SCRIPT not in text and "<script>alert" not in text, "the title is escaped in cards and hovers"
    english = html(brief_con, lang="en")
    assert (
        "Exchange between countries: who learned from whom" in english
        and "Women and men, as reported" in english
    )

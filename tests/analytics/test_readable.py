"""Tables for people: labels for codes, the language's numbers and dates, empty cells empty,
headers in words; and CSVs that open right in the reader's spreadsheet."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from analytics.present import readable
from analytics.reference import build

SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


@pytest.fixture
def ref(con):
    return build(con)


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": ["DOM", "PER"],
            "module": ["HEALTH", "CROSS"],
            "stage": [3, np.nan],
            "previous_stage": pd.array([2, None], dtype="Int64"),
            "category": ["FINANCING", None],
            "entry_route": ["pilot_volunteer_2017", "spotlight_2018"],
            "trained_staff": [1882.0, np.nan],
            "coverage_pct": [45.5, 12.0],
            "year": [2025, 2024],
            "expected": [True, False],
            "committed_at": [datetime(2024, 6, 30, 14, 5, tzinfo=UTC), pd.NaT],
            "joined": [date(2017, 12, 1), None],
            "countries": ["ARG,BOL", ""],
            "change": pd.array([1, None], dtype="Int64"),
        }
    )


@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_code_none_nan_or_snake_case_header_reaches_people(ref, lang):
    out = readable.readable(frame(), ref, lang)
    assert not [h for h in out.columns if SNAKE.match(h)], list(out.columns)
    for col in out.columns:
        for v in out[col].tolist():
            assert v is not None and v == v, (col, v)
            assert str(v) not in ("None", "nan", "NaT", "<NA>"), (col, v)
    text = out.astype(str).to_string()
    for code in ("HEALTH", "FINANCING", "pilot_volunteer_2017", "DOM"):
        assert code not in text, code


def test_codes_read_as_labels_in_spanish(ref):
    out = readable.readable(frame(), ref, "es")
    row = out.iloc[0].to_dict()
    assert row["País"] == "República Dominicana"
    assert row["Módulo"] == "Salud"
    assert row["Etapa"] == "3 Piloto"
    assert row["Personal capacitado"] == "1.882"
    assert row[readable.header("coverage_pct", "es")] == "45,5"
    assert row["Año"] == 2025  # a year keeps no separator
    assert readable.cell(datetime(2024, 6, 30, 14, 5, tzinfo=UTC), "es") == "30 jun 2024, 14:05 UTC"
    assert out.iloc[0][readable.header("countries", "es")] == "Argentina, Bolivia (Estado Plurinacional de)"
    assert out.iloc[0][readable.header("change", "es")] == "▲"


def test_numbers_are_written_the_english_way_in_english(ref):
    out = readable.readable(frame(), ref, "en")
    assert out.iloc[0][readable.header("trained_staff", "en")] == "1,882"
    assert out.iloc[1][readable.header("trained_staff", "en")] == ""


def test_an_unknown_snake_case_column_still_reads_as_words():
    assert readable.header("shown_after", "en") == "Shown after"


def test_spanish_csv_opens_in_excel_in_spanish_and_english_csv_in_english():
    df = pd.DataFrame({"País": ["Perú"], "Descripción": ["=HYPERLINK(1)"], "n": ["1.882"]})
    es = readable.csv_for_people(df, "es")
    assert es.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents
    assert es.decode("utf-8-sig").splitlines() == ["País;Descripción;n", "Perú;'=HYPERLINK(1);1.882"]
    en = readable.csv_for_people(df, "en").decode("utf-8-sig")
    assert en.splitlines()[0] == "País,Descripción,n"


def test_filters_read_as_words_people_use(ref):
    from analytics.insights.filters import Filters

    f = Filters(countries=("PER", "GTM"), period_from=2018)
    text = readable.filters_in_words(f, ref, "es", datetime(2024, 6, 30, 23, 59, tzinfo=UTC), 2026)
    assert text == "Países: Guatemala, Perú · Años: 2018–2024 · Datos al 30 jun 2024"
    assert readable.filters_in_words(Filters(), ref, "en", None, 2026) == (
        "All countries · Years: 2015–2026 · Data as of today"
    )


def test_a_finding_about_a_whole_report_names_its_country_in_the_readers_language(ref):
    from analytics.findings import Finding
    from analytics.i18n import finding_message

    f = Finding.warning("no_change", sheet="progress", value="MEX 2025", country="MEX", period="2025")
    assert readable.finding_in_words(f, ref, "es").value == "México 2025"
    assert "Mexico 2025" in finding_message(readable.finding_in_words(f, ref, "en"), "en")
    plain = Finding.error("bad_number", sheet="progress", row=3, column="coverage_pct", value="x")
    assert readable.finding_in_words(plain, ref, "es") == plain

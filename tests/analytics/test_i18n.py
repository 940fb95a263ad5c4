import re
import string

import pandas as pd
import pytest

from analytics import i18n
from analytics.findings import Finding


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_has_spanish_and_english():
    for key, texts in i18n.catalogue().items():
        assert set(texts) >= {"es", "en"}, key
        assert texts["es"].strip() and texts["en"].strip(), key


def test_both_languages_use_the_same_placeholders():
    for key, texts in i18n.catalogue().items():
        es, en = fields(texts["es"]), fields(texts["en"])
        es = {re.sub("_(es|en)$", "", f) for f in es}
        en = {re.sub("_(es|en)$", "", f) for f in en}
        assert es == en, key


def test_finding_message_names_row_and_column_in_the_users_language():
    f = Finding.error(
        "bad_stage",
        sheet="avance",
        row=7,
        column="etapa",
        value="avanzado",
        allowed_es="0 No iniciado",
        allowed_en="0 Not started",
    )
    es = i18n.finding_message(f, "es")
    en = i18n.finding_message(f, "en")
    assert es.startswith("Fila 7, columna «etapa»") and "avanzado" in es and "0 No iniciado" in es
    assert en.startswith("Row 7, column 'etapa'") and "0 Not started" in en


@pytest.mark.parametrize(
    "code",
    [
        "file_unreadable",
        "file_too_large",
        "file_encrypted",
        "no_known_sheet",
        "no_rows",
        "missing_column",
        "duplicate_column",
        "required",
        "unknown_country",
        "country_not_allowed",
        "bad_period",
        "future_period",
        "unknown_module",
        "bad_stage",
        "out_of_range",
        "not_integer",
        "too_long",
        "bad_url",
        "duplicate_row",
        "unknown_category",
        "unknown_severity",
        "unknown_status",
        "too_many_rows",
        "stage_regressed",
        "before_membership",
        "unknown_sheet",
        "no_change",
    ],
)
def test_every_spec_code_has_a_message(code):
    assert i18n.has(f"finding.{code}")


def test_unknown_language_falls_back_to_spanish():
    assert i18n.t("nav.overview", "fr") == i18n.t("nav.overview", "es")


def test_every_error_code_the_core_raises_has_a_message():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "analytics"
    raised = set()
    for path in root.glob("*.py"):
        raised |= set(
            re.findall(r"(?:EspError|PermissionDenied|NotFound)\(\s*\"([a-z_]+)\"", path.read_text())
        )
    assert raised, "the scan found the codes"
    assert {code for code in raised if not i18n.has(f"error.{code}")} == set()


# --- plurals, numbers, dates and order ----------------------------------------------------


@pytest.mark.parametrize(
    "n, es, en",
    [
        (1, "El archivo tiene 1 error y 1 aviso.", "The file has 1 error and 1 warning."),
        (2, "El archivo tiene 2 errores y 2 avisos.", "The file has 2 errors and 2 warnings."),
        (
            1882,
            "El archivo tiene 1.882 errores y 1.882 avisos.",
            "The file has 1,882 errors and 1,882 warnings.",
        ),
        (0, "El archivo tiene 0 errores y 0 avisos.", "The file has 0 errors and 0 warnings."),
    ],
)
def test_counts_take_the_plural_form_and_the_languages_separators(n, es, en):
    assert i18n.t("report.verdict_rejected", "es", errors=n, warnings=n).startswith(es)
    assert i18n.t("report.verdict_rejected", "en", errors=n, warnings=n).startswith(en)


def test_a_sentence_about_one_reads_in_the_singular():
    assert i18n.t("report.ack_warnings", "es", n=1) == "He revisado el aviso y quiero continuar."
    assert i18n.t("report.ack_warnings", "en", n=1) == "I have reviewed the warning and want to go on."
    assert i18n.t("overview.membership_summary", "es", n=1).endswith("1 país miembro.")


def test_the_map_sentence_about_one_country_chosen_reads_in_the_singular():
    from analytics.present.summaries import map_sentence

    one = pd.DataFrame({"name": ["Perú"], "value": [3.0], "carried": [0]})
    assert "1 de 1 país tiene datos" in map_sentence(one, 2025, "es")
    assert "1 of 1 country has data" in map_sentence(one, 2025, "en")
    two = pd.concat([one, one.assign(name="Chile", value=None)], ignore_index=True)
    assert "1 de 2 países tienen datos" in map_sentence(two, 2025, "es")


@pytest.mark.parametrize(
    "value, es, en",
    [
        (1882, "1.882", "1,882"),
        (45.5, "45,5", "45.5"),
        (45.0, "45", "45"),
        (1234567, "1.234.567", "1,234,567"),
    ],
)
def test_numbers_are_written_the_languages_way(value, es, en):
    assert (i18n.number(value, "es"), i18n.number(value, "en")) == (es, en)


def test_a_missing_number_is_empty_never_nan():
    assert i18n.number(float("nan"), "es") == "" and i18n.number(None, "en") == ""


def test_dates_read_as_people_write_them():
    from datetime import date, datetime

    assert i18n.date_text(date(2024, 6, 30), "es") == "30 jun 2024"
    assert i18n.datetime_text(datetime(2024, 6, 30, 14, 5), "en") == "30 Jun 2024, 14:05 UTC"


def test_names_sort_as_a_dictionary_does_accents_aside_and_n_tilde_after_n():
    names = ["República Dominicana", "Perú", "Ñandú", "Nicaragua", "ecuador", "Argentina", "Panamá"]
    ordered = sorted(names, key=lambda x: i18n.sort_key(x, "es"))
    assert ordered == ["Argentina", "ecuador", "Nicaragua", "Ñandú", "Panamá", "Perú", "República Dominicana"]


def test_every_plural_has_a_singular_and_a_plural_form_in_both_languages():
    spec = re.compile(r"\{(\w+):plural:([^}]*)\}")
    for key, texts in i18n.catalogue().items():
        for lang in ("es", "en"):
            for name, forms in spec.findall(texts[lang]):
                assert len(forms.split("|")) == 2, (key, lang, name)

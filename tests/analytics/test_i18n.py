import re
import string

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

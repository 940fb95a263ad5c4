"""Column kinds: what a cell of each kind accepts, as people type numbers, countries, yes/no and
coded values in Spanish and English."""

from datetime import date

import pytest

from analytics import reference
from analytics.intake import validate
from analytics.intake.reading import ReadResult, ReadSheet
from analytics.sheets.kinds import whole_number
from analytics.store import facts
from analytics.store.duckstore import DuckDBStore


@pytest.mark.parametrize(
    "text,value",
    [
        ("1000", 1000),
        ("1.000", 1000),  # Spanish grouping, as LibreOffice es-ES writes it in a CSV
        ("1,000", 1000),  # English grouping
        ("1 000", 1000),
        ("1\u00a0000", 1000),  # no-break space, as French and some Spanish settings show it
        ("12.345.678", 12345678),
        ("10,0", 10),
        ("7.000000000000001", 7),  # a spreadsheet's computed whole number
        ("6.999999999999999", 7),
        (" 42 ", 42),
    ],
)
def test_whole_numbers_are_read_as_people_write_them(text, value):
    assert whole_number(text) == value


@pytest.mark.parametrize("text", ["2,5", "1.5", "1,000.5", "12.34", "1.00.000", "1.000,5", "abc", ""])
def test_what_is_not_a_whole_number_is_refused(text):
    assert whole_number(text) is None


# --- the capacity and exchange kinds, read through the validator as an upload would be -------

TODAY = date(2026, 11, 28)
PRACTICE_HEAD = ["country", "period", "module", "title", "description", "adopted_from", "replicable"]
CAPACITY_HEAD = ["country", "period", "module", "activity", "kind", "institution_type", "participants_total"]


@pytest.fixture(scope="module")
def ref():
    store = DuckDBStore.memory()
    facts.load(store)
    r = reference.build(store.reader())
    store.close()
    return r


def read_one(ref, sheet: str, header: list[str], row: list[str]) -> tuple[dict, list]:
    v = validate.validate(ReadResult("xlsx", [ReadSheet(sheet, [header, row])], []), ref, today=TODAY)
    found = [(f.code, f.column, f.value) for f in v.findings if f.is_error]
    return (v.tables[sheet].iloc[0].to_dict() if v.ok else {}), found


@pytest.mark.parametrize(
    "text,stored",
    [
        ("GTM", "GTM"),
        ("Guatemala; El Salvador", "GTM;SLV"),
        ("guatemala;GTM", "GTM"),  # each country once
        ("Rep. Dominicana ; St. Lucia", "DOM;LCA"),
        ("Perú;Mexico", "PER;MEX"),
        ("Dominican Republic;República Dominicana;Trinidad & Tobago", "DOM;TTO"),
        ("SLV;HND;", "SLV;HND"),  # a trailing separator names nobody
    ],
)
def test_adopted_from_takes_iso3_codes_or_names_in_either_language_and_stores_codes(ref, text, stored):
    row, errors = read_one(ref, "practices", PRACTICE_HEAD, ["HND", "2024", "JUSTICE", "t", "d", text, ""])
    assert errors == [] and row["adopted_from"] == stored


def test_adopted_from_with_an_unknown_country_is_refused_naming_it(ref):
    _, errors = read_one(
        ref, "practices", PRACTICE_HEAD, ["HND", "2024", "JUSTICE", "t", "d", "GTM;Narnia", ""]
    )
    assert errors == [("unknown_country", "adopted_from", "Narnia")]


def test_adopted_from_may_name_a_country_the_focal_point_does_not_report_for(ref):
    v = validate.validate(
        ReadResult(
            "xlsx",
            [ReadSheet("practices", [PRACTICE_HEAD, ["PER", "2024", "HEALTH", "t", "d", "GTM", "no"]])],
            [],
        ),
        ref,
        today=TODAY,
        allowed_countries={"PER"},
    )
    assert v.ok and v.tables["practices"].iloc[0]["adopted_from"] == "GTM"


@pytest.mark.parametrize(
    "text,stored",
    [
        ("sí", True),
        ("Si", True),
        ("yes", True),
        ("YES", True),
        ("TRUE", True),  # a spreadsheet's boolean cell
        ("no", False),
        ("No", False),
        ("FALSO", False),
        ("", False),  # blank: the declared default
    ],
)
def test_replicable_is_yes_or_no_in_either_language(ref, text, stored):
    row, errors = read_one(ref, "practices", PRACTICE_HEAD, ["HND", "2024", "JUSTICE", "t", "d", "", text])
    assert errors == [] and row["replicable"] is stored


def test_replicable_that_is_neither_yes_nor_no_is_refused(ref):
    _, errors = read_one(ref, "practices", PRACTICE_HEAD, ["HND", "2024", "JUSTICE", "t", "d", "", "quizás"])
    assert errors == [("bad_yes_no", "replicable", "quizás")]


@pytest.mark.parametrize(
    "text,code",
    [
        ("Curso", "COURSE"),
        ("course", "COURSE"),
        ("Taller", "WORKSHOP"),
        ("Workshop", "WORKSHOP"),
        ("Intercambio entre países", "EXCHANGE"),
        ("Exchange between countries", "EXCHANGE"),
        ("Asistencia técnica", "TECHNICAL_ASSISTANCE"),
        ("technical assistance", "TECHNICAL_ASSISTANCE"),
        ("TECHNICAL_ASSISTANCE", "TECHNICAL_ASSISTANCE"),
        ("Otro", "OTHER"),
    ],
)
def test_activity_kind_by_code_or_label_in_either_language(ref, text, code):
    row, errors = read_one(ref, "capacity", CAPACITY_HEAD, ["HND", "2024", "CROSS", "a", text, "CSO", "5"])
    assert errors == [] and row["kind"] == code


@pytest.mark.parametrize(
    "text,code",
    [
        ("Instituciones de gobierno", "GOVERNMENT"),
        ("Government institutions", "GOVERNMENT"),
        ("UNFPA", "UNFPA"),
        ("Otras agencias del Sistema de las Naciones Unidas", "UN_AGENCY"),
        ("Other United Nations agencies", "UN_AGENCY"),
        ("Organizaciones de la sociedad civil", "CSO"),
        ("Civil society organisations", "CSO"),
        ("Organismos aliados", "PARTNER"),
        ("Partner bodies", "PARTNER"),
        ("Especialistas", "SPECIALIST"),
        ("specialists", "SPECIALIST"),
        ("Other", "OTHER"),
    ],
)
def test_institution_type_by_code_or_label_in_either_language(ref, text, code):
    row, errors = read_one(ref, "capacity", CAPACITY_HEAD, ["HND", "2024", "CROSS", "a", "COURSE", text, "5"])
    assert errors == [] and row["institution_type"] == code


def test_unknown_kind_and_institution_type_have_their_own_codes(ref):
    _, errors = read_one(
        ref, "capacity", CAPACITY_HEAD, ["HND", "2024", "CROSS", "a", "Charla", "Universidad", "5"]
    )
    assert errors == [
        ("unknown_kind", "kind", "Charla"),
        ("unknown_institution_type", "institution_type", "Universidad"),
    ]

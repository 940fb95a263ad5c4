"""Validation: one fixture file per code, asserting the code, row and column; the
Spanish-Excel habits; a property test that random sheets never make it raise."""

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import reference
from analytics.intake import reading, validate
from analytics.intake.reading import ReadResult, ReadSheet
from analytics.store import facts

DATA = Path(__file__).resolve().parents[1] / "data" / "validation"
TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def ref():
    from analytics.store.duckstore import DuckDBStore

    store = DuckDBStore.memory()
    facts.load(store)
    r = reference.build(store.reader())
    store.close()
    return r


def check_file(ref, name, allowed=None):
    data = (DATA / name).read_bytes()
    return validate.validate(reading.read_upload(data, name), ref, today=TODAY, allowed_countries=allowed)


# file, code, severity, sheet, row, column
CASES = [
    ("no_known_sheet.xlsx", "no_known_sheet", "error", None, None, None),
    ("no_rows.xlsx", "no_rows", "error", None, None, None),
    ("missing_column.xlsx", "missing_column", "error", "avance", 1, "etapa"),
    ("duplicate_column.xlsx", "duplicate_column", "error", "progress", 1, "Stage"),
    ("required.xlsx", "required", "error", "progress", 3, "stage"),
    ("unknown_country.xlsx", "unknown_country", "error", "progress", 3, "country"),
    ("bad_period.xlsx", "bad_period", "error", "progress", 2, "period"),
    ("future_period.xlsx", "future_period", "error", "progress", 3, "period"),
    ("unknown_module.xlsx", "unknown_module", "error", "progress", 2, "module"),
    ("bad_stage.xlsx", "bad_stage", "error", "avance", 3, "etapa"),
    ("out_of_range.xlsx", "out_of_range", "error", "progress", 2, "coverage_pct"),
    ("not_integer.xlsx", "not_integer", "error", "progress", 2, "trained_staff"),
    ("too_long.xlsx", "too_long", "error", "progress", 2, "notes"),
    ("bad_url.xlsx", "bad_url", "error", "practices", 2, "url"),
    ("duplicate_row.xlsx", "duplicate_row", "error", "progress", 4, None),
    ("unknown_category.xlsx", "unknown_category", "error", "challenges", 2, "category"),
    ("unknown_severity.xlsx", "unknown_severity", "error", "challenges", 2, "severity"),
    ("unknown_status.xlsx", "unknown_status", "error", "challenges", 2, "status"),
    ("unknown_sheet.xlsx", "unknown_sheet", "warning", "notas internas", None, None),
    ("before_membership.xlsx", "before_membership", "warning", "progress", 2, None),
    ("invisible_character.xlsx", "invisible_character", "error", "progress", 2, "country"),
    ("unknown_kind.xlsx", "unknown_kind", "error", "capacity", 3, "kind"),
    (
        "unknown_institution_type.xlsx",
        "unknown_institution_type",
        "error",
        "capacidades",
        2,
        "tipo_institución",
    ),
    ("participants_mismatch.xlsx", "participants_mismatch", "error", "capacity", 2, "participants_women"),
    ("unknown_country_adopted_from.xlsx", "unknown_country", "error", "practices", 2, "adopted_from"),
    ("bad_yes_no.xlsx", "bad_yes_no", "error", "prácticas", 2, "replicable"),
]


@pytest.mark.parametrize("name,code,severity,sheet,row,column", CASES, ids=[c[1] for c in CASES])
def test_each_fixture_yields_its_code_at_the_right_place(ref, name, code, severity, sheet, row, column):
    v = check_file(ref, name)
    found = [f for f in v.findings if f.code == code]
    assert found, [(f.code, f.row, f.column) for f in v.findings]
    f = found[0]
    assert (f.severity, f.sheet, f.row, f.column) == (severity, sheet, row, column)
    if severity == "error":
        assert not v.ok and v.tables == {}


def test_participants_mismatch_names_the_sum_and_the_completions_each_at_their_column(ref):
    v = check_file(ref, "participants_mismatch.xlsx")
    found = [(f.row, f.column, f.value, f.param_dict()["total"]) for f in v.findings]
    assert found == [(2, "participants_women", "30 + 25 = 55", "50"), (3, "completed", "41", "40")]


def test_an_unknown_country_in_adopted_from_names_only_that_country(ref):
    v = check_file(ref, "unknown_country_adopted_from.xlsx")
    assert [(f.code, f.value) for f in v.findings] == [("unknown_country", "Brasil")]


def test_country_not_allowed_names_every_row_of_the_other_country(ref):
    v = check_file(ref, "unknown_country.xlsx", allowed={"GTM"})
    rows = [f.row for f in v.findings if f.code == "country_not_allowed"]
    assert rows == [2]


def test_spanish_excel_csv_with_semicolons_cp1252_and_decimal_commas_is_read(ref):
    v = check_file(ref, "spanish_excel.csv")
    assert v.ok, [(f.code, f.row, f.column, f.value) for f in v.findings]
    p = v.tables["progress"]
    assert list(p["module"]) == ["HEALTH", "JUSTICE", "COORD"]
    assert list(p["stage"]) == [3, 2, 1]
    assert p["coverage_pct"].tolist()[:2] == [45.5, 30.0]
    assert p["notes"].tolist()[2] == "N/A"


def test_utf8_bom_csv_is_recognised_by_its_header_and_status_defaults_to_open(ref):
    v = check_file(ref, "utf8_bom_challenges.csv")
    assert v.ok
    c = v.tables["challenges"].iloc[0]
    assert (c["country"], c["period"], c["status"]) == ("GTM", "2024-S1", "OPEN")
    assert c["description"] == 'Presupuesto insuficiente, sin "fondos"'


@pytest.mark.parametrize(
    "text,code",
    [
        ("Rep. Dominicana", "DOM"),
        ("st. lucia", "LCA"),
        ("BOLIVIA", "BOL"),
        ("Perú", "PER"),
        ("peru", "PER"),
        ("Trinidad y Tobago", "TTO"),
        ("MX", "MEX"),
    ],
)
def test_countries_are_accepted_by_code_or_name_in_either_language(ref, text, code):
    assert ref.code("country", text) == code


@pytest.mark.parametrize(
    "text,code",
    [
        ("Justicia y policía", "JUSTICE"),
        ("Justice and policing", "JUSTICE"),
        ("salud", "HEALTH"),
        ("Coordinación y gobernanza de la coordinación", "COORD"),
        ("Servicios sociales", "SOCIAL"),
        ("Coordination", "COORD"),
        ("transversal", "CROSS"),
        ("4", "SOCIAL"),
    ],
)
def test_modules_are_accepted_by_official_or_short_name(ref, text, code):
    assert ref.code("module", text) == code


def test_unknown_country_suggests_the_nearest_name(ref):
    sheet = ReadSheet(
        "progress", [["country", "period", "module", "stage"], ["Guatemal", "2024", "HEALTH", "1"]]
    )
    v = validate.validate(ReadResult("xlsx", [sheet], []), ref, today=TODAY)
    f = next(f for f in v.findings if f.code == "unknown_country")
    assert f.param_dict()["suggestion"] == "Guatemala"


def test_unknown_header_suggests_the_nearest_column(ref):
    sheet = ReadSheet(
        "progress",
        [["country", "period", "module", "stage", "covrage_pct"], ["PER", "2024", "HEALTH", "1", "3"]],
    )
    v = validate.validate(ReadResult("xlsx", [sheet], []), ref, today=TODAY)
    f = next(f for f in v.findings if f.code == "unknown_column")
    assert f.param_dict()["suggestion"] == "coverage_pct" and v.ok


def test_too_many_rows_is_refused_before_checking_cells(ref):
    rows = [["country", "period", "module", "stage"]] + [["PER", "2024", "HEALTH", "1"]] * 50_001
    v = validate.validate(ReadResult("csv", [ReadSheet("progress", rows)], []), ref, today=TODAY)
    assert [f.code for f in v.findings] == ["too_many_rows"]


def test_every_finding_is_collected_not_only_the_first(ref):
    rows = [
        ["country", "period", "module", "stage"],
        ["XXX", "1999", "Nope", "9"],
        ["PER", "2024", "HEALTH", "x"],
    ]
    v = validate.validate(ReadResult("csv", [ReadSheet("progress", rows)], []), ref, today=TODAY)
    codes = sorted(f.code for f in v.findings)
    assert codes == ["bad_period", "bad_stage", "bad_stage", "unknown_country", "unknown_module"]


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "PER",
            "2024",
            "HEALTH",
            "3",
            "45%",
            "",
            "NA",
            "NULL",
            "=1+1",
            "Salud",
            "2024-Q9",
            "-1",
            "1e9",
            "\u202e",
        ]
    ),
)
HEADERS = [
    "country",
    "period",
    "module",
    "stage",
    "coverage_pct",
    "trained_staff",
    "notes",
    "category",
    "severity",
    "status",
    "description",
    "title",
    "url",
    "país",
    "",
    "zzz",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(
        st.sampled_from(["progress", "avance", "challenges", "desafíos", "practices", "x", ""]),
        min_size=1,
        max_size=3,
    ),
    header=st.lists(st.sampled_from(HEADERS), max_size=9),
    rows=st.lists(st.lists(CELL, max_size=10), max_size=8),
)
def test_random_sheets_give_findings_and_never_raise(ref, names, header, rows):
    sheets = [ReadSheet(n, [header] + rows) for n in names]
    v = validate.validate(ReadResult("xlsx", sheets, []), ref, today=TODAY)
    assert isinstance(v.findings, list)
    assert v.ok == (not any(f.is_error for f in v.findings))
    if v.ok:
        assert v.tables

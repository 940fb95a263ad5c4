"""The upload workbook, declared once: each sheet and its columns (SPEC "The upload workbook").

Validation, the stored tables, the snapshot columns, the template (columns and
drop-downs) and the keys that identify a row all derive from these declarations:
a new column is one ``Column`` here plus its texts (``col.<key>`` in the locales).
What each ``kind`` accepts lives in ``kinds``.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.spelling import normalise

# Every stored sheet row carries these besides its declared columns.
ROW_NUMBER = "row_number"
PERIOD_BOUNDS = ("period_start", "period_end")


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    ``natural_key`` marks the columns that, with country and period, tell one row of
    a report from another (a preview pairs old and new rows by them).
    """

    key: str
    en: str
    es: str
    kind: str
    required: bool = False
    max_len: int | None = None
    allow_cross: bool = False
    natural_key: bool = False
    aliases: tuple[str, ...] = ()
    default: object = None  # the stored value of a blank cell (and of rows stored before the column)

    def header(self, lang: str) -> str:
        return self.es if lang == "es" else self.en

    def spellings(self) -> tuple[str, ...]:
        return (self.key, self.en, self.es, *self.aliases)


@dataclass(frozen=True)
class Sheet:
    """One sheet of the upload workbook and the stored table of the same name.

    ``unique_rows``: two rows with the same natural key are an error (``duplicate_row``).
    """

    key: str
    en: str
    es: str
    columns: tuple[Column, ...]
    unique_rows: bool = False

    def name(self, lang: str) -> str:
        return self.es if lang == "es" else self.en

    @property
    def required(self) -> list[str]:
        return [c.key for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def value_columns(self) -> list[str]:
        """The columns a report holds, in order (country and period first)."""
        return [c.key for c in self.columns]

    @property
    def table_columns(self) -> list[str]:
        """The stored table's columns after ``submission_id``."""
        keys = self.value_columns
        return [ROW_NUMBER, keys[0], keys[1], *PERIOD_BOUNDS, *keys[2:]]

    @property
    def natural_key(self) -> list[str]:
        """The columns that pair an old and a new row of one block, after country and period."""
        return [c.key for c in self.columns if c.natural_key]


_COUNTRY = Column(
    "country", "country", "país", "country", required=True, aliases=("pais", "country code", "iso3")
)
_PERIOD = Column("period", "period", "periodo", "period", required=True, aliases=("período",))

SHEETS: dict[str, Sheet] = {
    "progress": Sheet(
        "progress",
        "progress",
        "avance",
        (
            _COUNTRY,
            _PERIOD,
            Column("module", "module", "módulo", "module", required=True, natural_key=True),
            Column("stage", "stage", "etapa", "stage", required=True),
            Column(
                "coverage_pct",
                "coverage_pct",
                "cobertura_pct",
                "percent",
                aliases=("coverage", "cobertura", "coverage %", "cobertura %"),
            ),
            Column(
                "trained_staff",
                "trained_staff",
                "personal_capacitado",
                "count",
                aliases=("staff trained", "personal"),
            ),
            Column("notes", "notes", "notas", "text", max_len=2000),
        ),
        unique_rows=True,
    ),
    "challenges": Sheet(
        "challenges",
        "challenges",
        "desafíos",
        (
            _COUNTRY,
            _PERIOD,
            Column("module", "module", "módulo", "module", required=True, allow_cross=True, natural_key=True),
            Column("category", "category", "categoría", "category", required=True, natural_key=True),
            Column("severity", "severity", "severidad", "severity", required=True),
            Column("status", "status", "estado", "status", default="OPEN"),
            Column(
                "description",
                "description",
                "descripción",
                "text",
                required=True,
                max_len=2000,
                natural_key=True,
            ),
        ),
    ),
    "practices": Sheet(
        "practices",
        "practices",
        "prácticas",
        (
            _COUNTRY,
            _PERIOD,
            Column("module", "module", "módulo", "module", required=True, natural_key=True),
            Column("title", "title", "título", "text", required=True, max_len=200, natural_key=True),
            Column("description", "description", "descripción", "text", required=True, max_len=4000),
            Column("url", "url", "enlace", "url", aliases=("link", "enlace url")),
            Column(
                "adopted_from",
                "adopted_from",
                "adoptada_de",
                "countries",
                aliases=("adapted_from", "adaptada_de", "adopted from", "adapted from"),
            ),
            Column("replicable", "replicable", "replicable", "yes_no", default=False),
        ),
    ),
    "capacity": Sheet(
        "capacity",
        "capacity",
        "capacidades",
        (
            _COUNTRY,
            _PERIOD,
            Column("module", "module", "módulo", "module", required=True, allow_cross=True, natural_key=True),
            Column("activity", "activity", "actividad", "text", required=True, max_len=200, natural_key=True),
            Column(
                "kind",
                "kind",
                "tipo",
                "activity_kind",
                required=True,
                aliases=("activity kind", "tipo de actividad"),
            ),
            Column(
                "institution_type",
                "institution_type",
                "tipo_institución",
                "institution_type",
                required=True,
                natural_key=True,
                aliases=("institution", "institución", "tipo de institución"),
            ),
            Column(
                "participants_total",
                "participants_total",
                "participantes_total",
                "count",
                required=True,
                aliases=("participants", "participantes", "total"),
            ),
            Column(
                "participants_women",
                "participants_women",
                "participantes_mujeres",
                "count",
                aliases=("women", "mujeres"),
            ),
            Column(
                "participants_men",
                "participants_men",
                "participantes_hombres",
                "count",
                aliases=("men", "hombres"),
            ),
            Column(
                "completed",
                "completed",
                "completaron",
                "count",
                aliases=("completions", "completaron el curso"),
            ),
            Column("notes", "notes", "notas", "text", max_len=2000),
        ),
    ),
}

IGNORED_SHEETS = {
    normalise(n)
    for n in ("instructions", "instrucciones", "lists", "listas", "_lists", "_listas", "readme", "léame")
}


def sheet_for_name(name: str) -> Sheet | None:
    key = normalise(name)
    for spec in SHEETS.values():
        if key in (normalise(spec.en), normalise(spec.es)):
            return spec
    return None


def column_for_header(spec: Sheet, header: str) -> Column | None:
    key = normalise(header)
    for col in spec.columns:
        if key in {normalise(n) for n in col.spellings()}:
            return col
    return None


def header_names(spec: Sheet) -> dict[str, str]:
    """Every header a person may have meant (normalised) → its display form, for suggestions."""
    out: dict[str, str] = {}
    for col in spec.columns:
        for n in (col.en, col.es):
            out.setdefault(normalise(n), n)
    return out

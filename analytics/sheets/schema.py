"""The upload workbook, declared once: each sheet and its columns (SPEC "The upload workbook").

Validation, the stored tables, the snapshot columns, the template (columns,
drop-downs, widths), the in-app editor (tabs and column controls) and the keys that
identify a row all derive from these declarations: a new column is one ``Column``
here plus its texts (``col.<key>`` and ``snapshot.col.<key>`` in the locales). What
each ``kind`` accepts, offers and stores lives in ``kinds``.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.spelling import normalise

# Every stored sheet row carries these besides its declared columns.
ROW_NUMBER = "row_number"
PERIOD_BOUNDS = ("period_start", "period_end")


@dataclass(frozen=True, kw_only=True)
class Column:
    """One column of a sheet: everything the upload's validation, the template (header,
    drop-down, width), the in-app editor (its control) and the stored table need.

    ``kind`` says what a cell accepts and how it is offered (``kinds``: a coded kind is a
    drop-down in the template and a select box in the editor; a number kind has its
    bounds). ``natural_key`` marks the columns that, with country and period, tell one row
    of a report from another (a preview pairs old and new rows by them).
    """

    key: str
    en: str  # the header in each language (the template writes it; uploads may use either)
    es: str
    kind: str
    required: bool = False
    max_len: int | None = None
    allow_cross: bool = False  # a module column that also takes CROSS (cross-cutting)
    natural_key: bool = False
    aliases: tuple[str, ...] = ()  # other headers people write for it
    default: object = None  # the stored value of a blank cell (and of rows stored before the column)

    def header(self, lang: str) -> str:
        return self.es if lang == "es" else self.en

    def spellings(self) -> tuple[str, ...]:
        return (self.key, self.en, self.es, *self.aliases)


@dataclass(frozen=True, kw_only=True)
class Sheet:
    """One sheet of the upload workbook and the stored table of the same name.

    ``unique_rows``: two rows with the same natural key are an error (``duplicate_row``).
    ``row_per``: a column whose every code has one row of its own, always listed (progress:
    one row per module), so the in-app editor shows them all and adds none.
    """

    key: str
    en: str
    es: str
    columns: tuple[Column, ...]
    unique_rows: bool = False
    row_per: str | None = None

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
    def row_columns(self) -> list[Column]:
        """The columns each row of a report fills in: all but country and period, which
        name the report (the in-app editor's columns)."""
        return [c for c in self.columns if c.key not in ("country", "period")]

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
    key="country",
    en="country",
    es="país",
    kind="country",
    required=True,
    aliases=("pais", "country code", "iso3"),
)
_PERIOD = Column(key="period", en="period", es="periodo", kind="period", required=True, aliases=("período",))
_MODULE = Column(key="module", en="module", es="módulo", kind="module", required=True, natural_key=True)
_MODULE_OR_CROSS = Column(
    key="module", en="module", es="módulo", kind="module", required=True, allow_cross=True, natural_key=True
)


def _notes() -> Column:
    return Column(key="notes", en="notes", es="notas", kind="text", max_len=2000)


SHEETS: dict[str, Sheet] = {
    "progress": Sheet(
        key="progress",
        en="progress",
        es="avance",
        columns=(
            _COUNTRY,
            _PERIOD,
            _MODULE,
            Column(key="stage", en="stage", es="etapa", kind="stage", required=True),
            Column(
                key="coverage_pct",
                en="coverage_pct",
                es="cobertura_pct",
                kind="percent",
                aliases=("coverage", "cobertura", "coverage %", "cobertura %"),
            ),
            Column(
                key="trained_staff",
                en="trained_staff",
                es="personal_capacitado",
                kind="count",
                aliases=("staff trained", "personal"),
            ),
            _notes(),
        ),
        unique_rows=True,
        row_per="module",
    ),
    "challenges": Sheet(
        key="challenges",
        en="challenges",
        es="desafíos",
        columns=(
            _COUNTRY,
            _PERIOD,
            _MODULE_OR_CROSS,
            Column(
                key="category",
                en="category",
                es="categoría",
                kind="category",
                required=True,
                natural_key=True,
            ),
            Column(key="severity", en="severity", es="severidad", kind="severity", required=True),
            Column(key="status", en="status", es="estado", kind="status", default="OPEN"),
            Column(
                key="description",
                en="description",
                es="descripción",
                kind="text",
                required=True,
                max_len=2000,
                natural_key=True,
            ),
        ),
    ),
    "practices": Sheet(
        key="practices",
        en="practices",
        es="prácticas",
        columns=(
            _COUNTRY,
            _PERIOD,
            _MODULE,
            Column(
                key="title",
                en="title",
                es="título",
                kind="text",
                required=True,
                max_len=200,
                natural_key=True,
            ),
            Column(
                key="description",
                en="description",
                es="descripción",
                kind="text",
                required=True,
                max_len=4000,
            ),
            Column(key="url", en="url", es="enlace", kind="url", aliases=("link", "enlace url")),
            Column(
                key="adopted_from",
                en="adopted_from",
                es="adoptada_de",
                kind="countries",
                aliases=("adapted_from", "adaptada_de", "adopted from", "adapted from"),
            ),
            Column(key="replicable", en="replicable", es="replicable", kind="yes_no", default=False),
        ),
    ),
    "capacity": Sheet(
        key="capacity",
        en="capacity",
        es="capacidades",
        columns=(
            _COUNTRY,
            _PERIOD,
            _MODULE_OR_CROSS,
            Column(
                key="activity",
                en="activity",
                es="actividad",
                kind="text",
                required=True,
                max_len=200,
                natural_key=True,
            ),
            Column(
                key="kind",
                en="kind",
                es="tipo",
                kind="activity_kind",
                required=True,
                aliases=("activity kind", "tipo de actividad"),
            ),
            Column(
                key="institution_type",
                en="institution_type",
                es="tipo_institución",
                kind="institution_type",
                required=True,
                natural_key=True,
                aliases=("institution", "institución", "tipo de institución"),
            ),
            Column(
                key="participants_total",
                en="participants_total",
                es="participantes_total",
                kind="count",
                required=True,
                aliases=("participants", "participantes", "total"),
            ),
            Column(
                key="participants_women",
                en="participants_women",
                es="participantes_mujeres",
                kind="count",
                aliases=("women", "mujeres"),
            ),
            Column(
                key="participants_men",
                en="participants_men",
                es="participantes_hombres",
                kind="count",
                aliases=("men", "hombres"),
            ),
            Column(
                key="completed",
                en="completed",
                es="completaron",
                kind="count",
                aliases=("completions", "completaron el curso"),
            ),
            _notes(),
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

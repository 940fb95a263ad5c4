"""The upload workbook's sheets and columns, in both languages (SPEC.md)."""

from __future__ import annotations

from dataclasses import dataclass

from .reference import normalise


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    es: str
    required: bool
    kind: str  # country, period, module, stage, percent, count, text, category, severity, status, url
    max_len: int | None = None
    allow_cross: bool = False

    def header(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


@dataclass(frozen=True)
class SheetSpec:
    key: str
    en: str
    es: str
    columns: tuple[Column, ...]

    def name(self, lang: str) -> str:
        return self.es if lang == "es" else self.en

    @property
    def required(self) -> list[str]:
        return [c.key for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


_COMMON = (
    Column("country", "country", "país", True, "country"),
    Column("period", "period", "periodo", True, "period"),
)

SHEETS: dict[str, SheetSpec] = {
    "progress": SheetSpec("progress", "progress", "avance", _COMMON + (
        Column("module", "module", "módulo", True, "module"),
        Column("stage", "stage", "etapa", True, "stage"),
        Column("coverage_pct", "coverage_pct", "cobertura_pct", False, "percent"),
        Column("trained_staff", "trained_staff", "personal_capacitado", False, "count"),
        Column("notes", "notes", "notas", False, "text", 2000),
    )),
    "challenges": SheetSpec("challenges", "challenges", "desafíos", _COMMON + (
        Column("module", "module", "módulo", True, "module", allow_cross=True),
        Column("category", "category", "categoría", True, "category"),
        Column("severity", "severity", "severidad", True, "severity"),
        Column("status", "status", "estado", False, "status"),
        Column("description", "description", "descripción", True, "text", 2000),
    )),
    "practices": SheetSpec("practices", "practices", "prácticas", _COMMON + (
        Column("module", "module", "módulo", True, "module"),
        Column("title", "title", "título", True, "text", 200),
        Column("description", "description", "descripción", True, "text", 4000),
        Column("url", "url", "enlace", False, "url"),
    )),
}

IGNORED_SHEETS = {normalise(n) for n in (
    "instructions", "instrucciones", "lists", "listas", "_lists", "_listas", "readme", "léame")}

EXTRA_HEADER_ALIASES = {
    "country": ("pais", "country code", "iso3"),
    "period": ("periodo", "período"),
    "coverage_pct": ("coverage", "cobertura", "coverage %", "cobertura %"),
    "trained_staff": ("staff trained", "personal"),
    "url": ("link", "enlace url"),
}


def sheet_for_name(name: str) -> SheetSpec | None:
    key = normalise(name)
    for spec in SHEETS.values():
        if key in (normalise(spec.en), normalise(spec.es)):
            return spec
    return None


def column_for_header(spec: SheetSpec, header: str) -> Column | None:
    key = normalise(header)
    for col in spec.columns:
        names = (col.key, col.en, col.es) + EXTRA_HEADER_ALIASES.get(col.key, ())
        if key in {normalise(n) for n in names}:
            return col
    return None


def header_names(spec: SheetSpec) -> dict[str, str]:
    """Every accepted header spelling (normalised) → its display form."""
    out: dict[str, str] = {}
    for col in spec.columns:
        for n in (col.en, col.es):
            out.setdefault(normalise(n), n)
    return out

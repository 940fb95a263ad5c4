"""Rules → findings: every sheet, header and cell of an upload checked against SPEC.

Each cell is parsed by its column's kind (``kinds``); the sheet declarations
(``schema``) say which columns exist. Every finding is collected, never only the
first; rows with an error are left out of the typed tables.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analytics.findings import Finding, has_errors
from analytics.intake.reading import ReadResult, ReadSheet
from analytics.periods import Period
from analytics.reference import Reference
from analytics.sheets.kinds import KINDS, has_invisible
from analytics.sheets.schema import (
    IGNORED_SHEETS,
    SHEETS,
    Column,
    Sheet,
    column_for_header,
    header_names,
    sheet_for_name,
)
from analytics.spelling import normalise

MAX_ROWS = 50_000


@dataclass
class Validation:
    """What the file holds once checked: findings and typed rows per sheet.

    ``tables`` has a frame for every known sheet the file holds, empty when the sheet
    has a header and no rows: such a sheet clears its blocks (SPEC).
    """

    findings: list[Finding] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    @property
    def row_count(self) -> int:
        return sum(len(df) for df in self.tables.values())

    def pairs(self) -> list[tuple[str, str]]:
        """Every (country, period) named in any sheet of the file."""
        return sorted(
            {
                (c, p)
                for df in self.tables.values()
                for c, p in zip(df["country"].tolist(), df["period"].tolist())
            }
        )

    def blocks(self) -> list[tuple[str, str, str]]:
        """(country, period, sheet) blocks the file reports on: for every (country, period)
        it names, each of its sheets, whether or not that sheet has rows for the pair."""
        return sorted((c, p, sheet) for c, p in self.pairs() for sheet in self.tables)


def _participants(row: dict) -> list[tuple[str, str, dict]]:
    """Capacity counts above the number of participants: women and men together, or
    completions. Only what was reported is compared (a blank split is "not reported",
    never zero)."""
    total = row["participants_total"]
    out = []
    split = [(k, row[k]) for k in ("participants_women", "participants_men") if row.get(k) is not None]
    if split and sum(n for _, n in split) > total:
        value = " + ".join(str(n) for _, n in split)
        if len(split) > 1:
            value += f" = {sum(n for _, n in split)}"
        out.append(("participants_mismatch", split[0][0], {"value": value, "total": total}))
    completed = row.get("completed")
    if completed is not None and completed > total:
        out.append(("participants_mismatch", "completed", {"value": str(completed), "total": total}))
    return out


# Rules about a row's values together, per sheet: each gives (code, column key, params).
ROW_RULES = {"capacity": (_participants,)}


def _suggest(value: str, spellings: dict[str, str]) -> str | None:
    match = difflib.get_close_matches(normalise(value), list(spellings), n=1, cutoff=0.75)
    return spellings[match[0]] if match else None


class _SheetChecker:
    """Checks one sheet; also the ``kinds.Cell`` its parsers report through."""

    def __init__(
        self,
        spec: Sheet,
        sheet: ReadSheet,
        ref: Reference,
        today: date,
        allowed: set[str] | None,
        findings: list[Finding],
    ) -> None:
        self.spec, self.sheet, self.ref, self.today = spec, sheet, ref, today
        self.allowed_countries, self.findings = allowed, findings
        self.name = sheet.name
        self.row: int | None = None
        self.column: str | None = None
        self._display = ref.display_spellings()
        self._codes: dict[tuple[str, str], str | None] = {}

    def err(self, code: str, **kw: object) -> None:
        kw.setdefault("row", self.row)
        kw.setdefault("column", self.column)
        self.findings.append(Finding.error(code, sheet=self.name, **kw))

    def warn(self, code: str, **kw: object) -> None:
        self.findings.append(Finding.warning(code, sheet=self.name, **kw))

    # --- the header ---------------------------------------------------------

    def header(self) -> dict[int, Column] | None:
        header = self.sheet.rows[0] if self.sheet.rows else []
        mapping: dict[int, Column] = {}
        seen: dict[str, str] = {}
        unknown: list[str] = []
        for i, text in enumerate(header):
            if not text.strip():
                continue
            col = column_for_header(self.spec, text)
            if col is None:
                unknown.append(text)
            elif col.key in seen:
                self.err("duplicate_column", row=1, column=text, first=seen[col.key])
            else:
                seen[col.key] = text
                mapping[i] = col
        self._unknown_columns(unknown)
        self._missing_columns(seen, unknown)
        if any(
            f.code in ("missing_column", "duplicate_column") and f.sheet == self.name for f in self.findings
        ):
            return None
        return mapping

    def _unknown_columns(self, unknown: list[str]) -> None:
        names = header_names(self.spec)
        for text in unknown:
            suggestion = _suggest(text, names)
            params = {"suggestion": suggestion} if suggestion else {}
            self.warn("unknown_column", row=1, column=text, value=text, **params)

    def _missing_columns(self, seen: dict[str, str], unknown: list[str]) -> None:
        for col in self.spec.columns:
            if not col.required or col.key in seen:
                continue
            names = {normalise(col.en): col.en, normalise(col.es): col.es}
            near = next((t for t in unknown if _suggest(t, names)), None)
            params = {"found": near} if near else {}
            self.err(
                "missing_column",
                row=1,
                column=col.header("es"),
                expected_es=col.es,
                expected_en=col.en,
                **params,
            )

    # --- cells --------------------------------------------------------------

    def coded(self, domain: str, text: str, code: str) -> str | None:
        if has_invisible(text):
            self.err("invisible_character", value=text.encode("unicode_escape").decode())
            return None
        key = (domain, text)
        if key not in self._codes:
            self._codes[key] = self.ref.code(domain, text)
        found = self._codes[key]
        if found is None:
            params = self.allowed(domain)
            suggestion = _suggest(text, self._display.get(domain, {}))
            if suggestion:
                params["suggestion"] = suggestion
            self.err(code, value=text, **params)
        return found

    def allowed(self, domain: str) -> dict[str, str]:
        """The accepted values, for the message of an unknown code."""
        if domain == "country":
            return {}
        codes = self.ref.codes(domain)
        if domain == "module":
            codes = [c for c in codes if c != "CROSS"]
        es, en = self.ref.labels(domain, "es"), self.ref.labels(domain, "en")
        pattern = "{c} {label}" if domain == "stage" else "{c} ({label})"
        return {
            "allowed_es": ", ".join(pattern.format(c=c, label=es[c]) for c in codes),
            "allowed_en": ", ".join(pattern.format(c=c, label=en[c]) for c in codes),
        }

    def cell(self, col: Column, text: str, out: dict) -> None:
        if col.kind != "text":
            text = text.strip()
        if not text.strip():
            if col.required:
                self.err("required")
            elif col.default is not None:
                out[col.key] = col.default
            return
        value = KINDS[col.kind].parse(text, col, self)
        if value is not None:
            out[col.key] = value

    # --- rows ---------------------------------------------------------------

    def rows(self, mapping: dict[int, Column]) -> list[dict]:
        records = []
        seen_keys: dict[tuple, int] = {}
        key_columns = ["country", "period", *self.spec.natural_key]
        header = self.sheet.rows[0]
        headers = {col.key: header[i] for i, col in mapping.items()}
        for idx, cells in enumerate(self.sheet.rows[1:], start=2):
            if not any(c.strip() for c in cells):
                continue
            out: dict = {"row_number": idx}
            before = len(self.findings)
            self.row = idx
            for i, col in mapping.items():
                self.column = header[i]
                self.cell(col, cells[i] if i < len(cells) else "", out)
            self.column = None
            if any(f.is_error for f in self.findings[before:]) or not self._row_rules(out, headers):
                continue
            p: Period = out.pop("period")
            out.update(period=p.code, period_start=p.start, period_end=p.end)
            if self.spec.unique_rows:
                key = tuple(out[k] for k in key_columns)
                if key in seen_keys:
                    self.err("duplicate_row", first=seen_keys[key], value=" / ".join(key))
                    continue
                seen_keys[key] = idx
            joined = self.ref.joined_date(out["country"])
            if joined and out["period_end"] < joined:
                self.warn(
                    "before_membership",
                    row=idx,
                    value=out["period"],
                    country=out["country"],
                    joined=joined.isoformat()[:7],
                )
            records.append(out)
        self.row = None
        return records

    def _row_rules(self, out: dict, headers: dict[str, str]) -> bool:
        """Check the row's values together (``ROW_RULES``); False when a rule found an error."""
        ok = True
        for rule in ROW_RULES.get(self.spec.key, ()):
            for code, key, params in rule(out):
                self.err(code, column=headers.get(key), **params)
                ok = False
        return ok


def _single_data_sheet(sheets: list[ReadSheet]) -> bool:
    return len([s for s in sheets if normalise(s.name) not in IGNORED_SHEETS]) == 1


def _by_header(sheet: ReadSheet) -> Sheet | None:
    """A CSV (or a lone sheet with a foreign name) is recognised by its header."""
    header = sheet.rows[0] if sheet.rows else []
    best = None
    for spec in SHEETS.values():
        keys = {c.key for t in header if (c := column_for_header(spec, t))}
        if set(spec.required) <= keys and (best is None or len(spec.required) > len(best.required)):
            best = spec
    return best


def _spec_for(sheet: ReadSheet, lone: bool, result: Validation) -> Sheet | None:
    """The declaration a read sheet stands for, or None (ignored or unknown: said so)."""
    spec = sheet_for_name(sheet.name)
    if spec is None and normalise(sheet.name) in IGNORED_SHEETS:
        return None
    if spec is None and lone:
        spec = _by_header(sheet)
    if spec is None:
        result.findings.append(Finding.warning("unknown_sheet", sheet=sheet.name, value=sheet.name))
        return None
    if spec.key in result.sheet_names:
        result.findings.append(
            Finding.error("duplicate_sheet", sheet=sheet.name, first=result.sheet_names[spec.key])
        )
        return None
    return spec


def validate(
    read: ReadResult, ref: Reference, *, today: date, allowed_countries: set[str] | None = None
) -> Validation:
    """Check every sheet and row; return findings and typed tables.

    ``allowed_countries`` (None = any) turns rows for other countries into
    ``country_not_allowed`` errors: a focal point's file is refused whole.
    """
    result = Validation(findings=list(read.findings))
    if has_errors(read.findings):
        return result
    total = sum(max(len(s.rows) - 1, 0) for s in read.sheets)
    if total > MAX_ROWS:
        result.findings.append(Finding.error("too_many_rows", value=str(total), max=MAX_ROWS))
        return result
    lone = _single_data_sheet(read.sheets)
    for sheet in read.sheets:
        spec = _spec_for(sheet, lone, result)
        if spec is None:
            continue
        result.sheet_names[spec.key] = sheet.name
        checker = _SheetChecker(spec, sheet, ref, today, allowed_countries, result.findings)
        mapping = checker.header()
        if mapping is None:
            continue
        result.tables[spec.key] = pd.DataFrame(checker.rows(mapping), columns=spec.table_columns)
    if not result.sheet_names:
        result.findings.append(Finding.error("no_known_sheet", value=", ".join(s.name for s in read.sheets)))
    elif not has_errors(result.findings) and not result.row_count:
        result.findings.append(Finding.error("no_rows"))
    if has_errors(result.findings):
        result.tables = {}
    return result

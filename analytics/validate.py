"""Rules → findings. Turns the text cells of an upload into typed rows.

Pure: it needs the reference lookups and today's date, never the database.
Every finding is collected; nothing stops at the first.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import pandas as pd

from . import periods
from .findings import Finding, has_errors
from .ingest import ReadResult, Sheet
from .reference import Reference, normalise
from .schema import IGNORED_SHEETS, SHEETS, Column, SheetSpec, column_for_header, header_names, sheet_for_name

MAX_ROWS = 50_000
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_INVISIBLE_CATEGORIES = {"Cf", "Co", "Cn"}

TABLE_COLUMNS = {
    "progress": ["row_number", "country", "period", "period_start", "period_end", "module",
                 "stage", "coverage_pct", "trained_staff", "notes"],
    "challenges": ["row_number", "country", "period", "period_start", "period_end", "module",
                   "category", "severity", "status", "description"],
    "practices": ["row_number", "country", "period", "period_start", "period_end", "module",
                  "title", "description", "url"],
}


@dataclass
class Validation:
    """What the file holds once checked: findings and typed rows per sheet."""

    findings: list[Finding] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    @property
    def row_count(self) -> int:
        return sum(len(df) for df in self.tables.values())

    def blocks(self) -> list[tuple[str, str, str]]:
        """(country, period, sheet) blocks the file reports on."""
        return sorted({(c, p, sheet) for sheet, df in self.tables.items()
                       for c, p in zip(df["country"].tolist(), df["period"].tolist())})


def _has_invisible(text: str) -> bool:
    if text.isascii():
        return False
    return any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in text)


def _suggest(value: str, spellings: dict[str, str]) -> str | None:
    match = difflib.get_close_matches(normalise(value), list(spellings), n=1, cutoff=0.75)
    return spellings[match[0]] if match else None


def _number(text: str) -> float | None:
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.match(t):
        return None
    return float(t.replace(",", "."))


class _SheetChecker:
    def __init__(self, spec: SheetSpec, sheet: Sheet, ref: Reference, today: date,
                 allowed: set[str] | None, findings: list[Finding]) -> None:
        self.spec, self.sheet, self.ref, self.today = spec, sheet, ref, today
        self.allowed, self.findings = allowed, findings
        self.name = sheet.name
        self._display = ref.display_spellings()
        self._codes: dict[tuple[str, str], str | None] = {}

    def err(self, code: str, **kw: object) -> None:
        self.findings.append(Finding.error(code, sheet=self.name, **kw))

    def warn(self, code: str, **kw: object) -> None:
        self.findings.append(Finding.warning(code, sheet=self.name, **kw))

    def header(self) -> dict[int, Column] | None:
        header = self.sheet.rows[0] if self.sheet.rows else []
        mapping: dict[int, Column] = {}
        seen: dict[str, str] = {}
        unknown: list[tuple[int, str]] = []
        for i, text in enumerate(header):
            if not text.strip():
                continue
            col = column_for_header(self.spec, text)
            if col is None:
                unknown.append((i, text))
                continue
            if col.key in seen:
                self.err("duplicate_column", row=1, column=text, first=seen[col.key])
                continue
            seen[col.key] = text
            mapping[i] = col
        names = header_names(self.spec)
        for _, text in unknown:
            suggestion = _suggest(text, names)
            params = {"suggestion": suggestion} if suggestion else {}
            self.warn("unknown_column", row=1, column=text, value=text, **params)
        for col in self.spec.columns:
            if col.required and col.key not in seen:
                near = next((t for _, t in unknown if _suggest(t, {normalise(col.en): col.en,
                                                                    normalise(col.es): col.es})), None)
                params = {"found": near} if near else {}
                self.err("missing_column", row=1, column=col.header("es"),
                         expected_es=col.es, expected_en=col.en, **params)
        if any(f.code in ("missing_column", "duplicate_column") and f.sheet == self.name
               for f in self.findings):
            return None
        return mapping

    def coded(self, domain: str, text: str, row: int, column: str, code: str) -> str | None:
        if _has_invisible(text):
            self.err("invisible_character", row=row, column=column, value=text.encode("unicode_escape").decode())
            return None
        key = (domain, text)
        if key not in self._codes:
            self._codes[key] = self.ref.code(domain, text)
        found = self._codes[key]
        if found is None:
            params = self._allowed(domain)
            suggestion = _suggest(text, self._display.get(domain, {}))
            if suggestion:
                params["suggestion"] = suggestion
            self.err(code, row=row, column=column, value=text, **params)
        return found

    def _allowed(self, domain: str) -> dict[str, str]:
        if domain == "country":
            return {}
        codes = self.ref.codes(domain)
        if domain == "module":
            codes = [c for c in codes if c != "CROSS"]
        es, en = self.ref.labels(domain, "es"), self.ref.labels(domain, "en")
        if domain == "stage":
            return {"allowed_es": ", ".join(f"{c} {es[c]}" for c in codes),
                    "allowed_en": ", ".join(f"{c} {en[c]}" for c in codes)}
        return {"allowed_es": ", ".join(f"{c} ({es[c]})" for c in codes),
                "allowed_en": ", ".join(f"{c} ({en[c]})" for c in codes)}

    def cell(self, col: Column, text: str, row: int, column: str, out: dict) -> None:
        text = text.strip() if col.kind != "text" else text
        if not text.strip():
            if col.required:
                self.err("required", row=row, column=column)
            elif col.kind == "status":
                out["status"] = "OPEN"
            return
        kind = col.kind
        if kind == "country":
            code = self.coded("country", text, row, column, "unknown_country")
            if code and self.allowed is not None and code not in self.allowed:
                self.err("country_not_allowed", row=row, column=column, value=text, country=code)
            out["country"] = code
        elif kind == "period":
            if _has_invisible(text):
                self.err("invisible_character", row=row, column=column, value=text.encode("unicode_escape").decode())
                return
            p = periods.parse(text)
            if p is None or p.year < periods.EARLIEST_YEAR:
                self.err("bad_period", row=row, column=column, value=text,
                         earliest=periods.EARLIEST_YEAR)
            elif p.start > self.today:
                self.err("future_period", row=row, column=column, value=text)
            else:
                out["period"] = p
        elif kind == "module":
            code = self.coded("module", text, row, column, "unknown_module")
            if code == "CROSS" and not col.allow_cross:
                params = self._allowed("module")
                self.err("unknown_module", row=row, column=column, value=text, **params)
                code = None
            out["module"] = code
        elif kind == "stage":
            n = _number(text)
            if n is not None and n == int(n) and 0 <= n <= 5:
                out["stage"] = int(n)
            elif n is not None:
                self.err("bad_stage", row=row, column=column, value=text, **self._allowed("stage"))
            else:
                code = self.coded("stage", text, row, column, "bad_stage")
                out["stage"] = int(code) if code is not None else None
        elif kind == "percent":
            raw = text.strip()
            n = _number(raw[:-1] if raw.endswith("%") else raw)
            if n is None:
                self.err("not_number", row=row, column=column, value=text)
            elif not 0 <= n <= 100:
                self.err("out_of_range", row=row, column=column, value=text, min=0, max=100)
            else:
                out[col.key] = n
        elif kind == "count":
            n = _number(text)
            if n is None or n != int(n) or ("," in text and not text.strip().endswith(",0")):
                self.err("not_integer", row=row, column=column, value=text)
            elif n < 0:
                self.err("out_of_range", row=row, column=column, value=text, min=0, max="∞")
            else:
                out[col.key] = int(n)
        elif kind in ("category", "severity", "status"):
            out[col.key] = self.coded(kind, text, row, column, f"unknown_{kind}")
        elif kind == "url":
            parts = urlsplit(text.strip())
            if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(
                    ch.isspace() for ch in text.strip()):
                self.err("bad_url", row=row, column=column, value=text)
            else:
                out[col.key] = text.strip()
        else:
            if col.max_len and len(text) > col.max_len:
                self.err("too_long", row=row, column=column, value=text,
                         max=col.max_len, length=len(text))
            else:
                out[col.key] = text

    def rows(self, mapping: dict[int, Column]) -> list[dict]:
        records = []
        seen_keys: dict[tuple, int] = {}
        for idx, cells in enumerate(self.sheet.rows[1:], start=2):
            if not any(c.strip() for c in cells):
                continue
            out: dict = {"row_number": idx}
            before = len(self.findings)
            for i, col in mapping.items():
                text = cells[i] if i < len(cells) else ""
                self.cell(col, text, idx, self.sheet.rows[0][i], out)
            if len(self.findings) > before and any(
                    f.is_error for f in self.findings[before:]):
                continue
            p = out.pop("period")
            out.update(period=p.code, period_start=p.start, period_end=p.end)
            if self.spec.key == "progress":
                key = (out["country"], out["period"], out["module"])
                if key in seen_keys:
                    self.err("duplicate_row", row=idx, first=seen_keys[key],
                             value=" / ".join(key))
                    continue
                seen_keys[key] = idx
            joined = self.ref.joined_date(out["country"])
            if joined and out["period_end"] < joined:
                self.warn("before_membership", row=idx, value=out["period"],
                          country=out["country"], joined=joined.isoformat()[:7])
            records.append(out)
        return records


def _single_data_sheet(sheets: list[Sheet]) -> bool:
    return len([s for s in sheets if normalise(s.name) not in IGNORED_SHEETS]) == 1


def _by_header(sheet: Sheet) -> SheetSpec | None:
    """A CSV (or a lone sheet with a foreign name) is recognised by its header."""
    header = sheet.rows[0] if sheet.rows else []
    best = None
    for spec in SHEETS.values():
        keys = {c.key for t in header if (c := column_for_header(spec, t))}
        if set(spec.required) <= keys:
            if best is None or len(spec.required) > len(best.required):
                best = spec
    return best


def validate(read: ReadResult, ref: Reference, *, today: date,
             allowed_countries: set[str] | None = None) -> Validation:
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
        spec = sheet_for_name(sheet.name)
        if spec is None and normalise(sheet.name) in IGNORED_SHEETS:
            continue
        if spec is None and lone:
            spec = _by_header(sheet)
        if spec is None:
            result.findings.append(Finding.warning("unknown_sheet", sheet=sheet.name, value=sheet.name))
            continue
        if spec.key in result.sheet_names:
            result.findings.append(Finding.error("duplicate_sheet", sheet=sheet.name,
                                                 first=result.sheet_names[spec.key]))
            continue
        result.sheet_names[spec.key] = sheet.name
        checker = _SheetChecker(spec, sheet, ref, today, allowed_countries, result.findings)
        mapping = checker.header()
        if mapping is None:
            continue
        records = checker.rows(mapping)
        df = pd.DataFrame(records, columns=TABLE_COLUMNS[spec.key])
        if len(df):
            result.tables[spec.key] = df
    if not result.sheet_names:
        result.findings.append(Finding.error("no_known_sheet", value=", ".join(s.name for s in read.sheets)))
    elif not has_errors(result.findings) and not result.tables:
        result.findings.append(Finding.error("no_rows"))
    if has_errors(result.findings):
        result.tables = {}
    return result


def regressions(progress: pd.DataFrame, history: pd.DataFrame, sheet: str) -> list[Finding]:
    """``stage_regressed`` warnings: a stage lower than the country's previous period.

    ``history`` holds the stored report (country, module, period, period_start,
    stage) for blocks this file does not replace; the file's own earlier
    periods count too.
    """
    if progress.empty:
        return []
    cols = ["country", "module", "period", "period_start", "stage"]
    new = progress[cols + ["row_number"]]
    old = (history[cols] if len(history) else pd.DataFrame(columns=cols)).assign(row_number=None)
    both = pd.concat([old, new], ignore_index=True)
    both["period_start"] = pd.to_datetime(both["period_start"])
    both["row_number"] = pd.to_numeric(both["row_number"])
    both["stage"] = pd.to_numeric(both["stage"])
    both = both.sort_values(["country", "module", "period_start"], kind="stable")
    by = both.groupby(["country", "module"], sort=False)
    both["previous"], both["previous_period"] = by["stage"].shift(), by["period"].shift()
    hit = both[both["row_number"].notna() & (both["stage"] < both["previous"])]
    return [Finding.warning("stage_regressed", sheet=sheet, row=int(r.row_number), value=str(int(r.stage)),
                            previous=int(r.previous), previous_period=r.previous_period, module=r.module)
            for r in hit.itertuples()]

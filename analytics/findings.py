"""Validation findings: values with a stable code, translated at the edge."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
VALUE_MAX = 60


def truncate(value: object, limit: int = VALUE_MAX) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Finding:
    """One problem found in an upload.

    ``row`` is the row number the user sees in the spreadsheet (header = 1);
    ``column`` is the header as the user wrote it; ``params`` fill the message.
    """

    severity: str
    code: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def error(cls, code: str, **kw: object) -> Finding:
        return cls._make(ERROR, code, kw)

    @classmethod
    def warning(cls, code: str, **kw: object) -> Finding:
        return cls._make(WARNING, code, kw)

    @classmethod
    def _make(cls, severity: str, code: str, kw: dict) -> Finding:
        sheet = kw.pop("sheet", None)
        row = kw.pop("row", None)
        column = kw.pop("column", None)
        value = truncate(kw.pop("value", None))
        params = tuple(sorted((k, str(v)) for k, v in kw.items()))
        return cls(severity, code, sheet, row, column, value, params)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def param_dict(self) -> dict[str, str]:
        return dict(self.params)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.is_error for f in findings)


def reading_order(f: Finding) -> tuple:
    """Errors first, then by where they are in the file (sheet, row, column)."""
    return (0 if f.is_error else 1, f.sheet or "", f.row or 0, f.column or "", f.code)


def collapse(findings: Iterable[Finding]) -> list[tuple[Finding, int, list[int]]]:
    """Group findings that differ only by row: (first finding, count, rows).

    Many identical findings (the same code, sheet, column and value) are shown as
    one line with a count, so a file with 5,000 bad rows stays readable.
    """
    groups: dict[tuple, list[Finding]] = {}
    for f in sorted(findings, key=reading_order):
        key = (f.severity, f.code, f.sheet, f.column, f.value, f.params)
        groups.setdefault(key, []).append(f)
    out = []
    for items in groups.values():
        rows = [f.row for f in items if f.row is not None]
        out.append((items[0], len(items), rows))
    out.sort(key=lambda t: reading_order(t[0]))
    return out


def counts(findings: Iterable[Finding]) -> Counter:
    return Counter(f.severity for f in findings)


def to_json(findings: Iterable[Finding]) -> str:
    """Findings as stored with a submission."""
    return json.dumps(
        [
            {
                "severity": f.severity,
                "code": f.code,
                "sheet": f.sheet,
                "row": f.row,
                "column": f.column,
                "value": f.value,
                "params": dict(f.params),
            }
            for f in findings
        ],
        ensure_ascii=False,
    )


def from_json(text: str) -> list[Finding]:
    return [
        Finding(
            d["severity"],
            d["code"],
            d["sheet"],
            d["row"],
            d["column"],
            d["value"],
            tuple(sorted(d.get("params", {}).items())),
        )
        for d in json.loads(text)
    ]

"""What a cell of each column kind accepts: one small parser per kind, in a registry.

A parser gets the cell's text (never empty: the validator handles blank cells) and
the cell it came from, and returns the stored value, or ``None`` after reporting
what is wrong through ``cell.err``. ``sql_type`` is the stored column's type;
``domain`` names the vocabulary behind coded kinds (drop-downs, labels); ``show``
writes a stored value back as a person would type it (the template), so that
reading it again gives the same value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import pandas as pd

from analytics import periods
from analytics.sheets.schema import Column

if TYPE_CHECKING:
    from analytics.reference import Reference

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
# Thousands grouped with one separator used throughout: 1.000 · 1,000 · 1 000 · 1'000.
_GROUPED = re.compile("^[+-]?\\d{1,3}([.,\u00a0\u202f '])\\d{3}(?:\\1\\d{3})*$")
_NOT_DIGIT = re.compile(r"\D")
_INVISIBLE_CATEGORIES = {"Cf", "Co", "Cn"}


class Cell(Protocol):
    """The cell being read, as the validator exposes it to a parser."""

    today: date
    allowed_countries: set[str] | None

    def err(self, code: str, **params: object) -> None: ...

    def coded(self, domain: str, text: str, code: str) -> str | None: ...

    def allowed(self, domain: str) -> dict[str, str]: ...


Parser = Callable[[str, Column, Cell], object]
Shower = Callable[[object, Column, "Reference", str], str]


def _plain(value: object, col: Column, ref: Reference, lang: str) -> str:
    if isinstance(value, float):
        return str(int(value)) if value == int(value) else str(value)
    return str(value)


def _label(value: object, col: Column, ref: Reference, lang: str) -> str:
    domain = KINDS[col.kind].domain
    return ref.labels(domain, lang).get(str(value), str(value))


@dataclass(frozen=True)
class Kind:
    """What a column kind accepts (``parse``), stores (``sql_type``) and offers: the vocabulary
    its codes come from (``domain``: a drop-down in the template, a select box in the editor),
    the bounds of a number (``minimum``/``maximum``, ``whole``: the template's cell rule, the
    editor's number input, the parser's range) and the template's column width."""

    name: str
    sql_type: str
    parse: Parser
    domain: str | None = None
    show: Shower = _plain
    minimum: float | None = None
    maximum: float | None = None
    whole: bool = False
    width: int = 16

    @property
    def labelled(self) -> bool:
        """Whether a stored value reads differently for people (a code shown as its label)."""
        return self.show is not _plain


KINDS: dict[str, Kind] = {}


def _kind(
    name: str,
    sql_type: str,
    *,
    domain: str | None = None,
    show: Shower = _plain,
    minimum: float | None = None,
    maximum: float | None = None,
    whole: bool = False,
    width: int = 16,
) -> Callable[[Parser], Parser]:
    def register(parse: Parser) -> Parser:
        KINDS[name] = Kind(name, sql_type, parse, domain, show, minimum, maximum, whole, width)
        return parse

    return register


def show(value: object, col: Column, ref: Reference, lang: str) -> str:
    """A stored value as the template writes it ("" for none)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return KINDS[col.kind].show(value, col, ref, lang)


def has_invisible(text: str) -> bool:
    if text.isascii():
        return False
    return any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in text)


def number(text: str) -> float | None:
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.match(t):
        return None
    return float(t.replace(",", "."))


def _visible(text: str, cell: Cell) -> bool:
    if has_invisible(text):
        cell.err("invisible_character", value=text.encode("unicode_escape").decode())
        return False
    return True


@_kind(
    "country",
    "VARCHAR",
    domain="country",
    show=lambda v, col, ref, lang: ref.country_name(str(v), lang),
    width=24,
)
def _country(text: str, col: Column, cell: Cell) -> str | None:
    code = cell.coded("country", text, "unknown_country")
    if code and cell.allowed_countries is not None and code not in cell.allowed_countries:
        cell.err("country_not_allowed", value=text, country=code)
    return code


@_kind("period", "VARCHAR")
def _period(text: str, col: Column, cell: Cell) -> periods.Period | None:
    if not _visible(text, cell):
        return None
    p = periods.parse(text)
    if p is None or p.year < periods.EARLIEST_YEAR:
        cell.err("bad_period", value=text, earliest=periods.EARLIEST_YEAR)
        return None
    if p.start > cell.today:
        cell.err("future_period", value=text)
        return None
    return p


@_kind("module", "VARCHAR", domain="module", show=_label, width=24)
def _module(text: str, col: Column, cell: Cell) -> str | None:
    code = cell.coded("module", text, "unknown_module")
    if code == "CROSS" and not col.allow_cross:
        cell.err("unknown_module", value=text, **cell.allowed("module"))
        return None
    return code


@_kind(
    "stage",
    "INTEGER",
    domain="stage",
    show=lambda v, col, ref, lang: f"{int(v)} {_label(int(v), col, ref, lang)}",
)
def _stage(text: str, col: Column, cell: Cell) -> int | None:
    n = number(text)
    if n is not None and n == int(n) and 0 <= n <= 5:
        return int(n)
    if n is not None:
        cell.err("bad_stage", value=text, **cell.allowed("stage"))
        return None
    code = cell.coded("stage", text, "bad_stage")
    return int(code) if code is not None else None


_PERCENT_LOW, _PERCENT_HIGH = 0, 100


@_kind("percent", "DOUBLE", minimum=_PERCENT_LOW, maximum=_PERCENT_HIGH)
def _percent(text: str, col: Column, cell: Cell) -> float | None:
    raw = text.strip()
    n = number(raw[:-1] if raw.endswith("%") else raw)
    if n is None:
        cell.err("not_number", value=text)
        return None
    if not _PERCENT_LOW <= n <= _PERCENT_HIGH:
        cell.err("out_of_range", value=text, min=_PERCENT_LOW, max=_PERCENT_HIGH)
        return None
    return round(n, 10)  # 45.50000000000001, as a spreadsheet may compute it, is 45.5


def whole_number(text: str) -> int | None:
    """A whole number as people write one: ``1000``, ``1.000`` and ``1,000`` (thousands
    grouped, as Spanish and English settings show them), ``1 000``; ``10,0``; and a value a
    spreadsheet computed as 7.000000000000001. None when it is not a whole number."""
    t = text.strip()
    if _GROUPED.match(t):
        return int(_NOT_DIGIT.sub("", t)) * (-1 if t.startswith("-") else 1)
    n = number(t)
    if n is None or abs(n - round(n)) > 1e-9 * max(1.0, abs(n)):
        return None
    return int(round(n))


@_kind("count", "BIGINT", minimum=0, whole=True)
def _count(text: str, col: Column, cell: Cell) -> int | None:
    n = whole_number(text)
    if n is None:
        cell.err("not_integer", value=text)
        return None
    if n < 0:
        cell.err("out_of_range", value=text, min=0, max="∞")
        return None
    return n


@_kind("text", "VARCHAR", width=40)
def _text(text: str, col: Column, cell: Cell) -> str | None:
    if col.max_len and len(text) > col.max_len:
        cell.err("too_long", value=text, max=col.max_len, length=len(text))
        return None
    return text


@_kind("url", "VARCHAR", width=40)
def _url(text: str, col: Column, cell: Cell) -> str | None:
    value = text.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in value):
        cell.err("bad_url", value=text)
        return None
    return value


def _vocabulary(domain: str, unknown: str | None = None, width: int = 16) -> None:
    """A kind whose cells are codes of one vocabulary; unknown text is ``unknown``
    (by default ``unknown_<domain>``)."""
    code = unknown or f"unknown_{domain}"

    def parse(text: str, col: Column, cell: Cell) -> str | None:
        return cell.coded(domain, text, code)

    KINDS[domain] = Kind(domain, "VARCHAR", parse, domain, _label, width=width)


_vocabulary("category", width=24)
_vocabulary("severity")
_vocabulary("status")
_vocabulary("institution_type", width=30)
_vocabulary("activity_kind", "unknown_kind", width=24)

COUNTRY_SEPARATOR = ";"


def _country_names(value: object, col: Column, ref: Reference, lang: str) -> str:
    return "; ".join(ref.country_name(code, lang) for code in str(value).split(COUNTRY_SEPARATOR) if code)


@_kind("countries", "VARCHAR", show=_country_names, width=30)
def _countries(text: str, col: Column, cell: Cell) -> str | None:
    """Countries named by ISO3 code or name in either language, separated by ``;``: stored as
    their ISO3 codes joined by ``;``, in the order given, each once. Any country may be
    named (a focal point names where a practice came from, not whose data it is)."""
    codes: list[str] = []
    failed = False
    for part in text.split(COUNTRY_SEPARATOR):
        if not part.strip():
            continue
        code = cell.coded("country", part.strip(), "unknown_country")
        if code is None:
            failed = True
        elif code not in codes:
            codes.append(code)
    if failed or not codes:
        return None
    return COUNTRY_SEPARATOR.join(codes)


def _yes_no_label(value: object, col: Column, ref: Reference, lang: str) -> str:
    code = "YES" if value else "NO"
    return ref.labels("yes_no", lang).get(code, code)


@_kind("yes_no", "BOOLEAN", domain="yes_no", show=_yes_no_label)
def _yes_no(text: str, col: Column, cell: Cell) -> bool | None:
    """Yes or no in either language (sí/no, yes/no), or a spreadsheet's TRUE/FALSE cell."""
    code = cell.coded("yes_no", text, "bad_yes_no")
    return None if code is None else code == "YES"


def choices(col: Column, ref: Reference, lang: str) -> list[str] | None:
    """What a person picks from for a coded column, written as they would type it (the
    template's drop-down list, the editor's select box); None for a column typed freely."""
    domain = KINDS[col.kind].domain
    if domain is None:
        return None
    if domain == "country":
        return [str(n) for n in ref.members(lang)[f"name_{lang}"]]
    labels = ref.labels(domain, lang)
    if domain == "module" and not col.allow_cross:
        return [v for k, v in labels.items() if k != "CROSS"]
    if domain == "stage":
        return [f"{k} {v}" for k, v in labels.items()]
    return list(labels.values())


def sql_type(kind: str) -> str:
    return KINDS[kind].sql_type

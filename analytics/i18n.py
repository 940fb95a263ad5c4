"""Translations. Every user-facing text lives in ``locales/*.toml``: one table
per key with an ``es`` and an ``en`` string (Python ``str.format`` fields).

Files are split by area so that each can be edited on its own; a key may be
defined only once across them.
"""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from analytics.errors import EspError
from analytics.findings import Finding

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
LOCALES = Path(__file__).with_name("locales")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for key, texts in data.items():
            if key in merged:
                raise ValueError(f"translation key {key!r} defined twice ({path.name})")
            merged[key] = texts
    return merged


def lang_or_default(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# --- numbers, dates, plurals and order, per language -------------------------------------

_SEPARATORS = {"es": (".", ","), "en": (",", ".")}  # thousands, decimal
_MONTHS = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def number(value: object, lang: str, decimals: int | None = None) -> str:
    """``value`` as people write it in ``lang``: 1.882 / 1,882; 45,5 / 45.5. ``decimals``
    fixes the digits after the point (default: none for whole numbers, else up to one)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)  # numpy and Decimal numbers; anything else is shown as is
        except (TypeError, ValueError):
            return "" if value is None else str(value)
    if value != value:
        return ""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    if decimals and decimals == 1 and text.endswith("0") and not float(value).is_integer():
        text = text[:-2]
    thousands, point = _SEPARATORS[lang_or_default(lang)]
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


def date_text(value: date | datetime | None, lang: str) -> str:
    """A date as people read it: 30 jun 2024 / 30 Jun 2024 (empty for none)."""
    if value is None or value != value:
        return ""
    month = _MONTHS[lang_or_default(lang)][value.month - 1]
    return f"{value.day} {month} {value.year}"


def datetime_text(value: datetime | None, lang: str) -> str:
    """A moment in UTC: 30 jun 2024, 14:05 UTC."""
    if value is None or value != value:
        return ""
    return f"{date_text(value, lang)}, {value:%H:%M} UTC"


def sort_key(text: object, lang: str) -> str:
    """A key that orders names as a dictionary of ``lang`` does: accents and case aside,
    República Dominicana under R, and in Spanish ñ after n."""
    folded = str(text).casefold()
    if lang_or_default(lang) == "es":
        folded = folded.replace("ñ", "n~")
    return "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))


def _is_one(value: object) -> bool:
    try:
        return float(value) == 1  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


class _Formatter(string.Formatter):
    """``str.format`` with two specs of our own: ``{n:n}`` a number in the language's
    way (``{v:n1}`` with one decimal), and ``{n:plural:one|other}`` the form that goes
    with ``n``, where ``#`` stands for the number itself."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def get_value(self, key, args, kwargs):  # noqa: ANN001
        return kwargs[key] if key in kwargs else "{" + str(key) + "}"

    def format_field(self, value: object, spec: str) -> str:
        if spec.startswith("plural:"):
            forms = spec[len("plural:") :].split("|")
            form = forms[0] if _is_one(value) else forms[-1]
            return form.replace("#", number(value, self.lang))
        if spec == "n":
            return number(value, self.lang)
        if re.fullmatch(r"n\d", spec):
            return number(value, self.lang, int(spec[1]))
        return super().format_field(value, spec)


_SPECS = re.compile(r"\{[A-Za-z_0-9]*:(?:n|plural)")


@lru_cache(maxsize=4096)
def _has_specs(template: str) -> bool:
    return bool(_SPECS.search(template))


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The text for ``key`` in ``lang``; unknown keys come back as the key itself."""
    entry = catalogue().get(key)
    if entry is None:
        return key
    lang = lang_or_default(lang)
    template = entry.get(lang) or entry.get(DEFAULT_LANGUAGE, key)
    if _has_specs(template):
        return _Formatter(lang).vformat(template, (), params)
    return template.format_map(_Blank(params))


def has(key: str) -> bool:
    return key in catalogue()


def finding_message(f: Finding, lang: str) -> str:
    """The finding as a sentence that says where, what and how to fix."""
    params = f.param_dict()
    params.setdefault("value", f.value if f.value is not None else "")
    params.setdefault("column", f.column or "")
    params.setdefault("sheet", f.sheet or "")
    body = t(f"finding.{f.code}", lang, **params)
    if params.get("suggestion"):
        body += " " + t("finding.did_you_mean", lang, suggestion=params["suggestion"])
    where = []
    if f.row is not None:
        where.append(t("where.row", lang, row=f.row))
    if f.column:
        where.append(t("where.column", lang, column=f.column))
    if where:
        return ", ".join(where) + ": " + body
    return body


def error_message(err: EspError, lang: str) -> str:
    return t(f"error.{err.code}", lang, **{k: str(v) for k, v in err.params.items()})

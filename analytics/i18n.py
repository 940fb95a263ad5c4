"""Translations. Every user-facing text lives in ``locales/*.toml``: one table
per key with an ``es`` and an ``en`` string (Python ``str.format`` fields).

Files are split by area so that each can be edited on its own; a key may be
defined only once across them.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from .errors import EspError
from .findings import Finding

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


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The text for ``key`` in ``lang``; unknown keys come back as the key itself."""
    entry = catalogue().get(key)
    if entry is None:
        return key
    template = entry.get(lang_or_default(lang)) or entry.get(DEFAULT_LANGUAGE, key)
    return template.format_map(_Blank({k: v for k, v in params.items()}))


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

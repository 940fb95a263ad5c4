"""Reference facts (countries, modules, vocabularies) and lookups by any name.

The facts live in ``data/reference/*.csv`` with their sources; ``load`` copies
them into the database, ``Reference`` answers "which code is this text?".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from analytics.i18n import sort_key, t
from analytics.paths import REFERENCE_DIR
from analytics.spelling import normalise

# The four reportable modules in the ESP's order (module 1 is the overview); challenges
# and capacity activities may also be CROSS (cross-cutting).
MODULES = ("HEALTH", "JUSTICE", "SOCIAL", "COORD")
# Joining date not published for later members: 2019 is the earliest possible.
LATER_MEMBERS_EARLIEST_YEAR = 2019


def short_module_names(lang: str) -> dict[str, str]:
    """Module names short enough for axes and legends (CROSS included), in the ESP's order."""
    return {m: t(f"module_short.{m}", lang) for m in (*MODULES, "CROSS")}


def read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False)


def _countries_frame() -> pd.DataFrame:
    df = read_csv("countries.csv")

    def joined_date(text: str) -> date:
        if not text:
            return date(LATER_MEMBERS_EARLIEST_YEAR, 1, 1)
        parts = text.split("-")
        return date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, 1)

    out = pd.DataFrame(
        {
            "iso3": df["iso3"],
            "iso2": df["iso2"],
            "m49": df["m49"],
            "name_en": df["name_en"],
            "name_es": df["name_es"],
            "subregion": df["subregion_m49"],
            "main_language": df["main_language"],
            "joined": df["cop_joined"],
            "joined_year": [joined_date(t).year for t in df["cop_joined"]],
            "joined_date": [joined_date(t) for t in df["cop_joined"]],
            "entry_route": df["cop_entry_route"],
            "spotlight": df["spotlight_country_programme"].eq("yes"),
            "member": True,
            "source": df["source"],
        }
    )
    return out


def _frames() -> dict[str, pd.DataFrame]:
    modules = read_csv("modules.csv")
    modules["number"] = modules["number"].astype(int)
    modules["reportable"] = modules["reportable"].eq("yes")
    services = read_csv("services.csv").rename(columns={"order": "ord"})
    services["ord"] = services["ord"].astype(int)
    services["verified"] = services["verified"].eq("yes")
    # ``source`` is the citation shown to people; ``source_repo_path`` is for maintainers only.
    ctx = read_csv("context_sdg521_ipv.csv").rename(columns={"sdg_series": "series"})
    ctx = ctx.drop(columns=["source_repo_path"])
    for col in ("value_pct", "lower_bound", "upper_bound"):
        ctx[col] = pd.to_numeric(ctx[col], errors="coerce")
    for col in ("reference_year", "source_year"):
        ctx[col] = pd.to_numeric(ctx[col], errors="coerce").astype("Int64")
    vocab = read_csv("vocabularies.csv")
    vocab["ord"] = vocab["ord"].astype(int)
    return {
        "countries": _countries_frame(),
        "modules": modules,
        "services": services,
        "milestones": read_csv("milestones.csv"),
        "context_indicator": ctx,
        "vocab": vocab,
        "aliases": read_csv("aliases.csv"),
    }


# The shipped facts, by what they hold (``brief.facts_<key>`` names them for people).
REFERENCE_FILES = {
    "countries": "countries.csv",
    "modules": "modules.csv",
    "services": "services.csv",
    "milestones": "milestones.csv",
    "context": "context_sdg521_ipv.csv",
}


def citations() -> pd.DataFrame:
    """Each distinct citation of the shipped facts (columns ``facts``, ``source``), in the
    words of data/reference's ``source`` columns, which are written to be shown."""
    rows = []
    for key, name in REFERENCE_FILES.items():
        for source in dict.fromkeys(read_csv(name)["source"]):
            if source.strip():
                rows.append({"facts": key, "source": source.strip()})
    return pd.DataFrame(rows, columns=["facts", "source"])


@dataclass
class Reference:
    """Lookups built once from the database: any accepted spelling → code."""

    countries: pd.DataFrame
    vocab: pd.DataFrame
    lookup: dict[str, dict[str, str]] = field(default_factory=dict)
    _display: dict[str, dict[str, str]] | None = field(default=None, repr=False, compare=False)
    _joined: dict[str, date] | None = field(default=None, repr=False, compare=False)
    _labels: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict, repr=False, compare=False)
    _members: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def code(self, domain: str, text: str) -> str | None:
        return self.lookup.get(domain, {}).get(normalise(text))

    def codes(self, domain: str) -> list[str]:
        v = self.vocab[self.vocab["domain"] == domain].sort_values("ord")
        return list(v["code"])

    def labels(self, domain: str, lang: str) -> dict[str, str]:
        """Code → label in ``lang``, in the vocabulary's order (a fresh dict each call)."""
        key = (domain, lang)
        if key not in self._labels:
            v = self.vocab[self.vocab["domain"] == domain].sort_values("ord")
            self._labels[key] = dict(zip(v["code"], v[f"label_{lang}"]))
        return dict(self._labels[key])

    def display_spellings(self) -> dict[str, dict[str, str]]:
        """Per domain, normalised spelling → the form to suggest ("did you mean …")."""
        if self._display is None:
            out: dict[str, dict[str, str]] = {"country": {}}
            for r in self.countries.itertuples():
                for text in (r.iso3, r.name_en, r.name_es):
                    out["country"].setdefault(normalise(text), text)
            for r in self.vocab.itertuples():
                d = out.setdefault(r.domain, {})
                for text in (r.code, r.label_en, r.label_es):
                    d.setdefault(normalise(text), text)
            self._display = out
        return self._display

    def country_name(self, iso3: str, lang: str) -> str:
        key = ("country_name", lang)
        if key not in self._labels:
            self._labels[key] = dict(zip(self.countries["iso3"], self.countries[f"name_{lang}"].astype(str)))
        return self._labels[key].get(iso3, iso3)

    def members(self, lang: str) -> pd.DataFrame:
        """The member countries in the order a reader of ``lang`` expects (by name, accents
        aside). Sorted once per language (collation keys cost ~20 ms, on every run)."""
        if lang not in self._members:
            m = self.countries[self.countries["member"]]
            self._members[lang] = m.sort_values(
                f"name_{lang}", key=lambda names: names.map(lambda n: sort_key(n, lang))
            )
        return self._members[lang].copy(deep=False)

    def joined_date(self, iso3: str) -> date | None:
        if self._joined is None:
            self._joined = dict(zip(self.countries["iso3"], self.countries["joined_date"]))
        return self._joined.get(iso3)


def build(con: duckdb.DuckDBPyConnection) -> Reference:
    countries = con.execute("SELECT * FROM countries ORDER BY iso3").df()
    countries["joined_date"] = pd.to_datetime(countries["joined_date"]).dt.date
    vocab = con.execute("SELECT * FROM vocab").df()
    aliases = con.execute("SELECT domain, code, alias FROM aliases").df()
    modules = con.execute("SELECT code, number, name_en, name_es FROM modules WHERE reportable").df()
    lookup: dict[str, dict[str, str]] = {}

    def add(domain: str, code: str, *texts: object) -> None:
        table = lookup.setdefault(domain, {})
        for text in texts:
            if text is None or (isinstance(text, float) and pd.isna(text)):
                continue
            key = normalise(str(text))
            if key:
                table.setdefault(key, code)

    for r in countries.itertuples():
        add("country", r.iso3, r.iso3, r.iso2, r.name_en, r.name_es)
    for r in vocab.itertuples():
        add(r.domain, r.code, r.code, r.label_en, r.label_es)
        if r.domain == "stage":
            add("stage", r.code, f"{r.code} {r.label_es}", f"{r.code} {r.label_en}")
    for r in modules.itertuples():
        add("module", r.code, r.number, f"module {r.number}", f"modulo {r.number}", r.name_en, r.name_es)
    for r in aliases.itertuples():
        add(r.domain, r.code, r.alias)
    return Reference(countries=countries, vocab=vocab, lookup=lookup)

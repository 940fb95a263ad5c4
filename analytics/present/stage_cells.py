"""The stage matrix's cells, in words: one row per country × module, with what both
drawings of the matrix print and say (the app's Vega-Lite chart, the brief's Plotly one)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.i18n import sort_key, t
from analytics.reference import MODULES, Reference, short_module_names

ARROWS = {1: "▲", 0: "=", -1: "▼"}
COLUMNS = [
    "country", "name", "module", "module_label", "stage", "label", "hover", "carried_from", "awaiting",
]  # fmt: skip


def is_awaiting(value: object) -> bool:
    """A cell's ``awaiting`` value as a plain bool (missing counts as not awaiting)."""
    return isinstance(value, bool | np.bool_) and bool(value)


def country_order(matrix: pd.DataFrame, ref: Reference, lang: str) -> list[str]:
    """The matrix's countries (ISO3) in the language's alphabetical order of their names."""
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    return sorted(matrix["country"].unique(), key=lambda c: sort_key(names.get(c, c), lang))


def matrix_cells(matrix: pd.DataFrame, ref: Reference, lang: str, year: int) -> pd.DataFrame:
    """Every country × module of ``matrix`` (``queries.stage_status``), countries in
    alphabetical order: ``stage`` (None where nothing was reported), ``label`` (the stage and
    its arrow since the year before, "–" when empty), ``hover`` (the sentence), the year a
    carried-forward value comes from, and whether it awaits review."""
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    mods = short_module_names(lang)
    stage_labels = ref.labels("stage", lang)
    cells = {(r["country"], r["module"]): r for r in matrix.to_dict("records")}
    rows = []
    for c in country_order(matrix, ref, lang):
        name = names.get(c, c)
        for m in MODULES:
            r = cells.get((c, m))
            if r is None:
                hover = t("chart.matrix_hover_none", lang, country=name, module=mods[m])
                rows.append((c, name, m, mods[m], None, "–", hover, None, False))
                continue
            stage = int(r["stage"])
            arrow = "" if pd.isna(r["change"]) else " " + ARROWS[int(r["change"])]
            before = "—" if pd.isna(r["previous_stage"]) else str(int(r["previous_stage"]))
            hover = t(
                "chart.matrix_hover",
                lang,
                country=name,
                module=mods[m],
                stage=stage,
                label=stage_labels[str(stage)],
                period=r["period"],
                year=year,
                previous_year=year - 1,
                previous=before,
            )
            carried = None if pd.isna(r.get("carried_from")) else int(r["carried_from"])
            if carried is not None:
                hover += "<br>" + t("refperiod.carried", lang, year=carried)
            awaiting = is_awaiting(r.get("awaiting"))
            if awaiting:
                hover += " · " + t("chart.awaiting", lang)
            rows.append((c, name, m, mods[m], stage, f"{stage}{arrow}", hover, carried, awaiting))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["stage"] = out["stage"].astype("Int64")
    out["carried_from"] = out["carried_from"].astype("Int64")
    return out


def matrix_lines(cells: pd.DataFrame) -> list[str]:
    """The matrix (``matrix_cells``) as one line per country, for narrow screens: "Perú:
    Salud 3 ▲ · Justicia y policía 1 = (2023) · …" (a year in brackets: carried forward
    from it; a module without a report is left out)."""
    out = []
    for name, rows in cells[cells["stage"].notna()].groupby("name", sort=False):
        parts = [
            f"{m} {label}" + ("" if pd.isna(y) else f" ({y})")
            for m, label, y in zip(rows["module_label"], rows["label"], rows["carried_from"], strict=True)
        ]
        out.append(f"{name}: " + " · ".join(parts))
    return out

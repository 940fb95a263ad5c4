"""One-sentence summaries that accompany every chart, in the user's language."""

from __future__ import annotations

import pandas as pd

from .i18n import t
from .queries import PILOT_STAGE, stage_at
from .reference import Reference


def kpi_sentence(k: pd.DataFrame, lang: str) -> str:
    row = k.set_index("kpi")
    return t(
        "summary.kpis",
        lang,
        year=int(row.loc["members", "year"]),
        members=row.loc["members", "value"],
        pilot=row.loc["pilot_or_beyond", "value"],
        avg=row.loc["average_stage", "value"] if row.loc["average_stage", "value"] is not None else "—",
        reported=row.loc["reported", "value"],
    )


def matrix_sentence(matrix: pd.DataFrame, lang: str) -> str:
    if matrix.empty:
        return t("ui.no_data", lang)
    up = int((matrix["change"] == 1).sum())
    down = int((matrix["change"] == -1).sum())
    pilot = int((matrix["stage"] >= PILOT_STAGE).sum())
    return t("summary.matrix", lang, cells=len(matrix), pilot=pilot, up=up, down=down)


def map_sentence(values: pd.DataFrame, lang: str) -> str:
    known = values.dropna(subset=["value"])
    if known.empty:
        return t("ui.no_data", lang)
    top = known.sort_values("value", ascending=False).iloc[0]
    return t(
        "summary.map",
        lang,
        n=len(known),
        total=len(values),
        top=top["name"],
        value=f"{top['value']:.1f}".rstrip("0").rstrip("."),
    )


def country_sentence(yearly: pd.DataFrame, name: str, lang: str) -> str:
    if yearly.empty:
        return t("summary.country_none", lang, country=name)
    y = int(yearly["year"].max())
    now = stage_at(yearly, y)
    before = stage_at(yearly, y - 1)
    return t(
        "summary.country",
        lang,
        country=name,
        year=y,
        n=int((now["stage"] >= PILOT_STAGE).sum()),
        total=len(now),
        before=int((before["stage"] >= PILOT_STAGE).sum()),
    )


def distribution_sentence(dist: pd.DataFrame, module_label: str, lang: str) -> str:
    if dist.empty:
        return t("ui.no_data", lang)
    y = int(dist["year"].max())
    last = dist[dist["year"] == y]
    pilot = int(last[last["stage"] >= PILOT_STAGE]["countries"].sum())
    return t(
        "summary.distribution", lang, module=module_label, year=y, n=pilot, total=int(last["countries"].sum())
    )


def challenges_sentence(ch: pd.DataFrame, ref: Reference, lang: str) -> str:
    if ch.empty:
        return t("ui.no_data", lang)
    top = ch["category"].value_counts()
    cat = ref.labels("category", lang)[top.index[0]]
    high = int((ch["severity"] == "HIGH").sum())
    return t(
        "summary.challenges",
        lang,
        n=len(ch),
        countries=ch["country"].nunique(),
        category=cat,
        top=int(top.iloc[0]),
        high=high,
    )


def completeness_sentence(comp: pd.DataFrame, year: int, lang: str) -> str:
    y = comp[(comp["year"] == year) & comp["expected"]]
    if y.empty:
        return t("ui.no_data", lang)
    return t("summary.completeness", lang, year=year, reported=int(y["progress"].sum()), expected=len(y))

"""One-sentence summaries that accompany every chart, in the user's language."""

from __future__ import annotations

import pandas as pd

from analytics.i18n import number, t
from analytics.insights.status import PILOT_STAGE, stage_at
from analytics.reference import Reference


def _carried_note(n: int, lang: str) -> str:
    return " " + t("summary.carried_note", lang, n=n) if n else ""


def kpi_sentence(k: pd.DataFrame, lang: str) -> str:
    row = k.set_index("kpi")
    avg = row.loc["average_stage", "value"]
    return t(
        "summary.kpis",
        lang,
        year=int(row.loc["members", "year"]),
        members=row.loc["members", "value"],
        pilot=row.loc["pilot_or_beyond", "value"],
        avg="—" if avg is None else number(avg, lang, 2),
        reported=row.loc["reported", "value"],
    )


def matrix_sentence(matrix: pd.DataFrame, year: int, lang: str) -> str:
    """How many country-modules stood at pilot or beyond at the end of ``year``, how many
    rose or fell since the year before, and how many values are carried forward."""
    if matrix.empty:
        return t("ui.no_data", lang)
    up = int((matrix["change"] == 1).sum())
    down = int((matrix["change"] == -1).sum())
    pilot = int((matrix["stage"] >= PILOT_STAGE).sum())
    carried = int(matrix["carried_from"].notna().sum()) if "carried_from" in matrix else 0
    return t(
        "summary.matrix", lang, year=year, previous=year - 1, cells=len(matrix), pilot=pilot, up=up, down=down
    ) + _carried_note(carried, lang)


def map_sentence(values: pd.DataFrame, year: int, lang: str) -> str:
    known = values.dropna(subset=["value"])
    if known.empty:
        return t("ui.no_data", lang)
    top = known.sort_values("value", ascending=False).iloc[0]
    carried = int((known["carried"] > 0).sum()) if "carried" in known else 0
    text = t(
        "summary.map",
        lang,
        year=year,
        n=len(known),
        total=len(values),
        top=top["name"],
        value=number(top["value"], lang),
    )
    return text + (" " + t("summary.map_carried", lang, n=carried) if carried else "")


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


def distribution_sentence(dist: pd.DataFrame, module_label: str, year: int, lang: str) -> str:
    """Countries at pilot or beyond in a module at the end of ``year`` (the view's
    reference year), and how many of those values are carried forward."""
    last = dist[dist["year"] == year]
    if last.empty:
        return t("ui.no_data", lang)
    pilot = last[last["stage"] >= PILOT_STAGE]
    carried = int(last["carried"].sum()) if "carried" in last else 0
    return t(
        "summary.distribution",
        lang,
        module=module_label,
        year=year,
        n=int(pilot["countries"].sum()),
        total=int(last["countries"].sum()),
    ) + _carried_note(carried, lang)


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


def completeness_sentence(comp: pd.DataFrame, year: int, lang: str, *, under_way: bool = False) -> str:
    """How many expected countries reported their progress for ``year`` (so far, when the
    year is under way)."""
    y = comp[(comp["year"] == year) & comp["expected"]]
    if y.empty:
        return t("ui.no_data", lang)
    key = "summary.completeness_under_way" if under_way else "summary.completeness"
    return t(key, lang, year=year, reported=int(y["progress"].sum()), expected=len(y))

"""Tables as the pages show them: codes turned into labels in the reader's language,
rows in reading order. Pure functions of frames, so the app can cache them."""

from __future__ import annotations

import pandas as pd

from .i18n import t
from .reference import Reference

CHALLENGE_COLUMNS = ["country", "period", "module", "category", "severity", "status", "description"]


def challenges(ch: pd.DataFrame, ref: Reference, lang: str, *, with_country: bool = True) -> pd.DataFrame:
    """Newest first, every code as its label."""
    view = ch.sort_values("period_start", ascending=False, kind="stable")
    out = pd.DataFrame({
        "country": [ref.country_name(x, lang) for x in view["country"]],
        "period": view["period"].to_numpy(),
        "module": view["module"].map(ref.labels("module", lang)).to_numpy(),
        "category": view["category"].map(ref.labels("category", lang)).to_numpy(),
        "severity": view["severity"].map(ref.labels("severity", lang)).to_numpy(),
        "status": view["status"].map(ref.labels("status", lang)).to_numpy(),
        "description": view["description"].to_numpy(),
    })
    return out if with_country else out.drop(columns=["country"])


def practices(pr: pd.DataFrame, ref: Reference, lang: str) -> pd.DataFrame:
    return pr.assign(module=pr["module"].map(ref.labels("module", lang)))[
        ["period", "module", "title", "description", "url"]].reset_index(drop=True)


def country_history(hist: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A country's submissions, newest first, each marked live or rolled back."""
    view = hist[["id", "committed_at", "uploaded_by", "file_name", "periods", "sheets", "rows",
                 "rolled_back_at"]].sort_values("id", ascending=False)
    status = view["rolled_back_at"].notna().map({True: t("country.rolled_back", lang),
                                                 False: t("country.live", lang)})
    return view.assign(status=status).reset_index(drop=True)


def shared_challenges(shared: pd.DataFrame, ref: Reference, lang: str, module_labels: dict[str, str]) -> pd.DataFrame:
    return shared.assign(category=shared["category"].map(ref.labels("category", lang)),
                         module=shared["module"].map(module_labels)).reset_index(drop=True)
